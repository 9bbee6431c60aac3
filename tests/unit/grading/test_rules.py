"""Grading rules per question type, as tables. Examples marked GIFT are from Moodle's GIFT documentation."""

from __future__ import annotations

from decimal import Decimal as D
from typing import TypedDict

import pytest

from coursesite.course.model import (
    AcceptedAnswer,
    Choice,
    Essay,
    Matching,
    MatchPair,
    MultipleChoice,
    Numeric,
    NumericAnswer,
    NumericUnit,
    Option,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from coursesite.grading.rules import (
    ESSAY_MAX_CHARS,
    SHORT_MAX_CHARS,
    GradeResult,
    InvalidResponse,
    canonical_number,
    grade,
    parse_number,
)


class Common(TypedDict):
    id: str
    name: str
    prompt: str


COMMON: Common = {"id": "l.q", "name": "q", "prompt": "?"}


def choice(id_: str, fraction: str, feedback: str = "") -> Choice:
    return Choice(id=id_, text=id_, fraction=D(fraction), feedback=feedback)


# GIFT: Jesus Christ was from {~Jerusalem ~%25%Bethlehem ~%50%Galilee =Nazareth}.
HOMETOWN = SingleChoice(
    **COMMON,
    points=D(2),
    choices=(
        choice("jerusalem", "0", "Viktig stad, men fel svar."),
        choice("bethlehem", "0.25", "Född här, men inte uppvuxen."),
        choice("galilee", "0.5", "Var mer specifik."),
        choice("nazareth", "1", "Ja! Rätt."),
    ),
)

# GIFT: What two people are entombed in Grant's tomb? {~%-50%No one ~%50%Grant ~%50%Grant's wife ~%-50%Grant's father}
TOMB = MultipleChoice(
    **COMMON,
    choices=(
        choice("noone", "-0.5", "Nej."),
        choice("grant", "0.5", "Ja, Grant."),
        choice("wife", "0.5", "Ja, hans fru."),
        choice("father", "-0.5"),
    ),
)


ALL_FEEDBACK = ("Nej.", "Ja, Grant.", "Ja, hans fru.")  # "Grant's father" has none


def assert_graded(result: GradeResult, score: str, fraction: str) -> None:
    assert result.status == "graded"
    assert result.score == D(score)
    assert result.fraction == D(fraction)
    assert result.correct is (D(fraction) == 1)


# --- single choice ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "score", "fraction", "feedback"),
    [
        ("jerusalem", "0", "0", "Viktig stad, men fel svar."),
        ("bethlehem", "0.5", "0.25", "Född här, men inte uppvuxen."),
        ("galilee", "1", "0.5", "Var mer specifik."),
        ("nazareth", "2", "1", "Ja! Rätt."),
    ],
)
def test_single_choice_gives_the_choice_fraction(response: str, score: str, fraction: str, feedback: str) -> None:
    result = grade(HOMETOWN, response)
    assert_graded(result, score, fraction)
    assert result.max_score == D(2)
    assert result.normalized == response
    assert result.feedback == (feedback,)


def test_single_choice_negative_weight_scores_zero() -> None:
    question = SingleChoice(**COMMON, choices=(choice("a", "1"), choice("b", "-0.5", "Fel.")))
    assert_graded(grade(question, "b"), "0", "0")


def test_single_choice_empty_feedback_is_left_out() -> None:
    question = SingleChoice(**COMMON, choices=(choice("a", "1"), choice("b", "0")))
    assert grade(question, "a").feedback == ()


@pytest.mark.parametrize("response", [None, "", "rome", ["nazareth"], 1, True, {"id": "nazareth"}])
def test_single_choice_rejects(response: object) -> None:
    with pytest.raises(InvalidResponse):
        grade(HOMETOWN, response)


