"""The answer to a request turned away because its worker is full (core/turns.py): a 503 with Retry-After, as JSON
under /api and as a Swedish page elsewhere, made once when the app starts, so that turning a request away costs next
to nothing. It sits inside the request observer (a request id, a log line, the metrics) and Litestar's before_send
hooks (the security headers, no-store), like every other response."""

from __future__ import annotations

import json

from jinja2 import Environment

from coursesite.core.errors import BUSY_MESSAGE
from coursesite.core.turns import TURNED_AWAY_SCOPE_KEY, ASGIApp, Receive, Scope, Send
from coursesite.web.errors import PAGE_TITLES, is_api_path

BUSY_STATUS = 503
SAFE_METHODS = frozenset({"GET", "HEAD"})


class BusyResponder:
    """ASGI wrapper: a request marked as turned away gets its 503 here, before routing; any other goes on to ``app``."""

    def __init__(self, app: ASGIApp, environment: Environment) -> None:
        self.app = app
        self.json = json.dumps({"status_code": BUSY_STATUS, "detail": BUSY_MESSAGE}, ensure_ascii=False).encode()
        template = environment.get_template("errors/busy.html")
        title = PAGE_TITLES[BUSY_STATUS]
        # Two pages: a visitor who sent a form is told that nothing of it was kept, and how to send it again.
        self.pages = {
            sent: template.render(title=title, message=BUSY_MESSAGE, sent=sent).encode() for sent in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        retry_after = scope.get(TURNED_AWAY_SCOPE_KEY) if scope["type"] == "http" else None
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        if is_api_path(scope["path"]):
            body, media_type = self.json, b"application/json"
        else:
            body, media_type = self.pages[scope["method"] not in SAFE_METHODS], b"text/html; charset=utf-8"
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", media_type),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry_after).encode()),
        ]
        await send({"type": "http.response.start", "status": BUSY_STATUS, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
