"""Moodle's GIFT question format: a pure parser and writer.

The meaning follows Moodle's importer (question/format/gift/format.php): questions are separated by blank lines,
lines starting with `//` are comments, `::name::` names a question, and the answer block `{…}` decides the type:
`#` first → numeric; a `~` → choice (single if the block has any `=`, else multiple); `=` and `->` → matching;
`T`/`TRUE`/`F`/`FALSE` → true/false; empty → essay; anything else → short answer.

Where Moodle would silently import nonsense, the parser reports a problem instead (an unclosed `{`, a weight outside
-100..100, a numeric answer that is not a number, a second answer block …), naming the line and the question.

As Moodle reads it (issue 13): HTML in a `::name::` is stripped from the name (Moodle's clean_question_name); text
after the answer block is question text (`Han sa {=ja ~nej}";` keeps `";`, with the blank `_____` where the block
was); a `[format]` tag on an answer or a feedback that differs from the question's format is kept in
`Question.answer_formats` and written back, so it survives an export and a re-import.

GIFT has no points, units, case sensitivity, ordering or rubrics, so `write_gift` refuses questions that use them
rather than lose them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from coursesite.course.model import (
    AcceptedAnswer,
    Choice,
    Essay,
    Matching,
    MatchPair,
    MultipleChoice,
    Numeric,
    NumericAnswer,
    Option,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
    TextFormat,
    TrueFalse,
    slugify,
    stable_id,
)

__all__ = [
    "GiftError",
    "GiftProblem",
    "UnwritableQuestion",
    "parse_gift",
    "parse_gift_located",
    "parse_number",
    "swedish_message",
    "unique_name",
    "write_gift",
]

# PHP's trim() set: Moodle trims with it, so a no-break space at the edge of a text stays text.
_WS = " \t\n\r\0\x0b"

# Escaped control characters are swapped for Unicode noncharacters (reserved for exactly this kind of internal use)
# while the structure is parsed, and swapped back in every text at the end. `\\` becomes a plain backslash at once.
_PLACEHOLDERS = {
    ":": "\ufdd0",
    "#": "\ufdd1",
    "=": "\ufdd2",
    "{": "\ufdd3",
    "}": "\ufdd4",
    "~": "\ufdd5",
    "n": "\ufdd6",
}
_ESCAPE_SEQUENCE = re.compile(r"\\([\\:#={}~n])")
_RESTORE = str.maketrans({hidden: ("\n" if char == "n" else char) for char, hidden in _PLACEHOLDERS.items()})
_NONCHARACTER = re.compile("[\ufdd0-\ufdd6]")
_ESCAPE = str.maketrans(
    {"\\": "\\\\", "#": "\\#", "=": "\\=", "~": "\\~", "{": "\\{", "}": "\\}", ":": "\\:", "\n": "\\n", "\r": ""}
)

_FORMAT_TAG = re.compile(r"\[(moodle|html|plain|markdown)\]")
_HTML_TAG = re.compile(r"<[^>]*>")
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d*)?)%")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_CATEGORY = "$CATEGORY:"
_BLANK = "_____"  # Moodle's stand-in for an answer block in the middle of the text
_NAME_LENGTH = 80  # Moodle's create_default_question_name: shorten_text($questiontext, 80)
_ELLIPSIS = "..."


@dataclass(frozen=True)
class GiftProblem:
    line: int
    question: str | None  # the question's name, or the start of its text when it has none
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", question '{self.question}'" if self.question else "")
        return f"{where}: {self.message}"


# The parser's messages (English, for the CLI and the logs) as the instructor's pages say them. Each pattern matches
# one message above in full; a message without a pattern is shown as it is.
_SWEDISH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), swedish)
    for pattern, swedish in (
        (r"'\$CATEGORY:' must be followed by a blank line", "Efter '$CATEGORY:' ska det komma en tom rad."),
        (r"unclosed question name: '::' without a closing '::'", "Frågans namn saknar avslutande '::'."),
        (
            r"no answer block '\{…\}' \(Moodle's descriptions are not supported\)",
            "Frågan saknar svarsdel '{…}' (Moodles beskrivningar utan svar stöds inte).",
        ),
        (r"'\}' without an opening '\{'", "'}' utan ett inledande '{'."),
        (r"unclosed answer block '\{'", "Svarsdelen '{' stängs aldrig med '}'."),
        (
            r"a second answer block; a GIFT question has one '\{…\}'",
            "En andra svarsdel: en GIFT-fråga har bara en '{…}'.",
        ),
        (r"the question text is empty", "Frågetexten är tom."),
        (r"weight (.*)% is outside -100\.\.100", r"Viktningen \1 % ligger utanför −100 till 100."),
        (r"a choice question needs at least two choices", "En flervalsfråga behöver minst två alternativ."),
        (r"a choice without text", "Ett alternativ saknar text."),
        (r"a short answer without text", "Ett kortsvar saknar text."),
        (r"a short-answer question needs at least one answer", "En kortsvarsfråga behöver minst ett svar."),
        (r"a numeric question needs at least one answer", "En sifferfråga behöver minst ett svar."),
        (r"numeric answer: value '(.*)' is not a number", r"Sifferfråga: värdet '\1' är inte ett tal."),
        (r"numeric answer: tolerance '(.*)' is not a number", r"Sifferfråga: toleransen '\1' är inte ett tal."),
        (r"numeric answer: low '(.*)' is not a number", r"Sifferfråga: den nedre gränsen '\1' är inte ett tal."),
        (r"numeric answer: high '(.*)' is not a number", r"Sifferfråga: den övre gränsen '\1' är inte ett tal."),
        (r"numeric answer: the range (.*) runs backwards", r"Sifferfråga: intervallet \1 går baklänges."),
        (r"numeric answer: the tolerance in (.*) is negative", r"Sifferfråga: toleransen i \1 är negativ."),
        (r"a matching answer without '->': '(.*)'", r"Ett parningssvar saknar '->': '\1'."),
        (
            r"a matching answer without a right-hand side after '->'",
            "Ett parningssvar saknar högersida efter '->'.",
        ),
        (
            r"a matching question needs at least two pairs 'left -> right'",
            "En parningsfråga behöver minst två par 'vänster -> höger'.",
        ),
        (
            r"contains a Unicode noncharacter \(U\+FDD0\.\.U\+FDD6\)",
            "Innehåller ett otillåtet Unicode-tecken (U+FDD0–U+FDD6).",
        ),
    )
)


def swedish_message(message: str) -> str:
    """A parser message in Swedish, for the instructor's pages; one not in the table is returned unchanged."""
    for pattern, swedish in _SWEDISH:
        match = pattern.fullmatch(message)
        if match:
            return match.expand(swedish)
    return message


