"""Completion certificates on the database (SQLite and PostgreSQL): refused before the course is complete, issued
once after, and the public check shows the course, the date and "Anna A." only."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime

import pytest

from coursesite.certificates.codes import CODE_ALPHABET, new_certificate_code, normalise_code, short_name
from coursesite.certificates.service import CertificateService
from coursesite.core import clock
from coursesite.core.errors import Forbidden
from coursesite.db.answers import LessonProgress
from coursesite.db.billing import Certificate
from coursesite.grading.service import AnswerService
from tests.conftest import accounts
from tests.support import outbox_for_tests


@pytest.fixture
def service(db, catalog):
    return CertificateService(db, AnswerService(db, catalog), outbox_for_tests())


async def participant(email="anna@example.se", first_name="Anna", last_name="Andersson"):
    return await accounts.register(email=email, password="ett-bra-losenord", first_name=first_name, last_name=last_name)


async def complete(principal, lessons, at: datetime):
    for lesson in lessons:
        await LessonProgress.insert(
            LessonProgress(account=principal.account_id, lesson_slug=lesson.slug, completed_at=at, updated_at=at)
        )


# 22:30 UTC on 26 Nov is 23:30 in Stockholm: still the 26th. 23:30 UTC on 30 June is already 1 July there.
EARLIER = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LAST = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)


async def test_refused_until_every_lesson_of_all_three_acts_is_complete(service, course):
    anna = await participant()
    with pytest.raises(Forbidden, match="alla lektioner"):
        await service.issue_or_get(anna)
    lessons = course.lessons()
    await complete(anna, lessons[:-1], EARLIER)
    with pytest.raises(Forbidden):
        await service.issue_or_get(anna)
    assert [lesson.slug for lesson in await service.outstanding(anna.account_id)] == [lessons[-1].slug]
    assert await Certificate.count() == 0
    # a started but not completed lesson does not count either
    now = clock.now()
    await LessonProgress.insert(
        LessonProgress(account=anna.account_id, lesson_slug=lessons[-1].slug, completed_at=None, updated_at=now)
    )
    with pytest.raises(Forbidden):
        await service.issue_or_get(anna)


async def test_issued_once_complete_with_the_date_of_the_last_lesson_in_stockholm(service, course):
    anna = await participant()
    lessons = course.lessons()
    await complete(anna, lessons[:-1], datetime(2026, 5, 2, 8, 0, tzinfo=UTC))
    await complete(anna, lessons[-1:], LAST)
    record = await service.issue_or_get(anna)
    assert record.completed_on == date(2026, 7, 1)
    assert record.holder_short_name == "Anna A."
    assert record.full_name == "Anna Andersson"
    assert record.course_title == course.title
    assert normalise_code(record.code) == record.code
    assert len(record.code) == 11 and record.code[5] == "-"
    rows = await Certificate.select().where(Certificate.account == anna.account_id)
    assert len(rows) == 1
    assert rows[0]["holder_short_name"] == "Anna A." and rows[0]["completed_on"] == date(2026, 7, 1)
    assert await service.outstanding(anna.account_id) == []


async def test_the_same_code_on_every_later_call(service, course):
    anna = await participant()
    await complete(anna, course.lessons(), EARLIER)
    first = await service.issue_or_get(anna)
    second = await service.issue_or_get(anna)
    assert second.code == first.code and second.completed_on == first.completed_on
    assert await Certificate.count() == 1


async def test_concurrent_requests_issue_one_certificate(service, course):
    anna = await participant()
    await complete(anna, course.lessons(), EARLIER)
    records = await asyncio.gather(*(service.issue_or_get(anna) for _ in range(5)))
    assert len({record.code for record in records}) == 1
    assert await Certificate.count() == 1


async def test_verify_shows_only_course_date_and_short_name(service, course):
    anna = await participant()
    await complete(anna, course.lessons(), EARLIER)
    record = await service.issue_or_get(anna)
    public = await service.verify(record.code)
    assert public is not None
    assert {field.name for field in dataclasses.fields(public)} == {"course_title", "completed_on", "holder_short_name"}
    assert public.course_title == course.title
    assert public.completed_on == date(2026, 11, 20)
    assert public.holder_short_name == "Anna A."
    assert "Andersson" not in repr(public) and "anna@example.se" not in repr(public)


async def test_verify_tolerates_case_spaces_and_a_missing_dash(service, course):
    anna = await participant()
    await complete(anna, course.lessons(), EARLIER)
    code = (await service.issue_or_get(anna)).code
    for typed in (code.lower(), code.replace("-", ""), f"  {code[:5]} {code[6:]} ", code.replace("-", "\u2013")):
        assert await service.verify(typed) is not None, typed


async def test_unknown_and_malformed_codes_give_none(service, course):
    anna = await participant()
    await complete(anna, course.lessons(), EARLIER)
    issued = (await service.issue_or_get(anna)).code
    unknown = next(code for code in (new_certificate_code() for _ in range(10)) if code != issued)
    assert await service.verify(unknown) is None
    for typed in ("", "ABCDE", "ABCDE-FGHJK-2", "OOOOO-IIIII", "X" * 10_000, "ABCDE-FGHJ\x00", "' OR 1=1 --"):
        assert await service.verify(typed) is None


async def test_each_participant_gets_an_own_code(service, course):
    anna = await participant()
    bo = await participant("bo@example.se", "Bo", "von Berg")
    await complete(anna, course.lessons(), EARLIER)
    await complete(bo, course.lessons(), EARLIER)
    a, b = await service.issue_or_get(anna), await service.issue_or_get(bo)
    assert a.code != b.code
    assert b.holder_short_name == "Bo V."
    assert (await service.verify(b.code)).holder_short_name == "Bo V."


def test_short_name_and_codes():
    assert short_name("Anna", "Andersson") == "Anna A."
    assert short_name("  Anna  Maria ", "Öberg-Lind") == "Anna Maria Ö."
    assert short_name("Li", "") == "Li"
    codes = {new_certificate_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(set(code.replace("-", "")) <= set(CODE_ALPHABET) for code in codes)
