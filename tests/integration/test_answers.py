"""The answer flow on the database (SQLite and PostgreSQL): attempts, stored fields, progress, refusals,
concurrency."""

import asyncio
import dataclasses

import pytest

from coursesite.billing.config import load_billing_config
from coursesite.billing.enrolment import TERMS_VERSION
from coursesite.core import clock
from coursesite.core.errors import Forbidden, Invalid, NotFound
from coursesite.course.model import QuestionType
from coursesite.db.answers import Answer, LessonProgress
from coursesite.grading.service import AnswerService
from tests.conftest import accounts
from tests.support import PRIVATE, correct_response, invoicing_for_tests, open_every_lesson, wrong_response


async def new_participant(email="p@example.se"):
    return await accounts.register(email=email, password="ett-bra-losenord", first_name="Per", last_name="Persson")


@pytest.fixture
def service(db, catalog):
    return AnswerService(db, catalog)


@pytest.fixture
def repeating_service(db, catalog):
    """Every submission a new attempt, even the same answer at once: for tests that repeat an answer on purpose (the
    double-click rule has its tests in test_answer_idempotency.py)."""
    return AnswerService(db, catalog, repeat_seconds=0)


def first_lesson(course):
    return course.acts[0].lessons[0]


async def test_a_graded_answer_stores_everything(service, course):
    principal = await new_participant()
    lesson = first_lesson(course)
    question = lesson.questions[0]
    stored = await service.submit(principal, question.id, correct_response(question))
    assert stored.status == "graded"
    assert stored.attempt == 1
    assert stored.score == stored.max_score == question.points
    assert stored.correct is True
    assert stored.feedback  # per-answer and/or general feedback from the content
    rows = await Answer.select().where(Answer.id == stored.id).output(load_json=True)
    row = rows[0]
    assert row["raw_response"] == correct_response(question)
    assert row["normalized_response"] is not None
    assert row["max_score_milli"] == int(question.points * 1000)
    assert row["lesson_slug"] == lesson.slug


async def test_attempts_are_numbered_and_limited(repeating_service, course):
    service = repeating_service
    principal = await new_participant()
    lesson = next(candidate for candidate in course.lessons() if candidate.max_attempts)
    question = lesson.questions[0]
    for expected in range(1, lesson.max_attempts + 1):
        stored = await service.submit(principal, question.id, wrong_response(question))
        assert stored.attempt == expected
    with pytest.raises(Forbidden):
        await service.submit(principal, question.id, correct_response(question))
    assert await Answer.count().where(Answer.question_id == question.id) == lesson.max_attempts


async def test_invalid_response_uses_no_attempt(service, course):
    principal = await new_participant()
    question = next(q for q in course.lessons()[0].questions if q.type is QuestionType.SINGLE_CHOICE)
    with pytest.raises(Invalid):
        await service.submit(principal, question.id, "no-such-choice")
    assert await Answer.count() == 0


async def test_personnummer_is_refused_and_nothing_is_stored(service, course):
    principal = await new_participant()
    question = next(q for lesson in course.lessons() for q in lesson.questions if q.type is QuestionType.SHORT_ANSWER)
    await open_every_lesson(principal.account_id, course)
    with pytest.raises(Invalid, match="personnummer"):
        await service.submit(principal, question.id, "Mitt nummer är 20000101-2384 hälsningar")
    with pytest.raises(Invalid, match="kort"):
        await service.submit(principal, question.id, "4111 1111 1111 1111")
    assert await Answer.count() == 0


async def test_unknown_question(service):
    principal = await new_participant()
    with pytest.raises(NotFound):
        await service.submit(principal, "no-such.question", "x")


async def test_locked_act_refuses_answers(service, course):
    principal = await new_participant()
    act2_question = course.acts[1].lessons[0].questions[0]
    with pytest.raises(Forbidden, match="låst"):
        await service.submit(principal, act2_question.id, correct_response(act2_question))


async def complete_act(service, principal, act):
    for lesson in act.lessons:
        for question in lesson.questions:
            await service.submit(principal, question.id, correct_response(question))


async def test_completing_act_1_unlocks_act_2(service, course):
    principal = await new_participant()
    before = await service.progress(principal.account_id)
    assert [a.unlocked for a in before.acts] == [True, False, False]
    await complete_act(service, principal, course.acts[0])
    after = await service.progress(principal.account_id)
    assert after.acts[0].complete and after.acts[0].percent == 100
    assert [a.unlocked for a in after.acts] == [True, True, False]
    act2_question = course.acts[1].lessons[0].questions[0]
    stored = await service.submit(principal, act2_question.id, correct_response(act2_question))
    assert stored.correct


async def test_progress_row_follows_the_answers(service, course):
    principal = await new_participant()
    lesson = first_lesson(course)
    await service.submit(principal, lesson.questions[0].id, correct_response(lesson.questions[0]))
    rows = await LessonProgress.select().where(LessonProgress.account == principal.account_id)
    assert rows[0]["answered"] == 1 and rows[0]["question_count"] == len(lesson.questions)
    assert rows[0]["completed_at"] is None


async def test_other_participants_answers_are_not_mine(service, course):
    anna = await new_participant("anna@example.se")
    bo = await new_participant("bo@example.se")
    question = first_lesson(course).questions[0]
    await service.submit(anna, question.id, correct_response(question))
    assert await service.answers(bo.account_id) == []
    assert len(await service.answers(anna.account_id)) == 1


