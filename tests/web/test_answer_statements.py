"""What one answer submission costs the database (issue 14, P1 and P3), counted at the driver level by
tests/statement_count.py, the counter bench/count_queries.py uses too: a count, not a timing, so that a change that
adds a round trip or a connection to the hot path shows here. Lower is welcome: then lower the number."""

import os

from tests.conftest import csrf_token
from tests.statement_count import counting, sent
from tests.support import correct_response

POSTGRES = os.environ.get("COURSESITE_TEST_ENGINE") == "postgres"


async def test_one_submission_is_one_transaction_on_few_statements(client, participant, course):
    lesson = course.acts[0].lessons[0]
    headers = {"x-csrftoken": await csrf_token(client)}
    for question in lesson.questions[
        :2
    ]:  # the first answer in the lesson makes its progress row, the second updates it
        body = {"question_id": question.id, "response": correct_response(question)}
        with counting() as counts:
            response = await client.post("/api/v1/answers", json=body, headers=headers)
        assert response.status_code == 201, response.text
        statements = sent(counts)
        kinds = [text.split(" ", 1)[0].rstrip(";").upper() for text in statements]
        # No session lookup of its own: the page csrf_token fetched read the session, and this worker's session cache
        # hands it out (accounts/sessions.py). Then one transaction: BEGIN with the account's lock (PostgreSQL: one
        # simple query; SQLite's BEGIN IMMEDIATE is the lock), one read as the lesson page's (the session, which it
        # confirms, the enrolment, the completed lessons and the lesson's answers), and the answer's insert with the
        # progress row's upsert: one statement on PostgreSQL (WITH … INSERT), two on SQLite.
        assert kinds == [
            "BEGIN",
            "SELECT",
            *(["WITH"] if POSTGRES else ["INSERT", "INSERT"]),
            "COMMIT",
        ], statements
        if POSTGRES:
            assert statements[0].startswith("BEGIN; SELECT pg_advisory_xact_lock("), statements[0]
            assert "pool reset" not in counts.by_kind  # the connection goes back without a reset query
        reads = statements[1]
        assert "AS session_expires_at" in reads, reads  # the session, read in the same statement
        assert "FROM enrollment" in reads and "FROM lesson_progress" in reads, reads  # the enrolment, the progress
        assert "ans.attempt AS attempt" in reads, reads  # and the lesson's answers
        writes = " ".join(statements[-2 if POSTGRES else -3 : -1])
        assert "INSERT INTO answer" in writes and "ON CONFLICT (account, lesson_slug)" in writes, writes
        if POSTGRES:
            assert counts.checkouts - sum("page_view" in text for text in counts.log) == 1  # the transaction
        else:
            assert counts.connections == 0  # long-lived connections, and no PRAGMA per statement
            assert "PRAGMA" not in kinds