class GiftError(ValueError):
    """Every malformed question of a GIFT file, so an author can fix them all in one go."""

    def __init__(self, problems: Iterable[GiftProblem], source: str = "<gift>") -> None:
        self.problems = list(problems)
        self.source = source
        listing = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in {source}:\n{listing}")


def parse_number(text: str) -> Decimal | None:
    """A plain decimal number (`-3.5`, `.5`, `1e3`), or None. Decimal alone would also accept `NaN` and `Infinity`."""
    text = text.strip()
    return Decimal(text) if _NUMBER.fullmatch(text) else None


# ---------------------------------------------------------------------------------------------------------- parsing


def parse_gift(text: str, *, source: str = "<gift>", taken_names: Iterable[str] = ()) -> list[Question]:
    """All questions of a GIFT file, in order; raises GiftError listing every malformed one.

    An unnamed question is named by its text, made unique against the file's names and `taken_names` (the names
    the lesson already uses elsewhere), so its id cannot collide with theirs either.
    """
    return [question for _, question in parse_gift_located(text, source=source, taken_names=taken_names)]


def parse_gift_located(
    text: str, *, source: str = "<gift>", taken_names: Iterable[str] = ()
) -> list[tuple[int, Question]]:
    """Like `parse_gift`, with the line each question starts on, for messages about a whole question."""
    problems: list[GiftProblem] = []
    drafts: list[tuple[int, Question]] = []
    category: str | None = None
    for block in _blocks(text.removeprefix("\ufeff")):
        if block.text.startswith(_CATEGORY):
            if "\n" in block.text:
                problems.append(GiftProblem(block.numbers[1], None, f"'{_CATEGORY}' must be followed by a blank line"))
            else:
                category = _restore(block.text[len(_CATEGORY) :]) or None
            continue
        parser = _BlockParser(block, category)
        question = parser.parse()
        problems.extend(parser.problems)
        if question is not None and not parser.problems:
            drafts.append((block.numbers[0], question))
    if problems:
        raise GiftError(problems, source)
    named = _name_and_number([question for _, question in drafts], set(taken_names))
    return [(line, question) for (line, _), question in zip(drafts, named, strict=True)]


