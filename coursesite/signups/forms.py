"""The public forms (issue 5 §2): contact, webinar registration, course and conference sign-up, e-book download and
newsletter sign-up. Each stores exactly the fields its category allows and records the consent it asks for.

Two layers:

- **Pure** (no database): :data:`FORMS` says, per form, which contact fields go to ``person``, which of its own fields
  go to ``form_submission.details``, which are required and which consents it asks for. :func:`validate` turns a raw
  mapping (a JSON body or an HTML form) into a :class:`CleanSubmission` or a message per field. A field that is not
  in the form's list is refused by name; every free-text field (names, source, message) goes through the one rule for
  free text (:mod:`coursesite.core.text`: NUL, control and bidi characters, personnummer, samordningsnummer and card
  numbers refused, never stripped, and the length bounded), the e-mail and the mobile through their shape checks in
  :mod:`coursesite.accounts.validation`, and a refused value is never echoed.
- **Database**: :class:`PublicForms` stores a clean submission in one write transaction (``person`` upserted by
  lower-cased e-mail, one ``form_submission``, one pending ``consent`` per consent given, and the confirmation mail
  that makes it count: signups/consents.py), and :func:`set_profile` switches a person's profile on or off.

Decisions:

- A later form **fills in and never blanks out**: a field the person gives replaces what we held (their latest word),
  a field left empty leaves the stored value alone. Only what the person typed is stored: nothing is looked up
  elsewhere (no enrichment, no third parties). The only link made is ``person.account``, to an account with the same
  e-mail, which the person made themselves.
- Consents: the newsletter form asks for ``newsletter`` (``consent: true`` is required); the e-book form asks for
  ``newsletter`` only when ``newsletter_consent`` is true. Registering for a webinar or a course/conference *is* the
  request for its information (invitation, link, reminders), so those forms record ``webinar_information`` /
  ``event_information`` with the exact text shown beside the button; the HTML form also has an unticked checkbox for
  it (``consent``, an HTML-only field). The contact form asks for no consent: we only answer the message.
  An active consent with the same kind, text and policy version is not recorded twice (the first stays the proof).
- Double opt-in (issue 11 §5): every consent given here is recorded pending and counts only once the person confirms
  it through the link mailed to the address. A pending one given again gets a new mail; a given one gets none.
- The channel is ``kurssajten`` unless a known subsidiary channel (:data:`CHANNELS`) is named (``?kanal=``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from coursesite.accounts.validation import EMAIL_MAX, NAME_MAX, SOURCE_MAX, normalise_email, normalise_mobile
from coursesite.core import clock
from coursesite.core.errors import Invalid
from coursesite.core.text import TextRule, clean_text
from coursesite.db.accounts import Account
from coursesite.db.engine import write_transaction
from coursesite.db.privacy import AccountPrivacy, Consent, FormSubmission, Person
from coursesite.privacy.linkage import claimed_address, person_rows, proven_account_id_for
from coursesite.privacy.pii import find_forbidden
from coursesite.privacy.policy import POLICY_VERSION  # recorded with every consent
from coursesite.signups.catalogue import Catalogue
from coursesite.signups.consents import ConsentService

__all__ = [
    "CHANNELS",
    "CleanSubmission",
    "ConsentSpec",
    "DEFAULT_CHANNEL",
    "FULL_MESSAGES",
    "FORMS",
    "FormSpec",
    "MESSAGE_MAX",
    "POLICY_VERSION",
    "PublicForms",
    "REGISTRATION_FORMS",
    "Receipt",
    "profile_enabled",
    "registration_event_on",
    "set_profile",
    "unknown_field_key",
    "validate",
]

# --- the catalogue: what is offered, from lessons/catalogue.toml (signups/catalogue.py, docs/content.md) ----------------

# The forms that register for something dated, and the detail field naming what (privacy/retention.py and
# subsidiaries/service.py read it through registration_event_on).
REGISTRATION_FORMS: dict[str, str] = {"webinar": "webinar", "signup": "event"}


def registration_event_on(form: str, details: Any, catalogue: Catalogue) -> date | None:
    """The day the webinar or event a stored registration (`form`, its `details`) is for is held, from `catalogue`;
    None when the catalogue no longer has it (then the registration date counts, privacy/ends.py)."""
    key = REGISTRATION_FORMS.get(form)
    if key is None:
        return None
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except ValueError:
            return None
    slug = details.get(key) if isinstance(details, dict) else None
    return catalogue.held_on(key, slug) if isinstance(slug, str) else None


CATALOGUE_MESSAGES = {
    "webinar": "Välj ett av webbinarierna i listan.",
    "event": "Välj en av kurserna eller konferenserna i listan.",
    "ebook": "Välj en av e-böckerna i listan.",
}
CLOSED_MESSAGES = {
    "webinar": "Anmälan till det webbinariet är stängd. Välj ett av webbinarierna i listan.",
    "event": "Anmälan till den kursen eller konferensen är stängd. Välj en av dem i listan.",
    "ebook": "Den e-boken går inte längre att hämta. Välj en av e-böckerna i listan.",
}
FULL_MESSAGES = {
    "webinar": "Webbinariet är fullbokat. Välj ett annat i listan.",
    "event": "Kursen eller konferensen är fullbokad. Välj en annan i listan.",
}

# --- channels ---------------------------------------------------------------------------------------------------------

DEFAULT_CHANNEL = "kurssajten"
CHANNELS: dict[str, str] = {
    "kurssajten": "Kurssajten",
    "webbinarier": "Balansekonomis webbinarier (dotterbolag)",
    "kursplattformen": "Kursplattformen (dotterbolag)",
}
CHANNEL_MAX = 40

# --- consents ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentSpec:
    kind: str
    text: str  # the exact Swedish words the person agrees to; stored with the consent
    field: str | None  # the body field that gives it; None: given by sending the form itself


NEWSLETTER_TEXT = (
    "Ja, jag vill få Balansekonomis nyhetsbrev med tips, nyheter och erbjudanden via e-post. "
    "Jag kan när som helst avsluta prenumerationen."
)
WEBINAR_TEXT = (
    "Jag anmäler mig till webbinariet och vill få inbjudan, länk och påminnelser om det via e-post "
    "(och sms om jag har angett mitt mobilnummer)."
)
EVENT_TEXT = (
    "Jag anmäler mitt intresse och vill få information om kursen eller konferensen via e-post "
    "(och sms om jag har angett mitt mobilnummer)."
)

# --- the forms --------------------------------------------------------------------------------------------------------

PERSON_FIELDS = ("email", "first_name", "last_name", "mobile", "source")
MESSAGE_MAX = 5000
SLUG_MAX = 60


@dataclass(frozen=True)
class FormSpec:
    name: str  # stored in form_submission.form
    title_sv: str
    person_fields: tuple[str, ...]  # go to `person`
    detail_fields: tuple[str, ...]  # go to `form_submission.details`
    required: frozenset[str]
    consents: tuple[ConsentSpec, ...] = ()

    @property
    def consent_fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.consents if c.field)

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field the form takes, in the order it is shown."""
        return self.person_fields + self.detail_fields + self.consent_fields


