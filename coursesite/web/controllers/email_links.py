"""The pages and API behind the account's mail (issue 11 §2, §3): confirming the address (or a new one), asking for a
new confirmation link, "Glömt lösenordet?" and the new password. The work is in accounts/mail.py (AccountMail).

A link in a mail only opens a page: its button POSTs. Mail scanners follow links, and must not confirm anything."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, QueryParameter
from litestar.response import Redirect, Template

from coursesite.accounts.mail import AccountMail
from coursesite.core.errors import Conflict, Invalid, RateLimited
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.forms import read_form
from coursesite.web.middleware import client_address
from coursesite.web.openapi import ERRORS_OPT

PASSWORD_MAX = 1024
Token = Annotated[str, msgspec.Meta(max_length=200)]
TokenQuery = Annotated[str | None, QueryParameter(max_length=200)]
RESET_SENT = (
    "Om det finns ett konto med adressen har vi skickat en länk dit. Den gäller i en timme. Hittar du inget "
    "meddelande, titta i skräpposten."
)


@dataclass
class TokenForm:
    token: str = ""


@dataclass
class EmailForm:
    email: str = ""


@dataclass
class NewPasswordForm:
    token: str = ""
    password: str = ""


def _viewer(request: Request) -> tuple[int | None, str | None]:
    principal = request.scope.get("user")
    return (principal.account_id if principal else None), request.scope.get("auth")


# -- confirming an address


@get("/bekrafta-epost", name="confirm_email", include_in_schema=False)
async def confirm_page(account_mail: NamedDependency[AccountMail], token: TokenQuery = None) -> Template:
    """Shows the address and one button; never confirms on GET."""
    address = await account_mail.link_target(token)
    return Template(
        "accounts/confirm_email.html",
        context={"token": token if address else "", "address": address},
    )


@post("/bekrafta-epost", status_code=200, include_in_schema=False)
async def confirm_submit(request: Request, account_mail: NamedDependency[AccountMail]) -> Template:
    form = read_form(TokenForm, await request.form())
    account_id, session = _viewer(request)
    try:
        done = await account_mail.confirm(form.token[:200], session_account_id=account_id, session_token=session)
    except (Invalid, Conflict) as exc:
        return Template(
            "accounts/confirm_email.html",
            context={"token": "", "address": None, "message": exc.message},
            status_code=409 if isinstance(exc, Conflict) else 400,
        )
    logged_in = account_id == done.account_id
    if logged_in:  # the page is drawn for who the person is now: no "not confirmed" banner
        request.scope["user"] = dataclasses.replace(principal_of(request), email=done.email, email_verified=True)
    return Template(
        "accounts/confirm_email.html",
        context={"done": done, "logged_in": logged_in, "token": "", "address": None},
    )


@post("/bekrafta-epost/ny-lank", status_code=303, include_in_schema=False)
async def resend_submit(request: Request, account_mail: NamedDependency[AccountMail]) -> Redirect | Template:
    """ "Skicka en ny länk" in the banner: back to Mina uppgifter, which says it was sent."""
    try:
        sent = await account_mail.resend_confirmation(principal_of(request).account_id, client_address(request))
    except RateLimited as exc:
        return Template(
            "accounts/confirm_email.html",
            context={"token": "", "address": None, "message": exc.message},
            status_code=429,
            headers={"retry-after": str(exc.retry_after_seconds)},
        )
    return Redirect("/mina-uppgifter?klart=" + ("ny-lank" if sent else "bekraftad"), status_code=303)


# -- the password reset


@get("/glomt-losenord", name="forgot_password", include_in_schema=False)
async def forgot_page() -> Template:
    return Template("accounts/forgot_password.html", context={"email": "", "errors": {}})


@post("/glomt-losenord", status_code=200, include_in_schema=False)
async def forgot_submit(request: Request, account_mail: NamedDependency[AccountMail]) -> Template:
    form = read_form(EmailForm, await request.form())
    email = form.email[:300]
    try:
        await account_mail.request_password_reset(email, client_address(request))
    except Invalid as exc:
        return Template(
            "accounts/forgot_password.html",
            context={"email": email, "errors": exc.field_errors, "message": exc.message},
            status_code=400,
        )
    except RateLimited as exc:
        return Template(
            "accounts/forgot_password.html",
            context={"email": email, "errors": {}, "message": exc.message},
            status_code=429,
            headers={"retry-after": str(exc.retry_after_seconds)},
        )
    return Template("accounts/forgot_password.html", context={"sent": RESET_SENT}, status_code=202)


@get("/nytt-losenord", name="new_password", include_in_schema=False)
async def new_password_page(account_mail: NamedDependency[AccountMail], token: TokenQuery = None) -> Template:
    usable = await account_mail.reset_target(token)
    return Template("accounts/new_password.html", context={"token": token if usable else "", "errors": {}})


@post("/nytt-losenord", status_code=303, include_in_schema=False)
async def new_password_submit(request: Request, account_mail: NamedDependency[AccountMail]) -> Redirect | Template:
    form = read_form(NewPasswordForm, await request.form())
    try:
        await account_mail.reset_password(form.token[:200], form.password[:PASSWORD_MAX])
    except Invalid as exc:
        bad_link = "token" in exc.field_errors
        return Template(
            "accounts/new_password.html",
            context={"token": "" if bad_link else form.token[:200], "errors": exc.field_errors, "message": exc.message},
            status_code=400,
        )
    return Redirect("/logga-in?utloggad=nytt-losenord", status_code=303)


# -- the API


class TokenBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Token


class EmailBody(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=300)]


class ResetBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Token
    password: Annotated[str, msgspec.Meta(max_length=PASSWORD_MAX)]


@post("/api/v1/auth/verify-email", status_code=204, tags=["auth"])
async def api_verify_email(
    request: Request, account_mail: NamedDependency[AccountMail], data: JSONBody[TokenBody]
) -> None:
    """Confirm an address with the token from the confirmation mail: the registration's address (then what is held
    under it, such as form rows, becomes the account's) or a new login address (then the change takes effect, the
    account's other sessions end and the old address is told). 204; 400 for an unknown, used or expired token;
    409 when another account took the new address meanwhile."""
    account_id, session = _viewer(request)
    await account_mail.confirm(data.token, session_account_id=account_id, session_token=session)


@post("/api/v1/auth/password-reset", status_code=202, tags=["auth"], opt={ERRORS_OPT: (429,)})
async def api_password_reset(
    request: Request, account_mail: NamedDependency[AccountMail], data: JSONBody[EmailBody]
) -> None:
    """Ask for a reset link. 202 whether or not the address has an account (the same answer); the mail holds a link
    valid for an hour, once. 400 for something that is not an e-mail address; 429 for too many requests from one
    client (too many for one address are dropped without saying so)."""
    await account_mail.request_password_reset(data.email, client_address(request))


@post("/api/v1/auth/password-reset/confirm", status_code=204, tags=["auth"])
async def api_password_reset_confirm(account_mail: NamedDependency[AccountMail], data: JSONBody[ResetBody]) -> None:
    """A new password with the token from the reset mail. 204: every session of the account ends and its failed
    logins are forgotten (a locked-out owner gets back in). 400 with `errors.token` for a bad token, or
    `errors.password` when the password rule refuses it."""
    await account_mail.reset_password(data.token, data.password)


@post(
    "/api/v1/me/verify-email/resend",
    status_code=202,
    tags=["me"],
    opt={ERRORS_OPT: (429,)},
    responses={204: ResponseSpec(None, description="Adressen är redan bekräftad: inget skickat.")},
)
async def api_resend_confirmation(request: Request, account_mail: NamedDependency[AccountMail]) -> Response[None]:
    """A new confirmation link for my address; the older ones stop working. 202 (204 when the address is already
    confirmed: nothing sent); 429 when asked too often."""
    sent = await account_mail.resend_confirmation(principal_of(request).account_id, client_address(request))
    return Response(None, status_code=202 if sent else 204)


public_routes = Router(
    path="/",
    guards=[guards.public],  # a link in a mail works whoever opens it; the token is the permission
    route_handlers=[
        confirm_page,
        confirm_submit,
        forgot_page,
        forgot_submit,
        new_password_page,
        new_password_submit,
        api_verify_email,
        api_password_reset,
        api_password_reset_confirm,
    ],
)
own_routes = Router(path="/", guards=[guards.logged_in], route_handlers=[resend_submit, api_resend_confirmation])

ROUTES = [public_routes, own_routes]
