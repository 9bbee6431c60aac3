"""Start page, registration, log in and log out (HTML)."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from coursesite.accounts import service as accounts
from coursesite.core.errors import Conflict, Invalid, RateLimited, Unauthenticated
from coursesite.web import guards
from coursesite.web.deps import course_of, login_policy, settings_of
from coursesite.web.middleware import expired_session_cookie, session_cookie

REGISTRATION_FIELDS = ("email", "first_name", "last_name", "mobile", "source")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 300:
        return target
    return "/min-kurs"


@get("/", guards=[guards.public], name="home")
async def home(request: Request) -> Template:
    return Template("home.html", context={"course": course_of(request)})


@get("/registrera", guards=[guards.public], name="register")
async def register_page() -> Template:
    return Template("accounts/register.html", context={"values": {}, "errors": {}})


@post("/registrera", guards=[guards.public], status_code=303)
async def register_submit(request: Request) -> Template | Redirect:
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in (*REGISTRATION_FIELDS, "password")}
    try:
        principal = await accounts.register(
            email=values["email"],
            password=values["password"],
            first_name=values["first_name"],
            last_name=values["last_name"],
            mobile=values["mobile"] or None,
            source=values["source"] or None,
        )
    except (Invalid, Conflict) as exc:
        shown = {name: values[name] for name in REGISTRATION_FIELDS}  # the password is never sent back
        return Template(
            "accounts/register.html",
            context={"values": shown, "errors": exc.field_errors, "message": exc.message},
            status_code=409 if isinstance(exc, Conflict) else 400,
        )
    settings = settings_of(request)
    token = await accounts.start_session(
        principal.account_id, days=settings.session_days, replacing=request.scope.get("auth")
    )
    return Redirect(
        "/min-kurs",
        cookies=[session_cookie(token, days=settings.session_days, secure=settings.secure_cookies)],
        status_code=303,
    )


@get("/logga-in", guards=[guards.public], name="login")
async def login_page(next: Annotated[str | None, QueryParameter(max_length=300)] = None) -> Template:
    return Template("accounts/login.html", context={"next": safe_next(next), "email": ""})


@post("/logga-in", guards=[guards.public], status_code=303)
async def login_submit(request: Request) -> Template | Redirect:
    form = await request.form()
    email = str(form.get("email") or "")[:254]
    target = safe_next(str(form.get("next") or ""))
    try:
        principal = await accounts.authenticate(
            email,
            str(form.get("password") or "")[:1024],
            request.client.host if request.client else "",
            login_policy(request),
        )
    except (Unauthenticated, RateLimited) as exc:
        return Template(
            "accounts/login.html",
            context={"next": target, "email": email, "message": exc.message},
            status_code=429 if isinstance(exc, RateLimited) else 401,
        )
    settings = settings_of(request)
    token = await accounts.start_session(
        principal.account_id, days=settings.session_days, replacing=request.scope.get("auth")
    )
    return Redirect(
        target,
        cookies=[session_cookie(token, days=settings.session_days, secure=settings.secure_cookies)],
        status_code=303,
    )


@post("/logga-ut", guards=[guards.public], status_code=303)
async def logout_submit(request: Request) -> Redirect:
    if request.scope.get("auth"):
        await accounts.end_session(request.scope["auth"])
    return Redirect("/", cookies=[expired_session_cookie(secure=settings_of(request).secure_cookies)], status_code=303)


ROUTES = [home, register_page, register_submit, login_page, login_submit, logout_submit]
