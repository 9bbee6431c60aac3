"""Subsidiaries: the registry (name, purpose, a bearer token of which only the SHA-256 is stored), what each may
receive (privacy/sharing.py, deny by default), every disclosure logged with whose data it held, and the notices of
rectification and erasure queued for them (art. 19). docs/privacy-sharing.md describes the whole flow.

Who is shared depends on the purpose (`SharingPurpose.subject`, one `Population` each), by need:
- `course_site` (`account.id`): participant accounts that are enrolled, with an enrolment not credited in full
  (privacy/ends.py: enrolled_for_sharing; without an invoice the enrolment alone counts), and not restricted
  (art. 18: neither the account's privacy row nor a linked form person has `restricted_at` set);
- `webinar` (`person.id`): form people with a registration for a webinar that is upcoming or was held at most
  `webinar_sharing_months` ago (privacy/ends.py: webinar_shared; an undated webinar by the registration date), a
  `webinar_information` consent not withdrawn, who are not restricted (neither the person nor a linked account or
  one with their e-mail). Only those webinars are named in `form_submission.details`.
A switched-off profile does not stop sharing: sharing serves what the person asked for (the course, the webinar), not
profiling; see docs/privacy-sharing.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from piccolo.engine.base import Engine

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.core.formatting import STOCKHOLM, to_stockholm
from coursesite.core.text import TextRefused, TextRule, clean_text
from coursesite.course.catalog import CourseCatalog
from coursesite.db.engine import write_transaction
from coursesite.db.privacy import Disclosure, DisclosureSubject, FormSubmission, RecipientNotice, Subsidiary
from coursesite.privacy.ends import months_before, webinar_shared
from coursesite.privacy.sharing import SHARING_PURPOSES, allowed_fields
from coursesite.settings import DEFAULT_WEBINAR_SHARING_MONTHS
from coursesite.signups.catalogue import Catalogue

NAME_MAX = 100  # subsidiary.name
CHANNEL_MAX = 40  # subsidiary.channel
TOKEN_MAX = 200  # a token_urlsafe(32) is 43 characters; anything much longer is not one of ours
PAGE_DEFAULT = 100
PAGE_MAX = 500
NOTICES_MAX = 500  # notices served per call, oldest first; acknowledging them brings the next ones
ID_MAX = 2**31 - 1
# The registry's free text (typed at the command line) goes through the one rule for free text (core/text.py).
NAME_RULE = TextRule(NAME_MAX, subject="Namnet", required=True, missing="Ange dotterbolagets namn.")
CHANNEL_RULE = TextRule(CHANNEL_MAX, subject="Kanalen")

# How each shareable field is read, one SQL expression per registry name, over its population's FROM (`account a`
# left-joined with `enrollment e`, or `person p`). Anything not here cannot be shared (a test checks every
# allow-listed field has a source, and that its table belongs to the purpose's population).
_COMPLETED = "completed_lessons"
FIELD_SQL: dict[str, str | None] = {
    "account.id": "a.id",
    "account.first_name": "a.first_name",
    "account.last_name": "a.last_name",
    "account.email": "a.email",
    "enrollment.status": "CASE WHEN e.id IS NULL THEN 'not_enrolled' ELSE 'enrolled' END",  # 'enrolled': by need
    # Derived: the completed lessons of the course in force, turned into a percentage in Python (course/progress.py).
    "lesson_progress.course_percent": None,
    "person.id": "p.id",
    "person.first_name": "p.first_name",
    "person.last_name": "p.last_name",
    "person.email": "p.email",
    "person.mobile": "p.mobile",
    # Read for the page in one query: the `webinar` of each of the person's webinar registrations (a list of slugs,
    # oldest first; nothing else of the details is shared).
    "form_submission.details": None,
}
WEBINAR_FORM = "webinar"  # form_submission.form, and the key of its detail field (forms.FORMS["webinar"])
WEBINAR_CONSENT = "webinar_information"


@dataclass(frozen=True)
class Population:
    """Whom a purpose serves: one SQL row per person, keyed (and paged) by `key`, the id the subsidiary receives."""

    key: str  # "account.id" or "person.id": the keyset, the disclosure subject and the notices' subject_ref
    source: str  # FROM …, with the alias FIELD_SQL uses
    where: str  # who is included, with {} placeholders for `args`
    args: tuple[Any, ...]
    tables: frozenset[str]  # the tables whose fields it can serve


# privacy/ends.py: enrolled_for_sharing, as SQL: enrolled, and no invoice, or one not credited in full (its credit
# notes' totals are negative). tests/integration/test_sharing_by_need.py checks the two agree on both engines.
_NOT_CREDITED_IN_FULL = (
    "(NOT EXISTS (SELECT 1 FROM invoice i WHERE i.account = a.id AND i.kind = 'invoice') "
    "OR EXISTS (SELECT 1 FROM invoice i WHERE i.account = a.id AND i.kind = 'invoice' AND i.total_ore + "
    "COALESCE((SELECT SUM(c.total_ore) FROM invoice c WHERE c.credited_invoice = i.id AND c.kind = 'credit_note'), 0)"
    " > 0))"
)
_SLUG = re.compile(r"[a-z0-9-]+")  # a catalogue slug: nothing LIKE treats specially


def _course_site() -> Population:
    return Population(
        key="account.id",
        source="account a JOIN enrollment e ON e.account = a.id",
        where=(
            "a.role = {} "
            f"AND {_NOT_CREDITED_IN_FULL} "
            "AND NOT EXISTS (SELECT 1 FROM account_privacy ap WHERE ap.account = a.id AND ap.restricted_at IS NOT NULL) "
            "AND NOT EXISTS (SELECT 1 FROM person p WHERE p.account = a.id AND p.restricted_at IS NOT NULL)"
        ),
        args=(Role.PARTICIPANT.value,),
        tables=frozenset({"account", "enrollment", "lesson_progress"}),
    )


def _slug_pattern(slug: str) -> str:
    """A LIKE pattern finding the slug as a JSON string value in form_submission.details (text on both engines)."""
    if not _SLUG.fullmatch(slug):
        raise RuntimeError(f"catalogue slug {slug!r} is not plain")
    return f'%"{slug}"%'


def registration_cutoff(today: date, sharing_months: int) -> datetime:
    """The first moment of the day an undated registration must be made on or after to be shared (Stockholm)."""
    return datetime.combine(months_before(today, sharing_months), time(0), tzinfo=STOCKHOLM)


def shared_webinar_sql(catalogue: Catalogue, today: date, sharing_months: int) -> tuple[str, list[Any]]:
    """privacy/ends.py: webinar_shared, as a condition on `form_submission fs`: a dated webinar by its date in
    `catalogue` (lessons/catalogue.toml), one the catalogue no longer has by the registration's time."""
    dated = {slug: held for slug, entry in catalogue.of(WEBINAR_FORM).items() if (held := entry.held_on)}
    current = [slug for slug, held in dated.items() if webinar_shared(held, held, today, sharing_months)]
    text = "CAST(fs.details AS TEXT)"
    args: list[Any] = [WEBINAR_FORM]
    parts = [f"{text} LIKE {{}}" for _ in current]
    args += [_slug_pattern(slug) for slug in current]
    undated = " AND ".join([f"{text} NOT LIKE {{}}" for _ in dated] + ["fs.created_at >= {}"])
    args += [_slug_pattern(slug) for slug in dated] + [registration_cutoff(today, sharing_months)]
    parts.append(f"({undated})")
    return f"fs.form = {{}} AND ({' OR '.join(parts)})", args


