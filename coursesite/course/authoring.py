"""Importing a GIFT file into a lesson, and exporting a lesson as GIFT (docs/content.md, "Importing GIFT").

The file-system side of authoring; no database and no web here. An import is all or nothing:
parse → merge by name into the lesson's `.gift` file (and, for a new lesson, write its `.md`) → write both into a
temporary copy of the lessons tree and load it with `load_course` → only then replace the real files with
`os.replace`. The caller then calls `catalog.mark_changed()` and records the new grading keys.

Question ids are `<lesson slug>.<slug(name)>`, so importing a question with the same name again keeps its id, and
the answers to it keep their history.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from coursesite.core.text import TextRefused, TextRule, clean_text
from coursesite.course.codec import grading_version
from coursesite.course.gift import GiftError, UnwritableQuestion, parse_gift_located, unique_name, write_gift
from coursesite.course.loader import ContentError, load_course, question_texts, sanitized
from coursesite.course.model import Course, Lesson, Question, slugify

__all__ = [
    "MAX_GIFT_BYTES",
    "AuthoringError",
    "Code",
    "ExportResult",
    "ImportSummary",
    "Problem",
    "decode_gift",
    "export_gift",
    "import_gift",
]

MAX_GIFT_BYTES = 200 * 1024  # below the app's 256 KB request cap, so the form can say what is wrong
MAX_QUESTIONS = 300
MAX_TITLE_LENGTH = 200
MAX_SLUG_LENGTH = 60
LOCK_FILE = ".revision.import-lock"  # under lessons/.revision.*, which git ignores
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NUMBERED_FILE = re.compile(r"^(\d+)-")
# The one free-text rule (core/text.py) for imported text: written into the lesson files and the question versions,
# so a personnummer or card number in it is refused like anywhere else (issue 13). Characters are the loader's check.
_CONTENT_RULE = TextRule(max_chars=MAX_GIFT_BYTES, subject="Texten", multiline=True)
_TITLE_RULE = TextRule(max_chars=MAX_TITLE_LENGTH, subject="Titeln")
_IDENTITY_NUMBER = "holds what looks like a personnummer, samordningsnummer or card number, which the site never stores"
_NEW_LESSON_BODY = "Frågorna i den här lektionen är importerade från en GIFT-fil."


class Code(StrEnum):
    """What went wrong, so the web page can say it in Swedish; the message is the English text for the CLI."""

    TOO_LARGE = "too_large"
    NUL = "nul"
    ENCODING = "encoding"
    NO_ACT = "no_act"
    BAD_SLUG = "bad_slug"
    OTHER_ACT = "other_act"
    TITLE_REQUIRED = "title_required"
    BAD_TITLE = "bad_title"
    GIFT = "gift"
    NO_QUESTIONS = "no_questions"
    TOO_MANY = "too_many"
    NAME_IN_LESSON_FILE = "name_in_lesson_file"
    SAME_ID = "same_id"
    CONTENT = "content"
    NO_LESSON = "no_lesson"
    IDENTITY_NUMBER = "identity_number"


@dataclass(frozen=True)
class Problem:
    code: Code
    message: str
    line: int | None = None  # in the imported GIFT file
    question: str | None = None

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        where += [f"question '{self.question}'"] if self.question else []
        return f"{', '.join(where)}: {self.message}" if where else self.message


class AuthoringError(ValueError):
    """Everything that stops an import or export; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def _fail(code: Code, message: str, **where) -> AuthoringError:
    return AuthoringError([Problem(code, message, **where)])


# ----------------------------------------------------------------------------------------------------------- input


