"""Art. 19 for the newsletter processors (Apsis, Mailchimp): a person who was in a newsletter export and is then
erased, corrected, restricted or withdraws the newsletter consent must be removed, corrected or paused in the
processor's own tool too. The site cannot reach those tools, so staff do it and mark it done here.

How staff find the person there without us keeping the e-mail: every export row carries a Kurssajten-ID
(:func:`subscriber_ref`, a keyed hash of the e-mail), stored per person in `disclosure_subject.subject_ref`. A notice
names the processor and that ID. An erasure notice keeps only those two (no link to the person, nothing to look the
ID up with once the person is gone); the other kinds keep the account or person link, and a rectification the
corrected values, until staff mark the notice done (the values are then dropped) or the person is erased (the rows
go with them, and the erasure notice takes over).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from coursesite.core import clock
from coursesite.core.errors import NotFound
from coursesite.db.engine import write_transaction
from coursesite.db.privacy import DisclosureSubject, ProcessorNotice
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.policy import NEWSLETTER_FIELDS, NEWSLETTER_REF_FIELD

NEWSLETTER_CONSENT = "newsletter"  # the consent kind the newsletter exports go by
REF_PREFIX = "ks-"
REF_LENGTH = 16  # base32 characters after the prefix: 80 bits
PENDING_MAX = 500

KINDS = ("erasure", "rectification", "withdrawal", "restriction")
KIND_LABELS_SV = {
    "erasure": "Radering",
    "rectification": "Rättelse",
    "withdrawal": "Återkallat samtycke",
    "restriction": "Begränsning",
}
ACTIONS_SV = {
    "erasure": "Radera kontakten permanent.",
    "rectification": "Rätta kontakten med de nya uppgifterna.",
    "withdrawal": "Avregistrera kontakten från nyhetsbrevet.",
    "restriction": "Arkivera kontakten: inga utskick medan behandlingen är begränsad.",
}
# The fields an export gives a processor, by column (policy.NEWSLETTER_FIELDS, less the ID itself): only a correction
# of these is passed on.
EXPORTED_COLUMNS = frozenset(name.partition(".")[2] for name in NEWSLETTER_FIELDS if name != NEWSLETTER_REF_FIELD)
FIELD_LABELS_SV = {"email": "Ny e-postadress", "first_name": "Nytt förnamn"}  # how a corrected value is shown


def subscriber_ref(key: str, email: str) -> str:
    """Pure: the Kurssajten-ID of an export row, the same for an e-mail in every export made with the same key."""
    digest = hmac.new(key.encode(), b"newsletter-subscriber:" + email.strip().lower().encode(), hashlib.sha256).digest()
    return REF_PREFIX + base64.b32encode(digest).decode("ascii").lower()[:REF_LENGTH]


def exported_changes(changed: dict[str, Any], received: Iterable[str]) -> dict[str, Any]:
    """Pure: the corrected fields (registry names) a processor received a value for, whichever table it came from."""
    columns = {name.rpartition(".")[2] for name in received} & EXPORTED_COLUMNS
    return {name: value for name, value in changed.items() if name.rpartition(".")[2] in columns}


@dataclass(frozen=True)
class Received:
    """What one processor received about a person: the IDs it knows them by and the fields."""

    recipient: str
    refs: frozenset[str]
    fields: frozenset[str]


async def received_by_processors(link: Any) -> list[Received]:
    """The processors that received the people the DisclosureSubject condition `link` picks, with their IDs there.
    Exports made before the Kurssajten-ID existed gave no ID and are left out: no notice can name the person."""
    rows = await DisclosureSubject.select(
        DisclosureSubject.subject_ref,
        DisclosureSubject.disclosure.recipient.as_alias("recipient"),
        DisclosureSubject.disclosure.fields.as_alias("fields"),
    ).where(link & DisclosureSubject.disclosure.subsidiary.is_null() & DisclosureSubject.subject_ref.is_not_null())
    refs: dict[str, set[str]] = {}
    fields: dict[str, set[str]] = {}
    for row in rows:
        refs.setdefault(row["recipient"], set()).add(row["subject_ref"])
        names = json.loads(row["fields"]) if isinstance(row["fields"], str) else row["fields"]
        fields.setdefault(row["recipient"], set()).update(names or [])
    return [Received(name, frozenset(refs[name]), frozenset(fields[name])) for name in sorted(refs)]


def subject_link(account_id: int | None, person_ids: Iterable[int]) -> Any:
    """The DisclosureSubject condition for an account and its form person rows."""
    person_ids = list(person_ids)
    link: Any = DisclosureSubject.account == account_id if account_id is not None else None
    if person_ids:
        by_person = DisclosureSubject.person.is_in(person_ids)
        link = by_person if link is None else link | by_person
    return link if link is not None else DisclosureSubject.id.is_null()


async def queue(
    kind: str,
    received: list[Received],
    *,
    now: datetime,
    account_id: int | None = None,
    person_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> tuple[str, ...]:
    """One notice per processor and Kurssajten-ID (inside the caller's transaction); the processors told.
    A rectification goes only to processors that received one of the corrected fields. An erasure notice is
    stored without the link to the person."""
    told = []
    for item in received:
        values: Any = []
        if kind == "rectification":
            values = exported_changes(changes or {}, item.fields)
            if not values:
                continue
        keep_link = kind != "erasure"
        await ProcessorNotice.insert(
            *(
                ProcessorNotice(
                    recipient=item.recipient,
                    kind=kind,
                    subject_ref=ref,
                    changes=json.dumps(values, ensure_ascii=False),
                    created_at=now,
                    account=account_id if keep_link else None,
                    person=person_id if keep_link else None,
                )
                for ref in sorted(item.refs)
            )
        )
        told.append(item.recipient)
    return tuple(told)


@dataclass(frozen=True)
class NoticeView:
    id: int
    recipient: str
    kind: str
    kind_label: str
    action: str
    subject_ref: str
    changes: dict[str, Any]  # the corrected values, while the notice is pending
    fields: tuple[str, ...]  # the corrected fields (registry names)
    created_at: datetime
    done_at: datetime | None


def _view(row: dict[str, Any]) -> NoticeView:
    changes = row["changes"]
    if isinstance(changes, str):
        changes = json.loads(changes)
    return NoticeView(
        id=row["id"],
        recipient=row["recipient"],
        kind=row["kind"],
        kind_label=KIND_LABELS_SV.get(row["kind"], row["kind"]),
        action=ACTIONS_SV.get(row["kind"], ""),
        subject_ref=row["subject_ref"],
        changes=changes if isinstance(changes, dict) else {},
        fields=tuple(changes or ()),
        created_at=row["created_at"],
        done_at=row["done_at"],
    )


class ProcessorNotices:
    """Staff's list of what to do at the processors, and marking a notice done. Both are audited: the list shows
    corrected contact data, and marking done is a change."""

    def __init__(self, engine: Engine, audit: AuditLog) -> None:
        self.engine = engine
        self.audit = audit

    async def count_pending(self) -> int:
        return await ProcessorNotice.count().where(ProcessorNotice.done_at.is_null())

    async def pending(self, *, actor_id: int | None) -> list[NoticeView]:
        rows = (
            await ProcessorNotice.select()
            .where(ProcessorNotice.done_at.is_null())
            .order_by(ProcessorNotice.id)
            .limit(PENDING_MAX)
        )
        views = [_view(row) for row in rows]
        if views:
            await self.audit.record(
                actor_id,
                "read",
                what="processor_notice (Kurssajten-ID, rättade uppgifter)",
                why="Nyhetsbrev: meddelanden att utföra hos personuppgiftsbiträden",
            )
        return views

    async def mark_done(self, notice_id: int, *, actor_id: int | None) -> NoticeView:
        """Mark a notice done. A rectification's values are dropped (the field names stay as the record). Marking a
        done notice again changes nothing. NotFound for an unknown id."""
        now = clock.now()
        async with write_transaction(self.engine):
            rows = await ProcessorNotice.select().where(ProcessorNotice.id == notice_id)
            if not rows:
                raise NotFound("Meddelandet finns inte.")
            row = rows[0]
            if row["done_at"] is not None:
                return _view(row)
            marked = (
                await ProcessorNotice.update(
                    {
                        ProcessorNotice.done_at: now,
                        ProcessorNotice.done_by: actor_id,
                        ProcessorNotice.changes: json.dumps(list(_view(row).fields)),
                    }
                )
                .where((ProcessorNotice.id == notice_id) & ProcessorNotice.done_at.is_null())
                .returning(ProcessorNotice.id)
            )
            if marked:
                await self.audit.record(
                    actor_id,
                    "change",
                    subject_account=row["account"],
                    subject_person=row["person"],
                    what=f"processor_notice {notice_id} ({row['recipient']}, {row['kind']})",
                    why=f"Utfört hos {row['recipient']} (artikel 19)",
                )
            return _view((await ProcessorNotice.select().where(ProcessorNotice.id == notice_id))[0])
