"""Builds right and wrong responses for any question, from its answer key (tests only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from coursesite.course.model import (
    Essay,
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from coursesite.privacy.access import AccessExports, ExportSettings
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.registry import ConfiguredPeriods
from coursesite.privacy.rights import RightsService
from coursesite.support.cases import CaseService
from coursesite.support.requests import RequestService


def _number(value: Decimal) -> str:
    return format(value, "f").replace(".", ",")


def correct_response(question: Question) -> Any:
    if isinstance(question, SingleChoice):
        return max(question.choices, key=lambda c: c.fraction).id
    if isinstance(question, MultipleChoice):
        return [c.id for c in question.choices if c.fraction > 0]
    if isinstance(question, TrueFalse):
        return question.answer
    if isinstance(question, ShortAnswer):
        best = max((a for a in question.answers if a.text.strip() != "*"), key=lambda a: a.fraction)
        return best.text.replace("*", "")  # a wildcard matches the empty run too
    if isinstance(question, Numeric):
        best = max((a for a in question.answers if not a.is_catch_all), key=lambda a: a.fraction)
        low, high = best.bounds()
        return _number(best.value if best.value is not None else (low + high) / 2)
    if isinstance(question, Matching):
        return {pair.left.id: pair.right_id for pair in question.pairs}
    if isinstance(question, Ordering):
        return [item.id for item in question.items]
    if isinstance(question, Essay):
        return "Mitt svar: en plan med buffert, budget och sparande varje månad."
    raise TypeError(question)


def wrong_response(question: Question) -> Any:
    if isinstance(question, SingleChoice):
        return min(question.choices, key=lambda c: c.fraction).id
    if isinstance(question, MultipleChoice):
        return []
    if isinstance(question, TrueFalse):
        return not question.answer
    if isinstance(question, ShortAnswer):
        return "helt fel svar zzz"
    if isinstance(question, Numeric):
        return "987654321"
    if isinstance(question, Matching):
        rights = [r.id for r in question.rights]
        return {pair.left.id: next(r for r in rights if r != pair.right_id) for pair in question.pairs}
    if isinstance(question, Ordering):
        return [item.id for item in reversed(question.items)]
    if isinstance(question, Essay):
        return "Vet inte."
    raise TypeError(question)


async def open_every_lesson(account_id: int, course) -> None:
    """Mark every lesson complete for the account, so every act and lesson is open (tests only)."""
    from coursesite.core import clock
    from coursesite.db.answers import LessonProgress

    now = clock.now()
    for lesson in course.lessons():
        await LessonProgress.insert(
            LessonProgress(account=account_id, lesson_slug=lesson.slug, completed_at=now, updated_at=now)
        )


def request_service(engine: Any) -> RequestService:
    """Customer service's request work (support/requests.py) as create_app builds it, on `engine`."""
    exports = AccessExports(
        ExportSettings(
            ConfiguredPeriods(ip_days=3, page_view_months=6, session_days=2, login_window_seconds=120),
            controller="Balans Ekonomi AB",
            login_secret="test-secret-key-0123456789abcdef0123456789",
        )
    )
    return RequestService(engine, AuditLog(), RightsService(engine), exports)


def case_service(engine: Any) -> CaseService:
    """Customer service's cases (support/cases.py) as create_app builds them, on `engine`."""
    return CaseService(engine, AuditLog(), request_service(engine))
