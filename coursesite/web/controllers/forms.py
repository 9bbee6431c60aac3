"""The public forms (issue 5 §2) as pages and JSON, and the newsletter exports for staff.

Pages: /kontakt, /webbinarium, /anmal-intresse, /e-bok, /nyhetsbrev (GET shows the form, POST stores it and redirects
to `?skickat=1`, or re-renders with a message per field). API: POST /api/v1/forms/{contact,webinar,signup,ebook,
newsletter}. Both go through coursesite/signups/forms.py; an optional `?kanal=` names a subsidiary's channel.
Staff (admin, customer service): /personal/nyhetsbrev and its two CSV files (coursesite/signups/newsletter.py).

Three routers, each carrying its guard once: the public pages, the public API, and the staff pages.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody, Parameter
from litestar.response import Redirect, Stream, Template

from coursesite.accounts.roles import Role
from coursesite.core.errors import Invalid, RateLimited
from coursesite.privacy.pii import find_forbidden
from coursesite.signups.catalogue import KINDS
from coursesite.signups.forms import (
    CHANNEL_MAX,
    CHANNELS,
    DEFAULT_CHANNEL,
    EVENT_TEXT,
    FORMS,
    MESSAGE_MAX,
    MSG_UNKNOWN_FIELD,
    NEWSLETTER_TEXT,
    TEXT_LIMITS,
    WEBINAR_TEXT,
    PublicForms,
    unknown_field_key,
)
from coursesite.signups.newsletter import FORMATS, NewsletterExport
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.forms import read_form
from coursesite.web.middleware import client_address
from coursesite.web.openapi import ERRORS_OPT

STAFF = guards.roles(Role.ADMIN, Role.CUSTOMER_SERVICE)
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

# -- what each page is

PAGES: dict[str, dict[str, Any]] = {
    "contact": {
        "path": "/kontakt",
        "heading": "Kontakta oss",
        "lead": "Skriv till oss så svarar vi så snart vi kan.",
        "button": "Skicka meddelandet",
    },
    "webinar": {
        "path": "/webbinarium",
        "heading": "Anmäl dig till ett webbinarium",
        "lead": "Webbinarierna är kostnadsfria och hålls på svenska.",
        "button": "Anmäl mig",
        "html_consent": ("consent", WEBINAR_TEXT),
    },
    "signup": {
        "path": "/anmal-intresse",
        "heading": "Anmäl intresse för kurs eller konferens",
        "lead": "Vi hör av oss med datum, pris och hur du anmäler dig.",
        "button": "Anmäl intresse",
        "html_consent": ("consent", EVENT_TEXT),
    },
    "ebook": {
        "path": "/e-bok",
        "heading": "Ladda ner en e-bok",
        "lead": "Vi skickar e-boken till din e-postadress.",
        "button": "Skicka e-boken",
    },
    "newsletter": {
        "path": "/nyhetsbrev",
        "heading": "Prenumerera på nyhetsbrevet",
        "lead": "Tips om hushållsekonomi och nyheter från Balansekonomi, ungefär en gång i månaden.",
        "button": "Prenumerera",
    },
}
LABELS = {
    "first_name": "Förnamn",
    "last_name": "Efternamn",
    "email": "E-postadress",
    "mobile": "Mobilnummer",
    "source": "Var hörde du talas om oss?",
    "message": "Meddelande",
    "webinar": "Webbinarium",
    "event": "Kurs eller konferens",
    "ebook": "E-bok",
}
HINTS = {"mobile": "Till exempel 070-123 45 67.", "message": "Skriv aldrig personnummer eller kortnummer."}
CONSENT_TEXTS = {"consent": NEWSLETTER_TEXT, "newsletter_consent": NEWSLETTER_TEXT}
FIELD_MAX = {**TEXT_LIMITS, "mobile": 30}  # the inputs' maxlength
INPUT_MAX = 300  # any other field (catalogue choices, checkboxes) is cut here; the validator then refuses it
AUTOCOMPLETE = {"first_name": "given-name", "last_name": "family-name", "email": "email", "mobile": "tel"}


def _channel_shown(kanal: str | None) -> str:
    return kanal if kanal in CHANNELS else ""


def _page(
    forms: PublicForms,
    form: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    sent: bool = False,
    confirm: bool = False,
    kanal: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    spec = FORMS[form]
    page = PAGES[form]
    consents = [(name, CONSENT_TEXTS[name], name in spec.required) for name in spec.consent_fields]
    if "html_consent" in page:
        consents.append((page["html_consent"][0], page["html_consent"][1], True))
    context = {
        "form": form,
        "spec": spec,
        "page": page,
        "fields": spec.person_fields + spec.detail_fields,
        "labels": LABELS,
        "hints": HINTS,
        "limits": FIELD_MAX,
        "autocomplete": AUTOCOMPLETE,
        # only what is offered now: open and not yet started (signups/catalogue.py)
        "catalogue": {name: forms.offered(name) for name in spec.detail_fields if name in KINDS},
        "consents": consents,
        "values": values or {},
        "errors": errors or {},
        "message": message,
        "sent": sent,
        "confirm": confirm,
        "kanal": kanal,
    }
    return Template("forms/form.html", context=context, status_code=status_code, headers=headers)


# -- the HTML forms, each read through its form class: the form's own fields, the channel and, for the webinar and
# the sign-up, the HTML-only checkbox for the information the registration asks for (`consent`)


@dataclass
class ContactForm:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""
    message: str = ""
    kanal: str = ""


@dataclass
class WebinarForm:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""
    source: str = ""
    webinar: str = ""
    consent: bool = False
    kanal: str = ""


@dataclass
class SignupForm:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""
    event: str = ""
    consent: bool = False
    kanal: str = ""


@dataclass
class EbookForm:
    email: str = ""
    first_name: str = ""
    ebook: str = ""
    newsletter_consent: bool = False
    kanal: str = ""


@dataclass
class NewsletterForm:
    email: str = ""
    first_name: str = ""
    consent: bool = False
    kanal: str = ""


FORM_CLASSES: dict[str, type[Any]] = {
    "contact": ContactForm,
    "webinar": WebinarForm,
    "signup": SignupForm,
    "ebook": EbookForm,
    "newsletter": NewsletterForm,
}
MAX_FORM_FIELDS = 50  # an HTML form with more fields than this is not one of ours: the rest are not looked at
NOT_FORM_FIELDS = frozenset({"_csrf_token", "kanal"})


def _unknown_fields(form: str, posted: list[str]) -> list[str]:
    """The fields posted that the form does not take (refused by name, never kept)."""
    known = {spec.name for spec in dataclasses.fields(FORM_CLASSES[form])} | NOT_FORM_FIELDS
    return [name[:100] for name in posted[:MAX_FORM_FIELDS] if name not in known]


def _page_handlers(form: str) -> tuple[HTTPRouteHandler, HTTPRouteHandler]:
    path = PAGES[form]["path"]
    spec = FORMS[form]
    html_consent: tuple[str, str] | None = PAGES[form].get("html_consent")

    @get(path, name=f"form_{form}", include_in_schema=False)
    async def show(
        forms: NamedDependency[PublicForms],
        skickat: Annotated[str | None, Parameter(max_length=5)] = None,
        bekrafta: Annotated[str | None, Parameter(max_length=5)] = None,
        kanal: Annotated[str | None, Parameter(max_length=CHANNEL_MAX)] = None,
    ) -> Template:
        return _page(forms, form, sent=skickat == "1", confirm=bekrafta == "1", kanal=_channel_shown(kanal))

    @post(path, status_code=303, name=f"form_{form}_submit", include_in_schema=False)
    async def submit(request: Request[Any, Any, Any], forms: NamedDependency[PublicForms]) -> Template | Redirect:
        raw = await request.form()
        fields = dataclasses.asdict(read_form(FORM_CLASSES[form], raw))
        kanal: str = fields.pop("kanal")
        errors: dict[str, str] = {}
        if html_consent and not fields.pop(html_consent[0]):
            errors[html_consent[0]] = "Kryssa i rutan för att anmäla dig."
        data: dict[str, Any] = {name: fields[name] for name in spec.fields}
        data.update(dict.fromkeys(_unknown_fields(form, list(raw.keys())), ""))  # refused by name
        clean, found = forms.validate(form, data, channel=kanal or None)
        errors.update(found)
        if clean is None or errors:
            shown = {
                name: ("" if name in errors and find_forbidden(value) else value[: FIELD_MAX.get(name, INPUT_MAX) + 1])
                for name, value in fields.items()
                if isinstance(value, str) and name in spec.fields
            }
            unknown = [k for k in errors if k not in spec.fields and k not in ("consent", "kanal")]
            message = "Kontrollera uppgifterna i formuläret."
            if unknown:
                message += " Formuläret innehöll fält som inte tas emot: " + ", ".join(unknown[:5]) + "."
            if "kanal" in errors:
                message += " " + errors["kanal"]
            return _page(
                forms, form, values=shown, errors=errors, message=message, kanal=_channel_shown(kanal), status_code=400
            )
        try:
            receipt = await forms.store(clean, client_address=client_address(request))
        except RateLimited as exc:
            shown = {name: value for name, value in fields.items() if isinstance(value, str) and name in spec.fields}
            return _page(
                forms,
                form,
                values=shown,
                message=exc.message,
                kanal=_channel_shown(kanal),
                status_code=429,
                headers={"retry-after": str(exc.retry_after_seconds)},
            )
        except Invalid as exc:  # a full webinar or event (its capacity reached): nothing stored
            shown = {name: value for name, value in fields.items() if isinstance(value, str) and name in spec.fields}
            return _page(
                forms,
                form,
                values=shown,
                errors=exc.field_errors,
                message=exc.message,
                kanal=_channel_shown(kanal),
                status_code=400,
            )
        suffix = "&bekrafta=1" if receipt.confirmation_sent else ""
        suffix += f"&kanal={kanal}" if kanal and kanal in CHANNELS else ""
        return Redirect(f"{path}?skickat=1{suffix}", status_code=303)

    return show, submit


# -- the API

Name = Annotated[str, msgspec.Meta(max_length=200)]
Email = Annotated[str, msgspec.Meta(max_length=320)]
Mobile = Annotated[str, msgspec.Meta(max_length=40)]
Source = Annotated[str, msgspec.Meta(max_length=400)]
Choice = Annotated[str, msgspec.Meta(max_length=100)]
Message = Annotated[str, msgspec.Meta(max_length=MESSAGE_MAX + 100)]
Kanal = Annotated[
    str | None, Parameter(max_length=CHANNEL_MAX, description="A subsidiary's channel; default kurssajten")
]


class ContactBody(msgspec.Struct, forbid_unknown_fields=True):
    """Required: first_name, last_name, email, message."""

    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    mobile: Mobile | None = None
    message: Message | None = None


class WebinarBody(msgspec.Struct, forbid_unknown_fields=True):
    """Required: first_name, last_name, email, webinar (one of the catalogue's slugs)."""

    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    mobile: Mobile | None = None
    source: Source | None = None
    webinar: Choice | None = None


class SignupBody(msgspec.Struct, forbid_unknown_fields=True):
    """Course and conference sign-up. Required: first_name, last_name, email, event."""

    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    mobile: Mobile | None = None
    event: Choice | None = None


class EbookBody(msgspec.Struct, forbid_unknown_fields=True):
    """Required: email, ebook. `newsletter_consent: true` also subscribes to the newsletter."""

    email: Email | None = None
    first_name: Name | None = None
    ebook: Choice | None = None
    newsletter_consent: bool | None = None


class NewsletterBody(msgspec.Struct, forbid_unknown_fields=True):
    """Required: email and `consent: true`."""

    email: Email | None = None
    first_name: Name | None = None
    consent: bool | None = None


_UNKNOWN_FIELD = re.compile(r"unknown field `(.{1,200}?)`")


def body_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """A body the structs refuse, as the forms' own 400: a Swedish message per field, an unknown field by its name."""
    errors: dict[str, str] = {}
    for item in exc.extra or []:
        if not isinstance(item, dict):
            continue
        message, key = str(item.get("message", "")), str(item.get("key") or "data")
        unknown = _UNKNOWN_FIELD.search(message)
        if unknown:
            errors[unknown_field_key(unknown.group(1))] = MSG_UNKNOWN_FIELD
        elif "length" in message:
            errors[key] = "Texten är för lång."
        else:
            errors[key] = "Ogiltigt värde."
    body = {
        "status_code": 400,
        "detail": "Kontrollera uppgifterna i formuläret.",
        "errors": errors or {"data": "Ogiltig begäran."},
    }
    return Response(body, status_code=400)


class FormReceived(msgspec.Struct):
    form: str
    consents: list[str]  # the kinds of consent given; each counts once confirmed through the mailed link
    channel: str
    confirmation_sent: bool = False  # a mail with the confirmation link was queued (double opt-in)


async def _api_submit(
    request: Request[Any, Any, Any], forms: PublicForms, form: str, body: msgspec.Struct, kanal: str | None
) -> FormReceived:
    data = {name: getattr(body, name) for name in body.__struct_fields__ if getattr(body, name) is not None}
    receipt = await forms.submit(form, data, channel=kanal, client_address=client_address(request))
    return FormReceived(
        form=form,
        consents=list(receipt.consent_kinds),
        channel=kanal or DEFAULT_CHANNEL,
        confirmation_sent=receipt.confirmation_sent,
    )


@post("/contact", status_code=201)
async def api_contact(
    request: Request[Any, Any, Any],
    forms: NamedDependency[PublicForms],
    data: JSONBody[ContactBody],
    kanal: Kanal = None,
) -> FormReceived:
    """The contact form. 201, or 400 with `errors` per field (an unknown field is refused by name)."""
    return await _api_submit(request, forms, "contact", data, kanal)


@post("/webinar", status_code=201)
async def api_webinar(
    request: Request[Any, Any, Any],
    forms: NamedDependency[PublicForms],
    data: JSONBody[WebinarBody],
    kanal: Kanal = None,
) -> FormReceived:
    """Webinar registration; records the `webinar_information` consent the registration asks for."""
    return await _api_submit(request, forms, "webinar", data, kanal)


@post("/signup", status_code=201)
async def api_signup(
    request: Request[Any, Any, Any],
    forms: NamedDependency[PublicForms],
    data: JSONBody[SignupBody],
    kanal: Kanal = None,
) -> FormReceived:
    """Course and conference sign-up; records the `event_information` consent."""
    return await _api_submit(request, forms, "signup", data, kanal)


@post("/ebook", status_code=201)
async def api_ebook(
    request: Request[Any, Any, Any], forms: NamedDependency[PublicForms], data: JSONBody[EbookBody], kanal: Kanal = None
) -> FormReceived:
    """E-book download; `newsletter_consent: true` records the newsletter consent."""
    return await _api_submit(request, forms, "ebook", data, kanal)


@post("/newsletter", status_code=201)
async def api_newsletter(
    request: Request[Any, Any, Any],
    forms: NamedDependency[PublicForms],
    data: JSONBody[NewsletterBody],
    kanal: Kanal = None,
) -> FormReceived:
    """Newsletter sign-up: `consent` must be true."""
    return await _api_submit(request, forms, "newsletter", data, kanal)


# -- staff: the newsletter exports (the service logs each as a disclosure and audits it)


@get("/")
async def newsletter_page(newsletter: NamedDependency[NewsletterExport]) -> Template:
    recent = await newsletter.recent_exports()
    return Template("forms/newsletter_export.html", context={"formats": FORMATS, "recent": recent})


def _export(request: Request[Any, Any, Any], newsletter: NewsletterExport, kind: str) -> Stream:
    fmt = FORMATS[kind]
    return Stream(
        newsletter.stream(kind, actor_id=principal_of(request).account_id),
        media_type=CSV_MEDIA_TYPE,
        headers={"content-disposition": f'attachment; filename="{fmt.filename}"', "cache-control": "private, no-store"},
    )


@get("/apsis.csv")
async def newsletter_apsis(request: Request[Any, Any, Any], newsletter: NamedDependency[NewsletterExport]) -> Stream:
    return _export(request, newsletter, "apsis")


@get("/mailchimp.csv")
async def newsletter_mailchimp(
    request: Request[Any, Any, Any], newsletter: NamedDependency[NewsletterExport]
) -> Stream:
    return _export(request, newsletter, "mailchimp")


PUBLIC_PAGES = Router(
    path="/",
    route_handlers=[handler for form in PAGES for handler in _page_handlers(form)],
    guards=[guards.public],
)
PUBLIC_API = Router(
    path="/api/v1/forms",
    route_handlers=[api_contact, api_webinar, api_signup, api_ebook, api_newsletter],
    guards=[guards.public],
    tags=["forms"],
    opt={ERRORS_OPT: (429,)},  # the double opt-in's mail is rate-limited
    exception_handlers={ValidationException: body_error},
)
STAFF_PAGES = Router(
    path="/personal/nyhetsbrev",
    route_handlers=[newsletter_page, newsletter_apsis, newsletter_mailchimp],
    guards=[STAFF],
    include_in_schema=False,
)

ROUTES: list[Router] = [PUBLIC_PAGES, PUBLIC_API, STAFF_PAGES]
