"""`coursesite import-gift` and `export-gift` end to end: files on a copy of lessons/, grading keys in the database.

The tests are synchronous: the command runs its own event loop, as it does from a shell."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from coursesite.cli import main
from coursesite.db.review import QuestionVersion
from coursesite.settings import REPO_ROOT
from tests.conftest import TEST_SECRET, run_in_own_loop


@pytest.fixture
def lessons(tmp_path):
    root = tmp_path / "lessons"
    shutil.copytree(REPO_ROOT / "lessons", root, ignore=shutil.ignore_patterns(".revision*"))
    return root


@pytest.fixture
def run(db, database_url, lessons):
    env = {
        "COURSESITE_DATABASE_URL": database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_LESSONS_DIR": str(lessons),
        "COURSESITE_DB_POOL_SIZE": "0",
    }
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


async def versions(lesson: str) -> dict[str, int]:
    rows = await QuestionVersion.select(QuestionVersion.question_id).where(QuestionVersion.lesson_slug == lesson)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["question_id"]] = counts.get(row["question_id"], 0) + 1
    return counts


def test_import_creates_updates_and_records_grading_keys(run, lessons, tmp_path):
    gift = tmp_path / "fragor.gift"
    gift.write_text("::kvot:: 10 / 2? {#5}\n\n::sant:: 2 + 2 = 4 {T}\n", encoding="utf-8")
    result = run("import-gift", str(gift), "--act", "2", "--lesson", "delning", "--title", "Dela upp")
    assert result.exit_code == 0, result.output
    assert "Lesson 'delning' (akt-2/05-delning.md) created" in result.output and "added: 2" in result.output
    assert (lessons / ".revision").is_file()  # running workers reload
    assert run_in_own_loop(versions("delning")) == {"delning.kvot": 1, "delning.sant": 1}

    gift.write_text("::kvot:: 10 / 2? {#5:1}\n\n::sant:: 2 + 2 = 4 {T}\n", encoding="utf-8")
    result = run("import-gift", str(gift), "--act", "2", "--lesson", "delning")
    assert result.exit_code == 0, result.output
    assert "replaced: 1\n    kvot" in result.output and "unchanged: 1" in result.output
    assert "grading key changed (consider a regrade): kvot" in result.output
    assert run_in_own_loop(versions("delning")) == {"delning.kvot": 2, "delning.sant": 1}


def test_import_errors_name_the_line_and_write_nothing(run, lessons, tmp_path):
    gift = tmp_path / "trasig.gift"
    gift.write_text("::ok:: Fin {T}\n\n::tal:: Hur mycket? {#abc}\n", encoding="utf-8")
    before = (lessons / "akt-1" / "02-budget.gift").read_bytes()
    result = run("import-gift", str(gift), "--act", "1", "--lesson", "budget")
    assert result.exit_code == 1
    assert "trasig.gift: nothing was imported" in result.output
    assert "line 3, question 'tal': numeric answer: value 'abc' is not a number" in result.output
    assert (lessons / "akt-1" / "02-budget.gift").read_bytes() == before

    result = run("import-gift", str(gift), "--act", "1", "--lesson", "ny-lektion")
    assert result.exit_code == 1 and "a new lesson needs a title (--title)" in result.output


def test_export_writes_gift_and_lists_the_skipped_on_stderr(run, tmp_path):
    output = tmp_path / "budget.gift"
    result = run("export-gift", "--lesson", "budget", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert "skipped 'overskott': GIFT has no units" in result.stderr
    assert "skipped 'steg-i-budgeten': GIFT has no ordering questions" in result.stderr
    assert "::femtio-trettio-tjugo::" in output.read_text(encoding="utf-8")

    to_stdout = run("export-gift", "--lesson", "budget")
    assert to_stdout.exit_code == 0 and to_stdout.stdout == output.read_text(encoding="utf-8")
    missing = run("export-gift", "--lesson", "finns-inte")
    assert missing.exit_code == 1 and "there is no lesson 'finns-inte'" in missing.output