# --- multiple choice ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "fraction", "normalized", "feedback"),
    [
        (["grant", "wife"], "1", ["grant", "wife"], ("Ja, Grant.", "Ja, hans fru.")),
        (["wife", "grant"], "1", ["grant", "wife"], ("Ja, Grant.", "Ja, hans fru.")),  # feedback in content order
        (["grant"], "0.5", ["grant"], ("Ja, Grant.",)),
        (["grant", "father"], "0", ["father", "grant"], ("Ja, Grant.",)),
        (["noone"], "0", ["noone"], ("Nej.",)),  # -0.5 clamped to 0
        (["noone", "grant", "wife", "father"], "0", ["father", "grant", "noone", "wife"], ALL_FEEDBACK),
        (["noone", "grant", "wife"], "0.5", ["grant", "noone", "wife"], ALL_FEEDBACK),
        ([], "0", [], ()),
    ],
)
def test_multiple_choice_sums_and_clamps(
    response: list[str], fraction: str, normalized: list[str], feedback: tuple[str, ...]
) -> None:
    result = grade(TOMB, response)
    assert_graded(result, fraction, fraction)
    assert result.normalized == normalized
    assert result.feedback == feedback


def test_multiple_choice_sum_above_one_is_clamped() -> None:
    question = MultipleChoice(**COMMON, points=D(3), choices=(choice("a", "0.7"), choice("b", "0.7")))
    assert_graded(grade(question, ["a", "b"]), "3", "1")


def test_multiple_choice_thirds_round_half_up() -> None:
    question = MultipleChoice(
        **COMMON, choices=(choice("a", "0.33333"), choice("b", "0.33333"), choice("c", "0.33333"), choice("d", "-1"))
    )
    result = grade(question, ["a", "b"])
    assert result.score == D("0.667")
    assert result.fraction == D("0.6666600")


@pytest.mark.parametrize(
    "response", ["grant", None, ["grant", "grant"], ["grant", 1], ["rome"], [["grant"]], {"grant": True}]
)
def test_multiple_choice_rejects(response: object) -> None:
    with pytest.raises(InvalidResponse):
        grade(TOMB, response)


# --- true / false -------------------------------------------------------------------------------------------------

# GIFT: Grant is buried in Grant's tomb.{F}
BURIED = TrueFalse(**COMMON, answer=False, feedback_true="Nej, han ligger i en sarkofag.", feedback_false="Rätt.")


@pytest.mark.parametrize(
    ("response", "fraction", "feedback"),
    [(False, "1", "Rätt."), (True, "0", "Nej, han ligger i en sarkofag.")],
)
def test_true_false(response: bool, fraction: str, feedback: str) -> None:
    result = grade(BURIED, response)
    assert_graded(result, fraction, fraction)
    assert result.normalized is response
    assert result.feedback == (feedback,)


@pytest.mark.parametrize("response", ["true", "false", 0, 1, None, [True], "Sant"])
def test_true_false_rejects(response: object) -> None:
    with pytest.raises(InvalidResponse, match="Sant eller Falskt"):
        grade(BURIED, response)


# --- short answer -------------------------------------------------------------------------------------------------


def short(*answers: tuple[str, str] | tuple[str, str, str], case_sensitive: bool = False) -> ShortAnswer:
    return ShortAnswer(
        **COMMON,
        case_sensitive=case_sensitive,
        answers=tuple(
            AcceptedAnswer(text=a[0], fraction=D(a[1]), feedback=a[2] if len(a) > 2 else "") for a in answers
        ),
    )


# GIFT: Who's buried in Grant's tomb?{=Grant =Ulysses S. Grant =Ulysses Grant}
GRANT = short(("Grant", "1"), ("Ulysses S. Grant", "1"), ("Ulysses Grant", "1"))
SPARA = short(("sparande", "1", "Rätt."), ("spar*", "0.5", "Nästan."), ("*", "0", "Tänk på bufferten."))
HÅR = short(("hår", "1"))
KONTO = short(("Sparkonto", "1"), case_sensitive=True)