FORMS: dict[str, FormSpec] = {
    spec.name: spec
    for spec in (
        FormSpec(
            "contact",
            "Kontakta oss",
            person_fields=("first_name", "last_name", "email", "mobile"),
            detail_fields=("message",),
            required=frozenset({"first_name", "last_name", "email", "message"}),
        ),
        FormSpec(
            "webinar",
            "Anmälan till webbinarium",
            person_fields=("first_name", "last_name", "email", "mobile", "source"),
            detail_fields=("webinar",),
            required=frozenset({"first_name", "last_name", "email", "webinar"}),
            consents=(ConsentSpec("webinar_information", WEBINAR_TEXT, None),),
        ),
        FormSpec(
            "signup",
            "Intresseanmälan till kurs eller konferens",
            person_fields=("first_name", "last_name", "email", "mobile"),
            detail_fields=("event",),
            required=frozenset({"first_name", "last_name", "email", "event"}),
            consents=(ConsentSpec("event_information", EVENT_TEXT, None),),
        ),
        FormSpec(
            "ebook",
            "Ladda ner e-bok",
            person_fields=("email", "first_name"),
            detail_fields=("ebook",),
            required=frozenset({"email", "ebook"}),
            consents=(ConsentSpec("newsletter", NEWSLETTER_TEXT, "newsletter_consent"),),
        ),
        FormSpec(
            "newsletter",
            "Nyhetsbrev",
            person_fields=("email", "first_name"),
            detail_fields=(),
            required=frozenset({"email", "consent"}),
            consents=(ConsentSpec("newsletter", NEWSLETTER_TEXT, "consent"),),
        ),
    )
}