@dataclass(frozen=True)
class _Block:
    """One question's lines joined by newlines, comments left out and escapes hidden; `numbers` are file lines."""

    numbers: list[int]
    text: str
    bad_line: int | None  # a line holding one of the noncharacters the parser uses internally

    def line_at(self, position: int) -> int:
        return self.numbers[self.text.count("\n", 0, position)]


def _blocks(text: str) -> Iterator[_Block]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[tuple[int, str]] = []
    for number, raw in enumerate([*lines, ""], start=1):
        line = raw.strip(_WS)
        if line:
            if not line.startswith("//"):
                kept.append((number, line))
        elif kept:
            bad = next((n for n, content in kept if _NONCHARACTER.search(content)), None)
            joined = "\n".join(content for _, content in kept)
            yield _Block([n for n, _ in kept], _hide_escapes(joined), bad)
            kept = []


def _hide_escapes(text: str) -> str:
    return _ESCAPE_SEQUENCE.sub(lambda m: "\\" if m[1] == "\\" else _PLACEHOLDERS[m[1]], text)


def _restore(text: str) -> str:
    return text.translate(_RESTORE).strip(_WS)


def _with_format(raw: str, default: TextFormat) -> tuple[str, TextFormat]:
    """Moodle's parse_text_with_format: an optional leading `[format]` tag, then the unescaped, trimmed text."""
    raw = raw.lstrip(_WS)
    tag = _FORMAT_TAG.match(raw)
    if tag is None:
        return _restore(raw), default
    return _restore(raw[tag.end() :]), TextFormat(tag[1])


def _label(text: str) -> str:
    return _default_name(_restore(text)) if text.strip(_WS) else ""


