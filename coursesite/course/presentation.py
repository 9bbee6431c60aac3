"""What a participant is shown of a question: the prompt and what to pick from, never keys, weights or feedback.

The JSON API and the pages both use this, so neither can leak more than the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from coursesite.course.model import Matching, MultipleChoice, Option, Ordering, Question, SingleChoice


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
