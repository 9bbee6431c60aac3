"""Pure progress rules: which attempt counts, when a lesson is complete, which acts and lessons are open.

Scores here are integer thousandths of a point ("milli"), as stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from coursesite.course.model import Act, CountedAttempt, Course, Lesson

GRADED = "graded"
PENDING_REVIEW = "pending_review"


@dataclass(frozen=True)
class AttemptRecord:
    question_id: str
    attempt: int
    status: str
    score_milli: int | None
    max_score_milli: int


@dataclass(frozen=True)
class LessonScore:
    answered: int
    question_count: int
    score_milli: int  # over graded questions only
    max_score_milli: int  # the points of the graded questions; essays awaiting review are left out
    pending: int = 0  # counted answers a teacher has still to grade: the score is not final while any waits

    @property
    def percent(self) -> int:
        if self.max_score_milli <= 0:
            return 100 if self.answered == self.question_count else 0
        return max(0, self.score_milli) * 100 // self.max_score_milli


def counted_attempt(attempts: Iterable[AttemptRecord], rule: CountedAttempt) -> AttemptRecord | None:
    """The attempt that counts for one question: the last one, or the highest-scoring graded one (the earliest of
    equals). With "highest", an attempt awaiting review counts only when no attempt is graded."""
    ordered = sorted(attempts, key=lambda a: a.attempt)
    if not ordered:
        return None
    if rule is CountedAttempt.LAST:
        return ordered[-1]
    graded = [a for a in ordered if a.status == GRADED and a.score_milli is not None]
    if not graded:
        return ordered[-1]
    return max(graded, key=lambda a: (a.score_milli, -a.attempt))


def lesson_score(lesson: Lesson, attempts: Iterable[AttemptRecord]) -> LessonScore:
    by_question: dict[str, list[AttemptRecord]] = {}
    for record in attempts:
        by_question.setdefault(record.question_id, []).append(record)
    answered = score = maximum = pending = 0
    for question in lesson.questions:
        counted = counted_attempt(by_question.get(question.id, ()), lesson.counted_attempt)
        if counted is None:
            continue
        answered += 1
        if counted.status == GRADED and counted.score_milli is not None:
            score += counted.score_milli
            maximum += counted.max_score_milli
        else:
            pending += 1
    return LessonScore(
        answered=answered,
        question_count=len(lesson.questions),
        score_milli=score,
        max_score_milli=maximum,
        pending=pending,
    )


def lessons_awaiting_review(course: Course, attempts_by_lesson: Mapping[str, Iterable[AttemptRecord]]) -> list[Lesson]:
    """The lessons (in course order) with a counted answer a teacher has still to grade."""
    return [
        lesson
        for lesson in course.lessons()
        if lesson.slug in attempts_by_lesson and lesson_score(lesson, attempts_by_lesson[lesson.slug]).pending > 0
    ]


def is_lesson_complete(lesson: Lesson, score: LessonScore) -> bool:
    """Every question answered, and the score at or above the lesson's pass mark."""
    if score.answered < score.question_count:
        return False
    if score.max_score_milli <= 0:
        return True
    return max(0, score.score_milli) * 100 >= lesson.pass_mark * score.max_score_milli


def is_act_complete(act: Act, completed_lessons: set[str]) -> bool:
    return all(lesson.slug in completed_lessons for lesson in act.lessons)


def is_act_unlocked(course: Course, act: Act, completed_lessons: set[str]) -> bool:
    """Acts open in order: Akt 1 always, each later act once the one before it is complete."""
    for earlier in course.acts:
        if earlier.number >= act.number:
            return True
        if not is_act_complete(earlier, completed_lessons):
            return False
    return True


def is_lesson_unlocked(course: Course, lesson: Lesson, completed_lessons: set[str]) -> bool:
    """Open when its act is open (and, in a sequential act, the lesson before it is complete). A lesson once
    completed stays open."""
    if lesson.slug in completed_lessons:
        return True
    act = next(a for a in course.acts if a.number == lesson.act_number)
    if not is_act_unlocked(course, act, completed_lessons):
        return False
    if not act.sequential:
        return True
    for earlier in act.lessons:
        if earlier.slug == lesson.slug:
            return True
        if earlier.slug not in completed_lessons:
            return False
    return True


@dataclass(frozen=True)
class ActProgress:
    act: Act
    unlocked: bool
    completed_lessons: int
    total_lessons: int

    @property
    def percent(self) -> int:
        return self.completed_lessons * 100 // self.total_lessons if self.total_lessons else 0

    @property
    def complete(self) -> bool:
        return self.completed_lessons == self.total_lessons


@dataclass(frozen=True)
class CourseProgress:
    acts: tuple[ActProgress, ...]

    @property
    def completed_lessons(self) -> int:
        return sum(a.completed_lessons for a in self.acts)

    @property
    def total_lessons(self) -> int:
        return sum(a.total_lessons for a in self.acts)

    @property
    def percent(self) -> int:
        return self.completed_lessons * 100 // self.total_lessons if self.total_lessons else 0


def course_progress(course: Course, completed_lessons: set[str]) -> CourseProgress:
    return CourseProgress(
        acts=tuple(
            ActProgress(
                act=act,
                unlocked=is_act_unlocked(course, act, completed_lessons),
                completed_lessons=sum(1 for lesson in act.lessons if lesson.slug in completed_lessons),
                total_lessons=len(act.lessons),
            )
            for act in course.acts
        )
    )
