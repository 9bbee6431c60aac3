"""Attempts: one question's answer rows, each made a StoredAnswer only when it is read (the lesson page reads only
the latest and counts the rest)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from coursesite.grading.service import Attempts, StoredAnswer


def _row(attempt: int, response: object) -> dict:
    return {
        "id": 100 + attempt,
        "question_id": "q1",
        "lesson_slug": "l1",
        "attempt": attempt,
        "raw_response": json.dumps(response),
        "normalized_response": json.dumps(response),
        "status": "graded",
        "score_milli": 0 if attempt < 3 else 1000,
        "max_score_milli": 1000,
        "feedback": json.dumps([f"Försök {attempt}"]),
        "reviewer_comment": None,
        "created_at": datetime(2026, 12, 4, 12, attempt, tzinfo=UTC),
        "graded_at": None,
        "rubric_scores": None,
        "question_version": "v1",
    }


def test_counting_and_the_latest_convert_only_what_is_read():
    attempts = Attempts([_row(1, ["a"]), _row(2, ["b"]), _row(3, ["c"])])

    assert len(attempts) == 3 and attempts
    assert attempts._answers == [None, None, None]  # noqa: SLF001 - nothing converted by counting
    latest = attempts[-1]
    assert isinstance(latest, StoredAnswer)
    assert (latest.attempt, latest.response, latest.feedback, latest.score_milli) == (3, ["c"], ["Försök 3"], 1000)
    assert attempts._answers[:2] == [None, None]  # noqa: SLF001
    assert attempts[2] is latest  # converted once


def test_it_reads_as_the_list_it_stands_for():
    attempts = Attempts([_row(1, "x"), _row(2, "y")])

    assert [a.attempt for a in attempts] == [1, 2]
    assert [a.response for a in attempts[0:1]] == ["x"]
    assert attempts.index(attempts[1]) == 1
    assert not Attempts([])
