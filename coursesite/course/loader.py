"""Reads the course from `lessons/` (docs/content.md) into the pure model, or reports everything wrong with it.

All problems of all files are collected before raising, so an author sees the whole list at once. This module is
the only part of `coursesite.course` that touches the file system.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from coursesite.core.html import sanitize_html
from coursesite.core.text import has_forbidden_characters
from coursesite.course.gift import GiftError, parse_gift, parse_number
from coursesite.course.model import (
    AcceptedAnswer,
    Act,
    Choice,
    CountedAttempt,
    Course,
    Essay,
    Lesson,
    Matching,
    MatchPair,
    MultipleChoice,
    Numeric,
    NumericAnswer,
    NumericUnit,
    Option,
    Ordering,
    Question,
    QuestionType,
    RubricCriterion,
    ShortAnswer,
    SingleChoice,
    TextFormat,
    TrueFalse,
    slugify,
    stable_id,
)

__all__ = ["ContentError", "ContentProblem", "load_course", "question_texts", "sanitized"]

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_FRONT_MATTER = "+++"
_SUM_TOLERANCE = Decimal("0.0001")  # as a fraction: 0.01 percentage points, so 3 × 33.333 passes

Report = Callable[[str], None]


@dataclass(frozen=True)
class ContentProblem:
    file: str  # relative to the lessons root, with forward slashes
    message: str
    question: str | int | None = None  # the question's name, or its 1-based index when it has no usable name
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if isinstance(self.question, int):
            where += f", question {self.question}"
        elif self.question is not None:
            where += f", question '{self.question}'"
        return f"{where}: {self.message}"


class ContentError(ValueError):
    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{len(problems)} problem(s) in the course content:\n{listing}")


def load_course(root: Path) -> Course:
    loader = _Loader(root)
    course = loader.course()
    if loader.problems:
        raise ContentError(loader.problems)
    return course


class _Fields:
    """One TOML table, read key by key; `finish` reports the keys nobody asked for, so typos do not pass."""

    def __init__(self, table: dict[str, Any], report: Report, prefix: str = "") -> None:
        self.table = table
        self.report = lambda message: report(prefix + message)
        self.asked: set[str] = set()

    def _get(self, key: str, required: bool) -> Any:
        self.asked.add(key)
        if key not in self.table and required:
            self.report(f"missing required key '{key}'")
        return self.table.get(key)

    def _wrong(self, key: str, expected: str, value: Any) -> None:
        self.report(f"'{key}' must be {expected}, not {_toml_type(value)} {value!r}")

    def text(self, key: str, *, required: bool = False) -> str:
        value = self._get(key, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            self._wrong(key, "a string", value)
            return ""
        if required and not value.strip():
            self.report(f"'{key}' must not be empty")
        return value.strip()

    def integer(self, key: str, default: int | None = None, *, required: bool = False) -> int | None:
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(key, "an integer", value)
            return default
        return value

    def boolean(self, key: str, *, default: bool = False, required: bool = False) -> bool:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._wrong(key, "true or false", value)
            return default
        return value

    def decimal(self, key: str, default: Decimal | None = None, *, required: bool = False) -> Decimal | None:
        """A TOML number or a string holding one; floats go through repr() so 0.1 stays 0.1."""
        value = self._get(key, required)
        if value is None:
            return default
        number: Decimal | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, float) and math.isfinite(value):
            number = Decimal(repr(value))
        elif isinstance(value, str):
            number = parse_number(value)
        if number is None:
            self.report(f"'{key}' is not a number: {value!r}")
            return default
        return number

    def one_of(self, key: str, allowed: list[str], *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if value not in allowed:
            self.report(f"'{key}' must be one of {', '.join(repr(a) for a in allowed)}, not {value!r}")
            return None
        return value

    def tables(self, key: str, *, required: bool = False) -> list[dict[str, Any]]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self._wrong(key, "a list of tables", value)
            return []
        return value

    def strings(self, key: str, *, required: bool = False) -> list[str]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self._wrong(key, "a list of strings", value)
            return []
        return [item.strip() for item in value]

    def finish(self) -> None:
        for key in self.table.keys() - self.asked:
            close = difflib.get_close_matches(key, sorted(self.asked), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.report(f"unknown key '{key}'{hint}")


def _toml_type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}.get(
        type(value), type(value).__name__
    )


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[ContentProblem] = []

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def reporter(self, path: Path, question: str | int | None = None) -> Report:
        return lambda message: self.problems.append(ContentProblem(self.rel(path), message, question))

    def read(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        except (OSError, UnicodeDecodeError) as error:
            self.reporter(path)(f"cannot be read: {error}")
            return None

    def toml(self, path: Path, text: str, first_line: int = 1) -> dict[str, Any] | None:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            message = str(error)
            position = _TOML_POSITION.search(message)
            if position and position[1]:
                line = int(position[1]) + first_line - 1
            else:  # "(at end of document)"
                line = first_line + len(text.rstrip("\n").split("\n")) - 1
            message = _TOML_POSITION.sub("", message)
            self.problems.append(ContentProblem(self.rel(path), f"TOML syntax error: {message}", line=line))
            return None

    # -- course and acts

    def course(self) -> Course:
        path = self.root / "course.toml"
        slug = title = intro = ""
        if not path.is_file():
            self.problems.append(ContentProblem("course.toml", "missing: the course needs a course.toml"))
        elif (text := self.read(path)) is not None and (table := self.toml(path, text)) is not None:
            fields = _Fields(table, self.reporter(path))
            slug, title, intro = (
                fields.text("slug", required=True),
                fields.text("title", required=True),
                fields.text("intro"),
            )
            fields.finish()
            if slug and not _SLUG.fullmatch(slug):
                self.reporter(path)(f"'slug' may hold only a-z, 0-9 and single dashes: {slug!r}")

        folders = [p for p in sorted(self.root.iterdir()) if p.is_dir() and _is_act_folder(p)]
        acts = [act for folder in folders if (act := self.act(folder)) is not None]
        if not folders:
            self.problems.append(ContentProblem(".", "the course has no acts (folders with an act.toml)"))
        self.check_act_numbers(acts)
        self.check_unique_lesson_slugs(acts)
        return Course(slug=slug, title=title, intro=intro, acts=tuple(sorted(acts, key=lambda act: act.number)))

    def act(self, folder: Path) -> Act | None:
        path = folder / "act.toml"
        report = self.reporter(path)
        number: int | None = None
        title = intro = ""
        sequential = False
        if not path.is_file():
            report("missing: every act folder needs an act.toml")
        elif (text := self.read(path)) is not None and (table := self.toml(path, text)) is not None:
            fields = _Fields(table, report)
            number = fields.integer("number", required=True)
            title, intro = fields.text("title", required=True), fields.text("intro")
            sequential = fields.boolean("sequential")
            fields.finish()
        if not _SLUG.fullmatch(folder.name):
            report(f"the folder name is the act's slug and may hold only a-z, 0-9 and single dashes: {folder.name!r}")

        lesson_files = sorted(p for p in folder.glob("*.md") if p.is_file())
        for gift in sorted(folder.glob("*.gift")):
            if not gift.with_suffix(".md").is_file():
                self.reporter(gift)(f"no lesson file '{gift.stem}.md' beside it to add these questions to")
        if not lesson_files:
            self.reporter(folder)("the act has no lessons (.md files)")
        act_number = number or 0
        lessons = [
            lesson
            for position, file in enumerate(lesson_files, start=1)
            if (lesson := self.lesson(file, act_number, position)) is not None
        ]
        if number is None:
            return None
        return Act(
            number=number, slug=folder.name, title=title, intro=intro, lessons=tuple(lessons), sequential=sequential
        )

    def check_act_numbers(self, acts: list[Act]) -> None:
        numbers = sorted(act.number for act in acts)
        if numbers != list(range(1, len(numbers) + 1)):
            found = ", ".join(f"{act.slug}={act.number}" for act in sorted(acts, key=lambda a: a.number))
            self.problems.append(
                ContentProblem(".", f"act numbers must run 1..{len(numbers)} without gaps or repeats; found {found}")
            )

    def check_unique_lesson_slugs(self, acts: list[Act]) -> None:
        seen: dict[str, str] = {}
        for lesson in (lesson for act in acts for lesson in act.lessons):
            if lesson.slug in seen:
                self.problems.append(
                    ContentProblem(lesson.source, f"lesson slug '{lesson.slug}' is already used by {seen[lesson.slug]}")
                )
            else:
                seen[lesson.slug] = lesson.source

    # -- lessons

    def lesson(self, path: Path, act_number: int, position: int) -> Lesson | None:
        report = self.reporter(path)
        text = self.read(path)
        if text is None:
            return None
        lines = text.split("\n")
        if lines[0].rstrip() != _FRONT_MATTER:
            report("the file must start with a '+++' line that opens the TOML front matter")
            return None
        closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() == _FRONT_MATTER), None)
        if closing is None:
            report("the front matter is not closed: no second '+++' line")
            return None
        table = self.toml(path, "\n".join(lines[1:closing]), first_line=2)
        if table is None:
            return None

        problems_before = len(self.problems)
        fields = _Fields(table, report)
        slug = fields.text("slug", required=True)
        if slug and not _SLUG.fullmatch(slug):
            report(f"'slug' may hold only a-z, 0-9 and single dashes: {slug!r}")
        title = fields.text("title", required=True)
        if title and has_forbidden_characters(title):
            report(f"'title' {_UNSTORABLE}")
        if has_forbidden_characters("\n".join(lines[closing + 1 :]).replace("\r", ""), multiline=True):
            report(f"the lesson text {_UNSTORABLE}")
        pass_mark = fields.integer("pass_mark", 60)
        if pass_mark is not None and not 0 <= pass_mark <= 100:
            report(f"'pass_mark' must be 0..100, not {pass_mark}")
        max_attempts = fields.integer("max_attempts")
        if max_attempts is not None and max_attempts < 1:
            report(f"'max_attempts' must be at least 1 (leave it out for unlimited), not {max_attempts}")
        counted = fields.one_of("counted_attempt", [c.value for c in CountedAttempt]) or CountedAttempt.HIGHEST
        sourced = [
            (path, question)
            for index, question_table in enumerate(fields.tables("questions"), start=1)
            if (question := self.question(path, question_table, index)) is not None
        ]
        fields.finish()
        gift = path.with_suffix(".gift")
        sourced += [(gift, question) for question in self.gift_questions(gift)]
        self.check_unique_names(sourced)
        questions = [question for _, question in sourced]
        if len(self.problems) > problems_before:
            return None
        return Lesson(
            slug=slug,
            title=title,
            act_number=act_number,
            position=position,
            body="\n".join(lines[closing + 1 :]).strip("\n"),
            questions=tuple(replace(question, id=f"{slug}.{question.id}") for question in questions),
            pass_mark=pass_mark if pass_mark is not None else 60,
            max_attempts=max_attempts,
            counted_attempt=CountedAttempt(counted),
            source=self.rel(path),
        )

    def gift_questions(self, path: Path) -> list[Question]:
        if not path.is_file() or (text := self.read(path)) is None:
            return []
        try:
            questions = parse_gift(text, source=self.rel(path))
        except GiftError as error:
            for problem in error.problems:
                self.problems.append(ContentProblem(self.rel(path), problem.message, problem.question, problem.line))
            return []
        for question in questions:
            report = self.reporter(path, question.name)
            for message in _check(question):
                report(message)
        return [sanitized(question) for question in questions]

    def check_unique_names(self, sourced: list[tuple[Path, Question]]) -> None:
        names: set[str] = set()
        ids: dict[str, str] = {}
        for path, question in sourced:
            report = self.reporter(path, question.name)
            if question.name in names:
                report("the question name is used twice in the lesson (inline or in the .gift file)")
            elif question.id in ids:
                report(f"the question id '{question.id}' is the same as that of question '{ids[question.id]}'")
            names.add(question.name)
            ids.setdefault(question.id, question.name)

    # -- inline questions

    def question(self, path: Path, table: dict[str, Any], index: int) -> Question | None:
        name = table.get("name")
        label: str | int = name.strip() if isinstance(name, str) and name.strip() else index
        report = self.reporter(path, label)
        problems_before = len(self.problems)
        fields = _Fields(table, report)
        name = fields.text("name", required=True)
        kind = fields.one_of("type", [t.value for t in QuestionType], required=True)
        common: dict[str, Any] = dict(
            id=slugify(name),
            name=name,
            prompt=fields.text("prompt", required=True),
            points=fields.decimal("points", Decimal(1)),
            general_feedback=fields.text("general_feedback"),
        )
        question = _build(kind, fields, common, report) if kind is not None else None
        fields.finish()
        if question is not None and len(self.problems) == problems_before:
            for message in _check(question):
                report(message)
        return question if len(self.problems) == problems_before else None


def _is_act_folder(folder: Path) -> bool:
    return (folder / "act.toml").exists() or any(folder.glob("*.md")) or any(folder.glob("*.gift"))


def _percent_fraction(fields: _Fields, key: str, default: int) -> Decimal:
    weight = fields.decimal(key, Decimal(default))
    return (weight if weight is not None else Decimal(default)).scaleb(-2)


def _build(kind: str, fields: _Fields, common: dict[str, Any], report: Report) -> Question | None:
    """The question of type `kind` from its table; wrong fields are reported through `fields`."""
    match QuestionType(kind):
        case QuestionType.SINGLE_CHOICE | QuestionType.MULTIPLE_CHOICE:
            taken: set[str] = set()
            choices = []
            for i, table in enumerate(fields.tables("choices", required=True), start=1):
                choice = _Fields(table, report, f"choice {i}: ")
                text = choice.text("text", required=True)
                fraction = _percent_fraction(choice, "weight", 0)
                choices.append(
                    Choice(
                        id=stable_id("c", text, taken), text=text, fraction=fraction, feedback=choice.text("feedback")
                    )
                )
                choice.finish()
            kind_class = SingleChoice if kind == QuestionType.SINGLE_CHOICE else MultipleChoice
            return kind_class(**common, choices=tuple(choices))
        case QuestionType.TRUE_FALSE:
            return TrueFalse(
                **common,
                answer=fields.boolean("answer", required=True),
                feedback_true=fields.text("feedback_true"),
                feedback_false=fields.text("feedback_false"),
            )
        case QuestionType.SHORT_ANSWER:
            answers = []
            for i, table in enumerate(fields.tables("answers", required=True), start=1):
                answer = _Fields(table, report, f"answer {i}: ")
                answers.append(
                    AcceptedAnswer(
                        text=answer.text("text", required=True),
                        fraction=_percent_fraction(answer, "weight", 100),
                        feedback=answer.text("feedback"),
                    )
                )
                answer.finish()
            return ShortAnswer(**common, answers=tuple(answers), case_sensitive=fields.boolean("case_sensitive"))
        case QuestionType.NUMERIC:
            numeric_answers = []
            for i, table in enumerate(fields.tables("answers", required=True), start=1):
                numeric_answers.append(_numeric_answer(_Fields(table, report, f"answer {i}: ")))
            unit = fields.one_of("unit", [u.value for u in NumericUnit])
            return Numeric(**common, answers=tuple(numeric_answers), unit=NumericUnit(unit) if unit else None)
        case QuestionType.MATCHING:
            return _matching(fields, common, report)
        case QuestionType.ORDERING:
            taken = set()
            items = [
                Option(id=stable_id("i", text, taken), text=text) for text in fields.strings("items", required=True)
            ]
            return Ordering(**common, items=tuple(items))
        case QuestionType.ESSAY:
            taken = set()
            rubric = []
            for i, table in enumerate(fields.tables("rubric"), start=1):
                criterion = _Fields(table, report, f"rubric criterion {i}: ")
                text = criterion.text("text", required=True)
                points = criterion.decimal("points", required=True)
                rubric.append(RubricCriterion(id=stable_id("k", text, taken), text=text, points=points or Decimal(0)))
                criterion.finish()
            return Essay(**common, rubric=tuple(rubric))
    raise AssertionError(kind)  # every QuestionType is handled above


def _numeric_answer(fields: _Fields) -> NumericAnswer:
    value, low, high = fields.decimal("value"), fields.decimal("low"), fields.decimal("high")
    tolerance = fields.decimal("tolerance")
    present = {key for key in ("value", "tolerance", "low", "high") if key in fields.table}
    if present not in ({"value"}, {"value", "tolerance"}, {"low", "high"}):
        fields.report("give either 'value' (with an optional 'tolerance') or both 'low' and 'high'")
    answer = NumericAnswer(
        fraction=_percent_fraction(fields, "weight", 100),
        value=value,
        tolerance=tolerance if tolerance is not None else Decimal(0),
        low=low,
        high=high,
        feedback=fields.text("feedback"),
    )
    fields.finish()
    return answer


def _matching(fields: _Fields, common: dict[str, Any], report: Report) -> Matching:
    left_ids: set[str] = set()
    right_ids: set[str] = set()
    rights: dict[str, Option] = {}
    pairs = []
    for i, table in enumerate(fields.tables("pairs", required=True), start=1):
        pair = _Fields(table, report, f"pair {i}: ")
        left, right = pair.text("left", required=True), pair.text("right", required=True)
        pair.finish()
        if right not in rights:
            rights[right] = Option(id=stable_id("r", right, right_ids), text=right)
        pairs.append(MatchPair(left=Option(id=stable_id("l", left, left_ids), text=left), right_id=rights[right].id))
    for distractor in fields.strings("distractors"):
        if distractor in rights:
            report(f"the distractor {distractor!r} is already a right-hand side")
        else:
            rights[distractor] = Option(id=stable_id("r", distractor, right_ids), text=distractor)
    return Matching(**common, pairs=tuple(pairs), rights=tuple(rights.values()))


_UNSTORABLE = "holds a control character or an invisible (bidi, zero-width) character, which no text may hold"


def sanitized(question: Question) -> Question:
    """An HTML question with its shown HTML (the text and the general feedback) through the one sanitiser
    (core/html.py): what a file holds beyond the allow-list never reaches a page (issue 13). Other formats are
    escaped or rendered from Markdown, and sanitised when rendered."""
    if question.text_format is not TextFormat.HTML:
        return question
    return replace(
        question, prompt=sanitize_html(question.prompt), general_feedback=sanitize_html(question.general_feedback)
    )


def question_texts(value: Any, where: str = "") -> list[tuple[str, str]]:
    """Every text of a question (name, text, choices, answers, feedback, category …) with where it is."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, tuple):
        return [found for i, item in enumerate(value, start=1) for found in question_texts(item, f"{where}[{i}]")]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            found
            for spec in dataclasses.fields(value)
            for found in question_texts(getattr(value, spec.name), f"{where}.{spec.name}" if where else spec.name)
        ]
    return []


