"""PostgreSQL's plans for the hot path's reads (grading/service.py): the enrolment and the completed lessons are read
once per statement (an InitPlan), never once per answer row or as a hash of the whole enrolment table (a SubPlan),
which cost a sequential scan of every enrolment on each lesson page and answer (issue 14); and a read by question
still finds an index once answer has none of its own on question_id."""

from __future__ import annotations

import json
import os

import pytest

from coursesite.grading import service

pytestmark = pytest.mark.skipif(os.environ.get("COURSESITE_TEST_ENGINE") != "postgres", reason="PostgreSQL's planner")

READS = {
    "the lesson page and the answer, with the session": (
        service._LESSON_PAGE_AND_SESSION,
        ("en-lektion", "0" * 64, 1),
    ),
    "the lesson page": (service._LESSON_PAGE, (1, "en-lektion")),
    "Min kurs": (service._COURSE_HOME, (1,)),
}


def _subplans(plan: dict) -> list[tuple[str, str]]:
    """(subplan name, relation) of every node below a subplan."""
    found = []

    def walk(node: dict, name: str | None) -> None:
        name = node.get("Subplan Name", name)
        if name is not None and "Relation Name" in node:
            found.append((name, node["Relation Name"]))
        for child in node.get("Plans", []):
            walk(child, name)

    walk(plan, None)
    return found


@pytest.mark.parametrize("name", READS)
async def test_the_head_is_read_once_per_statement(db, name):
    statement, values = READS[name]
    async with db.transaction() as transaction:
        connection = transaction.connection
        await connection.execute("SET LOCAL plan_cache_mode = force_generic_plan")  # what a prepared statement gets
        prepared = await connection.prepare(f"EXPLAIN (FORMAT JSON) {statement.postgres}")
        plan = json.loads(await prepared.fetchval(*values))[0]["Plan"]
    below = _subplans(plan)
    assert {relation for _, relation in below} == {"enrollment", "lesson_progress"}, below
    assert all(subplan.startswith("InitPlan") for subplan, _ in below), below


async def test_a_questions_answers_are_found_by_an_index_of_the_statistics(db):
    """answer has no index of its own on question_id (migration m0026): a read by question, as the instructors'
    statistics and regrading do, goes by one of the statistics' indexes, which start with it."""
    async with db.transaction() as transaction:
        connection = transaction.connection
        await connection.execute("SET LOCAL enable_seqscan = off")  # a test table is small enough to scan
        prepared = await connection.prepare(
            "EXPLAIN (FORMAT JSON) SELECT account, attempt, status FROM answer WHERE question_id = $1"
        )
        plan = json.loads(await prepared.fetchval("akt-1-fraga"))[0]["Plan"]
    indexes = []

    def walk(node: dict) -> None:
        if "Index Name" in node:
            indexes.append(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    assert indexes and all(name in ("answer_question_stats", "answer_question_responses") for name in indexes), plan