class _BlockParser:
    def __init__(self, block: _Block, category: str | None) -> None:
        self.block = block
        self.category = category
        self.problems: list[GiftProblem] = []
        self.label: str | None = None
        self.format = TextFormat.MOODLE
        self.formats: list[tuple[str, TextFormat]] = []  # per-answer tags that differ from the question's

    def text(self, raw: str, key: str | None) -> str:
        """`_with_format` for a piece of an answer; a tag that differs from the question's format is kept at `key`."""
        text, text_format = _with_format(raw, self.format)
        if key is not None and text_format != self.format:
            self.formats.append((key, text_format))
        return text

    def problem(self, position: int, message: str) -> None:
        self.problems.append(GiftProblem(self.block.line_at(position), self.label or None, message))

    def parse(self) -> Question | None:
        text = self.block.text
        start, name = 0, ""
        if text.startswith("::"):
            end = text.find("::", 2)
            if end < 0:
                self.label = _label(text[2:].split("{", 1)[0])
                self.problem(0, "unclosed question name: '::' without a closing '::'")
                return None
            name = _question_name(text[2:end])
            start = len(text) - len(text[end + 2 :].lstrip(_WS))
        self.label = name or _label(text[start:].split("{", 1)[0])
        if self.block.bad_line is not None:
            self.problems.append(
                GiftProblem(self.block.bad_line, self.label, "contains a Unicode noncharacter (U+FDD0..U+FDD6)")
            )
            return None

        opening, closing = text.find("{", start), text.find("}", start)
        if opening < 0 and closing < 0:
            self.problem(start, "no answer block '{…}' (Moodle's descriptions are not supported)")
            return None
        if opening < 0 or 0 <= closing < opening:
            self.problem(closing, "'}' without an opening '{'")
            return None
        if closing < 0:
            self.problem(opening, "unclosed answer block '{'")
            return None
        tail = text[closing + 1 :]  # Moodle: text after the block is question text (`";` too), the block a blank
        second = re.search(r"[{}]", tail)
        if second:
            self.problem(closing + 1 + second.start(), "a second answer block; a GIFT question has one '{…}'")
            return None

        head = text[start:opening]
        prompt, self.format = _with_format(head + (_BLANK + tail if tail else ""), TextFormat.MOODLE)
        if not prompt:
            self.problem(start, "the question text is empty")

        block = text[opening + 1 : closing]
        general_feedback = ""
        separator = block.rfind("####")
        if separator >= 0:
            general_feedback = self.text(block[separator + 4 :], "general_feedback")
            block = block[:separator]
        body = block.strip(_WS)
        base = opening + 1 + len(block) - len(block.lstrip(_WS))
        common: dict[str, Any] = dict(
            answer_formats=self.formats,  # the list is filled in below; made a tuple in `parse`
            id="",
            name=name,
            prompt=prompt,
            text_format=self.format,
            general_feedback=general_feedback,
            category=self.category,
        )

        question: Question | None
        if not body:
            question = Essay(**common)
        elif body[0] == "#":
            question = self.numeric(body, base, common)
        elif "~" in body:
            question = self.choice(body, base, common)
        elif "=" in body and "->" in body:
            question = self.matching(body, base, common)
        elif body.split("#", 1)[0].strip(_WS) in _TRUE_FALSE:
            question = self.true_false(body, common)
        else:
            question = self.short_answer(body, base, common)
        return None if question is None else replace(question, answer_formats=tuple(self.formats))

    # -- pieces of the answer block

    def pieces(self, body: str, base: int, markers: str, keep: str = "") -> list[tuple[int, str]]:
        """`body` cut before each marker character; a marker in `keep` stays at the start of its piece.

        Like Moodle's explode(), the text before the first marker counts as an answer unless it is blank.
        Positions are where each piece's text starts in the block, for line numbers.
        """
        cuts = [i for i, char in enumerate(body) if char in markers]
        pieces = []
        for index, (begin, end) in enumerate(zip([0, *cuts], [*cuts, len(body)], strict=True)):
            if index > 0 and body[begin] not in keep:
                begin += 1
            piece = body[begin:end]
            lead = len(piece) - len(piece.lstrip(_WS))
            pieces.append((base + begin + lead, piece.strip(_WS)))
        if pieces and not pieces[0][1]:
            pieces.pop(0)
        return pieces

    def weight(self, position: int, piece: str, default: Decimal) -> tuple[Decimal, str]:
        match = _WEIGHT.match(piece)
        if match is None:  # Moodle: a `%` that is not a weight is part of the text
            return default, piece
        percent = Decimal(match[1])
        if not -100 <= percent <= 100:
            self.problem(position, f"weight {match[1]}% is outside -100..100")
        return percent.scaleb(-2), piece[match.end() :]

    def comment(self, piece: str, key: str, *, answer_key: bool = True) -> tuple[str, str]:
        """An answer and its feedback, split at the first `#`; their tags are kept at `key.text`, `key.feedback`."""
        answer, _, feedback = piece.partition("#")
        text = self.text(answer, f"{key}.text" if answer_key else None)
        return text, self.text(feedback, f"{key}.feedback")

    # -- the question types

    def choice(self, body: str, base: int, common: dict[str, Any]) -> Question | None:
        single = "=" in body
        pieces = self.pieces(body, base, "~=", keep="=")
        if len(pieces) < 2:
            self.problem(base, "a choice question needs at least two choices")
            return None
        choices: list[Choice] = []
        taken: set[str] = set()
        for position, piece in pieces:
            if piece.startswith("="):
                fraction, piece = Decimal(1), piece[1:]
            else:
                fraction, piece = self.weight(position, piece, Decimal(0))
            text, feedback = self.comment(piece, f"choices.{len(choices)}")
            if not text:
                self.problem(position, "a choice without text")
                continue
            choices.append(Choice(id=stable_id("c", text, taken), text=text, fraction=fraction, feedback=feedback))
        kind = SingleChoice if single else MultipleChoice
        return kind(**common, choices=tuple(choices))

    def short_answer(self, body: str, base: int, common: dict[str, Any]) -> Question | None:
        answers: list[AcceptedAnswer] = []
        for position, piece in self.pieces(body, base, "="):
            fraction, piece = self.weight(position, piece, Decimal(1))
            text, feedback = self.comment(piece, f"answers.{len(answers)}")
            if not text:
                self.problem(position, "a short answer without text")
                continue
            answers.append(AcceptedAnswer(text=text, fraction=fraction, feedback=feedback))
        if not answers:
            self.problem(base, "a short-answer question needs at least one answer")
            return None
        return ShortAnswer(**common, answers=tuple(answers))

    def true_false(self, body: str, common: dict[str, Any]) -> Question:
        # Moodle: `{TRUE#feedback for a wrong answer#feedback for a right answer}`.
        bits = body.split("#", 2) + ["", ""]
        answer = _TRUE_FALSE[_restore(bits[0])]
        wrong = self.text(bits[1], "feedback_false" if answer else "feedback_true")
        right = self.text(bits[2], "feedback_true" if answer else "feedback_false")
        return TrueFalse(
            **common,
            answer=answer,
            feedback_true=right if answer else wrong,
            feedback_false=wrong if answer else right,
        )

    def numeric(self, body: str, base: int, common: dict[str, Any]) -> Question | None:
        rest = body[1:]
        tilde = rest.find("~")  # everything from the first `~` is the feedback for any other answer
        wrong = rest[tilde:] if tilde >= 0 else None
        if tilde >= 0:
            rest = rest[:tilde]
        pieces = self.pieces(rest, base + 1, "=")
        if not pieces:
            self.problem(base, "a numeric question needs at least one answer")
            return None
        answers: list[NumericAnswer] = []
        for position, piece in pieces:
            fraction, piece = self.weight(position, piece, Decimal(1))
            text, feedback = self.comment(piece, f"answers.{len(answers)}", answer_key=False)
            answer = self.numeric_answer(position, text, fraction, feedback)
            if answer is not None:
                answers.append(answer)
        if wrong is not None:
            key = f"answers.{len(answers)}"
            answers.append(NumericAnswer(fraction=Decimal(0), feedback=self.comment(wrong, key, answer_key=False)[1]))
        return Numeric(**common, answers=tuple(answers))

    def numeric_answer(self, position: int, text: str, fraction: Decimal, feedback: str) -> NumericAnswer | None:
        if text == "*":
            return NumericAnswer(fraction=fraction, feedback=feedback)
        problems_before = len(self.problems)

        def number(part: str, what: str) -> Decimal:
            value = parse_number(part)
            if value is None:
                self.problem(position, f"numeric answer: {what} '{part.strip()}' is not a number")
                return Decimal(0)
            return value

        dots, colon = text.find(".."), text.find(":")
        if dots > 0:
            low, high = number(text[:dots], "low"), number(text[dots + 2 :], "high")
            if low > high and len(self.problems) == problems_before:  # not when a bound is no number at all
                self.problem(position, f"numeric answer: the range {text} runs backwards")
            answer = NumericAnswer(fraction=fraction, low=low, high=high, feedback=feedback)
        elif colon > 0:
            value, tolerance = number(text[:colon], "value"), number(text[colon + 1 :], "tolerance")
            if tolerance < 0 and len(self.problems) == problems_before:
                self.problem(position, f"numeric answer: the tolerance in {text} is negative")
            answer = NumericAnswer(fraction=fraction, value=value, tolerance=tolerance, feedback=feedback)
        else:
            answer = NumericAnswer(fraction=fraction, value=number(text, "value"), feedback=feedback)
        return answer if len(self.problems) == problems_before else None

    def matching(self, body: str, base: int, common: dict[str, Any]) -> Question | None:
        pairs: list[MatchPair] = []
        rights: dict[str, Option] = {}  # by text, in order of first appearance
        left_ids: set[str] = set()
        right_ids: set[str] = set()
        for position, piece in self.pieces(body, base, "="):
            arrow = piece.find("->")
            if arrow < 0:
                self.problem(position, f"a matching answer without '->': '{_restore(piece)}'")
                continue
            left = self.text(piece[:arrow], f"pairs.{len(pairs)}.left" if piece[:arrow].strip(_WS) else None)
            right_text = _restore(piece[arrow + 2 :])
            if not right_text:
                self.problem(position, "a matching answer without a right-hand side after '->'")
                continue
            if right_text not in rights:
                rights[right_text] = Option(id=stable_id("r", right_text, right_ids), text=right_text)
            if left:  # `= -> Chat` only adds a distractor
                left_option = Option(id=stable_id("l", left, left_ids), text=left)
                pairs.append(MatchPair(left=left_option, right_id=rights[right_text].id))
        if len(pairs) < 2:
            self.problem(base, "a matching question needs at least two pairs 'left -> right'")
            return None
        return Matching(**common, pairs=tuple(pairs), rights=tuple(rights.values()))


