"""What a participant is shown of a question: the prompt and what to pick from, never keys, weights or feedback;
and of an answer: what was answered, in words, and how it went (Rätt / Delvis rätt / Fel / Väntar …).

The JSON API and the pages both use this, so neither can leak more than the other.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from coursesite.course.model import Matching, MultipleChoice, Option, Ordering, Question, SingleChoice, TrueFalse
from coursesite.course.progress import GRADED


def display_order(options: Sequence[Option], seed: str) -> list[Option]:
    """A fixed shuffle (the same on every visit), never the answer order itself."""
    shuffled = sorted(options, key=lambda o: hashlib.sha1(f"{seed}/{o.id}".encode()).hexdigest())
    if len(shuffled) > 1 and [o.id for o in shuffled] == [o.id for o in options]:
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled


def _options(options: Sequence[Option]) -> list[dict[str, str]]:
    return [{"id": o.id, "text": o.text} for o in options]


def public_question(question: Question) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": question.id,
        "type": question.type.value,
        "prompt": question.prompt,
        "text_format": question.text_format.value,
        "points": question.points,
    }
    if isinstance(question, (SingleChoice, MultipleChoice)):
        view["choices"] = [{"id": c.id, "text": c.text} for c in question.choices]
    elif isinstance(question, Matching):
        view["left"] = _options([pair.left for pair in question.pairs])
        view["right"] = _options(display_order(question.rights, question.id))
    elif isinstance(question, Ordering):
        view["items"] = _options(display_order(question.items, question.id))
    return view


def response_lines(question: Question | None, response: Any) -> list[str]:
    """A stored response as the participant gave it, in readable lines: the chosen texts, never their ids; a typed
    number or text as typed."""
    if isinstance(question, (SingleChoice, MultipleChoice)):
        texts = {choice.id: choice.text for choice in question.choices}
        picked = response if isinstance(response, list) else [response]
        return [texts.get(str(choice_id), str(choice_id)) for choice_id in picked] or ["(inget valt)"]
    if isinstance(response, str):
        return [response]
    if isinstance(question, TrueFalse) and isinstance(response, bool):
        return ["Sant" if response else "Falskt"]
    if isinstance(question, Matching) and isinstance(response, dict):
        lefts = {pair.left.id: pair.left.text for pair in question.pairs}
        rights = {option.id: option.text for option in question.rights}
        return [f"{lefts.get(left, left)} → {rights.get(str(right), str(right))}" for left, right in response.items()]
    if isinstance(question, Ordering) and isinstance(response, list):
        texts = {item.id: item.text for item in question.items}
        return [f"{n}. {texts.get(str(item), str(item))}" for n, item in enumerate(response, start=1)]
    return [str(response)]


PROMPT_TITLE_CHARS = 90


def prompt_title(prompt: str, limit: int = PROMPT_TITLE_CHARS) -> str:
    """A question's prompt as one short line of plain text (Markdown and tags left out), cut at a word with "…"."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", prompt))  # plain text: the page escapes it again
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link or image: its text
    text = re.sub(r"[*_`]+", "", text)  # emphasis and code marks
    text = re.sub(r"[#>|]+", " ", text)  # headings, quotes, table bars
    text = re.sub(r"\s+([?.!,;:])", r"\1", " ".join(text.split()))
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,.;:–-") + " …"


def question_title(question: Question) -> str:
    """How staff pages name a question: its own words, not its id; the id only when the prompt has no text."""
    return prompt_title(question.prompt) or question.name


class Verdict(StrEnum):
    """How one answer went, in the participant's words. Every page that shows an answer's status uses these."""

    RIGHT = "right"
    PARTIAL = "partial"
    WRONG = "wrong"
    PENDING = "pending"

    @property
    def label(self) -> str:
        return _VERDICT_LABELS[self]


_VERDICT_LABELS = {
    Verdict.RIGHT: "Rätt",
    Verdict.PARTIAL: "Delvis rätt",
    Verdict.WRONG: "Fel",
    Verdict.PENDING: "Väntar på lärarens bedömning",
}


def verdict(status: str, score_milli: int | None, max_score_milli: int) -> Verdict:
    if status != GRADED or score_milli is None:
        return Verdict.PENDING
    if score_milli >= max_score_milli:
        return Verdict.RIGHT
    return Verdict.PARTIAL if score_milli > 0 else Verdict.WRONG


def may_flag(outcome: Verdict) -> bool:
    """ "Jag tror att det här blev fel rättat" only where a person could disagree: a graded answer short of full
    points. Not while it waits for a teacher, not on a fully right answer."""
    return outcome in (Verdict.PARTIAL, Verdict.WRONG)


def may_answer_again(outcome: Verdict | None, attempts_left: int | None) -> bool:
    """The form again: never answered, or answered short of full points with attempts left. Not while a teacher has
    the answer (an essay waiting), not after a right answer."""
    if outcome is None:
        return attempts_left is None or attempts_left > 0
    return outcome in (Verdict.PARTIAL, Verdict.WRONG) and (attempts_left is None or attempts_left > 0)