@pytest.mark.parametrize(
    ("question", "response", "fraction", "normalized", "feedback"),
    [
        (GRANT, "Grant", "1", "Grant", ()),
        (GRANT, "grant", "1", "grant", ()),
        (GRANT, "  ulysses   s.  GRANT ", "1", "ulysses s. GRANT", ()),
        (GRANT, "Ulysses\u00a0S.\tGrant", "1", "Ulysses S. Grant", ()),
        (GRANT, "Ulysses\nGrant", "1", "Ulysses Grant", ()),
        (GRANT, "Grant.", "1", "Grant.", ()),  # trailing punctuation ignored
        (GRANT, "Grant!?", "1", "Grant!?", ()),
        (GRANT, "Grant .", "1", "Grant .", ()),
        (GRANT, "Ulysses S Grant", "0", "Ulysses S Grant", ()),  # inner punctuation counts
        (GRANT, ".Grant", "0", ".Grant", ()),  # leading punctuation counts
        (GRANT, "Grants", "0", "Grants", ()),
        (SPARA, "Sparande", "1", "Sparande", ("Rätt.",)),  # first match in content order wins
        (SPARA, "sparkonto", "0.5", "sparkonto", ("Nästan.",)),
        (SPARA, "spar", "0.5", "spar", ("Nästan.",)),  # * matches the empty run
        (SPARA, "buffert", "0", "buffert", ("Tänk på bufferten.",)),  # lone * catches everything
        (HÅR, "hår", "1", "hår", ()),
        (HÅR, "HÅR", "1", "HÅR", ()),
        (HÅR, "ha\u030ar", "1", "hår", ()),  # decomposed å (NFC)
        (HÅR, "har", "0", "har", ()),  # å is never folded to a
        (HÅR, "hær", "0", "hær", ()),
        (short(("för", "1")), "for", "0", "for", ()),
        (short(("ÖL", "1")), "öl", "1", "öl", ()),
        (short(("Straße", "1")), "STRASSE", "1", "STRASSE", ()),  # casefold, not lower
        (KONTO, "Sparkonto", "1", "Sparkonto", ()),
        (KONTO, "sparkonto", "0", "sparkonto", ()),
        (KONTO, " Sparkonto. ", "1", "Sparkonto.", ()),
        (short(("*konto", "1")), "Sparkonto", "1", "Sparkonto", ()),
        (short(("*konto", "1")), "kontot", "0", "kontot", ()),
        (short(("a*b*c", "1")), "abc", "1", "abc", ()),
        (short(("a*b*c", "1")), "aXbYc", "1", "aXbYc", ()),
        (short(("a*b*c", "1")), "acb", "0", "acb", ()),
        (short(("ab*ba", "1")), "aba", "0", "aba", ()),  # prefix and suffix may not overlap
        (short(("5\\*3", "1")), "5*3", "1", "5*3", ()),  # \* is a literal asterisk
        (short(("5\\*3", "1")), "573", "0", "573", ()),
        (short(("  Två   ord. ", "1")), "två ord", "1", "två ord", ()),  # accepted answers normalised too
        (short(("x", "-0.5")), "x", "0", "x", ()),
    ],
)
def test_short_answer(
    question: ShortAnswer, response: str, fraction: str, normalized: str, feedback: tuple[str, ...]
) -> None:
    result = grade(question, response)
    assert_graded(result, fraction, fraction)
    assert result.normalized == normalized
    assert result.feedback == feedback


def test_short_answer_wildcards_do_not_backtrack() -> None:
    question = short(("*a*a*a*a*a*a*a*a*b", "1"))
    assert grade(question, "a" * SHORT_MAX_CHARS).fraction == 0


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ("", "Skriv ett svar"),
        ("   \n ", "Skriv ett svar"),
        ("...", "Skriv ett svar"),
        (None, "måste vara text"),
        (42, "måste vara text"),
        (["Grant"], "måste vara text"),
        ("Gr\x00ant", "otillåtna tecken"),
        ("Grant\ud800", "otillåtna tecken"),
        ("x" * (SHORT_MAX_CHARS + 1), "högst 500 tecken"),
    ],
)
def test_short_answer_rejects(response: object, message: str) -> None:
    with pytest.raises(InvalidResponse, match=message):
        grade(GRANT, response)


def test_short_answer_at_length_limit_is_accepted() -> None:
    assert grade(GRANT, "x" * SHORT_MAX_CHARS).fraction == 0