async def test_concurrent_answers_keep_attempts_unique(repeating_service, course):
    """Many submissions at once, from several participants and on the same question: no lost update, no
    "database is locked", attempt numbers 1..n per participant."""
    service = repeating_service
    people = [await new_participant(f"p{i}@example.se") for i in range(4)]
    lesson = next(
        candidate for candidate in course.lessons() if candidate.max_attempts is None or candidate.max_attempts >= 3
    )
    question = lesson.questions[0]
    per_person = min(3, lesson.max_attempts or 3)
    results = await asyncio.gather(
        *(service.submit(p, question.id, wrong_response(question)) for p in people for _ in range(per_person))
    )
    assert len(results) == len(people) * per_person
    for person in people:
        attempts = sorted(a.attempt for a in await service.answers(person.account_id))
        assert attempts == list(range(1, per_person + 1))


async def test_expired_sessions_end_and_are_cleaned_up(db):
    from datetime import timedelta

    from coursesite.db.accounts import UserSession

    principal = await new_participant()
    token = await accounts.start_session(principal.account_id, days=1)
    assert (await accounts.principal_for_session(token)).account_id == principal.account_id
    later = clock.now() + timedelta(days=2)
    clock.set_now(lambda: later)
    try:
        assert await accounts.principal_for_session(token) is None
        await accounts.start_session(principal.account_id, days=1)
        assert await UserSession.count() == 1  # the expired one is gone
    finally:
        clock.set_now(None)


async def test_the_access_check_is_billings_rule_on_the_enrolment_read_with_the_progress(db, catalog, course):
    """The submission reads the enrolment in its progress statement and billing's rule decides on it: not enrolled,
    or enrolled and unpaid where the course waits for payment, is a 403 and stores nothing."""
    config = dataclasses.replace(load_billing_config(), open_before_payment=False)
    waits = invoicing_for_tests(db, config)
    opens = invoicing_for_tests(db, dataclasses.replace(config, open_before_payment=True))
    principal = await new_participant()
    question = first_lesson(course).questions[0]
    for access in (waits, opens):
        with pytest.raises(Forbidden):  # not enrolled
            await AnswerService(db, catalog, access=access.has_course_access).submit(
                principal, question.id, correct_response(question)
            )
    await waits.enrol(
        principal,
        accept_terms_version=TERMS_VERSION,
        **{k: v for k, v in PRIVATE.items() if k != "accept_terms_version"},
    )
    with pytest.raises(Forbidden):  # enrolled, the invoice unpaid
        await AnswerService(db, catalog, access=waits.has_course_access).submit(
            principal, question.id, correct_response(question)
        )
    assert await Answer.count() == 0
    stored = await AnswerService(db, catalog, access=opens.has_course_access).submit(
        principal, question.id, correct_response(question)
    )
    assert stored.attempt == 1


async def test_the_lesson_page_is_billings_rule_on_the_enrolment_read_with_the_answers(db, catalog, course):
    """The lesson page reads the enrolment in its one statement and billing's rule decides on it: not enrolled, or
    enrolled and unpaid where the course waits for payment, keeps the lesson closed (the page's 403)."""
    config = dataclasses.replace(load_billing_config(), open_before_payment=False)
    waits = invoicing_for_tests(db, config)
    opens = invoicing_for_tests(db, dataclasses.replace(config, open_before_payment=True))
    principal = await new_participant()
    lesson = first_lesson(course)
    for access in (waits, opens):  # not enrolled
        state = await AnswerService(db, catalog, access=access.has_course_access).lesson_state(
            principal.account_id, lesson, principal=principal
        )
        assert not state.access and not state.unlocked
    await waits.enrol(
        principal,
        accept_terms_version=TERMS_VERSION,
        **{k: v for k, v in PRIVATE.items() if k != "accept_terms_version"},
    )
    state = await AnswerService(db, catalog, access=waits.has_course_access).lesson_state(
        principal.account_id, lesson, principal=principal
    )
    assert not state.access and not state.unlocked  # enrolled, the invoice unpaid
    state = await AnswerService(db, catalog, access=opens.has_course_access).lesson_state(
        principal.account_id, lesson, principal=principal
    )
    assert state.access and state.unlocked and state.attempts == {} and state.completed == frozenset()


async def test_min_kurs_is_billings_rule_on_the_enrolment_read_with_the_records(db, catalog, course):
    """Min kurs reads the enrolment in its one statement: access by billing's rule, and enrolled without access when
    the invoice is unpaid where the course waits for payment."""
    config = dataclasses.replace(load_billing_config(), open_before_payment=False)
    waits = invoicing_for_tests(db, config)
    opens = invoicing_for_tests(db, dataclasses.replace(config, open_before_payment=True))
    principal = await new_participant()
    for access in (waits, opens):
        state = await AnswerService(db, catalog, access=access.has_course_access).course_home(principal.account_id)
        assert (state.access, state.enrolled) == (False, False)
    await waits.enrol(
        principal,
        accept_terms_version=TERMS_VERSION,
        **{k: v for k, v in PRIVATE.items() if k != "accept_terms_version"},
    )
    state = await AnswerService(db, catalog, access=waits.has_course_access).course_home(principal.account_id)
    assert (state.access, state.enrolled) == (False, True)
    state = await AnswerService(db, catalog, access=opens.has_course_access).course_home(principal.account_id)
    assert (state.access, state.enrolled) == (True, True)