def decode_gift(data: bytes) -> str:
    """The text of an uploaded GIFT file: at most MAX_GIFT_BYTES of UTF-8 (a BOM is dropped), without NUL."""
    if len(data) > MAX_GIFT_BYTES:
        raise _fail(Code.TOO_LARGE, f"the file is {len(data)} bytes; at most {MAX_GIFT_BYTES} are accepted")
    if (nul := data.find(b"\x00")) >= 0:
        raise _fail(Code.NUL, "the file contains a NUL byte; is it a text file?", line=data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _fail(Code.ENCODING, "the file is not UTF-8 text; save it as UTF-8", line=line) from None


def _check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise _fail(Code.TITLE_REQUIRED, "a new lesson needs a title (--title)")
    if len(title) > MAX_TITLE_LENGTH:
        raise _fail(Code.BAD_TITLE, f"the title is {len(title)} characters; at most {MAX_TITLE_LENGTH}")
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in title):
        raise _fail(Code.BAD_TITLE, "the title contains a control character")
    if _identity_number(title, _TITLE_RULE):
        raise _fail(Code.IDENTITY_NUMBER, f"the title {_IDENTITY_NUMBER}")
    return title


def _identity_number(text: str, rule: TextRule) -> bool:
    """True when the one free-text rule refuses ``text`` for an identity number (other refusals are the loader's)."""
    try:
        clean_text(text, rule)
    except TextRefused as refused:
        return refused.identity_number
    return False


# ----------------------------------------------------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportSummary:
    lesson: str  # slug
    title: str
    created: bool  # a new lesson file was written
    lesson_file: str  # relative to the lessons root
    gift_file: str
    added: tuple[str, ...]  # question names
    replaced: tuple[str, ...]  # same name, the question changed
    key_changed: tuple[str, ...]  # those of `replaced` whose grading key changed: a regrade may be due
    unchanged: tuple[str, ...]


@dataclass
class _Plan:
    lesson: str
    title: str
    created: bool
    md_path: Path  # relative to the root
    md_text: str | None  # only for a new lesson
    gift_path: Path
    gift_text: str
    new_names: list[str]
    lines: dict[str, int]  # question name → line in the imported file