# --- numeric: parsing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("1234,5", None, "1234.5"),
        ("1234.5", None, "1234.5"),
        ("1 234,5", None, "1234.5"),
        ("1\u00a0234,5", None, "1234.5"),
        ("1\u202f234,5", None, "1234.5"),
        ("1\u2009234,5", None, "1234.5"),
        ("1 234 567", None, "1234567"),
        ("1234567", None, "1234567"),
        ("  42  ", None, "42"),
        ("-3,5", None, "-3.5"),
        ("\u22123,5", None, "-3.5"),  # unicode minus
        ("\u20133,5", None, "-3.5"),  # en dash
        ("- 3,5", None, "-3.5"),
        ("+7", None, "7"),
        ("-0", None, "0"),
        (",5", None, "0.5"),
        ("0,50", None, "0.5"),
        ("007", None, "7"),
        ("1,234", None, "1.234"),  # a lone separator is a decimal separator
        ("1.234", None, "1.234"),
        ("1 234,50 kr", NumericUnit.KRONOR, "1234.5"),
        ("1 234,50kr", NumericUnit.KRONOR, "1234.5"),
        ("1 234,50 KR", NumericUnit.KRONOR, "1234.5"),
        ("2 500 kr.", NumericUnit.KRONOR, "2500"),
        ("2500 kronor", NumericUnit.KRONOR, "2500"),
        ("2500 SEK", NumericUnit.KRONOR, "2500"),
        ("2500:-", NumericUnit.KRONOR, "2500"),
        ("2 500 :-", NumericUnit.KRONOR, "2500"),
        ("2500", NumericUnit.KRONOR, "2500"),  # the unit may be left out
        ("12 %", NumericUnit.PERCENT, "12"),
        ("12%", NumericUnit.PERCENT, "12"),
        ("12,5 procent", NumericUnit.PERCENT, "12.5"),
        ("12\u00a0%", NumericUnit.PERCENT, "12"),
        ("12", NumericUnit.PERCENT, "12"),
        ("\u22120,5 %", NumericUnit.PERCENT, "-0.5"),
        ("9" * 20, None, "9" * 20),
    ],
)
def test_parse_number_accepts(text: str, unit: NumericUnit | None, value: str) -> None:
    parsed = parse_number(text, unit)
    assert parsed == D(value)
    assert canonical_number(parsed) == value


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        ("", None, "Skriv ett svar"),
        ("   ", None, "Skriv ett svar"),
        ("1.234,5", None, "bara ett decimaltecken"),
        ("1,234.5", None, "bara ett decimaltecken"),
        ("1.234.567", None, "bara ett decimaltecken"),
        ("1,2,3", None, "bara ett decimaltecken"),
        ("12 34", None, "Mellanslag får bara skilja tusental"),
        ("1234 567", None, "Mellanslag får bara skilja tusental"),
        ("3,141 59", None, "Mellanslag får bara skilja tusental"),
        ("1e3", None, "utan exponent"),
        ("1,5E6", None, "utan exponent"),
        ("1.5e-3", None, "utan exponent"),
        ("NaN", None, "måste vara ett tal"),
        ("Infinity", None, "måste vara ett tal"),
        ("inf", None, "måste vara ett tal"),
        ("abc", None, "måste vara ett tal"),
        ("-", None, "måste vara ett tal"),
        (",", None, "måste vara ett tal"),
        ("5,", None, "måste vara ett tal"),
        ("1/2", None, "måste vara ett tal"),
        ("1'234", None, "måste vara ett tal"),
        ("--5", None, "måste vara ett tal"),
        ("0x10", None, "måste vara ett tal"),
        ("\u0661\u0662", None, "måste vara ett tal"),  # Arabic-Indic digits
        ("5 st", None, "måste vara ett tal"),
        ("kr", NumericUnit.KRONOR, "måste vara ett tal"),
        ("100 kr:-", NumericUnit.KRONOR, "måste vara ett tal"),
        ("kr 100", NumericUnit.KRONOR, "måste vara ett tal"),
        ("12 %", NumericUnit.KRONOR, r"anges i kronor \(kr\), inte i procent \(%\)"),
        ("12 procent", NumericUnit.KRONOR, r"anges i kronor \(kr\)"),
        ("100 kr", NumericUnit.PERCENT, r"anges i procent \(%\), inte i kronor \(kr\)"),
        ("100:-", NumericUnit.PERCENT, r"anges i procent \(%\)"),
        ("100 kr", None, "utan enhet"),
        ("12%", None, "utan enhet"),
        ("9" * 21, None, "för många siffror"),
    ],
)
def test_parse_number_rejects(text: str, unit: NumericUnit | None, message: str) -> None:
    with pytest.raises(InvalidResponse, match=message):
        parse_number(text, unit)