MSG_UNKNOWN_FIELD = "Fältet finns inte i formuläret och tas inte emot."
MSG_CONSENT_REQUIRED = "Kryssa i rutan för att ge ditt samtycke."
MSG_CHANNEL = "Okänd kanal."


# --- pure validation --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanSubmission:
    form: str
    person: dict[str, str]  # only the person fields given (never an empty value)
    details: dict[str, str]  # exactly the form's own fields
    consents: tuple[ConsentSpec, ...]  # the consents given
    channel: str = DEFAULT_CHANNEL


# Every free-text field goes through the one rule (core/text.py): it refuses, never strips, NUL, control and bidi
# characters, personnummer, samordningsnummer and card numbers, and bounds the length. The e-mail and the mobile are
# checked for their shape (accounts/validation.py), which refuses the same characters and numbers.
NAME_RULES: dict[str, TextRule] = {
    "first_name": TextRule(NAME_MAX, subject="Förnamnet", missing="Ange ditt förnamn."),
    "last_name": TextRule(NAME_MAX, subject="Efternamnet", missing="Ange ditt efternamn."),
}
SOURCE_RULE = TextRule(SOURCE_MAX, subject="Svaret")
MESSAGE_RULE = TextRule(
    MESSAGE_MAX, subject="Meddelandet", multiline=True, required=True, missing="Skriv ditt meddelande."
)
# A catalogue choice or a channel is one of a fixed list; the rule only keeps what cannot be in the list out of it.
CHOICE_RULE = TextRule(SLUG_MAX, subject="Valet", check_identity_numbers=False)
TEXT_LIMITS = {
    "first_name": NAME_MAX,
    "last_name": NAME_MAX,
    "email": EMAIL_MAX,
    "source": SOURCE_MAX,
    "message": MESSAGE_MAX,
}
_WHITESPACE_RUN = re.compile(r"\s+")


def _name(name: str):
    rule = NAME_RULES[name]

    def check(value: Any) -> str:
        return _WHITESPACE_RUN.sub(" ", clean_text(value, rule))  # "Anna  Lisa" is "Anna Lisa"

    return check


def _free_text(rule: TextRule):
    def check(value: Any) -> str:
        return clean_text(value, rule)

    return check


def _is_empty(value: Any) -> bool:
    return value is None or not str(value).strip()


def _offered(kind: str, value: Any, catalogue: Catalogue) -> str:
    """The slug of a webinar, event or e-book the catalogue offers now."""
    try:
        slug = clean_text(value, CHOICE_RULE)
    except ValueError:
        slug = ""
    entry = catalogue.get(kind, slug)
    if entry is None:
        raise ValueError(CATALOGUE_MESSAGES[kind])
    if not entry.is_offered(clock.now()):  # closed in the file, or already started
        raise ValueError(CLOSED_MESSAGES[kind])
    return slug