def _question_name(raw: str) -> str:
    """Moodle's clean_question_name (PARAM_TEXT): the name without HTML tags, trimmed. Empty: named by its text."""
    return _HTML_TAG.sub("", _restore(raw)).strip(_WS)


def _default_name(prompt: str) -> str:
    """Like Moodle, an unnamed question is called by the start of its text, without markup: shorten_text(text, 80).

    Moodle keeps the text whole up to 80 characters; otherwise it cuts within the first 77 just after the last
    space or full stop (or after any character of three or more UTF-8 bytes, as in CJK text) and adds "...".
    Unlike Moodle, runs of white space become one space, so a name is always one line.
    """
    plain = " ".join(re.sub(r"<[^>]*>", " ", prompt).split())
    if len(plain) <= _NAME_LENGTH:
        return plain or "Question"
    left = _NAME_LENGTH - len(_ELLIPSIS)
    cut = left
    while cut > 0:
        char = plain[cut]
        if char in ". " or len(char.encode("utf-8")) > 2:
            cut += 1
            break
        cut -= 1
    if cut == 0 or cut > left:
        cut = left
    return (plain[:cut] + _ELLIPSIS).strip(_WS)


def unique_name(base: str, names: set[str], slugs: set[str]) -> str:
    """`base`, or `base (2)`, `base (3)` … : the first whose name and slug are both free; claims both.

    Slugs are cut at 60 characters, so a long base is shortened (at a word, with "...") until the number shows.
    """
    name, number = base, 1
    while name in names or slugify(name) in slugs:
        number += 1
        head = base
        name = f"{head} ({number})"
        while head and not slugify(name).endswith(str(number)):  # cut off: the slug would lose the number
            head = head.rsplit(" ", 1)[0] if " " in head.strip() else head[:-1]
            name = f"{head.rstrip(_WS + '.')}{_ELLIPSIS} ({number})"
    names.add(name)
    slugs.add(slugify(name))
    return name


