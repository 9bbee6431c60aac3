"""A small HTTP/1.1 client for the load generator: keep-alive connections on asyncio streams, nothing else.

httpx cost the generator 2.5–5 ms of CPU per request (about a core at 200 requests/s on a 2-core machine, more than
the server it measured), so the benchmark measured its own client. This one does only what bench/course/load.py
needs: GET and form POSTs to one host, a pool of at most `max_connections` keep-alive connections, responses with
Content-Length or chunked bodies, Set-Cookie read by name. An idle connection older than the server's keep-alive
(uvicorn closes after 5 s) is not reused, and a reused one that the server closed before answering is retried
once on a new connection. A request cancelled half-way (the generator's timeout) closes its connection.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

IDLE_SECONDS = 4.0  # under uvicorn's 5 s keep-alive, so a pooled connection is still open when reused
HEAD_LIMIT = 64 * 1024


@dataclass(slots=True)
class Response:
    status_code: int
    headers: list[tuple[str, str]]  # names in lower case, in order
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def cookie(self, name: str) -> str | None:
        """The value a Set-Cookie header gives `name`, if any."""
        prefix = f"{name}="
        for key, value in self.headers:
            if key == "set-cookie" and value.startswith(prefix):
                return value[len(prefix) :].split(";", 1)[0]
        return None


class ServerClosed(Exception):
    """The server closed a reused connection before answering (safe to send again on a new one)."""


class Client:
    def __init__(self, base_url: str, max_connections: int):
        url = urlsplit(base_url)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"the load generator speaks plain http to one host, not {base_url!r}")
        self.host = url.hostname
        self.port = url.port or 80
        self.host_header = url.netloc
        self.slots = asyncio.Semaphore(max_connections)
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers or {}, b"")

    async def post_form(self, path: str, fields: dict[str, str | list[str]], headers: dict[str, str]) -> Response:
        body = urlencode(fields, doseq=True).encode()
        return await self.request("POST", path, {**headers, "content-type": "application/x-www-form-urlencoded"}, body)

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        lines = [f"{method} {path} HTTP/1.1", f"host: {self.host_header}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"content-length: {len(body)}")
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        async with self.slots:
            connection = self._idle_connection()
            if connection is not None:
                try:
                    return await self._exchange(connection, message)
                except ServerClosed:
                    pass
            connection = await asyncio.open_connection(self.host, self.port)
            return await self._exchange(connection, message, reused=False)

    def _idle_connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        now = time.monotonic()
        while self.idle:
            reader, writer, since = self.idle.pop()
            if now - since < IDLE_SECONDS and not reader.at_eof():
                return reader, writer
            writer.close()
        return None

    async def _exchange(
        self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], message: bytes, reused: bool = True
    ) -> Response:
        reader, writer = connection
        try:
            writer.write(message)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                if reused and not getattr(exc, "partial", b""):
                    raise ServerClosed from exc
                raise
            response, keep_alive = await _read_response(reader, head)
        except BaseException:
            writer.close()
            raise
        if keep_alive:
            self.idle.append((reader, writer, time.monotonic()))
        else:
            writer.close()
        return response

    async def close(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()


async def _read_response(reader: asyncio.StreamReader, head: bytes) -> tuple[Response, bool]:
    if len(head) > HEAD_LIMIT:
        raise ValueError("response head over 64 KiB")
    status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
    version, status, *_ = status_line.split(" ", 2)
    headers = []
    length = None
    chunked = False
    keep_alive = version == "HTTP/1.1"
    for line in header_lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        headers.append((name, value))
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value.lower()
        elif name == "connection":
            keep_alive = value.lower() == "keep-alive" or (keep_alive and value.lower() != "close")
    code = int(status)
    if chunked:
        body = await _read_chunked(reader)
    elif length is not None:
        body = await reader.readexactly(length)
    elif code in (204, 304) or 100 <= code < 200:
        body = b""
    else:  # no length: the body runs to the end of the connection
        body = await reader.read()
        keep_alive = False
    return Response(code, headers, body), keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
