"""Completion certificates: issued once every lesson of the three acts is complete and graded, checked by anyone with
the code.

The certificate row keeps only what the public check shows ("Anna A.", the date) and the code; the full name on the
PDF is read from the account when it is rendered, so erasing the account leaves nothing of the name but "Anna A.".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.certificates.codes import new_certificate_code, normalise_code, short_name
from coursesite.certificates.document import CertificatePdf
from coursesite.core import clock
from coursesite.core.errors import Forbidden
from coursesite.core.formatting import to_stockholm
from coursesite.course.model import Lesson
from coursesite.course.progress import AttemptRecord, lessons_awaiting_review
from coursesite.db.answers import LessonProgress
from coursesite.db.billing import Certificate
from coursesite.db.engine import write_transaction
from coursesite.grading.service import AnswerService
from coursesite.mail.outbox import MailOutbox

__all__ = ["CertificateRecord", "CertificateService", "PublicCertificate"]

MY_CERTIFICATE_PATH = "/mitt-intyg"


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
    def __init__(self, engine: Engine, answers: AnswerService, outbox: MailOutbox) -> None:
        self.engine = engine
        self.answers = answers
        self.outbox = outbox  # the participant is told, once, when the certificate is issued

    @property
    def course_title(self) -> str:
        return self.answers.course.title

    async def outstanding(self, account_id: int) -> list[Lesson]:
        """The lessons still to complete, in course order; empty when the certificate can be issued."""
        completed = await self.answers.completed_lessons(account_id)
        return [lesson for lesson in self.answers.course.lessons() if lesson.slug not in completed]

    async def awaiting_review(self, account_id: int) -> list[Lesson]:
        """The lessons with an answer (an essay) a teacher has still to grade, in course order."""
        by_lesson: dict[str, list[AttemptRecord]] = {}
        for answer in await self.answers.answers(account_id):
            by_lesson.setdefault(answer.lesson_slug, []).append(answer.record())
        return lessons_awaiting_review(self.answers.course, by_lesson)

    async def is_complete(self, account_id: int) -> bool:
        """The one rule for the certificate: every lesson complete, and every counted answer graded (none waiting
        for a teacher), so that the certificate never comes before the result it certifies."""
        progress = await self.answers.progress(account_id)
        if progress.total_lessons <= 0 or not all(act.complete for act in progress.acts):
            return False
        return not await self.awaiting_review(account_id)

    async def issue_or_get(self, principal: Principal) -> CertificateRecord:
        """The participant's certificate, issued on the first call once the whole course is complete. Forbidden until
        then. Later calls return the same code, also after the course content changed."""
        existing = await self._row(principal.account_id)
        if existing is None:
            if not await self.is_complete(principal.account_id):
                raise Forbidden(
                    "Kursintyget kan hämtas när du har gjort klart alla lektioner i kursens tre akter "
                    "och läraren har bedömt alla dina uppsatssvar."
                )
            async with write_transaction(self.engine, account_id=principal.account_id):
                existing = await self._row(principal.account_id)  # a concurrent request may have issued it
                if existing is None:
                    await self._insert(principal)
            existing = await self._row(principal.account_id)
            assert existing is not None
        return self._record(principal, existing)

    async def issued(self, principal: Principal) -> CertificateRecord | None:
        """The certificate already issued, if any: it stays the participant's whatever they answer afterwards."""
        row = await self._row(principal.account_id)
        return None if row is None else self._record(principal, row)

    def _record(self, principal: Principal, row: dict) -> CertificateRecord:
        return CertificateRecord(
            code=row["code"],
            course_title=self.course_title,
            completed_on=row["completed_on"],
            holder_short_name=row["holder_short_name"],
            full_name=" ".join(f"{principal.first_name} {principal.last_name}".split()),
            issued_at=row["issued_at"],
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
        # In the issuing transaction: issued once, told once.
        await self.outbox.to_account(
            principal.account_id,
            "certificates/issued",
            {
                "course_title": self.course_title,
                "code": code,
                "link": self.outbox.link(MY_CERTIFICATE_PATH),
                "check_link": self.outbox.link(f"/intyg/{code}"),
            },
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
