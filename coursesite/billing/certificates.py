"""Completion certificates: issued once every lesson of the three acts is complete, checked by anyone with the code.

The certificate row keeps only what the public check shows ("Anna A.", the date) and the code; the full name on the
PDF is read from the account when it is rendered, so erasing the account leaves nothing of the name but "Anna A.".
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.billing.pdf import CertificatePdf
from coursesite.core import clock
from coursesite.core.errors import Forbidden
from coursesite.core.formatting import to_stockholm
from coursesite.course.model import Lesson
from coursesite.db.answers import LessonProgress
from coursesite.db.billing import Certificate
from coursesite.db.engine import lock_account_rows, write_transaction
from coursesite.grading.service import AnswerService

__all__ = [
    "CODE_ALPHABET",
    "CODE_MAX_INPUT",
    "CertificateRecord",
    "CertificateService",
    "PublicCertificate",
    "new_certificate_code",
    "normalise_code",
    "short_name",
]

# No look-alikes (no 0/O, 1/I/L), so a code read aloud or typed from paper comes out right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
CODE_MAX_INPUT = 40  # what a visitor may type, spaces and dashes included; anything longer is not a code
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
SHORT_NAME_MAX = 110  # the column's length


def new_certificate_code() -> str:
    """Ten characters of an alphabet without look-alikes, grouped for reading aloud: "ABCDE-FGHJK"."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(text: str) -> str | None:
    """A typed code in its stored form, or None when it cannot be one. Case, spaces and the dash do not matter:
    "abcde fghjk", "ABCDEFGHJK" and "abcde-fghjk" are the same code."""
    if not text or len(text) > CODE_MAX_INPUT:
        return None
    raw = "".join(ch for ch in text.upper() if ch not in " -\u2010\u2011\u2012\u2013\u2014\t")
    if not _CODE.fullmatch(raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"


def short_name(first_name: str, last_name: str) -> str:
    """ "Anna A.": the first name and the initial of the last name, all the public check shows of a person."""
    first = " ".join(first_name.split())
    initial = next((ch for ch in last_name if ch.isalpha()), "")
    name = f"{first} {initial.upper()}." if initial else first
    return name[:SHORT_NAME_MAX]


@dataclass(frozen=True)
class PublicCertificate:
    """What the public check page may show: nothing that identifies the person beyond "Anna A."."""

    course_title: str
    completed_on: date
    holder_short_name: str  # "" once the holder's data was erased: the certificate can no longer be checked

    @property
    def erased(self) -> bool:
        return not self.holder_short_name


@dataclass(frozen=True)
class CertificateRecord:
    code: str
    course_title: str
    completed_on: date
    holder_short_name: str
    full_name: str  # for the holder's own PDF only
    issued_at: datetime

    def pdf(self, verify_url: str) -> CertificatePdf:
        return CertificatePdf(
            full_name=self.full_name,
            course_title=self.course_title,
            completed_on=self.completed_on,
            code=self.code,
            verify_url=verify_url,
        )


class CertificateService:
    def __init__(self, engine: Engine, answers: AnswerService) -> None:
        self.engine = engine
        self.answers = answers

    @property
    def course_title(self) -> str:
        return self.answers.course.title

    async def outstanding(self, account_id: int) -> list[Lesson]:
        """The lessons still to complete, in course order; empty when the certificate can be issued."""
        completed = await self.answers.completed_lessons(account_id)
        return [lesson for lesson in self.answers.course.lessons() if lesson.slug not in completed]

    async def is_complete(self, account_id: int) -> bool:
        progress = await self.answers.progress(account_id)
        return progress.total_lessons > 0 and all(act.complete for act in progress.acts)

    async def issue_or_get(self, principal: Principal) -> CertificateRecord:
        """The participant's certificate, issued on the first call once the whole course is complete. Forbidden until
        then. Later calls return the same code, also after the course content changed."""
        existing = await self._row(principal.account_id)
        if existing is None:
            if not await self.is_complete(principal.account_id):
                raise Forbidden("Kursintyget kan hämtas när du har gjort klart alla lektioner i kursens tre akter.")
            async with write_transaction(self.engine):
                await lock_account_rows(self.engine, principal.account_id)
                existing = await self._row(principal.account_id)  # a concurrent request may have issued it
                if existing is None:
                    await self._insert(principal)
            existing = await self._row(principal.account_id)
            assert existing is not None
        return CertificateRecord(
            code=existing["code"],
            course_title=self.course_title,
            completed_on=existing["completed_on"],
            holder_short_name=existing["holder_short_name"],
            full_name=" ".join(f"{principal.first_name} {principal.last_name}".split()),
            issued_at=existing["issued_at"],
        )

    async def _row(self, account_id: int) -> dict | None:
        rows = await Certificate.select().where(Certificate.account == account_id)
        return rows[0] if rows else None

    async def _insert(self, principal: Principal) -> None:
        code = new_certificate_code()
        while await Certificate.exists().where(Certificate.code == code):  # 31^10 codes: practically never loops
            code = new_certificate_code()
        await Certificate.insert(
            Certificate(
                account=principal.account_id,
                code=code,
                completed_on=await self._completed_on(principal.account_id),
                holder_short_name=short_name(principal.first_name, principal.last_name),
                issued_at=clock.now(),
            )
        )

    async def _completed_on(self, account_id: int) -> date:
        """The day (in Stockholm) the last lesson of the course was completed."""
        slugs = [lesson.slug for lesson in self.answers.course.lessons()]
        rows = await LessonProgress.select(LessonProgress.completed_at).where(
            (LessonProgress.account == account_id)
            & LessonProgress.completed_at.is_not_null()
            & LessonProgress.lesson_slug.is_in(slugs)
        )
        latest = max((row["completed_at"] for row in rows), default=None)
        return to_stockholm(latest if latest is not None else clock.now()).date()

    async def verify(self, code: str) -> PublicCertificate | None:
        """The public check: the course, the date and "Anna A.", or None for anything that is not an issued code."""
        normalised = normalise_code(code)
        if normalised is None:
            return None
        rows = await Certificate.select(Certificate.completed_on, Certificate.holder_short_name).where(
            Certificate.code == normalised
        )
        if not rows:
            return None
        return PublicCertificate(
            course_title=self.course_title,
            completed_on=rows[0]["completed_on"],
            holder_short_name=rows[0]["holder_short_name"],
        )
