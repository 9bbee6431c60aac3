"""Which attempt counts, when a lesson and an act are complete, and what is open."""

from decimal import Decimal

import pytest

from coursesite.course.model import Act, Choice, CountedAttempt, Course, Essay, Lesson, SingleChoice
from coursesite.course.progress import (
    AttemptRecord,
    counted_attempt,
    course_progress,
    is_act_unlocked,
    is_lesson_complete,
    is_lesson_unlocked,
    lesson_score,
    lessons_awaiting_review,
)


def choice_question(qid: str) -> SingleChoice:
    return SingleChoice(
        id=qid,
        name=qid,
        prompt="?",
        choices=(Choice(id="a", text="A", fraction=Decimal(1)), Choice(id="b", text="B", fraction=Decimal(0))),
    )


def lesson(
    slug: str, act: int, questions=("q1", "q2"), pass_mark=60, rule=CountedAttempt.HIGHEST, essay=False
) -> Lesson:
    qs = tuple(choice_question(f"{slug}.{q}") for q in questions)
    if essay:
        qs += (Essay(id=f"{slug}.essay", name="essay", prompt="Skriv"),)
    return Lesson(
        slug=slug,
        title=slug,
        act_number=act,
        position=1,
        body="",
        questions=qs,
        pass_mark=pass_mark,
        counted_attempt=rule,
    )


def rec(qid, attempt, score, status="graded", max_=1000):
    return AttemptRecord(qid, attempt, status, score, max_)


@pytest.mark.parametrize(
    "rule, attempts, expected_attempt",
    [
        (CountedAttempt.HIGHEST, [rec("q", 1, 500), rec("q", 2, 1000), rec("q", 3, 0)], 2),
        (CountedAttempt.LAST, [rec("q", 1, 500), rec("q", 2, 1000), rec("q", 3, 0)], 3),
        (CountedAttempt.HIGHEST, [rec("q", 1, 1000), rec("q", 2, 1000)], 1),  # the earliest of equals
        (CountedAttempt.HIGHEST, [rec("q", 1, None, "pending_review")], 1),
        (CountedAttempt.HIGHEST, [rec("q", 1, 0), rec("q", 2, None, "pending_review")], 1),
        (CountedAttempt.LAST, [rec("q", 2, 0), rec("q", 1, 1000)], 2),  # order of input does not matter
    ],
)
def test_counted_attempt(rule, attempts, expected_attempt):
    assert counted_attempt(attempts, rule).attempt == expected_attempt


def test_no_attempts_count_as_unanswered():
    assert counted_attempt([], CountedAttempt.HIGHEST) is None


def test_lesson_score_and_completion_at_the_pass_mark():
    item = lesson("l", 1, questions=("q1", "q2", "q3", "q4", "q5"), pass_mark=60)
    attempts = [rec("l.q1", 1, 1000), rec("l.q2", 1, 1000), rec("l.q3", 1, 1000), rec("l.q4", 1, 0)]
    score = lesson_score(item, attempts)
    assert (score.answered, score.question_count) == (4, 5)
    assert not is_lesson_complete(item, score)  # one question unanswered
    score = lesson_score(item, attempts + [rec("l.q5", 1, 0)])
    assert score.percent == 60
    assert is_lesson_complete(item, score)  # exactly at the pass mark
    score = lesson_score(item, [rec(f"l.q{i}", 1, 1000 if i <= 2 else 0) for i in range(1, 6)] + [rec("l.q3", 2, 999)])
    assert score.percent == 59  # 2.999 of 5
    assert not is_lesson_complete(item, score)


def test_pending_essay_counts_as_answered_and_is_left_out_of_the_score():
    item = lesson("l", 1, questions=("q1",), essay=True)
    score = lesson_score(item, [rec("l.q1", 1, 1000), rec("l.essay", 1, None, "pending_review")])
    assert (score.answered, score.score_milli, score.max_score_milli) == (2, 1000, 1000)
    assert is_lesson_complete(item, score)
    assert score.pending == 1  # complete for the next lesson, but its result is not final


def test_lessons_awaiting_review_are_those_with_a_counted_answer_still_pending():
    course = make_course()
    first, second = course.lessons()[0], course.lessons()[1]
    pending = [rec(f"{first.slug}.q1", 1, None, "pending_review")]
    graded = [rec(f"{second.slug}.q1", 1, 0), rec(f"{second.slug}.q1", 2, None, "pending_review")]
    # "highest" counts the graded attempt over a later one still waiting: that lesson's result is final
    assert lessons_awaiting_review(course, {first.slug: pending, second.slug: graded}) == [first]
    regraded = [rec(f"{first.slug}.q1", 1, 1000)]
    assert lessons_awaiting_review(course, {first.slug: regraded}) == []


def test_answers_to_unknown_questions_are_ignored():
    item = lesson("l", 1, questions=("q1",))
    score = lesson_score(item, [rec("other.q1", 1, 1000)])
    assert score.answered == 0


def make_course(sequential_act2=False) -> Course:
    act1 = Act(number=1, slug="akt-1", title="Akt 1", intro="", lessons=(lesson("a", 1), lesson("b", 1)))
    act2 = Act(
        number=2,
        slug="akt-2",
        title="Akt 2",
        intro="",
        lessons=(lesson("c", 2), lesson("d", 2)),
        sequential=sequential_act2,
    )
    act3 = Act(number=3, slug="akt-3", title="Akt 3", intro="", lessons=(lesson("e", 3),))
    return Course(slug="k", title="K", intro="", acts=(act1, act2, act3))


def test_acts_unlock_in_order():
    course = make_course()
    act1, act2, act3 = course.acts
    assert is_act_unlocked(course, act1, set())
    assert not is_act_unlocked(course, act2, {"a"})
    assert is_act_unlocked(course, act2, {"a", "b"})
    assert not is_act_unlocked(course, act3, {"a", "b", "c"})
    assert is_act_unlocked(course, act3, {"a", "b", "c", "d"})
    # Lessons within an open act are open in any order.
    assert is_lesson_unlocked(course, act2.lessons[1], {"a", "b"})


def test_sequential_act_opens_lessons_one_by_one():
    course = make_course(sequential_act2=True)
    c, d = course.acts[1].lessons
    assert is_lesson_unlocked(course, c, {"a", "b"})
    assert not is_lesson_unlocked(course, d, {"a", "b"})
    assert is_lesson_unlocked(course, d, {"a", "b", "c"})


def test_course_progress_percentages():
    progress = course_progress(make_course(), {"a", "b", "c"})
    assert [a.percent for a in progress.acts] == [100, 50, 0]
    assert [a.unlocked for a in progress.acts] == [True, True, False]
    assert (progress.completed_lessons, progress.total_lessons, progress.percent) == (3, 5, 60)
