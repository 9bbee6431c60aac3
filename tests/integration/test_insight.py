"""Insight on the database (SQLite and PostgreSQL): question statistics of a small hand-made cohort match
hand-computed values; the grade export has one row per participant and lesson, in batches."""

import asyncio
import copy
import csv
import io
import math

import pytest

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.db.answers import Answer, LessonProgress
from coursesite.db.privacy import StaffAudit
from coursesite.grading.service import AnswerService
from coursesite.insight.export import BOM, neutralise
from coursesite.insight.service import InsightService, QuestionReport
from coursesite.privacy.audit import AuditLog
from tests.conftest import accounts
from tests.support import correct_response, open_every_lesson, wrong_response

insight = InsightService(AuditLog())


async def report_of(course, question_id: str) -> QuestionReport:
    report = await insight.question_report(course, question_id)
    assert report is not None
    return report


@pytest.fixture
def answers(db, catalog):
    return AnswerService(db, catalog)


async def participant(name: str):
    return await accounts.register(
        email=f"{name.lower()}@example.se", password="ett-bra-losenord", first_name=name, last_name="Testsson"
    )


def lesson_of(course, slug):
    return next(lesson for lesson in course.lessons() if lesson.slug == slug)


async def answer(service, principal, question, right: bool | str):
    response = right if isinstance(right, str) else (correct_response(question) if right else wrong_response(question))
    return await service.submit(principal, question.id, response)


async def test_highest_rule_statistics_match_hand_computed_values(answers, course):
    lesson = lesson_of(course, "inkomster-och-utgifter")  # "highest" counts; 1 point per question
    q, q2, q3 = lesson.questions[0], lesson.questions[1], lesson.questions[2]
    a, b, c, d = [await participant(n) for n in ("Anna", "Bo", "Cia", "Dan")]
    # x (q) and y (the rest of the lesson), in points: A (1, 2), B (1, 0), C (0, 1), D (0, 0).
    await answer(answers, a, q, True)
    await answer(answers, a, q2, True)
    await answer(answers, a, q3, True)
    await answer(answers, b, q, False)
    await answer(answers, b, q, True)  # the better second attempt counts
    await answer(answers, b, q2, "987654321")
    await answer(answers, c, q, False)
    await answer(answers, c, q2, True)
    await answer(answers, c, q3, False)
    await answer(answers, d, q, False)
    await answer(answers, d, q2, "12")
    await answer(answers, d, q3, False)

    report = await report_of(course, q.id)
    stats = report.stats
    assert (stats.participants, stats.scored, stats.attempts, stats.pending) == (4, 4, 5, 0)
    assert stats.facility == pytest.approx(50.0)
    assert stats.sd == pytest.approx(100 * math.sqrt(1 / 3))
    # Σdxdy = 0.5, Σdx² = 1, Σdy² = 2.75.
    assert stats.discrimination == pytest.approx(100 * 0.5 / math.sqrt(2.75))
    assert stats.efficiency == pytest.approx(100 / 3)

    right = max(q.choices, key=lambda choice: choice.fraction).id
    wrong = min(q.choices, key=lambda choice: choice.fraction).id
    counts = {choice.key: choice.count for choice in report.distribution.choices}
    assert counts[right] == 2 and counts[wrong] == 3
    assert sum(counts.values()) == 5 and len(counts) == len(q.choices)  # the unpicked choices are listed with 0

    numeric = (await report_of(course, q2.id)).distribution
    assert [(r.response, r.count) for r in numeric.wrong] == [("12", 1), ("987654321", 1)]
    assert numeric.responses == 4

    # The lesson overview gives the same figures, from sums.
    overview = {s.question_id: s for s in await insight.lesson_stats(lesson)}
    assert overview[q.id].facility == pytest.approx(50.0)
    assert overview[q.id].discrimination == pytest.approx(stats.discrimination)
    assert overview[q.id].attempts == 5
    # q2: x = 1 (A), 0 (B), 1 (C), 0 (D); y = rest: A 2, B 1, C 0, D 0 → r by hand below.
    xs, ys = [1, 0, 1, 0], [2, 1, 0, 0]
    mx, my = sum(xs) / 4, sum(ys) / 4
    r = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(
        sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys)
    )
    assert overview[q2.id].discrimination == pytest.approx(100 * r)
    untouched = lesson.questions[-1]
    assert overview[untouched.id].participants == 0 and overview[untouched.id].facility is None