def _webinar(catalogue: Catalogue, today: date, sharing_months: int) -> Population:
    shared, shared_args = shared_webinar_sql(catalogue, today, sharing_months)
    return Population(
        key="person.id",
        source="person p",
        where=(
            "p.restricted_at IS NULL "
            f"AND EXISTS (SELECT 1 FROM form_submission fs WHERE fs.person = p.id AND {shared}) "
            "AND EXISTS (SELECT 1 FROM consent c WHERE c.person = p.id AND c.kind = {} AND c.withdrawn_at IS NULL "
            "AND c.confirmed_at IS NOT NULL) "
            "AND NOT EXISTS (SELECT 1 FROM account a JOIN account_privacy ap ON ap.account = a.id "
            "WHERE (a.id = p.account OR a.email = p.email) AND ap.restricted_at IS NOT NULL)"
        ),
        args=(*shared_args, WEBINAR_CONSENT),
        tables=frozenset({"person", "form_submission"}),
    )


def population(
    purpose: str,
    catalogue: Catalogue,
    today: date | None = None,
    sharing_months: int = DEFAULT_WEBINAR_SHARING_MONTHS,
) -> Population | None:
    """Whom `purpose` serves today (by need: privacy/sharing.py, population_sv); webinars dated by `catalogue`."""
    found = SHARING_PURPOSES.get(purpose)
    if found is None:
        return None
    if found.subject == "account.id":
        return _course_site()
    return _webinar(catalogue, today or to_stockholm(clock.now()).date(), sharing_months)