def _is_true(value: Any) -> bool | None:
    """A checkbox or a JSON boolean: True, False, or None when it is neither."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "on", "1", "ja", "yes"):
            return True
        if lowered in ("", "false", "off", "0", "nej", "no"):
            return False
    return None


_CHECKERS = {
    "email": normalise_email,
    "first_name": _name("first_name"),
    "last_name": _name("last_name"),
    "mobile": normalise_mobile,
    "source": _free_text(SOURCE_RULE),
    "message": _free_text(MESSAGE_RULE),
}
_REQUIRED_MESSAGES = {
    "email": "Ange din e-postadress.",
    "first_name": "Ange ditt förnamn.",
    "last_name": "Ange ditt efternamn.",
    "message": "Skriv ditt meddelande.",
    **CATALOGUE_MESSAGES,
}


def unknown_field_key(name: Any) -> str:
    """How an unknown field is named in the errors: its name, cut to 100 characters, unless the name itself holds a
    personnummer or card number (then it is never echoed)."""
    key = str(name)[:100]
    return "okänt fält" if find_forbidden(key) else key


def check_channel(value: Any) -> str:
    """The channel a form was sent on: ``kurssajten`` when none is named, else one of :data:`CHANNELS`."""
    if _is_empty(value):
        return DEFAULT_CHANNEL
    try:
        channel = clean_text(value, CHOICE_RULE)
    except ValueError:
        channel = ""
    if channel not in CHANNELS:
        raise ValueError(MSG_CHANNEL)
    return channel


def validate(
    form: str, data: Mapping[str, Any], *, catalogue: Catalogue, channel: str | None = None
) -> tuple[CleanSubmission | None, dict[str, str]]:
    """Check one submission of ``form``. Returns ``(clean, {})`` or ``(None, errors)`` with a Swedish message per field;
    a webinar, event or e-book must be one `catalogue` offers now.

    ``data`` holds only the submitted fields (the CSRF token and the like already taken out). A field outside the
    form's list is an error under its own name (its value is neither checked nor kept).
    """
    spec = FORMS[form]
    errors: dict[str, str] = {}
    for name in data:
        if name not in spec.fields:
            errors[unknown_field_key(name)] = MSG_UNKNOWN_FIELD
    values: dict[str, str] = {}
    for name in spec.person_fields + spec.detail_fields:
        raw = data.get(name)
        if raw is not None and not isinstance(raw, str):
            errors[name] = "Ogiltigt värde."
            continue
        if _is_empty(raw):
            if name in spec.required:
                errors[name] = _REQUIRED_MESSAGES.get(name, "Fältet måste fyllas i.")
            continue
        try:
            cleaned = _offered(name, raw, catalogue) if name in CATALOGUE_MESSAGES else _CHECKERS[name](raw)
        except ValueError as exc:  # core.text.TextRefused included: the message never repeats the digits
            errors[name] = str(exc)
            continue
        if cleaned:
            values[name] = cleaned
    given: list[ConsentSpec] = []
    for consent in spec.consents:
        if consent.field is None:
            given.append(consent)
            continue
        answer = _is_true(data.get(consent.field))
        if answer is None:
            errors[consent.field] = "Ogiltigt värde."
        elif answer:
            given.append(consent)
        elif consent.field in spec.required:
            errors[consent.field] = MSG_CONSENT_REQUIRED
    try:
        channel = check_channel(channel)
    except ValueError as exc:
        errors["kanal"] = str(exc)
    if errors:
        return None, errors
    return (
        CleanSubmission(
            form=form,
            person={k: v for k, v in values.items() if k in spec.person_fields},
            details={k: values[k] for k in spec.detail_fields},
            consents=tuple(given),
            channel=channel or DEFAULT_CHANNEL,
        ),
        {},
    )


# --- the database service ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    person_id: int
    submission_id: int
    consent_kinds: tuple[str, ...] = field(default_factory=tuple)
    confirmation_sent: bool = False  # a mail asks the person to confirm the consents (double opt-in)


class PublicForms:
    """Stores the public forms. ``submit`` raises :class:`Invalid` (400) with a message per field."""

    def __init__(self, engine: Engine, consents: ConsentService, catalogue: Catalogue) -> None:
        self.engine = engine
        self.consents = consents  # the double opt-in: the confirmation mail, queued with the form
        self.catalogue = catalogue  # lessons/catalogue.toml, loaded once at start (app.build_services)

    def validate(
        self, form: str, data: Mapping[str, Any], *, channel: str | None = None
    ) -> tuple[CleanSubmission | None, dict[str, str]]:
        """:func:`validate` against the catalogue in force."""
        return validate(form, data, catalogue=self.catalogue, channel=channel)

    def offered(self, kind: str) -> dict[str, str]:
        """What a form offers now (open and not yet started): slug -> title."""
        return {slug: entry.title for slug, entry in self.catalogue.offered(kind, clock.now()).items()}

    async def submit(
        self, form: str, data: Mapping[str, Any], *, channel: str | None = None, client_address: str | None = None
    ) -> Receipt:
        if form not in FORMS:
            raise Invalid("Formuläret finns inte.")
        clean, errors = self.validate(form, data, channel=channel)
        if clean is None:
            raise Invalid("Kontrollera uppgifterna i formuläret.", field_errors=errors)
        return await self.store(clean, client_address=client_address)

    async def store(self, clean: CleanSubmission, *, client_address: str | None = None) -> Receipt:
        """Store a clean submission. Its consents are pending until confirmed through the mail queued with it;
        RateLimited (429, nothing stored) when the client sent too many forms that needed a mail."""
        now = clock.now()
        email = clean.person["email"]
        async with write_transaction(self.engine):
            if isinstance(self.engine, PostgresEngine):  # one person per e-mail, also under concurrent submissions
                await self.engine.run_querystring(
                    QueryString("SELECT pg_advisory_xact_lock(hashtext({}))", "person:" + email)
                )
            account_id = await _account_id_for(email)
            person_id = await _upsert_person(clean.person, account_id, now)
            await self._check_capacity(clean, person_id)  # raising rolls the person back too
            submission = FormSubmission(
                person=person_id,
                form=clean.form,
                details=json.dumps(clean.details, ensure_ascii=False),
                channel=clean.channel,
                created_at=now,
            )
            await submission.save()
            pending = [
                consent_id
                for consent in clean.consents
                if (consent_id := await _record_consent(person_id, account_id, consent, clean.channel, now))
            ]
            mailed = await self.consents.request_confirmation(
                email=email,
                first_name=clean.person.get("first_name"),
                consent_ids=pending,
                account_id=account_id,
                client_address=client_address,
            )
        return Receipt(person_id, submission.id, tuple(c.kind for c in clean.consents), mailed)

    async def _check_capacity(self, clean: CleanSubmission, person_id: int) -> None:
        """Refuse a registration for a full webinar or event: its capacity counts the people registered (someone
        registering again takes no new place). Serialised per slug on PostgreSQL; SQLite's write lock does it."""
        key = REGISTRATION_FORMS.get(clean.form)
        slug = clean.details.get(key) if key else None
        if key is None or slug is None:
            return
        entry = self.catalogue.get(key, slug)
        if entry is None or entry.capacity is None:
            return
        if isinstance(self.engine, PostgresEngine):
            await self.engine.run_querystring(
                QueryString("SELECT pg_advisory_xact_lock(hashtext({}))", f"catalogue:{key}:{slug}")
            )
        pattern = f'%"{slug}"%'  # a slug is a-z, 0-9 and -: no LIKE wildcards
        rows = await FormSubmission.raw(
            "SELECT COUNT(DISTINCT person) AS taken, "
            "SUM(CASE WHEN person = {} THEN 1 ELSE 0 END) AS mine "
            "FROM form_submission WHERE form = {} AND CAST(details AS TEXT) LIKE {}",
            person_id,
            clean.form,
            pattern,
        )
        taken, mine = int(rows[0]["taken"] or 0), int(rows[0]["mine"] or 0)
        if not mine and taken >= entry.capacity:
            raise Invalid(FULL_MESSAGES[key], field_errors={key: FULL_MESSAGES[key]})


