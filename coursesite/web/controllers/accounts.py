"""Start page, registration, log in and log out (HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from coursesite.accounts.roles import start_page
from coursesite.accounts.service import AccountService
from coursesite.accounts.user_agent import browser_label
from coursesite.core.errors import Busy, Conflict, Invalid, RateLimited, Unauthenticated
from coursesite.course.model import Course
from coursesite.settings import Settings
from coursesite.web import guards
from coursesite.web.errors import retry_after, status_for
from coursesite.web.forms import read_form, shown_again
from coursesite.web.middleware import client_address, device_cookie_of, expired_session_cookie, start_login

REGISTRATION_FIELDS = ("email", "first_name", "last_name", "mobile", "source")


@dataclass
class RegistrationForm:
    email: str = ""
    password: str = ""
    first_name: str = ""
    last_name: str = ""
    mobile: str = ""
    source: str = ""


@dataclass
class LoginForm:
    email: str = ""
    password: str = ""
    next: str = ""


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect. "" when there is none: the role's start page then."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 300:
        return target
    return ""


@get("/", name="home")
async def home(course: NamedDependency[Course]) -> Template:
    return Template("home.html", context={"course": course})


@get("/registrera", name="register")
async def register_page() -> Template:
    return Template("accounts/register.html", context={"values": {}, "errors": {}})


@post("/registrera", status_code=303)
async def register_submit(
    request: Request, accounts: NamedDependency[AccountService], settings: NamedDependency[Settings]
) -> Template | Redirect:
    form = read_form(RegistrationForm, await request.form())
    try:
        principal = await accounts.register(
            email=form.email,
            password=form.password,
            first_name=form.first_name,
            last_name=form.last_name,
            mobile=form.mobile or None,
            source=form.source or None,
            client_address=client_address(request),
        )
    except RateLimited as exc:
        shown = shown_again({name: getattr(form, name) for name in REGISTRATION_FIELDS})
        return Template(
            "accounts/register.html",
            context={"values": shown, "errors": {}, "message": exc.message},
            status_code=429,
            headers={"retry-after": str(exc.retry_after_seconds)},
        )
    except (Invalid, Conflict) as exc:
        # the password is never sent back, nor a refused identity number
        shown = shown_again({name: getattr(form, name) for name in REGISTRATION_FIELDS})
        return Template(
            "accounts/register.html",
            context={"values": shown, "errors": exc.field_errors, "message": exc.message},
            status_code=409 if isinstance(exc, Conflict) else 400,
        )
    cookies = await start_login(request, accounts, settings, principal.account_id)
    return Redirect(start_page(principal.role), cookies=cookies, status_code=303)


LOGIN_NOTICES = {
    "overallt": "Du är utloggad på alla enheter. Logga in igen här.",
    "nytt-losenord": "Ditt lösenord är bytt och alla inloggningar är utloggade. Logga in med det nya lösenordet.",
}


@get("/logga-in", name="login")
async def login_page(
    next: Annotated[str | None, QueryParameter(max_length=300)] = None,
    utloggad: Annotated[str | None, QueryParameter(max_length=20)] = None,
) -> Template:
    notice = LOGIN_NOTICES.get(utloggad or "")
    return Template("accounts/login.html", context={"next": safe_next(next), "email": "", "notice": notice})


@post("/logga-in", status_code=303)
async def login_submit(
    request: Request, accounts: NamedDependency[AccountService], settings: NamedDependency[Settings]
) -> Template | Redirect:
    form = read_form(LoginForm, await request.form())
    email = form.email[:254]
    target = safe_next(form.next)
    try:
        principal = await accounts.authenticate(
            email,
            form.password[:1024],
            client_address(request),
            device_cookie=device_cookie_of(request),
            client_label=browser_label(request.headers.get("user-agent")),
        )
    except (Unauthenticated, RateLimited, Busy, Invalid) as exc:
        return Template(
            "accounts/login.html",
            context={"next": target, "email": "" if isinstance(exc, Invalid) else email, "message": exc.message},
            status_code=status_for(exc),
            headers=retry_after(exc),
        )
    cookies = await start_login(request, accounts, settings, principal.account_id)
    return Redirect(target or start_page(principal.role), cookies=cookies, status_code=303)


@post("/logga-ut", status_code=303)
async def logout_submit(
    request: Request, accounts: NamedDependency[AccountService], settings: NamedDependency[Settings]
) -> Redirect:
    """Ends this session only; "Logga ut överallt" on Mina uppgifter ends them all."""
    if request.scope.get("auth"):
        await accounts.end_session(request.scope["auth"])
    return Redirect("/", cookies=[expired_session_cookie(secure=settings.secure_cookies)], status_code=303)


# Everything here is open to anyone: the start page and the ways in and out.
public_routes = Router(
    path="/",
    route_handlers=[home, register_page, register_submit, login_page, login_submit, logout_submit],
    guards=[guards.public],
)

ROUTES = [public_routes]