@dataclass(frozen=True)
class SubsidiaryInfo:
    id: int
    name: str
    purpose: str
    channel: str | None
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class ParticipantsPage:
    participants: list[dict[str, Any]]
    next_after: int | None


@dataclass(frozen=True)
class Notice:
    id: int
    kind: str
    subject_ref: str
    changes: Any
    created_at: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _info(row: dict[str, Any]) -> SubsidiaryInfo:
    return SubsidiaryInfo(
        id=row["id"],
        name=row["name"],
        purpose=row["purpose"],
        channel=row["channel"],
        active=bool(row["active"]),
        created_at=row["created_at"],
    )


def _clean(value: str | None, rule: TextRule, field: str) -> str:
    """``value`` by the free-text rule, or Invalid naming ``field`` (the message never repeats a refused number)."""
    try:
        return clean_text(value, rule)
    except TextRefused as refused:
        raise Invalid(refused.message, field_errors={field: refused.message}) from None


def check_purpose(purpose: str) -> str:
    if purpose not in SHARING_PURPOSES:
        known = ", ".join(sorted(SHARING_PURPOSES))
        message = f"Okänt ändamål {purpose[:40]!r}. Ändamål som får ta emot uppgifter: {known}."
        raise Invalid(message, field_errors={"purpose": message})
    return purpose


# ---------------------------------------------------------------- the registry (used by the CLI)


async def add_subsidiary(name: str, purpose: str, channel: str | None = None) -> tuple[SubsidiaryInfo, str]:
    """Register a subsidiary for a purpose; returns it and its token, which is never stored or shown again.

    A revoked (name, purpose) is given a new token and made active again; an active one is a Conflict (revoke it
    first), so a token in use is never replaced by mistake."""
    name = _clean(name, NAME_RULE, "name")
    purpose = check_purpose((purpose or "").strip())
    channel = _clean(channel, CHANNEL_RULE, "channel") or None
    token = secrets.token_urlsafe(32)
    now = clock.now()
    async with write_transaction(Subsidiary._meta.db):
        existing = await Subsidiary.select().where((Subsidiary.name == name) & (Subsidiary.purpose == purpose)).first()
        if existing and existing["active"]:
            raise Conflict(f"{name} tar redan emot uppgifter för {purpose}. Återkalla den först för en ny nyckel.")
        if existing:
            await Subsidiary.update(
                {Subsidiary.token_hash: hash_token(token), Subsidiary.active: True, Subsidiary.channel: channel}
            ).where(Subsidiary.id == existing["id"])
            row_id = existing["id"]
        else:
            inserted = await Subsidiary.insert(
                Subsidiary(name=name, purpose=purpose, token_hash=hash_token(token), channel=channel, created_at=now)
            )
            row_id = inserted[0]["id"]
        row = await Subsidiary.select().where(Subsidiary.id == row_id).first()
    if row is None:  # written in the same transaction: cannot happen
        raise RuntimeError(f"subsidiary {row_id} vanished")
    return _info(row), token