# --- numeric: grading ---------------------------------------------------------------------------------------------


def numeric(*answers: NumericAnswer, unit: NumericUnit | None = None, points: str = "1") -> Numeric:
    return Numeric(**COMMON, answers=answers, unit=unit, points=D(points))


# GIFT: What is the value of pi (to 3 decimal places)? {#3.1415:0.0005}
PI = numeric(NumericAnswer(fraction=D(1), value=D("3.1415"), tolerance=D("0.0005")))
# GIFT: When was Ulysses S. Grant born? {#=1822:0 =%50%1822:2}
BORN = numeric(
    NumericAnswer(fraction=D(1), value=D(1822), feedback="Exakt."),
    NumericAnswer(fraction=D("0.5"), value=D(1822), tolerance=D(2), feedback="Nära."),
)
# The same bands listed the other way round: the highest applicable band still wins.
BORN_REVERSED = numeric(*reversed(BORN.answers))
# GIFT: What is a number from 1 to 5? {#1..5}
RANGE = numeric(NumericAnswer(fraction=D(1), low=D(1), high=D(5)))
SURPLUS = numeric(
    NumericAnswer(fraction=D(1), value=D(2500), feedback="Rätt!"),
    NumericAnswer(fraction=D("0.5"), value=D(2500), tolerance=D(100), feedback="Nära."),
    NumericAnswer(fraction=D(0), feedback="Räkna lön minus utgifter."),  # catch-all
    unit=NumericUnit.KRONOR,
    points="2",
)


@pytest.mark.parametrize(
    ("question", "response", "score", "fraction", "normalized", "feedback"),
    [
        (PI, "3.1415", "1", "1", "3.1415", ()),
        (PI, "3,141", "1", "1", "3.141", ()),  # lower bound inclusive
        (PI, "3.142", "1", "1", "3.142", ()),  # upper bound inclusive
        (PI, "3.14099", "0", "0", "3.14099", ()),
        (PI, "3.14201", "0", "0", "3.14201", ()),
        (BORN, "1822", "1", "1", "1822", ("Exakt.",)),
        (BORN, "1820", "0.5", "0.5", "1820", ("Nära.",)),
        (BORN, "1824", "0.5", "0.5", "1824", ("Nära.",)),
        (BORN, "1824,001", "0", "0", "1824.001", ()),
        (BORN_REVERSED, "1822", "1", "1", "1822", ("Exakt.",)),
        (BORN_REVERSED, "1821", "0.5", "0.5", "1821", ("Nära.",)),
        (RANGE, "1", "1", "1", "1", ()),
        (RANGE, "5", "1", "1", "5", ()),
        (RANGE, "3,7", "1", "1", "3.7", ()),
        (RANGE, "0,999", "0", "0", "0.999", ()),
        (RANGE, "5.0001", "0", "0", "5.0001", ()),
        (SURPLUS, "2 500 kr", "2", "1", "2500", ("Rätt!",)),
        (SURPLUS, "2500,00", "2", "1", "2500", ("Rätt!",)),
        (SURPLUS, "2 600:-", "1", "0.5", "2600", ("Nära.",)),
        (SURPLUS, "2400", "1", "0.5", "2400", ("Nära.",)),
        (SURPLUS, "2 601", "0", "0", "2601", ("Räkna lön minus utgifter.",)),
        (SURPLUS, "\u22122500", "0", "0", "-2500", ("Räkna lön minus utgifter.",)),
    ],
)
def test_numeric(
    question: Numeric, response: str, score: str, fraction: str, normalized: str, feedback: tuple[str, ...]
) -> None:
    result = grade(question, response)
    assert_graded(result, score, fraction)
    assert result.normalized == normalized
    assert result.feedback == feedback


