"""Consent that can be proven and withdrawn by anyone (issue 11 §5): the pages a mail links to, and their API.

- ``GET /bekrafta-samtycke?token=…`` shows what the link confirms and one button; the button POSTs
  (``POST /bekrafta-samtycke``, CSRF): a link is never acted on by a GET (mail scanners open links).
  API: ``POST /api/v1/consents/confirm {token}`` → 204; 400 for an unknown, used or expired token.
- ``GET /avsluta?token=…`` shows one button; it POSTs ``POST /avsluta/bekrafta`` (CSRF). API:
  ``POST /api/v1/consents/unsubscribe {token}`` → 204.
- RFC 8058 one-click: a mail client POSTs ``List-Unsubscribe=One-Click`` to the List-Unsubscribe URL itself,
  ``POST /avsluta?token=…``, without cookies, so without a CSRF token. That one route is exempt from CSRF and takes
  nothing but that exact body (url-encoded or multipart); the token is the signed link, and using it twice changes
  nothing.

No login anywhere: the token is the proof. No page shows whose consent it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from coursesite.core.errors import Invalid
from coursesite.core.tokens import MAX_TOKEN_INPUT
from coursesite.signups.consents import MSG_BAD_CONFIRM, MSG_BAD_UNSUBSCRIBE, ConsentService
from coursesite.signups.double_opt_in import CONFIRM_PATH, UNSUBSCRIBE_PATH, is_one_click
from coursesite.web import guards
from coursesite.web.forms import read_form

Token = Annotated[str, msgspec.Meta(max_length=MAX_TOKEN_INPUT)]
TokenQuery = Annotated[str | None, Parameter(max_length=MAX_TOKEN_INPUT)]
MAX_ONE_CLICK_FIELDS = 5  # the one-click body is one field; a few more are looked at only to refuse them
DONE_FLAG = Annotated[str | None, Parameter(max_length=5)]


@dataclass
class TokenForm:
    token: str = ""


class TokenBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Token


def _confirm_page(
    *, token: str = "", pending: Any = None, message: str | None = None, done: bool = False, status_code: int = 200
) -> Template:
    return Template(
        "consents/confirm.html",
        context={"token": token, "pending": pending or [], "message": message, "done": done},
        status_code=status_code,
    )


def _unsubscribe_page(
    *, token: str = "", message: str | None = None, done: bool = False, status_code: int = 200
) -> Template:
    return Template(
        "consents/unsubscribe.html",
        context={"token": token, "message": message, "done": done},
        status_code=status_code,
    )


# -- the pages


@get(CONFIRM_PATH, name="consent_confirm_page")
async def confirm_page(
    consents: NamedDependency[ConsentService], token: TokenQuery = None, klart: DONE_FLAG = None
) -> Template:
    if klart == "1":
        return _confirm_page(done=True)
    pending = await consents.pending(token or "")
    if pending is None:
        return _confirm_page(message=MSG_BAD_CONFIRM, status_code=400)
    return _confirm_page(token=token or "", pending=pending)


@post(CONFIRM_PATH, status_code=303, name="consent_confirm_submit")
async def confirm_submit(
    request: Request[Any, Any, Any], consents: NamedDependency[ConsentService]
) -> Template | Redirect:
    form = read_form(TokenForm, await request.form())
    try:
        await consents.confirm(form.token[:MAX_TOKEN_INPUT])
    except Invalid as exc:
        return _confirm_page(message=exc.message, status_code=400)
    return Redirect(f"{CONFIRM_PATH}?klart=1", status_code=303)


@get(UNSUBSCRIBE_PATH, name="unsubscribe_page")
async def unsubscribe_page(
    consents: NamedDependency[ConsentService], token: TokenQuery = None, klart: DONE_FLAG = None
) -> Template:
    if klart == "1":
        return _unsubscribe_page(done=True)
    if not consents.check_unsubscribe(token or ""):
        return _unsubscribe_page(message=MSG_BAD_UNSUBSCRIBE, status_code=400)
    return _unsubscribe_page(token=token or "")


@post(f"{UNSUBSCRIBE_PATH}/bekrafta", status_code=303, name="unsubscribe_submit")
async def unsubscribe_submit(
    request: Request[Any, Any, Any], consents: NamedDependency[ConsentService]
) -> Template | Redirect:
    form = read_form(TokenForm, await request.form())
    try:
        await consents.unsubscribe(form.token[:MAX_TOKEN_INPUT])
    except Invalid as exc:
        return _unsubscribe_page(message=exc.message, status_code=400)
    return Redirect(f"{UNSUBSCRIBE_PATH}?klart=1", status_code=303)


@post(UNSUBSCRIBE_PATH, status_code=HTTP_200_OK, name="unsubscribe_one_click", opt={"exclude_from_csrf": True})
async def unsubscribe_one_click(
    request: Request[Any, Any, Any], consents: NamedDependency[ConsentService], token: TokenQuery = None
) -> Response[str]:
    """RFC 8058: the mail client's one-click POST to the List-Unsubscribe URL. Exempt from CSRF (it carries no
    cookies), so it takes only the exact body ``List-Unsubscribe=One-Click``."""
    form = await request.form()
    fields = list(form.multi_items())[:MAX_ONE_CLICK_FIELDS]
    if not is_one_click(fields):
        return Response(
            "Skicka List-Unsubscribe=One-Click, eller öppna länken i en webbläsare.",
            status_code=400,
            media_type="text/plain; charset=utf-8",
        )
    await consents.unsubscribe(token or "")  # Invalid: 400 through the app's handler
    return Response("Klart: prenumerationen är avslutad.", media_type="text/plain; charset=utf-8")


# -- the API


@post("/confirm", status_code=HTTP_204_NO_CONTENT)
async def api_confirm(consents: NamedDependency[ConsentService], data: JSONBody[TokenBody]) -> None:
    """Confirm the consents a confirmation link names (double opt-in). 204; 400 for an unknown, used or expired
    token."""
    await consents.confirm(data.token)


@post("/unsubscribe", status_code=HTTP_204_NO_CONTENT)
async def api_unsubscribe(consents: NamedDependency[ConsentService], data: JSONBody[TokenBody]) -> None:
    """Withdraw the newsletter consent of the person an unsubscribe link was made for, at once; the processors that
    received the person are told. 204, also when there was nothing left to withdraw; 400 for a token not ours."""
    await consents.unsubscribe(data.token)


PUBLIC_PAGES = Router(
    path="/",
    route_handlers=[confirm_page, confirm_submit, unsubscribe_page, unsubscribe_submit, unsubscribe_one_click],
    guards=[guards.public],
    include_in_schema=False,
)
PUBLIC_API = Router(
    path="/api/v1/consents",
    route_handlers=[api_confirm, api_unsubscribe],
    guards=[guards.public],
    tags=["consents"],
)

ROUTES: list[Router] = [PUBLIC_PAGES, PUBLIC_API]