async def test_last_rule_counts_the_last_attempt(answers, course):
    lesson = lesson_of(course, "buffert")
    assert lesson.counted_attempt == "last"
    q, other = lesson.questions[0], lesson.questions[1]
    p1, p2 = await participant("Eva"), await participant("Fia")
    for p in (p1, p2):
        await open_every_lesson(p.account_id, course)
    await answer(answers, p1, q, True)
    await answer(answers, p1, q, False)  # last: 0
    await answer(answers, p1, other, True)
    await answer(answers, p2, q, False)
    await answer(answers, p2, q, True)  # last: 1
    await answer(answers, p2, other, False)
    stats = (await report_of(course, q.id)).stats
    assert stats.attempts == 4
    assert stats.facility == pytest.approx(50.0)
    assert stats.discrimination == pytest.approx(-100.0)
    overview = {s.question_id: s for s in await insight.lesson_stats(lesson)}
    assert overview[q.id].discrimination == pytest.approx(-100.0)


async def test_essays_awaiting_review_count_as_attempts_not_scores(answers, course):
    lesson = lesson_of(course, "pension-och-mal")
    essay = next(q for q in lesson.questions if q.type == "essay")
    p = await participant("Gun")
    await open_every_lesson(p.account_id, course)
    await answer(answers, p, essay, True)
    report = await report_of(course, essay.id)
    assert (report.stats.participants, report.stats.scored, report.stats.pending) == (1, 0, 1)
    assert report.stats.facility is None and report.stats.discrimination is None
    assert report.distribution.kind == "none"


async def test_scores_above_two_points_do_not_overflow(answers, course):
    # 6 points = 6000 milli: the encoded counted attempt passes 2³¹, which PostgreSQL's integer would not hold.
    lesson = lesson_of(course, "pension-och-mal")
    essay = next(q for q in lesson.questions if q.type == "essay")
    now = clock.now()
    for name, score in (("Hugo", 4500), ("Iris", 6000)):
        p = await participant(name)
        await Answer.insert(
            Answer(
                account=p.account_id,
                question_id=essay.id,
                lesson_slug=lesson.slug,
                attempt=1,
                raw_response='"x"',
                normalized_response='"x"',
                status="graded",
                score_milli=score,
                max_score_milli=6000,
                feedback="[]",
                created_at=now,
                graded_at=now,
            )
        )
        await LessonProgress.insert(
            LessonProgress(
                account=p.account_id,
                lesson_slug=lesson.slug,
                answered=1,
                question_count=7,
                score_milli=score,
                max_score_milli=6000,
                percent=0,
                updated_at=now,
            )
        )
    stats = (await report_of(course, essay.id)).stats
    assert stats.facility == pytest.approx(100 * 10500 / 12000)
    assert stats.scored == 2 and stats.discrimination is None  # the rest of the lesson is 0 for both
    overview = {s.question_id: s for s in await insight.lesson_stats(lesson)}
    assert overview[essay.id].facility == pytest.approx(stats.facility)


async def test_unknown_question_has_no_report(db, course):
    assert await insight.question_report(course, "no.such-question") is None


async def test_grade_export_one_row_per_participant_and_lesson_in_batches(answers, course):
    names = ["Hans", "=Ida", "Jon", "Kim", "Lo"]
    people = [await participant(n) for n in names]
    await accounts.create_staff(
        email="larare@example.se", role=Role.INSTRUCTOR, password="ett-bra-losenord", first_name="Lärare", last_name="L"
    )
    lesson = course.lessons()[0]
    multi = next(q for q in lesson.questions if q.type == "multiple_choice")
    partial = [max(multi.choices, key=lambda c: c.fraction).id]  # the best choice alone: partial credit
    await answers.submit(people[0], multi.id, partial)

    chunks = [chunk async for chunk in insight.grade_csv(course, batch=2)]
    assert len(chunks) == 1 + 3  # the header, then batches of 2, 2 and 1 participants
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[len(BOM) :], newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == len(names) * len(course.lessons())  # participants only: not the instructor
    assert {row[3] for row in body} == {neutralise(f"{n.lower()}@example.se") for n in names}
    assert "'=Ida" in {row[1] for row in body}
    first = next(row for row in body if row[0] == str(people[0].account_id) and row[5] == lesson.slug)
    score = dict(zip(header, first, strict=True))
    fraction = max(c.fraction for c in multi.choices)
    assert score["poäng"] == f"{fraction:f}".rstrip("0").replace(".", ",")  # e.g. 0,4: a decimal comma
    assert score["besvarade"] == "1" and score["klar"] == "nej"
    untouched = next(row for row in body if row[0] == str(people[1].account_id))
    assert dict(zip(header, untouched, strict=True))["poäng"] == ""