def test_numeric_catch_all_with_fraction() -> None:
    question = numeric(
        NumericAnswer(fraction=D(1), value=D(10)), NumericAnswer(fraction=D("0.1"), feedback="Du försökte.")
    )
    result = grade(question, "11")
    assert_graded(result, "0.1", "0.1")
    assert result.feedback == ("Du försökte.",)


def test_numeric_negative_range() -> None:
    question = numeric(NumericAnswer(fraction=D(1), low=D(-10), high=D("-2.5")))
    assert grade(question, "−2,5").fraction == 1
    assert grade(question, "-2,4").fraction == 0


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (2500, "måste vara text"),  # a JSON number is not accepted: the client sends what was typed
        (2500.0, "måste vara text"),
        (None, "måste vara text"),
        ("12 %", "anges i kronor"),
        ("2,5e3", "utan exponent"),
        ("2.500,00", "bara ett decimaltecken"),
        ("1" * (SHORT_MAX_CHARS + 1), "högst 500 tecken"),
        ("25\x0000", "otillåtna tecken"),
    ],
)
def test_numeric_rejects(response: object, message: str) -> None:
    with pytest.raises(InvalidResponse, match=message):
        grade(SURPLUS, response)


# --- matching -----------------------------------------------------------------------------------------------------


def option(id_: str) -> Option:
    return Option(id=id_, text=id_.title())


# GIFT: Match the countries with their capitals. {=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo =India -> New Delhi}
# plus a distractor, Oslo.
CAPITALS = Matching(
    **COMMON,
    points=D(3),
    pairs=tuple(
        MatchPair(left=option(left), right_id=right)
        for left, right in [("canada", "ottawa"), ("italy", "rome"), ("japan", "tokyo"), ("india", "delhi")]
    ),
    rights=tuple(option(r) for r in ["ottawa", "rome", "tokyo", "delhi", "oslo"]),
)
ALL_RIGHT = {"canada": "ottawa", "italy": "rome", "japan": "tokyo", "india": "delhi"}


@pytest.mark.parametrize(
    ("response", "score", "fraction"),
    [
        (ALL_RIGHT, "3", "1"),
        ({**ALL_RIGHT, "india": "oslo"}, "2.25", "0.75"),
        ({**ALL_RIGHT, "canada": "rome", "italy": "ottawa"}, "1.5", "0.5"),
        ({"canada": "oslo", "italy": "oslo", "japan": "oslo", "india": "oslo"}, "0", "0"),  # a right may repeat
        ({"canada": "rome", "italy": "tokyo", "japan": "delhi", "india": "ottawa"}, "0", "0"),
    ],
)
def test_matching_counts_correct_pairs(response: dict[str, str], score: str, fraction: str) -> None:
    result = grade(CAPITALS, response)
    assert_graded(result, score, fraction)
    assert result.normalized == dict(sorted(response.items()))
    assert list(result.normalized) == sorted(response)
    assert result.feedback == ()


def test_matching_thirds() -> None:
    question = Matching(
        **COMMON,
        pairs=tuple(MatchPair(left=option(x), right_id=x.upper()) for x in "abc"),
        rights=tuple(Option(id=x.upper(), text=x) for x in "abc"),
    )
    result = grade(question, {"a": "A", "b": "B", "c": "A"})
    assert result.score == D("0.667")
    assert result.fraction == D("0.6666667")
    assert result.correct is False


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ({}, "Para ihop alla"),
        ({"canada": "ottawa", "italy": "rome", "japan": "tokyo"}, "Para ihop alla"),
        ({**ALL_RIGHT, "india": ""}, "Para ihop alla"),
        ({**ALL_RIGHT, "india": "paris"}, "inte finns i frågan"),
        ({**ALL_RIGHT, "france": "paris"}, "inte finns i frågan"),
        ({**ALL_RIGHT, "sweden": "oslo"}, "inte finns i frågan"),
        ({**ALL_RIGHT, "india": None}, "para ihop varje"),
        ({**ALL_RIGHT, "india": ["delhi"]}, "para ihop varje"),
        (list(ALL_RIGHT.items()), "para ihop varje"),
        ("canada=ottawa", "para ihop varje"),
        (None, "para ihop varje"),
    ],
)
def test_matching_rejects(response: object, message: str) -> None:
    with pytest.raises(InvalidResponse, match=message):
        grade(CAPITALS, response)


