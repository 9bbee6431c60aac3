"""What a participant types (an essay, a short or numeric answer) goes through the one free-text rule (core/text.py)
before it is graded or stored, refused in the answer's own words (grading/service.py: refuse_unstorable_text), and the
grader itself refuses the same characters (grading/rules.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from coursesite.core.errors import Invalid
from coursesite.course.model import AcceptedAnswer, Essay, ShortAnswer
from coursesite.grading.rules import ESSAY_MAX_CHARS, SHORT_MAX_CHARS, InvalidResponse, grade
from coursesite.grading.service import refuse_unstorable_text

ESSAY = Essay(id="l.essay", name="essay", prompt="?", points=D(4))
SHORT = ShortAnswer(
    id="l.short", name="short", prompt="?", answers=(AcceptedAnswer(text="Sparande", fraction=D(1), feedback=""),)
)
PERSONNUMMER = "20000101-2384"
SAMORDNINGSNUMMER = "20000161-2381"
CARD = "4111 1111 1111 1111"

CHARACTERS = "Svaret innehåller otillåtna tecken."


@pytest.mark.parametrize(
    ("question", "response", "message"),
    [
        (ESSAY, "Min\x00budget", CHARACTERS),
        (ESSAY, "Min\x01budget", CHARACTERS),
        (ESSAY, "Min\x7fbudget", CHARACTERS),
        (ESSAY, "Min\u202ebudget", CHARACTERS),  # bidi override
        (ESSAY, "Min\u2067budget\u2069", CHARACTERS),  # bidi isolate
        (ESSAY, "Min\ud800budget", CHARACTERS),
        (ESSAY, "x" * (ESSAY_MAX_CHARS + 1), "Svaret får vara högst 10 000 tecken långt."),
        (ESSAY, f"Mitt nummer är {PERSONNUMMER}.", "personnummer"),
        (ESSAY, f"Jag har {SAMORDNINGSNUMMER}.", "samordningsnummer"),
        (ESSAY, f"Kortet {CARD}", "kortnummer"),
        (SHORT, "Spar\x00ande", CHARACTERS),
        (SHORT, "Spar\u202eande", CHARACTERS),
        (SHORT, "x" * (SHORT_MAX_CHARS + 1), "Svaret får vara högst 500 tecken långt."),
        (SHORT, PERSONNUMMER, "personnummer"),
    ],
)
def test_a_refused_answer_text_is_invalid_in_the_answers_own_words(question, response, message) -> None:
    with pytest.raises(Invalid) as refused:
        refuse_unstorable_text(question, response)
    assert message in refused.value.message
    assert refused.value.field_errors == {"response": refused.value.message}
    assert PERSONNUMMER not in refused.value.message and CARD not in refused.value.message


@pytest.mark.parametrize(
    ("question", "response"),
    [
        (ESSAY, "Första stycket.\n\n\tAndra stycket, indraget."),  # an essay has line breaks and tabs
        (ESSAY, "Första raden.\r\nAndra raden."),
        (ESSAY, "x" * ESSAY_MAX_CHARS),
        (SHORT, "Sparande"),
        (SHORT, "x" * SHORT_MAX_CHARS),
        (SHORT, ""),  # empty: the grader says what is wrong with it
    ],
)
def test_an_ordinary_answer_text_passes(question, response) -> None:
    refuse_unstorable_text(question, response)


@pytest.mark.parametrize("response", ["Min\x01budget", "Min\u202ebudget", "Min\x85budget"])
def test_the_grader_refuses_the_same_characters(response: str) -> None:
    with pytest.raises(InvalidResponse, match="otillåtna tecken"):
        grade(ESSAY, response)
    with pytest.raises(InvalidResponse, match="otillåtna tecken"):
        grade(SHORT, response)