def _unstorable_texts(value: Any, where: str = "") -> list[str]:
    """The fields of a question whose text the free-text rule (core/text.py) refuses. Course content is multi-line
    (line breaks and tabs are fine) and may show made-up identity numbers, so only the characters are checked."""
    if isinstance(value, str):
        return [where] if has_forbidden_characters(value.replace("\r", ""), multiline=True) else []
    if isinstance(value, tuple):
        return [found for i, item in enumerate(value, start=1) for found in _unstorable_texts(item, f"{where}[{i}]")]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            found
            for spec in dataclasses.fields(value)
            for found in _unstorable_texts(getattr(value, spec.name), f"{where}.{spec.name}" if where else spec.name)
        ]
    return []


def _check(question: Question) -> list[str]:
    """What the grader needs to hold, for inline and GIFT questions alike."""
    problems = [f"'{where}' {_UNSTORABLE}" for where in _unstorable_texts(question)]
    if not question.prompt:
        problems.append("the question text ('prompt') is empty")
    if question.points <= 0:
        problems.append(f"'points' must be above 0, not {question.points}")
    fractions: list[tuple[str, Decimal]] = []
    match question:
        case SingleChoice() | MultipleChoice():
            fractions = [(f"choice {c.text!r}", c.fraction) for c in question.choices]
            if len(question.choices) < 2:
                problems.append("a choice question needs at least two choices")
            if any(not c.text for c in question.choices):
                problems.append("a choice has no text")
            if isinstance(question, SingleChoice) and not any(c.fraction == 1 for c in question.choices):
                problems.append("single_choice needs a choice with weight 100")
            positive = sum((c.fraction for c in question.choices if c.fraction > 0), Decimal(0))
            if isinstance(question, MultipleChoice) and abs(positive - 1) > _SUM_TOLERANCE:
                problems.append(f"multiple_choice: the positive weights add up to {_percent(positive)}, not 100")
        case ShortAnswer():
            fractions = [(f"answer {a.text!r}", a.fraction) for a in question.answers]
            if any(not a.text for a in question.answers):
                problems.append("an answer has no text")
            if not any(a.fraction == 1 for a in question.answers):
                problems.append("short_answer needs an answer with weight 100")
        case Numeric():
            fractions = [(f"answer {i}", a.fraction) for i, a in enumerate(question.answers, start=1)]
            for i, answer in enumerate(question.answers, start=1):
                if answer.tolerance < 0:
                    problems.append(f"answer {i}: 'tolerance' must not be negative")
                if answer.low is not None and answer.high is not None and answer.low > answer.high:
                    problems.append(f"answer {i}: 'low' {answer.low} is above 'high' {answer.high}")
            if not any(a.fraction == 1 and not a.is_catch_all for a in question.answers):
                problems.append("numeric needs an answer with weight 100")
        case Matching():
            if len(question.pairs) < 2:
                problems.append("matching needs at least two pairs")
            if any(not pair.left.text for pair in question.pairs) or any(not r.text for r in question.rights):
                problems.append("a pair has an empty side")
        case Ordering():
            texts = [item.text for item in question.items]
            if len(texts) < 2:
                problems.append("ordering needs at least two items")
            if len(set(texts)) != len(texts) or not all(texts):
                problems.append("ordering items must be non-empty and different from each other")
        case Essay():
            for criterion in question.rubric:
                if criterion.points <= 0:
                    problems.append(f"rubric criterion {criterion.text!r}: 'points' must be above 0")
    for what, fraction in fractions:
        if not -1 <= fraction <= 1:
            problems.append(f"{what}: weight {_percent(fraction)} is outside -100..100")
    return problems


def _percent(fraction: Decimal) -> str:
    return format(fraction.scaleb(2).normalize(), "f")
