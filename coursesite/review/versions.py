"""Records each grading key a question has had (db table `question_version`), so a regrade knows the old key."""

from __future__ import annotations

import json

from piccolo.engine.base import Engine

from coursesite.core import clock
from coursesite.course.codec import grading_version, question_from_data, question_to_data
from coursesite.course.model import Course, Question
from coursesite.db.answers import Answer
from coursesite.db.engine import write_transaction
from coursesite.db.review import QuestionVersion


class QuestionVersions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def record(self, course: Course) -> int:
        """Store the versions of the course not stored yet; returns how many were new. Idempotent, and safe when
        several workers start at once (the unique index decides). Answers from before versions were recorded are
        taken to be graded against the current key."""
        known = {
            (row["question_id"], row["version"])
            for row in await QuestionVersion.select(QuestionVersion.question_id, QuestionVersion.version)
        }
        missing = [
            (lesson, question, version)
            for lesson in course.lessons()
            for question in lesson.questions
            if (question.id, version := grading_version(question)) not in known
        ]
        if not missing:
            return 0
        now = clock.now()
        async with write_transaction(self.engine):
            for lesson, question, version in missing:
                await QuestionVersion.insert(
                    QuestionVersion(
                        question_id=question.id,
                        lesson_slug=lesson.slug,
                        version=version,
                        definition=json.dumps(question_to_data(question), ensure_ascii=False),
                        recorded_at=now,
                    )
                ).on_conflict(action="DO NOTHING")
                await Answer.update({Answer.question_version: version}).where(
                    (Answer.question_id == question.id) & Answer.question_version.is_null()
                )
        return len(missing)

    async def question(self, question_id: str, version: str) -> Question | None:
        """The question as it was at `version`, or None when that version was never recorded."""
        rows = await (
            QuestionVersion.select(QuestionVersion.definition)
            .where((QuestionVersion.question_id == question_id) & (QuestionVersion.version == version))
            .output(load_json=True)
        )
        return question_from_data(rows[0]["definition"]) if rows else None