async def _account_id_for(email: str) -> int | None:
    # Only an account that has proven the address is linked to what is given under it (privacy/linkage.py).
    return await proven_account_id_for(email)


async def _upsert_person(given: dict[str, str], account_id: int | None, now: datetime) -> int:
    row = await Person.select(Person.id, Person.account).where(Person.email == given["email"]).first()
    if row is None:
        values: dict[str, Any] = {"created_at": now, "updated_at": now, "account": account_id, **given}
        person = Person(**values)
        await person.save()
        return person.id
    changes: dict[Any, Any] = {getattr(Person, name): value for name, value in given.items() if name != "email"}
    changes[Person.updated_at] = now
    if account_id is not None and row["account"] is None:
        changes[Person.account] = account_id
    await Person.update(changes).where(Person.id == row["id"])
    return row["id"]


async def _record_consent(
    person_id: int, account_id: int | None, consent: ConsentSpec, channel: str, now: datetime
) -> int | None:
    """Record the consent pending, unless the same one is already there: the id of the pending consent to confirm
    (new, or the one given earlier and not yet confirmed), None when it is already confirmed."""
    already = (
        await Consent.select(Consent.id, Consent.confirmed_at)
        .where(
            (Consent.person == person_id)
            & (Consent.kind == consent.kind)
            & (Consent.text == consent.text)
            & (Consent.policy_version == POLICY_VERSION)
            & Consent.withdrawn_at.is_null()
        )
        .first()
    )
    if already is not None:
        return already["id"] if already["confirmed_at"] is None else None
    rows = await Consent.insert(
        Consent(
            person=person_id,
            account=account_id,
            kind=consent.kind,
            text=consent.text,
            policy_version=POLICY_VERSION,
            channel=channel,
            given_at=now,
        )
    ).returning(Consent.id)
    return rows[0]["id"]


