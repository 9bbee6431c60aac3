"""Every worker picks up an import without a restart, and a broken hand edit never replaces a good course."""

import shutil

import pytest

from coursesite.course.catalog import CourseCatalog
from coursesite.course.loader import ContentError
from coursesite.settings import REPO_ROOT

LESSON = "akt-1/01-inkomster-och-utgifter.md"
QUESTION = "inkomster-och-utgifter.arskostnad-per-manad"  # in LESSON


@pytest.fixture
def lessons(tmp_path):
    copy = tmp_path / "lessons"
    shutil.copytree(REPO_ROOT / "lessons", copy, ignore=shutil.ignore_patterns(".revision*"))
    return copy


def retitle(lessons, title):
    path = lessons / LESSON
    text = path.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("title = "))
    path.write_text(text.replace(old, f'title = "{title}"', 1), encoding="utf-8")


def reweight(lessons):
    """Changes how one question is graded (QUESTION's grading version), not how it reads."""
    path = lessons / LESSON
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'value = "6900", tolerance = "0", weight = 0,', 'value = "6900", tolerance = "0", weight = 100,'
        ),
        encoding="utf-8",
    )


def test_a_change_reaches_every_worker_once_marked(lessons):
    importer, other_worker = CourseCatalog(lessons), CourseCatalog(lessons)
    retitle(lessons, "Ny titel")
    assert other_worker.course.lessons()[0].title != "Ny titel"  # unmarked edits wait for a restart
    importer.mark_changed()
    assert importer.course.lessons()[0].title == "Ny titel"
    assert other_worker.course.lessons()[0].title == "Ny titel"


def test_versions_follow_the_reload(lessons):
    catalog = CourseCatalog(lessons)
    before = catalog.version_of(QUESTION)
    reweight(lessons)
    catalog.mark_changed()
    assert catalog.version_of(QUESTION) not in (None, before)
    assert catalog.versions()[QUESTION] == catalog.version_of(QUESTION)


def test_a_broken_edit_keeps_the_course_in_force(lessons, caplog):
    catalog = CourseCatalog(lessons)
    good = catalog.course
    (lessons / LESSON).write_text("+++\nslug = \n+++\n", encoding="utf-8")
    catalog.mark_changed()
    assert catalog.course is good
    assert "Keeping the previous course" in caplog.text


def test_start_up_refuses_broken_content(lessons):
    (lessons / LESSON).write_text("+++\nslug = \n+++\n", encoding="utf-8")
    with pytest.raises(ContentError, match="01-inkomster-och-utgifter.md"):
        CourseCatalog(lessons)


def test_an_edition_keeps_the_course_and_the_versions_of_one_load(lessons):
    catalog = CourseCatalog(lessons)
    before = catalog.edition
    reweight(lessons)
    catalog.mark_changed()
    after = catalog.edition
    assert after is not before and catalog.course is after.course
    assert before.versions[QUESTION] != after.versions[QUESTION]  # the old edition is as it was loaded
    assert catalog.version_of(QUESTION) == after.versions[QUESTION]
    assert catalog.edition is after  # no change since: the same edition, not a reload