def _name_and_number(drafts: list[Question], taken: set[str]) -> list[Question]:
    """Names for unnamed questions, and ids: the name's slug, made unique within the file with -2, -3 …

    A made-up name differs in its slug too from every other name (in the file and in `taken`), so its id is the
    slug of its name whatever else the file holds: re-importing a question keeps its id.
    """
    names = {question.name for question in drafts if question.name} | taken
    slugs = {slugify(name) for name in names}
    ids: set[str] = set()
    questions = []
    for question in drafts:
        name = question.name
        if not name:
            name = unique_name(_default_name(question.prompt), names, slugs)
        slug = question_id = slugify(name)
        suffix = 2
        while question_id in ids:
            question_id, suffix = f"{slug}-{suffix}", suffix + 1
        ids.add(question_id)
        questions.append(replace(question, id=question_id, name=name))
    return questions


# ---------------------------------------------------------------------------------------------------------- writing


def write_gift(questions: Iterable[Question]) -> str:
    """GIFT text that `parse_gift` reads back as equal questions (ids follow from the names, as when parsing).

    Raises ValueError for a question GIFT cannot express without loss (see the module docstring).
    """
    parts: list[str] = []
    category: str | None = None
    for question in questions:
        if question.category != category:
            parts.append(f"{_CATEGORY} {_escape(question.category or '')}".rstrip())
            category = question.category
        parts.append(_write_question(question))
    return "\n\n".join(parts) + "\n" if parts else ""


