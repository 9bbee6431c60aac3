"""What one lesson page view costs the database (issue 14, P2), counted at the driver level by
tests/statement_count.py: a count, not a timing, so that a change that adds a round trip or a connection to the lesson
page shows here. Lower is welcome: then lower the number."""

import os

from tests.conftest import csrf_token
from tests.statement_count import counting, sent
from tests.support import correct_response

POSTGRES = os.environ.get("COURSESITE_TEST_ENGINE") == "postgres"


async def test_one_lesson_page_is_one_statement(client, participant, course):
    lesson = course.acts[0].lessons[0]
    headers = {"x-csrftoken": await csrf_token(client)}
    question = lesson.questions[0]
    body = {"question_id": question.id, "response": correct_response(question)}
    assert (await client.post("/api/v1/answers", json=body, headers=headers)).status_code == 201
    assert (
        await client.get(f"/lektion/{lesson.slug}")
    ).status_code == 200  # the worker's first page opens its connections
    for _ in range(2):  # the second view is the same: nothing is looked up again per view within one request
        with counting() as counts:
            response = await client.get(f"/lektion/{lesson.slug}")
        assert response.status_code == 200, response.text
        statements = sent(counts)
        kinds = [text.split(" ", 1)[0].rstrip(";").upper() for text in statements]
        # No session lookup of its own (the session cache, accounts/sessions.py), then one statement, its own snapshot
        # without a transaction: the session (which confirms it), the enrolment, the completed lessons and the lesson's
        # answers.
        assert kinds == ["SELECT"], statements
        assert "AS session_expires_at" in statements[0] and "FROM enrollment" in statements[0]
        assert "FROM lesson_progress" in statements[0] and "ans.attempt AS attempt" in statements[0]
        if POSTGRES:
            assert counts.checkouts - sum("page_view" in text for text in counts.log) == 1  # the statement's
            assert "pool reset" not in counts.by_kind  # the connection goes back without a reset query
        else:
            assert counts.connections == 0  # long-lived reader connections
