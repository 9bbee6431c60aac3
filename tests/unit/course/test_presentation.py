"""The participant's view of an answer (course/presentation.py): the answer in words, and the question's title."""

from __future__ import annotations

from decimal import Decimal

from coursesite.course.model import Choice, MultipleChoice, SingleChoice, TrueFalse
from coursesite.course.presentation import prompt_title, response_lines


def choices(kind, qid: str = "q"):
    return kind(
        id=qid,
        name=qid,
        prompt="Vad?",
        choices=(
            Choice(id="cd1068e", text="Nettolön", fraction=Decimal(1), feedback=""),
            Choice(id="a77", text="Bruttolön", fraction=Decimal(0), feedback=""),
        ),
    )


def test_a_choice_is_shown_by_its_text_never_its_id() -> None:
    assert response_lines(choices(SingleChoice), "cd1068e") == ["Nettolön"]
    assert response_lines(choices(MultipleChoice), ["a77", "cd1068e"]) == ["Bruttolön", "Nettolön"]
    assert response_lines(choices(MultipleChoice), []) == ["(inget valt)"]


def test_typed_answers_are_shown_as_typed() -> None:
    assert response_lines(None, "1 234,50") == ["1 234,50"]
    assert response_lines(TrueFalse(id="t", name="t", prompt="?", answer=True), False) == ["Falskt"]


def test_prompt_title_is_one_short_plain_line() -> None:
    assert prompt_title("Vad är **nettolön**?\n\nVälj ett svar.") == "Vad är nettolön? Välj ett svar."
    long = (
        "Anna tjänar 32 000 kr i månaden före skatt och betalar 8 000 kr i skatt varje månad till kommunen och staten."
    )
    title = prompt_title(long, 60)
    assert title.endswith(" …") and len(title) <= 62 and long.startswith(title[:-2])
    assert prompt_title('Se <a href="x">tabellen</a> och [länken](http://x).') == "Se tabellen och länken."
    assert prompt_title("<p>Lön &amp; skatt</p>") == "Lön & skatt"