def _escape(text: str) -> str:
    return text.translate(_ESCAPE)


def _text(text: str, text_format: TextFormat, default: TextFormat | None = None) -> str:
    """Escaped text with a `[format]` tag when it differs from the default, or when the text itself starts like one."""
    needs_tag = text_format != (default or text_format) or _FORMAT_TAG.match(text)
    return (f"[{text_format}]" if needs_tag else "") + _escape(text)


_ONE, _ZERO = Decimal(1), Decimal(0)


def _exactly(fraction: Decimal, whole: Decimal) -> bool:
    """The same digits, not just the same number: 1 and 1.00 are equal but written (and hashed) differently."""
    return fraction.as_tuple() == whole.as_tuple()


def _weight(fraction: Decimal, text: str) -> str:
    """`=` alone is 100% (exactly 1) for short and numeric answers, unless the text itself starts like a weight."""
    if _exactly(fraction, _ONE) and not _WEIGHT.match(text):
        return f"={text}"
    return f"=%{_percent(fraction)}%{text}"


def _percent(fraction: Decimal) -> str:
    # Not normalised: `%50.0%` reads back as the very same Decimal, so rewriting a file changes no stored key.
    return format(fraction.scaleb(2), "f")


class UnwritableQuestion(ValueError):
    """A question GIFT cannot express without loss; `reason` says what GIFT lacks."""

    def __init__(self, question: Question, reason: str) -> None:
        super().__init__(f"question '{question.name}' cannot be written as GIFT: {reason}")
        self.question = question
        self.reason = reason


def _write_question(q: Question) -> str:
    if not q.name.strip(_WS) or not q.prompt.strip(_WS):
        raise UnwritableQuestion(q, "it needs a name and a text")
    if q.points != 1:
        raise UnwritableQuestion(q, f"GIFT has no points, and it is worth {q.points}")
    if _question_name(q.name) != q.name.strip(_WS):
        raise UnwritableQuestion(q, "its name holds something like an HTML tag, which GIFT drops from a name")
    fmt = q.text_format
    tags = dict(q.answer_formats)

    def tagged(text: str, key: str) -> str:
        """`text` with the `[format]` tag it was imported with, when that differs from the question's."""
        return _text(text, tags.get(key, fmt), fmt if key in tags else None)

    head = f"::{_escape(q.name)}::{_text(q.prompt, fmt, TextFormat.MOODLE)}"
    general = f"####{tagged(q.general_feedback, 'general_feedback')}" if q.general_feedback else ""

    def feedback(text: str, key: str) -> str:
        return f"#{tagged(text, key + '.feedback')}" if text else ""

    lines: list[str]
    match q:
        case Essay():
            if q.rubric:
                raise UnwritableQuestion(q, "GIFT has no rubric")
            return f"{head}{{{general}}}"
        case TrueFalse():
            right_key, wrong_key = (
                ("feedback_true", "feedback_false") if q.answer else ("feedback_false", "feedback_true")
            )
            right, wrong = getattr(q, right_key), getattr(q, wrong_key)
            answer = "TRUE" if q.answer else "FALSE"
            if wrong or right:
                answer += f"#{tagged(wrong, wrong_key)}"
            return f"{head}{{{answer}{f'#{tagged(right, right_key)}' if right else ''}{general}}}"
        case SingleChoice() | MultipleChoice():
            lines = _choice_lines(q, feedback, tagged)
        case ShortAnswer():
            if q.case_sensitive:
                raise UnwritableQuestion(q, "GIFT has no case-sensitive short answers")
            if any("->" in a.text or "->" in a.feedback for a in q.answers):
                raise UnwritableQuestion(q, "'->' in a short answer would make it a matching question")
            lines = [
                f"{_weight(a.fraction, tagged(a.text, f'answers.{i}.text'))}{feedback(a.feedback, f'answers.{i}')}"
                for i, a in enumerate(q.answers)
            ]
        case Numeric():
            if q.unit is not None:
                raise UnwritableQuestion(q, "GIFT has no units")
            lines = _numeric_lines(q, feedback)
        case Matching():
            lines = _matching_lines(q, tagged)
        case Ordering():
            raise UnwritableQuestion(q, "GIFT has no ordering questions")
        case _:
            raise UnwritableQuestion(q, f"unknown question type {type(q).__name__}")
    if general:
        lines.append(general)
    opening = "{#" if isinstance(q, Numeric) else "{"
    return head + opening + "".join(f"\n\t{line}" for line in lines) + "\n}"


