"""The staff audit log: every staff read of a person's data and every change, with who, when, what and why.

The services that show a person's data to staff call :meth:`AuditLog.record` (or :meth:`AuditLog.record_many` for a
list of people) themselves, so every caller is audited. The row
holds ids and the names of the fields or records, never the values: the log itself must not become a copy of the
data (`what` and `why` are written by the code, not typed by staff). The subject's account is kept as a plain number
so that the row outlives an erasure of the account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from coursesite.core import clock
from coursesite.db.privacy import StaffAudit

Action = Literal["read", "change", "export", "erase"]
ACTIONS: frozenset[str] = frozenset(("read", "change", "export", "erase"))
TEXT_MAX = 500  # `what` and `why` are short descriptions made by the code
LIST_LIMIT = 500


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int | None
    action: str
    subject_account: int | None
    subject_person: int | None
    what: str
    why: str
    created_at: datetime


def _row(
    actor_id: int | None, action: str, subject_account, subject_person, what: str, why: str, now: datetime
) -> StaffAudit:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if not what or not why:
        raise ValueError("an audit row needs what and why")
    return StaffAudit(
        actor=actor_id,
        action=action,
        subject_account=subject_account,
        subject_person=subject_person,
        what=what[:TEXT_MAX],
        why=why[:TEXT_MAX],
        created_at=now,
    )


class AuditLog:
    """The staff audit log as a service: built once in create_app and handed to every service that shows a person's
    data to staff or changes it, so that every caller of such a service method is audited."""

    async def record(
        self,
        actor_id: int | None,
        action: Action,
        *,
        subject_account: int | None = None,
        subject_person: int | None = None,
        what: str,
        why: str,
    ) -> None:
        """Write one audit row: `actor_id` (the staff account) did `action` on the data named by `what`, of the
        account and/or person given, for the reason `why`."""
        await StaffAudit.insert(_row(actor_id, action, subject_account, subject_person, what, why, clock.now()))

    async def record_many(
        self,
        actor_id: int | None,
        action: Action,
        subjects: Iterable[tuple[int | None, int | None]],
        *,
        what: str,
        why: str,
    ) -> None:
        """One row per distinct (account, person) subject, in one insert: a list page that shows several people's
        data."""
        now = clock.now()
        rows = [
            _row(actor_id, action, account, person, what, why, now)
            for account, person in dict.fromkeys(subjects)
            if account is not None or person is not None
        ]
        if rows:
            await StaffAudit.insert(*rows)

    async def entries(
        self, *, subject_account: int | None = None, actor_id: int | None = None, limit: int = LIST_LIMIT
    ) -> list[AuditEntry]:
        """The newest rows first, for one subject account and/or one actor."""
        query = StaffAudit.select().order_by(StaffAudit.id, ascending=False).limit(min(max(limit, 1), LIST_LIMIT))
        if subject_account is not None:
            query = query.where(StaffAudit.subject_account == subject_account)
        if actor_id is not None:
            query = query.where(StaffAudit.actor == actor_id)
        return [
            AuditEntry(
                id=row["id"],
                actor_id=row["actor"],
                action=row["action"],
                subject_account=row["subject_account"],
                subject_person=row["subject_person"],
                what=row["what"],
                why=row["why"],
                created_at=row["created_at"],
            )
            for row in await query
        ]
