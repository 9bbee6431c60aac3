"""The course as pure data: acts, lessons and questions.

Nothing here does I/O. The GIFT parser and the lesson loader build these objects; the grader reads them.
Weights are *fractions* of the question's points (Moodle's percent / 100), between -1 and 1.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"
    NUMERIC = "numeric"
    MATCHING = "matching"
    ORDERING = "ordering"
    ESSAY = "essay"


class TextFormat(StrEnum):
    """GIFT's text formats. Lesson files default to Markdown; GIFT defaults to Moodle auto-format."""

    MOODLE = "moodle"
    HTML = "html"
    PLAIN = "plain"
    MARKDOWN = "markdown"


class NumericUnit(StrEnum):
    """The unit a numeric answer is written in; the grader accepts and strips it."""

    KRONOR = "kr"
    PERCENT = "%"


class CountedAttempt(StrEnum):
    HIGHEST = "highest"
    LAST = "last"


@dataclass(frozen=True, kw_only=True)
class Option:
    """Something a participant picks or places: a matching side or an ordering item."""

    id: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Choice:
    id: str
    text: str
    fraction: Decimal
    feedback: str = ""


@dataclass(frozen=True, kw_only=True)
class AcceptedAnswer:
    """A short-answer alternative. `*` in `text` matches any run of characters; `*` alone matches anything."""

    text: str
    fraction: Decimal
    feedback: str = ""


@dataclass(frozen=True, kw_only=True)
class NumericAnswer:
    """A value with a tolerance (`{#x:tol}`), or a range (`{#a..b}`), or, with neither, a catch-all (`~#feedback`)."""

    fraction: Decimal
    value: Decimal | None = None
    tolerance: Decimal = Decimal(0)
    low: Decimal | None = None
    high: Decimal | None = None
    feedback: str = ""

    @property
    def is_catch_all(self) -> bool:
        return self.value is None and self.low is None

    def bounds(self) -> tuple[Decimal, Decimal] | None:
        if self.low is not None and self.high is not None:
            return (self.low, self.high)
        if self.value is not None:
            return (self.value - self.tolerance, self.value + self.tolerance)
        return None


@dataclass(frozen=True, kw_only=True)
class MatchPair:
    left: Option
    right_id: str


@dataclass(frozen=True, kw_only=True)
class RubricCriterion:
    id: str
    text: str
    points: Decimal


@dataclass(frozen=True, kw_only=True)
class Question:
    """What every question type shares. `id` is unique within the course once the loader has placed it."""

    id: str
    name: str
    prompt: str
    text_format: TextFormat = TextFormat.MARKDOWN
    points: Decimal = Decimal(1)
    general_feedback: str = ""
    category: str | None = None
    # GIFT's per-answer `[format]` tags, so that an import written back as GIFT keeps them: (where, format), e.g.
    # ("choices.1.feedback", TextFormat.HTML), indices from 0. Only what a file tagged; the rest is `text_format`.
    answer_formats: tuple[tuple[str, TextFormat], ...] = ()

    type: QuestionType = field(init=False, default=QuestionType.ESSAY)


@dataclass(frozen=True, kw_only=True)
class SingleChoice(Question):
    choices: tuple[Choice, ...]
    type: QuestionType = field(init=False, default=QuestionType.SINGLE_CHOICE)


@dataclass(frozen=True, kw_only=True)
class MultipleChoice(Question):
    choices: tuple[Choice, ...]
    type: QuestionType = field(init=False, default=QuestionType.MULTIPLE_CHOICE)


@dataclass(frozen=True, kw_only=True)
class TrueFalse(Question):
    answer: bool
    feedback_true: str = ""  # shown to whoever answers "true"
    feedback_false: str = ""  # shown to whoever answers "false"
    type: QuestionType = field(init=False, default=QuestionType.TRUE_FALSE)


@dataclass(frozen=True, kw_only=True)
class ShortAnswer(Question):
    answers: tuple[AcceptedAnswer, ...]
    case_sensitive: bool = False
    type: QuestionType = field(init=False, default=QuestionType.SHORT_ANSWER)


@dataclass(frozen=True, kw_only=True)
class Numeric(Question):
    answers: tuple[NumericAnswer, ...]
    unit: NumericUnit | None = None
    type: QuestionType = field(init=False, default=QuestionType.NUMERIC)


@dataclass(frozen=True, kw_only=True)
class Matching(Question):
    pairs: tuple[MatchPair, ...]
    rights: tuple[Option, ...]  # every right-hand option, extra distractors included, without duplicates
    type: QuestionType = field(init=False, default=QuestionType.MATCHING)


@dataclass(frozen=True, kw_only=True)
class Ordering(Question):
    items: tuple[Option, ...]  # in the correct order
    type: QuestionType = field(init=False, default=QuestionType.ORDERING)


@dataclass(frozen=True, kw_only=True)
class Essay(Question):
    rubric: tuple[RubricCriterion, ...] = ()
    type: QuestionType = field(init=False, default=QuestionType.ESSAY)


AnyQuestion = SingleChoice | MultipleChoice | TrueFalse | ShortAnswer | Numeric | Matching | Ordering | Essay


@dataclass(frozen=True, kw_only=True)
class Lesson:
    slug: str
    title: str
    act_number: int
    position: int  # 1-based, within the act
    body: str  # Markdown
    questions: tuple[Question, ...]
    pass_mark: int = 60  # percent of the lesson's gradable points
    max_attempts: int | None = None  # per question; None is unlimited
    counted_attempt: CountedAttempt = CountedAttempt.HIGHEST
    source: str = ""  # the file it came from, for error messages


@dataclass(frozen=True, kw_only=True)
class Act:
    number: int
    slug: str
    title: str
    intro: str
    lessons: tuple[Lesson, ...]
    sequential: bool = False  # when true, a lesson opens only when the one before it is complete


@dataclass(frozen=True, kw_only=True)
class Course:
    slug: str
    title: str
    intro: str
    acts: tuple[Act, ...]

    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for act in self.acts for lesson in act.lessons)

    def find_question(self, question_id: str) -> tuple[Lesson, Question] | None:
        for lesson in self.lessons():
            for question in lesson.questions:
                if question.id == question_id:
                    return lesson, question
        return None


_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
_SWEDISH_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


def slugify(text: str, max_length: int = 60) -> str:
    """A lowercase ASCII slug: `Buffert & sparande` -> `buffert-sparande`."""
    folded = text.lower().translate(_SWEDISH_FOLD)
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    slug = _SLUG_STRIP.sub("-", folded).strip("-")
    return slug[:max_length].rstrip("-") or "x"


def stable_id(prefix: str, text: str, taken: set[str]) -> str:
    """An id that follows the text, not its position: reordering choices keeps stored responses meaningful.

    Adds the new id to `taken`, and suffixes `-2`, `-3` … when the same text occurs twice.
    """
    digest = hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:6]
    candidate = f"{prefix}{digest}"
    suffix = 2
    while candidate in taken:
        candidate = f"{prefix}{digest}-{suffix}"
        suffix += 1
    taken.add(candidate)
    return candidate