# --- profiles ---------------------------------------------------------------------------------------------------------


async def set_profile(person_or_account: Account | Person | int, enabled: bool) -> None:
    """Switch a profile on or off. ``person_or_account``: an ``Account`` or ``Person`` row, or an account id (what
    "Mina uppgifter" has: ``principal.account_id``).

    An account's switch is ``account_privacy.profile_enabled`` (the row is made when first needed) and is carried to
    every ``person`` row of the same person (linked to the account or with its e-mail); a person's switch is
    ``person.profile_enabled``, carried to their linked account. One person, one switch. While it is off the person
    is left out of the newsletter exports and of any profiling.
    """
    now = clock.now()
    if isinstance(person_or_account, Person):
        row = (
            await Person.select(Person.id, Person.account, Person.email)
            .where(Person.id == person_or_account.id)
            .first()
        )
        if row is None:
            return
        account_id = row["account"] or await _account_id_for(row["email"])
        await Person.update({Person.profile_enabled: enabled, Person.updated_at: now}).where(Person.id == row["id"])
        if account_id is not None:
            await _set_account_profile(account_id, enabled, now)
        return
    account_id = person_or_account.id if isinstance(person_or_account, Account) else int(person_or_account)
    await _set_account_profile(account_id, enabled, now)
    # the account's form rows: none until its address is proven (privacy/linkage.py)
    where = person_rows(account_id, await claimed_address(account_id))
    await Person.update({Person.profile_enabled: enabled, Person.updated_at: now}).where(where)


async def _set_account_profile(account_id: int, enabled: bool, now: datetime) -> None:
    if await AccountPrivacy.exists().where(AccountPrivacy.account == account_id):
        await AccountPrivacy.update({AccountPrivacy.profile_enabled: enabled, AccountPrivacy.updated_at: now}).where(
            AccountPrivacy.account == account_id
        )
    else:
        await AccountPrivacy.insert(AccountPrivacy(account=account_id, profile_enabled=enabled, updated_at=now))


async def profile_enabled(person_or_account: Account | Person | int) -> bool:
    """Whether the profile is on (the default). Same argument as :func:`set_profile`."""
    if isinstance(person_or_account, Person):
        row = await Person.select(Person.profile_enabled).where(Person.id == person_or_account.id).first()
        return bool(row["profile_enabled"]) if row else True
    account_id = person_or_account.id if isinstance(person_or_account, Account) else int(person_or_account)
    row = (
        await AccountPrivacy.select(AccountPrivacy.profile_enabled).where(AccountPrivacy.account == account_id).first()
    )
    return bool(row["profile_enabled"]) if row else True