def import_gift(
    root: Path, text: str, *, act: int, lesson: str, title: str | None = None, source: str = "<gift>"
) -> ImportSummary:
    """Add the questions of GIFT `text` to lesson `lesson` of act `act`, or create that lesson at the end of the act.

    Questions whose GIFT name the lesson's .gift file already holds are replaced; the others are added; the file's
    other questions stay. Raises AuthoringError with every problem found; then nothing was written.
    """
    with _locked(root):
        course = _load(root)
        plan = _plan(course, root, text, act, lesson, title, source)
        new_course = _validate(root, plan)
        _write_atomically(root / plan.md_path, plan.md_text)
        _write_atomically(root / plan.gift_path, plan.gift_text)
    old = _find_lesson(course, plan.lesson)
    new = _find_lesson(new_course, plan.lesson)
    assert new is not None  # validated above
    before = {q.name: q for q in old.questions} if old else {}
    after = {q.name: q for q in new.questions}
    added = [name for name in plan.new_names if name not in before]
    same = [name for name in plan.new_names if name in before and before[name] == after[name]]
    replaced = [name for name in plan.new_names if name in before and before[name] != after[name]]
    return ImportSummary(
        lesson=plan.lesson,
        title=plan.title,
        created=plan.created,
        lesson_file=plan.md_path.as_posix(),
        gift_file=plan.gift_path.as_posix(),
        added=tuple(added),
        replaced=tuple(replaced),
        key_changed=tuple(n for n in replaced if grading_version(before[n]) != grading_version(after[n])),
        unchanged=tuple(same),
    )


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One import at a time per lessons tree, across processes: each merges into what the previous one wrote."""
    with open(root / LOCK_FILE, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load(root: Path) -> Course:
    try:
        return load_course(root)
    except ContentError as error:
        raise AuthoringError(
            [Problem(Code.CONTENT, f"the lessons do not load before the import: {p}") for p in error.problems]
        ) from None


def _find_lesson(course: Course, slug: str) -> Lesson | None:
    return next((lesson for lesson in course.lessons() if lesson.slug == slug), None)


def _plan(course: Course, root: Path, text: str, act: int, slug: str, title: str | None, source: str) -> _Plan:
    target = next((a for a in course.acts if a.number == act), None)
    if target is None:
        numbers = ", ".join(str(a.number) for a in course.acts)
        raise _fail(Code.NO_ACT, f"there is no act {act} (the acts are {numbers})")
    if len(slug) > MAX_SLUG_LENGTH or not _SLUG.fullmatch(slug):
        raise _fail(Code.BAD_SLUG, f"a lesson slug holds a-z, 0-9 and single dashes, at most {MAX_SLUG_LENGTH}")
    existing = _find_lesson(course, slug)
    if existing is not None and existing.act_number != act:
        raise _fail(Code.OTHER_ACT, f"lesson '{slug}' belongs to act {existing.act_number}, not act {act}")

    if existing is not None:
        md_path = Path(existing.source)
        md_text = None
        title = existing.title
    else:
        title = _check_title(title or "")
        md_path = Path(target.slug) / f"{_next_number(root / target.slug):02d}-{slug}.md"
        md_text = f'+++\nslug = "{slug}"\ntitle = {json.dumps(title, ensure_ascii=False)}\n+++\n{_NEW_LESSON_BODY}\n'
    gift_path = md_path.with_suffix(".gift")
    header, current = _current_gift(root / gift_path)
    current_names = {q.name for q in current}
    inline = {q.name: q for q in existing.questions if q.name not in current_names} if existing else {}

    try:
        located = parse_gift_located(text, source=source, taken_names=set(inline))
    except GiftError as error:
        raise AuthoringError([Problem(Code.GIFT, p.message, p.line, p.question) for p in error.problems]) from None
    if not located:
        raise _fail(Code.NO_QUESTIONS, "the file holds no questions")
    if len(located) > MAX_QUESTIONS:
        raise _fail(Code.TOO_MANY, f"the file holds {len(located)} questions; at most {MAX_QUESTIONS} per import")

    problems: list[Problem] = []
    incoming = [(line, sanitized(question)) for line, question in _unique_names(located, set(inline))]
    for line, question in incoming:
        if any(_identity_number(text, _CONTENT_RULE) for _, text in question_texts(question)):
            named = None if _identity_number(question.name, _CONTENT_RULE) else question.name  # never shown again
            problems.append(Problem(Code.IDENTITY_NUMBER, f"the question {_IDENTITY_NUMBER}", line, named))
        if question.name in inline:
            problems.append(
                Problem(
                    Code.NAME_IN_LESSON_FILE,
                    f"the lesson file {md_path.as_posix()} already defines a question '{question.name}'; give the "
                    "GIFT question another name (questions in a lesson file cannot be replaced by an import)",
                    line,
                    question.name,
                )
            )
    merged = _merge(current, [question for _, question in incoming])
    problems += _same_ids(incoming, merged, list(inline))
    if problems:
        raise AuthoringError(problems)
    try:
        gift_text = header + write_gift(merged)
    except UnwritableQuestion as error:  # parsed GIFT always writes back; this would be a bug, not bad input
        raise _fail(Code.GIFT, str(error)) from None
    return _Plan(
        lesson=slug,
        title=title,
        created=existing is None,
        md_path=md_path,
        md_text=md_text,
        gift_path=gift_path,
        gift_text=gift_text,
        new_names=[question.name for _, question in incoming],
        lines={question.name: line for line, question in incoming},
    )


def _next_number(folder: Path) -> int:
    """The number for a lesson file after the act's last one (lessons are ordered by file name)."""
    numbers = [int(m[1]) for p in folder.glob("*.md") if (m := _NUMBERED_FILE.match(p.name))]
    return max(numbers, default=0) + 1


def _current_gift(path: Path) -> tuple[str, list[Question]]:
    """The lesson's .gift file: its leading comment lines (kept on rewrite) and its questions."""
    if not path.is_file():
        return "", []
    text = path.read_text(encoding="utf-8-sig")
    header = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip().startswith("//"):
            break
        header.append(line + "\n")
    # The course has just loaded, so the file parses.
    return ("".join(header) + "\n" if header else ""), [q for _, q in parse_gift_located(text, source=path.name)]


