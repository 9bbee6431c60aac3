"""Every GIFT construct of issue 3 §1, one row each: the text, and the whole question the parser must make of it.

Each row is also written back and parsed again, so the writer covers the same constructs.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from coursesite.course.gift import GiftError, parse_gift, parse_gift_located, unique_name, write_gift
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
    Question,
    ShortAnswer,
    SingleChoice,
    TextFormat,
    TrueFalse,
    slugify,
    stable_id,
)

D = Decimal
MOODLE, HTML, PLAIN, MARKDOWN = TextFormat.MOODLE, TextFormat.HTML, TextFormat.PLAIN, TextFormat.MARKDOWN


def choices(*rows: tuple) -> tuple[Choice, ...]:
    """(text, percent[, feedback]) rows, with the ids the parser gives: they follow the text."""
    taken: set[str] = set()
    return tuple(
        Choice(id=stable_id("c", text, taken), text=text, fraction=D(percent).scaleb(-2), feedback=(rest or ("",))[0])
        for text, percent, *rest in rows
    )


def matching(name: str, prompt: str, pairs: list[tuple[str, str]], extra: list[str] = ()) -> Matching:
    rights: dict[str, Option] = {}
    right_ids: set[str] = set()
    left_ids: set[str] = set()
    for text in [right for _, right in pairs] + list(extra):
        rights.setdefault(text, Option(id=stable_id("r", text, right_ids), text=text))
    return Matching(
        id=slugify(name),
        name=name,
        prompt=prompt,
        text_format=MOODLE,
        pairs=tuple(
            MatchPair(left=Option(id=stable_id("l", left, left_ids), text=left), right_id=rights[right].id)
            for left, right in pairs
        ),
        rights=tuple(rights.values()),
    )


def q(kind: type[Question], name: str, prompt: str, fmt: TextFormat = MOODLE, **fields) -> Question:
    return kind(id=slugify(name), name=name, prompt=prompt, text_format=fmt, **fields)


CASES = [
    # -- names and comments
    ("name", "::Lön::Vad är din lön?{T}", q(TrueFalse, "Lön", "Vad är din lön?", answer=True)),
    (
        "unnamed: named by its text",
        "Vad är din lön?{T}",
        q(TrueFalse, "Vad är din lön?", "Vad är din lön?", answer=True),
    ),
    ("// comment lines", "// a comment\n::c::\n// inside too\nText{F}", q(TrueFalse, "c", "Text", answer=False)),
    # -- text formats
    ("[markdown]", "::f::[markdown]**Fet**{T}", q(TrueFalse, "f", "**Fet**", MARKDOWN, answer=True)),
    ("[html]", "::f::[html]<b>Fet</b>{T}", q(TrueFalse, "f", "<b>Fet</b>", HTML, answer=True)),
    ("[plain]", "::f::[plain]Rak text{T}", q(TrueFalse, "f", "Rak text", PLAIN, answer=True)),
    ("[moodle]", "::f::[moodle]Auto{T}", q(TrueFalse, "f", "Auto", MOODLE, answer=True)),
    # -- feedback and weights
    (
        "per-answer and general feedback",
        "::s::Färg?{=gul#Rätt! ~röd#Nej. ####Gul ligger mellan.}",
        q(
            SingleChoice,
            "s",
            "Färg?",
            choices=choices(("gul", 100, "Rätt!"), ("röd", 0, "Nej.")),
            general_feedback="Gul ligger mellan.",
        ),
    ),
    (
        "weights, also negative: multiple choice",
        "::m::Välj två{~%50%a ~%50%b ~%-100%c}",
        q(MultipleChoice, "m", "Välj två", choices=choices(("a", 50), ("b", 50), ("c", -100))),
    ),
    (
        "partial weight in a single choice",
        "::s::Var?{=Nazareth ~%25%Betlehem ~Rom}",
        q(SingleChoice, "s", "Var?", choices=choices(("Nazareth", 100), ("Betlehem", 25), ("Rom", 0))),
    ),
    # -- true/false
    ("T", "::t::Sant?{T}", q(TrueFalse, "t", "Sant?", answer=True)),
    (
        "TRUE with feedback: wrong first, right second",
        "::t::Sant?{TRUE#Fel svar.#Rätt svar.}",
        q(TrueFalse, "t", "Sant?", answer=True, feedback_false="Fel svar.", feedback_true="Rätt svar."),
    ),
    ("F", "::t::Falskt?{F}", q(TrueFalse, "t", "Falskt?", answer=False)),
    (
        "FALSE with feedback",
        "::t::Falskt?{FALSE#Det var fel.}",
        q(TrueFalse, "t", "Falskt?", answer=False, feedback_true="Det var fel."),
    ),
    # -- short answer
    (
        "short answer =a =b",
        "::k::Två plus två?{=fyra =4}",
        q(
            ShortAnswer,
            "k",
            "Två plus två?",
            answers=(AcceptedAnswer(text="fyra", fraction=D(1)), AcceptedAnswer(text="4", fraction=D(1))),
        ),
    ),
    (
        "short answer with * and weights",
        "::k::Djur?{=Groda#Bra! =%50%Katt =%0%*#Nej}",
        q(
            ShortAnswer,
            "k",
            "Djur?",
            answers=(
                AcceptedAnswer(text="Groda", fraction=D(1), feedback="Bra!"),
                AcceptedAnswer(text="Katt", fraction=D("0.5")),
                AcceptedAnswer(text="*", fraction=D(0), feedback="Nej"),
            ),
        ),
    ),
    # -- numeric
    (
        "numeric x:tol",
        "::n::År?{#1822:1}",
        q(Numeric, "n", "År?", answers=(NumericAnswer(fraction=D(1), value=D(1822), tolerance=D(1)),)),
    ),
    (
        "numeric range a..b",
        "::n::Pi?{#3.141..3.142}",
        q(Numeric, "n", "Pi?", answers=(NumericAnswer(fraction=D(1), low=D("3.141"), high=D("3.142")),)),
    ),
    (
        "numeric graded bands",
        "::n::År?{#=1822:0 =%50%1822:2}",
        q(
            Numeric,
            "n",
            "År?",
            answers=(
                NumericAnswer(fraction=D(1), value=D(1822), tolerance=D(0)),
                NumericAnswer(fraction=D("0.5"), value=D(1822), tolerance=D(2)),
            ),
        ),
    ),
    (
        "numeric catch-all ~#",
        "::n::Tal?{#3:2~#Helt fel}",
        q(
            Numeric,
            "n",
            "Tal?",
            answers=(
                NumericAnswer(fraction=D(1), value=D(3), tolerance=D(2)),
                NumericAnswer(fraction=D(0), feedback="Helt fel"),
            ),
        ),
    ),
    # -- matching
    (
        "matching ->",
        "::p::Para ihop{=Sverige -> Stockholm =Norge -> Oslo}",
        matching("p", "Para ihop", [("Sverige", "Stockholm"), ("Norge", "Oslo")]),
    ),
    (
        "matching with an unmatched extra answer",
        "::p::Para{=a -> Forum =b -> Wiki = -> Chat}",
        matching("p", "Para", [("a", "Forum"), ("b", "Wiki")], ["Chat"]),
    ),
    # -- essay, fill in the blank
    ("essay {}", "::e::Förklara ränta på ränta.{}", q(Essay, "e", "Förklara ränta på ränta.")),
    (
        "essay with general feedback",
        "::e::Förklara.{####Se lektionen.}",
        q(Essay, "e", "Förklara.", general_feedback="Se lektionen."),
    ),
    (
        "answer block in the middle",
        "::b::Grant är {=begravd ~levande} i graven.",
        q(SingleChoice, "b", "Grant är _____ i graven.", choices=choices(("begravd", 100), ("levande", 0))),
    ),
    # -- escapes
    (r"escape \~", r"::e::a \~ b{T}", q(TrueFalse, "e", "a ~ b", answer=True)),
    (r"escape \=", r"::e::a \= b{T}", q(TrueFalse, "e", "a = b", answer=True)),
    (r"escape \#", r"::e::a \# b{T}", q(TrueFalse, "e", "a # b", answer=True)),
    (r"escape \{ \}", r"::e::a \{b\} c{T}", q(TrueFalse, "e", "a {b} c", answer=True)),
    (r"escape \\", r"::e::a \\ b{T}", q(TrueFalse, "e", "a \\ b", answer=True)),
    (r"escape \:", r"::e\:f::a \: b{T}", q(TrueFalse, "e:f", "a : b", answer=True)),
    (
        "escapes in answers and feedback",
        r"::e::Tecken?{=\~#är \= styrtecken ~\{}",
        q(SingleChoice, "e", "Tecken?", choices=choices(("~", 100, "är = styrtecken"), ("{", 0))),
    ),
    # -- category
    (
        "$CATEGORY:",
        "$CATEGORY: $course$/top/Budget\n\n::c::Kategori?{T}",
        q(TrueFalse, "c", "Kategori?", answer=True, category="$course$/top/Budget"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_construct_parses_and_round_trips(text: str, expected: Question) -> None:
    assert parse_gift(text) == [expected]
    assert parse_gift(write_gift([expected])) == [expected]


ERRORS = [
    ("::a::Text{=x", 1, "unclosed answer block '{'"),
    ("\n\n::a::Text{=x ~%101%y}", 3, "weight 101% is outside -100..100"),
    ("::a::Text\n{#\n=1..x\n}", 3, "numeric answer: high 'x' is not a number"),
    ("::a::Par\n{\n=a -> b\n=c\n=d -> e\n}", 4, "a matching answer without '->': 'c'"),
    ("::a Text{T}", 1, "unclosed question name"),
    ("::a::Bara text", 1, "no answer block"),
    ("::a::A {T} och {F}", 1, "a second answer block"),
    ("// kommentar\n::a::{T}", 2, "the question text is empty"),
    ("::a::Välj{~ensam}", 1, "a choice question needs at least two choices"),
    ("::a::Text } här", 1, "'}' without an opening '{'"),
    ("$CATEGORY: x\n::a::{T}", 2, "'$CATEGORY:' must be followed by a blank line"),
]


@pytest.mark.parametrize(("text", "line", "message"), ERRORS, ids=[e[2] for e in ERRORS])
def test_each_error_names_its_line_and_what_is_wrong(text: str, line: int, message: str) -> None:
    with pytest.raises(GiftError) as caught:
        parse_gift(text + "\n\n::ok::Fin fråga{T}\n")  # a good question after it does not hide the error
    [problem] = caught.value.problems
    assert (problem.line, message in problem.message) == (line, True), problem


def test_questions_come_with_their_first_line() -> None:
    located = parse_gift_located("// rubrik\n\n::a::A{T}\n\n\n::b::\nB\n{F}\n")
    assert [(line, question.name) for line, question in located] == [(3, "a"), (6, "b")]


def test_unnamed_questions_avoid_the_names_a_lesson_already_has() -> None:
    questions = parse_gift("Budget?{T}\n\nbudget!{F}\n\n::ränta::Ränta?{T}\n", taken_names={"Budget?", "Ränta"})
    # "Budget?" is taken; "budget!" has a free name but the slug of a taken one: both take a number.
    assert [(question.name, question.id) for question in questions] == [
        ("Budget? (2)", "budget-2"),
        ("budget! (3)", "budget-3"),
        ("ränta", "ranta"),  # an explicit name is kept; the importer reports a clash with the lesson file
    ]


def test_unique_name_keeps_the_number_inside_the_60_character_slug() -> None:
    long = "Ett mycket långt frågenamn som fortsätter och fortsätter bortom sextio tecken"
    names, slugs = {long}, {slugify(long)}
    second = unique_name(long, names, slugs)
    assert second == "Ett mycket långt frågenamn som fortsätter och fortsätter... (2)"
    assert slugify(second).endswith("-2") and len(slugify(second)) <= 60
    assert second in names and slugify(second) in slugs