def _choice_lines(
    q: SingleChoice | MultipleChoice, feedback: Callable[[str, str], str], tagged: Callable[[str, str], str]
) -> list[str]:
    single = isinstance(q, SingleChoice)
    full = [i for i, c in enumerate(q.choices) if c.fraction == 1]
    if single and not full:
        raise UnwritableQuestion(
            q, "a single choice needs a choice with weight 100 to be told apart from a multiple choice"
        )
    # `=` reads back as exactly Decimal(1): give it to the choices that were exactly that, so a parsed file writes
    # back digit for digit (`~%100%` reads as 1.00, which hashes differently in the grading version).
    equals = [i for i in full if _exactly(q.choices[i].fraction, _ONE)] or full[:1]
    if len(equals) == len(q.choices):  # a single choice needs a `~` somewhere too, or it reads as a short answer
        equals = equals[:1]
    lines = []
    for i, c in enumerate(q.choices):
        if single and i in equals:
            mark = "="
        elif _exactly(c.fraction, _ZERO) and not c.text.startswith("%"):
            mark = "~"
        else:
            mark = f"~%{_percent(c.fraction)}%"
        lines.append(f"{mark}{tagged(c.text, f'choices.{i}.text')}{feedback(c.feedback, f'choices.{i}')}")
    return lines


def _numeric_lines(q: Numeric, feedback: Callable[[str, str], str]) -> list[str]:
    lines = []
    for i, a in enumerate(q.answers):
        weight = _weight(a.fraction, "")
        said = feedback(a.feedback, f"answers.{i}")
        if a.is_catch_all:
            # Moodle's own `~#feedback` form holds only a last, 0% catch-all after a real answer.
            last_wrong = i == len(q.answers) - 1 and i > 0 and _exactly(a.fraction, _ZERO)
            lines.append(f"~{said or '#'}" if last_wrong else f"{weight}*{said}")
        elif a.low is not None and a.high is not None and a.value is None and a.tolerance == 0:
            lines.append(f"{weight}{a.low}..{a.high}{said}")
        elif a.value is not None and a.low is None and a.high is None:
            lines.append(f"{weight}{a.value}:{a.tolerance}{said}")
        else:
            raise UnwritableQuestion(q, "a numeric answer needs either a value and tolerance, or low and high")
    return lines


def _matching_lines(q: Matching, tagged: Callable[[str, str], str]) -> list[str]:
    """Pairs in order; a right-hand option the parser must meet earlier (a distractor, say) goes in as `= -> text`."""
    rights = {option.id: option for option in q.rights}
    if any(pair.right_id not in rights for pair in q.pairs):
        raise UnwritableQuestion(q, "a pair points at a right-hand option that is not in 'rights'")
    pending = [option.id for option in q.rights]  # in the order the parser has to meet them
    lines = []
    for i, pair in enumerate(q.pairs):
        if "->" in pair.left.text or not pair.left.text.strip(_WS):
            raise UnwritableQuestion(q, f"the left side '{pair.left.text}' is empty or contains '->'")
        if pair.right_id in pending:
            while (right_id := pending.pop(0)) != pair.right_id:
                lines.append(f"= -> {_escape(rights[right_id].text)}")
        lines.append(f"={tagged(pair.left.text, f'pairs.{i}.left')} -> {_escape(rights[pair.right_id].text)}")
    lines += [f"= -> {_escape(rights[right_id].text)}" for right_id in pending]
    return lines
