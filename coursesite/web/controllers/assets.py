"""/favicon.ico: browsers ask for it at the root whatever the page links, so it is served here rather than left a 404.
The file is the mark drawn in static/img/favicon.svg (docs/identity.md says how it was made)."""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.response import File

from coursesite.web import guards

FAVICON = Path(__file__).resolve().parents[2] / "static" / "img" / "favicon.ico"


@get("/favicon.ico", guards=[guards.public], include_in_schema=False, sync_to_thread=False)
def favicon() -> File:
    return File(FAVICON, media_type="image/x-icon", content_disposition_type="inline")


ROUTES = [favicon]