# --- ordering -----------------------------------------------------------------------------------------------------

BUDGET_STEPS = Ordering(**COMMON, points=D(5), items=tuple(option(x) for x in ["a", "b", "c", "d", "e"]))


@pytest.mark.parametrize(
    ("response", "score", "fraction"),
    [
        (["a", "b", "c", "d", "e"], "5", "1"),
        (["a", "c", "b", "d", "e"], "3", "0.6"),  # one adjacent swap: 3 of 5 in place
        (["e", "b", "c", "d", "a"], "3", "0.6"),
        (["b", "c", "d", "e", "a"], "0", "0"),  # shifted by one: nothing in its absolute place
        (["e", "d", "c", "b", "a"], "1", "0.2"),  # reversed: only the middle one
    ],
)
def test_ordering_counts_items_in_absolute_position(response: list[str], score: str, fraction: str) -> None:
    result = grade(BUDGET_STEPS, response)
    assert_graded(result, score, fraction)
    assert result.normalized == response
    assert result.feedback == ()


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (["a", "b", "c", "d"], "Ordna alla"),
        ([], "Ordna alla"),
        (["a", "b", "c", "d", "e", "f"], "inte finns i frågan"),
        (["a", "b", "c", "d", "x"], "inte finns i frågan"),
        (["a", "a", "c", "d", "e"], "mer än en gång"),
        (["a", "b", "c", "d", "e", "e"], "mer än en gång"),
        ("abcde", "lista med alla alternativ"),
        (["a", "b", "c", "d", 5], "lista med alla alternativ"),
        ({"a": 1}, "lista med alla alternativ"),
        (None, "lista med alla alternativ"),
    ],
)
def test_ordering_rejects(response: object, message: str) -> None:
    with pytest.raises(InvalidResponse, match=message):
        grade(BUDGET_STEPS, response)


# --- essay --------------------------------------------------------------------------------------------------------

REFLECTION = Essay(**COMMON, points=D(4))


@pytest.mark.parametrize(
    ("response", "normalized"),
    [
        ("  Min budget.\n", "Min budget."),
        ("Rad ett\r\nRad två", "Rad ett\nRad två"),
        ("x" * ESSAY_MAX_CHARS, "x" * ESSAY_MAX_CHARS),
        ("\r\n".join(["x"] * (ESSAY_MAX_CHARS // 2)), "\n".join(["x"] * (ESSAY_MAX_CHARS // 2))),  # CRLF counts as one
    ],
)
def test_essay_awaits_review(response: str, normalized: str) -> None:
    assert grade(REFLECTION, response) == GradeResult(
        status="pending_review", score=None, max_score=D(4), fraction=None, correct=None, normalized=normalized
    )


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ("", "Skriv ett svar"),
        (" \n\t ", "Skriv ett svar"),
        ("x" * (ESSAY_MAX_CHARS + 1), "högst 10 000 tecken"),
        ("Min\x00budget", "otillåtna tecken"),
        (None, "måste vara text"),
        (["text"], "måste vara text"),
    ],
)
def test_essay_rejects(response: object, message: str) -> None:
    with pytest.raises(InvalidResponse, match=message):
        grade(REFLECTION, response)


# --- general ------------------------------------------------------------------------------------------------------


def test_score_rounds_half_up_to_thousandths() -> None:
    question = SingleChoice(**COMMON, points=D("0.5"), choices=(choice("a", "1"), choice("b", "0.3333333")))
    assert grade(question, "b").score == D("0.167")
    question = SingleChoice(**COMMON, points=D(1), choices=(choice("a", "1"), choice("b", "0.0005")))
    assert grade(question, "b").score == D("0.001")


def test_invalid_response_is_a_value_error() -> None:
    assert issubclass(InvalidResponse, ValueError)


def test_unknown_question_class_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        grade(Question(**COMMON), "x")