async def test_participants_page_search_and_detail(answers, course):
    a = await participant("Åke")
    await participant("Olle")
    staff = await accounts.create_staff(
        email="l@example.se", role=Role.INSTRUCTOR, password="ett-bra-losenord", first_name="L", last_name="L"
    )
    question = course.lessons()[0].questions[0]
    await answer(answers, a, question, False)
    await answer(answers, a, question, True)
    page = await insight.participants_page(staff, "OLLE")
    assert [p.first_name for p in page.participants] == ["Olle"]
    page = await insight.participants_page(staff, "example.se", page=1, page_size=1)
    assert page.total == 2 and page.pages == 2 and len(page.participants) == 1
    page = await insight.participants_page(staff, "100%_")  # LIKE wildcards are literal
    assert page.total == 0

    detail = await insight.participant_detail(staff, course, a.account_id)
    assert detail is not None
    first = detail.lessons[0]
    attempts = dict(first.questions)[question]
    assert [(x.attempt, x.score_milli, x.counted, x.graded_by_person) for x in attempts] == [
        (1, 0, False, False),
        (2, 1000, True, False),
    ]
    assert first.answered == 1
    assert all(x.created_at is not None for x in attempts)
    assert await insight.participant_detail(staff, course, staff.account_id) is None


async def test_the_service_audits_the_participant_pages_and_the_export(db, course):
    a = await participant("Åke")
    staff = await accounts.create_staff(
        email="l@example.se", role=Role.INSTRUCTOR, password="ett-bra-losenord", first_name="L", last_name="L"
    )
    await insight.participants_page(staff, "")
    await insight.participant_detail(staff, course, a.account_id)
    assert await insight.participant_detail(staff, course, staff.account_id) is None  # nobody shown: no row
    filename, chunks = await insight.grade_export(staff, course)
    assert filename == f"betyg-{clock.today().isoformat()}.csv" and b"\xc3\x85ke" in b"".join(
        [chunk async for chunk in chunks]
    )
    rows = await StaffAudit.select(StaffAudit.action, StaffAudit.subject_account, StaffAudit.why).order_by(
        StaffAudit.id
    )
    assert rows == [
        {"action": "read", "subject_account": a.account_id, "why": "Kursuppföljning: deltagarlistan"},
        {"action": "read", "subject_account": a.account_id, "why": "lärare: deltagarens sida"},
        {"action": "export", "subject_account": None, "why": "Bedömning: betygsexport"},
    ]


async def test_lesson_overview_is_a_snapshot_refreshed_in_the_background(answers, course):
    # The overview page's snapshot: within its age it is served as it is; older, it is served once more while one
    # refresh runs, and the refreshed figures (the new answer) are served after that.
    service = InsightService(AuditLog())  # its own snapshots, not the module's
    lesson = lesson_of(course, "inkomster-och-utgifter")
    q = lesson.questions[0]
    p1, p2 = await participant("Ola"), await participant("Per")
    await answer(answers, p1, q, True)

    first = await service.lesson_overview(lesson, max_age_s=3600)
    assert first.stats == await service.lesson_stats(lesson)  # the same figures as the exact computation
    assert first.stats[0].participants == 1 and first.stats[0].attempts == 1
    await answer(answers, p2, q, False)
    assert await service.lesson_overview(lesson, max_age_s=3600) is first  # young enough: served as it is

    stale = await service.lesson_overview(lesson, max_age_s=0)  # too old: served once more, a refresh starts
    assert stale is first
    refreshing = list(service._refreshing.values())
    assert len(refreshing) == 1
    await refreshing[0].task
    fresh = await service.lesson_overview(lesson, max_age_s=3600)
    assert fresh is not first and fresh.computed_at >= first.computed_at
    assert (fresh.stats[0].participants, fresh.stats[0].attempts) == (2, 2)
    assert fresh.stats == await service.lesson_stats(lesson)


async def test_concurrent_first_overviews_share_one_computation(answers, course):
    service = InsightService(AuditLog())
    lesson = lesson_of(course, "inkomster-och-utgifter")
    await answer(answers, await participant("Quinn"), lesson.questions[0], True)
    calls = 0
    exact = service.lesson_stats

    async def counted(lesson_):
        nonlocal calls
        calls += 1
        return await exact(lesson_)

    service.lesson_stats = counted  # type: ignore[method-assign]
    first, second = await asyncio.gather(service.lesson_overview(lesson), service.lesson_overview(lesson))
    assert first is second and calls == 1
    assert first.stats[0].participants == 1
    reloaded = copy.copy(lesson)  # a reloaded course: new lesson objects, so the snapshot is not reused
    assert (await service.lesson_overview(reloaded)).lesson is reloaded and calls == 2