def _unique_names(located: list[tuple[int, Question]], inline: set[str]) -> list[tuple[int, Question]]:
    """A name given twice in the file (Moodle allows it) becomes `name (2)` the second time, so both import."""
    names = {question.name for _, question in located} | inline
    slugs = {slugify(name) for name in names}
    seen: set[str] = set()
    renamed = []
    for line, question in located:
        if question.name in seen:
            name = unique_name(question.name, names, slugs)
            question = replace(question, name=name, id=slugify(name))
        seen.add(question.name)
        renamed.append((line, question))
    return renamed


def _merge(current: list[Question], incoming: list[Question]) -> list[Question]:
    """The lesson's GIFT questions after the import: replaced ones stay in place, new ones go at the end."""
    by_name = {question.name: question for question in incoming}
    merged = [by_name.pop(question.name, question) for question in current]
    return merged + [question for question in incoming if question.name in by_name]


def _same_ids(incoming: list[tuple[int, Question]], merged: list[Question], inline: list[str]) -> list[Problem]:
    """Two different names with the same slug would share an id; the slug decides which stored answers belong."""
    owner: dict[str, str] = {slugify(name): name for name in inline}
    for question in merged:
        owner.setdefault(slugify(question.name), question.name)
    problems = []
    for line, question in incoming:
        other = owner[slugify(question.name)]
        if other != question.name:
            problems.append(
                Problem(
                    Code.SAME_ID,
                    f"the names '{question.name}' and '{other}' give the same question id "
                    f"'{slugify(question.name)}'; rename one of them",
                    line,
                    question.name,
                )
            )
    return problems


def _validate(root: Path, plan: _Plan) -> Course:
    """Load the course as it will be, from a copy; the real files are untouched until this passes."""
    with tempfile.TemporaryDirectory(prefix="coursesite-import-") as scratch:
        copy = Path(scratch) / "lessons"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".revision*", ".*.tmp"))
        if plan.md_text is not None:
            (copy / plan.md_path).write_text(plan.md_text, encoding="utf-8")
        (copy / plan.gift_path).write_text(plan.gift_text, encoding="utf-8")
        try:
            return load_course(copy)
        except ContentError as error:
            raise AuthoringError([_content_problem(p, plan) for p in error.problems]) from None


def _content_problem(problem, plan: _Plan) -> Problem:
    """A loader problem about an imported question points at that question's line in the imported file."""
    if problem.file == plan.gift_path.as_posix() and problem.question in plan.lines:
        return Problem(Code.CONTENT, problem.message, plan.lines[problem.question], problem.question)
    return Problem(Code.CONTENT, str(problem))


def _write_atomically(path: Path, text: str | None) -> None:
    if text is None:
        return
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(scratch, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(scratch, path)


# ----------------------------------------------------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportResult:
    lesson: str
    text: str  # GIFT, with a comment naming what was left out
    written: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (question name, why GIFT cannot hold it)


def export_gift(course: Course, lesson_slug: str) -> ExportResult:
    """A lesson's questions (lesson file and .gift file) as GIFT; those GIFT cannot express are listed, not lost."""
    lesson = _find_lesson(course, lesson_slug)
    if lesson is None:
        raise _fail(Code.NO_LESSON, f"there is no lesson '{lesson_slug}'")
    written: list[Question] = []
    skipped: list[tuple[str, str]] = []
    for question in lesson.questions:
        try:
            write_gift([question])
        except UnwritableQuestion as error:
            skipped.append((question.name, error.reason))
        else:
            written.append(question)
    header = [f"// {_one_line(lesson.title)} ({lesson.slug}), exported from Kurssajten."]
    header += [f"// Not exported: '{_one_line(name)}': {_one_line(why)}." for name, why in skipped]
    return ExportResult(
        lesson=lesson.slug,
        text="\n".join(header) + "\n\n" + write_gift(written),
        written=tuple(q.name for q in written),
        skipped=tuple(skipped),
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