async def list_subsidiaries() -> list[SubsidiaryInfo]:
    rows = await Subsidiary.select(
        Subsidiary.id, Subsidiary.name, Subsidiary.purpose, Subsidiary.channel, Subsidiary.active, Subsidiary.created_at
    ).order_by(Subsidiary.name, Subsidiary.purpose)
    return [_info(row) for row in rows]


async def revoke_subsidiary(name: str, purpose: str) -> SubsidiaryInfo:
    """Deactivate (name, purpose): its token is refused from now on. Its disclosures and notices stay."""
    name = (name or "").strip()
    purpose = (purpose or "").strip()
    rows = (
        await Subsidiary.update({Subsidiary.active: False})
        .where((Subsidiary.name == name) & (Subsidiary.purpose == purpose))
        .returning(Subsidiary.id)
    )
    missing = NotFound(f"Inget dotterbolag {name[:NAME_MAX]!r} med ändamålet {purpose[:40]!r}.")
    if not rows:
        raise missing
    row = await Subsidiary.select().where(Subsidiary.id == rows[0]["id"]).first()
    if row is None:
        raise missing
    return _info(row)


async def authenticate(token: str | None) -> SubsidiaryInfo | None:
    """The active subsidiary a bearer token belongs to, or None (unknown, revoked, empty or oversized)."""
    if not token or len(token) > TOKEN_MAX:
        return None
    digest = hash_token(token)
    row = await Subsidiary.select().where(Subsidiary.token_hash == digest).first()
    if row is None or not hmac.compare_digest(row["token_hash"], digest) or not row["active"]:
        return None
    return _info(row)


async def recipients_of(account_id: int) -> list[SubsidiaryInfo]:
    """Every subsidiary that received this person's data (from the disclosure log: as the account, or as a form
    person linked to it or with its e-mail), revoked ones included: they still hold the data, so a rectification or
    erasure notice is queued for them too."""
    rows = await Subsidiary.raw(
        "SELECT s.id, s.name, s.purpose, s.channel, s.active, s.created_at FROM subsidiary s "
        "WHERE EXISTS (SELECT 1 FROM disclosure d JOIN disclosure_subject ds ON ds.disclosure = d.id "
        "WHERE d.subsidiary = s.id AND (ds.account = {} OR ds.person IN (SELECT p.id FROM person p "
        "WHERE p.account = {} OR p.email = (SELECT a.email FROM account a WHERE a.id = {})))) ORDER BY s.id",
        int(account_id),
        int(account_id),
        int(account_id),
    )
    return [_info(row) for row in rows]


@dataclass(frozen=True)
class Received:
    """What one subsidiary received about one person, by the id it knows them by (`subject_ref`)."""

    subsidiary: int
    subject_ref: str
    fields: frozenset[str]


def subject_ref(fields: Any, account_id: int | None, person_id: int | None) -> str:
    """The id a subsidiary knows a person by: the `person.id` or `account.id` the disclosure held. A disclosure with
    neither (none is made today) is referred to by the account id, or "person:<id>"."""
    if person_id is not None and "person.id" in fields:
        return str(person_id)
    if account_id is not None and "account.id" in fields:
        return str(account_id)
    return str(account_id) if account_id is not None else f"person:{person_id}"


async def received_by(link: Any) -> list[Received]:
    """Per subsidiary and per id it knows the person by, the fields it received, from the disclosure log rows the
    `link` condition on DisclosureSubject picks (the account's, the form person's). Art. 19 notices go to these."""
    rows = await DisclosureSubject.select(
        DisclosureSubject.account,
        DisclosureSubject.person,
        DisclosureSubject.disclosure.subsidiary.as_alias("subsidiary"),
        DisclosureSubject.disclosure.fields.as_alias("fields"),
    ).where(link & DisclosureSubject.disclosure.subsidiary.is_not_null())
    found: dict[tuple[int, str], set[str]] = {}
    for row in rows:
        fields = row["fields"]
        if isinstance(fields, str):
            fields = json.loads(fields)
        ref = subject_ref(fields or [], row["account"], row["person"])
        found.setdefault((row["subsidiary"], ref), set()).update(fields or [])
    return [Received(sub, ref, frozenset(fields)) for (sub, ref), fields in sorted(found.items())]


