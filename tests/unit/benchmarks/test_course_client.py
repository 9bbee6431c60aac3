"""bench/course/client.py, the load generator's HTTP client, against a scripted server on 127.0.0.1: what it sends,
both kinds of body, keep-alive reuse, a connection the server closed, and a request cancelled half-way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bench.course.client import Client

# A request's head and body → the raw response (None: close without one), or a coroutine that gives it later.
Answer = Callable[[bytes], Any]


class Server:
    def __init__(self, answer: Answer):
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                response = self.answer(request)
                if asyncio.iscoroutine(response):
                    response = await response
                if response is None:
                    break
                writer.write(response)
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Answer], asyncio.Future]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> tuple[Server, str]:
        scripted = Server(answer)
        server = await asyncio.start_server(scripted.handle, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return scripted, f"http://127.0.0.1:{port}"

    yield start  # type: ignore[misc]
    for server in servers:
        server.close()


def ok(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return b"HTTP/1.1 200 OK\r\n" + head.encode() + b"content-length: %d\r\n\r\n" % len(body) + body


async def test_a_get_sends_host_and_headers_and_reads_a_sized_body(serve):
    server, url = await serve(lambda request: ok(b"hej", "set-cookie: csrftoken=abc; Path=/; SameSite=Lax"))
    client = Client(url, max_connections=4)
    response = await client.get("/logga-in", {"cookie": "s=1"})
    assert (response.status_code, response.text, response.cookie("csrftoken"), response.cookie("other")) == (
        200,
        "hej",
        "abc",
        None,
    )
    head = server.requests[0].decode()
    assert head.startswith("GET /logga-in HTTP/1.1\r\n")
    assert f"host: {url.removeprefix('http://')}\r\n" in head and "cookie: s=1\r\n" in head
    assert "content-length" not in head
    await client.close()


async def test_a_form_post_is_urlencoded_with_repeated_fields(serve):
    server, url = await serve(lambda request: b"HTTP/1.1 303 See Other\r\nlocation: /\r\ncontent-length: 0\r\n\r\n")
    client = Client(url, max_connections=4)
    response = await client.post_form("/svar", {"choice": ["a", "b"], "text": "å ä"}, {"x-csrftoken": "t"})
    assert response.status_code == 303 and response.body == b""
    head, body = server.requests[0].split(b"\r\n\r\n")
    assert body == b"choice=a&choice=b&text=%C3%A5+%C3%A4"
    assert b"content-type: application/x-www-form-urlencoded" in head and b"content-length: %d" % len(body) in head
    await client.close()


async def test_a_chunked_body_with_trailers_is_joined(serve):
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nt: 1\r\n\r\n"
    server, url = await serve(lambda request: chunked)
    client = Client(url, max_connections=1)
    assert (await client.get("/")).body == b"abcdefg"
    assert (await client.get("/")).body == b"abcdefg"  # the connection stays usable after the trailers
    assert server.connections == 1
    await client.close()


async def test_keep_alive_reuses_one_connection_and_connection_close_does_not(serve):
    server, url = await serve(lambda request: ok(b"x", "connection: close") if b"/close" in request else ok(b"x"))
    client = Client(url, max_connections=1)
    for _ in range(3):
        await client.get("/")
    assert server.connections == 1
    await client.get("/close")
    await client.get("/")
    assert server.connections == 2
    await client.close()


async def test_a_reused_connection_the_server_closed_is_sent_again_on_a_new_one(serve):
    answers = iter([ok(b"first"), None, ok(b"second")])
    server, url = await serve(lambda request: next(answers))
    client = Client(url, max_connections=1)
    assert (await client.get("/")).text == "first"
    assert (await client.get("/")).text == "second"  # the first connection closed without answering
    assert (server.connections, len(server.requests)) == (2, 3)
    await client.close()


async def test_a_new_connection_closed_without_an_answer_is_an_error(serve):
    server, url = await serve(lambda request: None)
    client = Client(url, max_connections=1)
    with pytest.raises(asyncio.IncompleteReadError):
        await client.get("/")
    assert server.connections == 1  # not retried: the server saw it and did not answer
    await client.close()


async def test_a_cancelled_request_closes_its_connection_and_frees_its_slot(serve):
    async def never(request: bytes) -> bytes:
        await asyncio.sleep(60)
        return ok(b"late")

    server, url = await serve(lambda request: ok(b"x") if b"/fast" in request else never(request))
    client = Client(url, max_connections=1)
    slow = asyncio.create_task(client.get("/slow"))
    await asyncio.sleep(0.05)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert (await asyncio.wait_for(client.get("/fast"), 2)).text == "x"
    assert server.connections == 2  # the cancelled one's connection was not reused
    assert client.idle and all(not writer.is_closing() for _, writer, _ in client.idle)
    await client.close()


def test_only_plain_http_to_one_host():
    with pytest.raises(ValueError, match="plain http"):
        Client("https://example.org", max_connections=1)
