"""The course home (Min kurs) as pure rules: where the participant goes on from, their progress per act and what
comes after. Built from the completed lessons and the attempt records, which grading/service.course_home reads in
one snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from coursesite.course.model import Act, Course, Lesson
from coursesite.course.progress import (
    GRADED,
    ActProgress,
    AttemptRecord,
    CourseProgress,
    counted_attempt,
    is_act_unlocked,
    is_lesson_unlocked,
)


class Resume(Enum):
    START = "start"  # nothing answered yet: lesson 1
    CONTINUE = "continue"  # back to the unfinished lesson last worked in
    NEXT = "next"  # the lesson last worked in is done: the first unfinished one
    AWAITING = "awaiting"  # every lesson done, a teacher still grading
    DONE = "done"  # every lesson done and graded: the certificate


@dataclass(frozen=True)
class ActSummary(ActProgress):
    """An act's progress (percent and complete as on every other page) with its questions counted."""

    questions: int
    answered: int  # questions with a counted answer
    right: int  # questions whose counted answer is graded with full points
    pending: int  # counted answers a teacher has still to grade
    previous: Act | None  # the act to finish first (None for the first act)


@dataclass(frozen=True)
class CourseHome(CourseProgress):
    """The course's progress (lessons done and percent as on every other page) with where to go on from."""

    acts: tuple[ActSummary, ...]
    resume: Resume
    lesson: Lesson | None  # where "Fortsätt" leads (None when every lesson is done)
    following: Lesson | None  # the lesson after it, in course order
    following_open: bool
    completed: frozenset[str]

    @property
    def pending(self) -> int:
        return sum(a.pending for a in self.acts)

    @property
    def answered(self) -> int:
        return sum(a.answered for a in self.acts)


def _act_summary(
    course: Course, act: Act, previous: Act | None, completed: set[str], attempts: Mapping[str, Iterable[AttemptRecord]]
) -> ActSummary:
    answered = right = pending = questions = 0
    for lesson in act.lessons:
        by_question: dict[str, list[AttemptRecord]] = {}
        for record in attempts.get(lesson.slug, ()):
            by_question.setdefault(record.question_id, []).append(record)
        for question in lesson.questions:
            questions += 1
            counted = counted_attempt(by_question.get(question.id, ()), lesson.counted_attempt)
            if counted is None:
                continue
            answered += 1
            if counted.status != GRADED or counted.score_milli is None:
                pending += 1
            elif counted.score_milli >= counted.max_score_milli:
                right += 1
    return ActSummary(
        act=act,
        unlocked=is_act_unlocked(course, act, completed),
        completed_lessons=sum(1 for lesson in act.lessons if lesson.slug in completed),
        total_lessons=len(act.lessons),
        questions=questions,
        answered=answered,
        right=right,
        pending=pending,
        previous=previous,
    )


def course_home(
    course: Course,
    completed: set[str] | frozenset[str],
    attempts_by_lesson: Mapping[str, Iterable[AttemptRecord]],
    last_lesson: str | None,
) -> CourseHome:
    """`last_lesson` is the slug of the lesson of the participant's latest answer (None before the first)."""
    done = set(completed)
    acts = tuple(
        _act_summary(course, act, course.acts[i - 1] if i else None, done, attempts_by_lesson)
        for i, act in enumerate(course.acts)
    )
    lessons = course.lessons()
    open_unfinished = [
        lesson for lesson in lessons if lesson.slug not in done and is_lesson_unlocked(course, lesson, done)
    ]
    last = next((lesson for lesson in lessons if lesson.slug == last_lesson), None)
    target: Lesson | None
    if all(lesson.slug in done for lesson in lessons):
        pending = sum(a.pending for a in acts)
        resume, target = (Resume.AWAITING if pending else Resume.DONE), None
    elif last is not None and last.slug not in done and is_lesson_unlocked(course, last, done):
        resume, target = Resume.CONTINUE, last
    else:
        resume = Resume.START if last is None else Resume.NEXT
        # Go on from the lesson last worked in; an earlier gap comes after (it is still in the act list).
        index = lessons.index(last) if last is not None else -1
        later = [lesson for lesson in open_unfinished if lessons.index(lesson) > index]
        candidates = later or open_unfinished
        target = candidates[0] if candidates else None
    following: Lesson | None = None
    if target is not None:
        index = lessons.index(target)
        following = lessons[index + 1] if index + 1 < len(lessons) else None
    return CourseHome(
        acts=acts,
        resume=resume,
        lesson=target,
        following=following,
        following_open=following is not None and is_lesson_unlocked(course, following, done),
        completed=frozenset(done),
    )
