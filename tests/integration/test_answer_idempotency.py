"""A double click or a retried request never costs an attempt (grading/service.py): the same answer to the same
question within the repeat window, or the same Idempotency-Key, returns the first attempt. Both engines."""

import asyncio
from datetime import timedelta

import pytest

from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid
from coursesite.db.answers import Answer
from coursesite.grading.service import AnswerService
from coursesite.settings import DEFAULT_ANSWER_REPEAT_SECONDS
from tests.conftest import accounts
from tests.support import correct_response, wrong_response

pytestmark = pytest.mark.db


@pytest.fixture
def service(db, catalog):
    return AnswerService(db, catalog)  # the default window, as the app has it


@pytest.fixture
def frozen_clock():
    """A clock that moves only when the test moves it."""
    moment = [clock.now()]
    clock.set_now(lambda: moment[0])
    yield moment
    clock.set_now(None)


async def participant(email="p@example.se"):
    return await accounts.register(email=email, password="ett-bra-losenord", first_name="Per", last_name="Persson")


def limited_question(course):
    lesson = next(candidate for candidate in course.lessons() if candidate.max_attempts)
    return lesson, lesson.questions[0]


async def test_a_double_click_returns_the_first_attempt(service, course, frozen_clock):
    principal = await participant()
    _, question = limited_question(course)
    first = await service.submit(principal, question.id, wrong_response(question))
    frozen_clock[0] += timedelta(seconds=DEFAULT_ANSWER_REPEAT_SECONDS - 1)
    again = await service.submit(principal, question.id, wrong_response(question))
    assert again.replayed and not first.replayed
    assert (again.id, again.attempt) == (first.id, 1)
    assert await Answer.count().where(Answer.account == principal.account_id) == 1


async def test_the_same_answer_after_the_window_is_a_new_attempt(service, course, frozen_clock):
    principal = await participant()
    _, question = limited_question(course)
    await service.submit(principal, question.id, wrong_response(question))
    frozen_clock[0] += timedelta(seconds=DEFAULT_ANSWER_REPEAT_SECONDS)
    again = await service.submit(principal, question.id, wrong_response(question))
    assert (again.attempt, again.replayed) == (2, False)


async def test_a_different_answer_at_once_is_a_new_attempt(service, course, frozen_clock):
    principal = await participant()
    _, question = limited_question(course)
    await service.submit(principal, question.id, wrong_response(question))
    second = await service.submit(principal, question.id, correct_response(question))
    assert (second.attempt, second.replayed) == (2, False)


async def test_another_participant_with_the_same_answer_is_not_a_repeat(service, course, frozen_clock):
    anna, bo = await participant("anna@example.se"), await participant("bo@example.se")
    _, question = limited_question(course)
    first = await service.submit(anna, question.id, wrong_response(question))
    other = await service.submit(bo, question.id, wrong_response(question))
    assert other.id != first.id and not other.replayed


async def test_a_double_click_on_the_last_attempt_is_not_refused(service, course, frozen_clock):
    principal = await participant()
    lesson, question = limited_question(course)
    for _ in range(lesson.max_attempts):
        last = await service.submit(principal, question.id, wrong_response(question))
        frozen_clock[0] += timedelta(seconds=DEFAULT_ANSWER_REPEAT_SECONDS)
    frozen_clock[0] -= timedelta(seconds=1)
    again = await service.submit(principal, question.id, wrong_response(question))
    assert again.replayed and again.id == last.id


async def test_the_same_idempotency_key_returns_the_first_attempt_at_any_time(service, course, frozen_clock):
    principal = await participant()
    _, question = limited_question(course)
    first = await service.submit(principal, question.id, wrong_response(question), idempotency_key="a1b2-c3")
    frozen_clock[0] += timedelta(hours=1)
    again = await service.submit(principal, question.id, wrong_response(question), idempotency_key="a1b2-c3")
    assert again.replayed and again.id == first.id
    assert await Answer.count() == 1


async def test_a_key_used_for_another_answer_is_a_conflict(service, course, frozen_clock):
    principal = await participant()
    _, question = limited_question(course)
    await service.submit(principal, question.id, wrong_response(question), idempotency_key="k-1")
    with pytest.raises(Conflict, match="Idempotency-Key"):
        await service.submit(principal, question.id, correct_response(question), idempotency_key="k-1")
    assert await Answer.count() == 1


async def test_keys_are_per_account(service, course):
    anna, bo = await participant("anna@example.se"), await participant("bo@example.se")
    _, question = limited_question(course)
    first = await service.submit(anna, question.id, wrong_response(question), idempotency_key="samma")
    other = await service.submit(bo, question.id, wrong_response(question), idempotency_key="samma")
    assert other.id != first.id and not other.replayed


@pytest.mark.parametrize("key", ["", "x" * 101, "med mellanslag", "åäö", "a\x00b", "rad\nbrytning"])
async def test_a_malformed_key_is_refused_in_swedish(service, course, key):
    principal = await participant()
    _, question = limited_question(course)
    with pytest.raises(Invalid, match="Idempotency-Key") as refused:
        await service.submit(principal, question.id, wrong_response(question), idempotency_key=key)
    assert "Idempotency-Key" in refused.value.field_errors
    assert await Answer.count() == 0


async def test_two_identical_requests_at_once_record_one_attempt(service, course):
    principal = await participant()
    _, question = limited_question(course)
    results = await asyncio.gather(
        *(service.submit(principal, question.id, wrong_response(question)) for _ in range(2))
    )
    assert {r.id for r in results} == {results[0].id} and sorted(r.replayed for r in results) == [False, True]
    assert await Answer.count() == 1


async def test_two_requests_with_one_key_at_once_record_one_attempt(service, course):
    principal = await participant()
    _, question = limited_question(course)
    results = await asyncio.gather(
        *(service.submit(principal, question.id, wrong_response(question), idempotency_key="dubbel") for _ in range(3))
    )
    assert len({r.id for r in results}) == 1
    assert await Answer.count() == 1


async def test_the_key_is_unique_per_account_in_the_database(service, course):
    """The index (migration m0022) holds even past the service."""
    principal = await participant()
    _, question = limited_question(course)
    stored = await service.submit(principal, question.id, wrong_response(question), idempotency_key="unik")
    copy = Answer(
        account=principal.account_id,
        question_id=question.id,
        lesson_slug=stored.lesson_slug,
        attempt=2,
        raw_response="[]",
        normalized_response="[]",
        status="graded",
        max_score_milli=1000,
        feedback="[]",
        created_at=clock.now(),
        idempotency_key="unik",
    )
    with pytest.raises(Exception, match="(?i)unique"):
        await Answer.insert(copy)