# ---------------------------------------------------------------- serving subsidiaries (the API)


class SubsidiaryService:
    def __init__(
        self,
        engine: Engine,
        catalog: CourseCatalog,
        catalogue: Catalogue,
        *,
        webinar_sharing_months: int = DEFAULT_WEBINAR_SHARING_MONTHS,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.catalogue = catalogue  # the webinars' dates (lessons/catalogue.toml), loaded once at start
        self.webinar_sharing_months = webinar_sharing_months  # COURSESITE_WEBINAR_SHARING_MONTHS

    async def participants(
        self, subsidiary: SubsidiaryInfo, *, limit: int = PAGE_DEFAULT, after: int = 0
    ) -> ParticipantsPage:
        """One page (keyset on the id of the purpose's population: the account id, or the person id) of the people
        the subsidiary may receive, each with exactly the allow-listed fields of its purpose. The read and its
        disclosure log are one transaction."""
        fields = allowed_fields(subsidiary.purpose)
        today = to_stockholm(clock.now()).date()
        people = population(subsidiary.purpose, self.catalogue, today, self.webinar_sharing_months)
        if not fields or people is None:  # deny by default: a purpose without an allow-list receives nothing, unlogged
            return ParticipantsPage(participants=[], next_after=None)
        # An allow-list naming a field without a source, or outside its population, is a programming error, never a
        # silent gap.
        unknown = [name for name in fields if name not in FIELD_SQL or name.partition(".")[0] not in people.tables]
        if unknown:
            raise RuntimeError(f"no source for shared fields {unknown}")
        limit = max(1, min(int(limit), PAGE_MAX))
        after = max(0, min(int(after), ID_MAX))
        slugs = [lesson.slug for lesson in self.catalog.course.lessons()]
        selected = [f"{FIELD_SQL[people.key]} AS subject_id"] + [
            f"{FIELD_SQL[name]} AS f{index}" for index, name in enumerate(fields) if FIELD_SQL[name] is not None
        ]
        args: list[Any] = []
        if "lesson_progress.course_percent" in fields:
            if slugs:
                selected.append(
                    f"(SELECT COUNT(*) FROM lesson_progress lp WHERE lp.account = a.id AND lp.completed_at IS NOT NULL "
                    f"AND lp.lesson_slug IN ({', '.join('{}' for _ in slugs)})) AS {_COMPLETED}"
                )
                args += slugs
            else:
                selected.append(f"0 AS {_COMPLETED}")
        key = FIELD_SQL[people.key]
        sql = (
            f"SELECT {', '.join(selected)} FROM {people.source} "
            f"WHERE {people.where} AND {key} > {{}} ORDER BY {key} LIMIT {{}}"
        )
        args += [*people.args, after, limit + 1]  # one more than the page: is there a next page?
        total_lessons = len(slugs)
        async with write_transaction(self.engine):
            rows = await Disclosure.raw(sql, *args)
            more, rows = len(rows) > limit, rows[:limit]
            ids = [int(row["subject_id"]) for row in rows]
            webinars = (
                await _webinars(ids, self.catalogue, today, self.webinar_sharing_months)
                if "form_submission.details" in fields
                else {}
            )
            items = [self._item(row, fields, total_lessons, webinars) for row in rows]
            if rows:
                await self._log(subsidiary, fields, people.key, ids)
        next_after = ids[-1] if more else None
        return ParticipantsPage(participants=items, next_after=next_after)

    @staticmethod
    def _item(
        row: dict[str, Any], fields: tuple[str, ...], total_lessons: int, webinars: dict[int, list[str]]
    ) -> dict[str, Any]:
        item: dict[str, Any] = {}
        for index, name in enumerate(fields):
            if name == "lesson_progress.course_percent":
                completed = int(row[_COMPLETED] or 0)
                item[name] = completed * 100 // total_lessons if total_lessons else 0
            elif name == "form_submission.details":
                item[name] = webinars.get(int(row["subject_id"]), [])
            else:
                item[name] = row[f"f{index}"]
        return item

    @staticmethod
    async def _log(subsidiary: SubsidiaryInfo, fields: tuple[str, ...], key: str, subject_ids: list[int]) -> None:
        inserted = await Disclosure.insert(
            Disclosure(
                recipient=subsidiary.name,
                subsidiary=subsidiary.id,
                purpose=subsidiary.purpose,
                fields=json.dumps(list(fields)),
                people=len(subject_ids),
                created_at=clock.now(),
            )
        )
        disclosure_id = inserted[0]["id"]
        by_person = key == "person.id"
        await DisclosureSubject.insert(
            *(
                DisclosureSubject(
                    disclosure=disclosure_id,
                    account=None if by_person else subject_id,
                    person=subject_id if by_person else None,
                )
                for subject_id in subject_ids
            )
        )

    async def notices(self, subsidiary: SubsidiaryInfo) -> list[Notice]:
        """The subsidiary's unacknowledged notices, oldest first (at most NOTICES_MAX per call)."""
        rows = (
            await RecipientNotice.select(
                RecipientNotice.id,
                RecipientNotice.kind,
                RecipientNotice.subject_ref,
                RecipientNotice.changes,
                RecipientNotice.created_at,
            )
            .where((RecipientNotice.subsidiary == subsidiary.id) & RecipientNotice.acknowledged_at.is_null())
            .order_by(RecipientNotice.id)
            .limit(NOTICES_MAX)
            .output(load_json=True)
        )
        return [
            Notice(
                id=row["id"],
                kind=row["kind"],
                subject_ref=row["subject_ref"],
                changes=row["changes"],
                created_at=row["created_at"],
            )
            for row in rows
        ]

    async def acknowledge(self, subsidiary: SubsidiaryInfo, notice_id: int) -> None:
        """Mark one of the subsidiary's notices as received. Acknowledging again keeps the first time (a retry is
        harmless); another subsidiary's notice, or none, is NotFound."""
        notice_id = int(notice_id)
        if not 1 <= notice_id <= ID_MAX:
            raise NotFound("Meddelandet finns inte.")
        mine = (RecipientNotice.id == notice_id) & (RecipientNotice.subsidiary == subsidiary.id)
        updated = (
            await RecipientNotice.update({RecipientNotice.acknowledged_at: clock.now()})
            .where(mine & RecipientNotice.acknowledged_at.is_null())
            .returning(RecipientNotice.id)
        )
        if not updated and not await RecipientNotice.exists().where(mine):
            raise NotFound("Meddelandet finns inte.")


async def _webinars(
    person_ids: list[int], catalogue: Catalogue, today: date, sharing_months: int
) -> dict[int, list[str]]:
    """Per person, the webinars (slugs) of their registrations that may be shared today (privacy/ends.py:
    webinar_shared), oldest first, each once: one query a page."""
    if not person_ids:
        return {}
    rows = (
        await FormSubmission.select(FormSubmission.person, FormSubmission.details, FormSubmission.created_at)
        .where(FormSubmission.person.is_in(person_ids) & (FormSubmission.form == WEBINAR_FORM))
        .order_by(FormSubmission.id)
        .output(load_json=True)
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        details = row["details"]
        if isinstance(details, str):
            details = json.loads(details)
        slug = details.get(WEBINAR_FORM) if isinstance(details, dict) else None
        registered_on = to_stockholm(row["created_at"]).date()
        if not slug or not webinar_shared(catalogue.held_on(WEBINAR_FORM, slug), registered_on, today, sharing_months):
            continue
        if slug not in found.setdefault(row["person"], []):
            found[row["person"]].append(slug)
    return found
