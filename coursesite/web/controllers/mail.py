"""The outbox for administrators (/personal/utkorg): every message's recipient, subject, status, attempts and last
error; the bodies in development only (docs/mail.md)."""

from __future__ import annotations

from litestar import Request, Router, get
from litestar.di import NamedDependency
from litestar.response import Template

from coursesite.accounts.roles import Role
from coursesite.mail.outbox import MailOutbox
from coursesite.settings import Settings
from coursesite.web import guards
from coursesite.web.deps import principal_of

OUTBOX_PATH = "/personal/utkorg"


@get(OUTBOX_PATH, name="mail_outbox")
async def outbox_page(
    request: Request, outbox: NamedDependency[MailOutbox], settings: NamedDependency[Settings]
) -> Template:
    with_bodies = settings.environment == "development"
    messages = await outbox.staff_view(principal_of(request).account_id, with_bodies=with_bodies)
    return Template(
        "admin/outbox.html",
        context={
            "messages": messages,
            "counts": await outbox.counts(),
            "with_bodies": with_bodies,
            "smtp_configured": bool(settings.smtp_url),
        },
        headers={"cache-control": "private, no-store"},
    )


ROUTES = [Router(path="/", route_handlers=[outbox_page], guards=[guards.roles(Role.ADMIN)], include_in_schema=False)]
