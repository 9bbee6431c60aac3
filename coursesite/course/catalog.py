"""The course in force. An import rewrites the lesson files and touches a stamp file; every worker notices the new
stamp on its next request and reloads, so all workers serve the same questions without a restart."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from coursesite.course.codec import grading_version
from coursesite.course.loader import ContentError, load_course
from coursesite.course.model import Course

STAMP_FILE = ".revision"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Edition:
    """One load of the lessons: the course and the grading version of each of its questions, always of the same load."""

    course: Course
    versions: Mapping[str, str]


class CourseCatalog:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._stamp_path = str(root / STAMP_FILE)  # stat on every check: built once
        self._stamp = self._read_stamp()
        self._set(load_course(root))  # raises ContentError: the app refuses to start on broken content

    def _read_stamp(self) -> tuple[int, int]:
        try:
            found = os.stat(self._stamp_path)
        except FileNotFoundError:
            return (0, 0)
        return (found.st_ino, found.st_mtime_ns)

    def _set(self, course: Course) -> None:
        versions = {q.id: grading_version(q) for lesson in course.lessons() for q in lesson.questions}
        self._edition = Edition(course, versions)

    @property
    def edition(self) -> Edition:
        """The current course and its versions, reloaded first when another process changed the lessons (one stat
        call). A request that needs both takes them from one edition: one stat, and never a course of one load with
        the versions of the next."""
        stamp = self._read_stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._set(load_course(self.root))
            except ContentError as exc:  # the importer validates before it writes, so this is a hand edit
                log.error("Keeping the previous course: the changed lessons do not load: %s", exc)
        return self._edition

    @property
    def course(self) -> Course:
        return self.edition.course

    def version_of(self, question_id: str) -> str | None:
        """The grading version of a question in the current course."""
        return self.edition.versions.get(question_id)

    def versions(self) -> dict[str, str]:
        return dict(self.edition.versions)

    def mark_changed(self) -> None:
        """Tell every worker (this one included) that the lesson files changed."""
        # A new file replaces the old one, so the inode changes even where mtimes are coarse.
        fresh = self.root / f"{STAMP_FILE}.{os.getpid()}"
        fresh.write_text(
            "Replaced by each import; workers reload the course when this file changes.\n", encoding="utf-8"
        )
        os.replace(fresh, self.root / STAMP_FILE)
        self.course  # noqa: B018 - reload now, in this worker
