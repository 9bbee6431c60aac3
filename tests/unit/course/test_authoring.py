"""Importing GIFT into a lesson and exporting a lesson as GIFT, on a copy of lessons/ (never the real files)."""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from coursesite.course.authoring import (
    MAX_GIFT_BYTES,
    AuthoringError,
    Code,
    decode_gift,
    export_gift,
    import_gift,
)
from coursesite.course.codec import grading_version
from coursesite.course.gift import parse_gift
from coursesite.course.loader import load_course
from coursesite.course.model import Lesson, QuestionType, SingleChoice, slugify
from coursesite.settings import REPO_ROOT

DATA = Path(__file__).parents[2] / "data" / "gift"
EXAMPLES = (DATA / "moodle-examples.gift").read_text(encoding="utf-8")
BUDGET_GIFT = Path("akt-1") / "02-budget.gift"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "lessons"
    shutil.copytree(REPO_ROOT / "lessons", copy, ignore=shutil.ignore_patterns(".revision*"))
    return copy


def lesson(root: Path, slug: str) -> Lesson:
    return next(item for item in load_course(root).lessons() if item.slug == slug)


def snapshot(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".revision"))
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def problems(error: pytest.ExceptionInfo[AuthoringError]) -> list[tuple[Code, int | None, str | None]]:
    return [(p.code, p.line, p.question) for p in error.value.problems]


# ---------------------------------------------------------------------------------------------- Moodle's examples


def test_all_43_moodle_examples_import_with_moodles_meaning(root: Path) -> None:
    summary = import_gift(root, EXAMPLES, act=3, lesson="moodle", title="Moodles exempel", source="examples.gift")
    assert (summary.created, summary.lesson_file, len(summary.added)) == (True, "akt-3/05-moodle.md", 43)
    imported = lesson(root, "moodle")
    parsed = parse_gift(EXAMPLES)
    assert imported.act_number == 3 and imported.position == 5 and imported.title == "Moodles exempel"
    assert len(imported.questions) == 43
    for question, original in zip(imported.questions, parsed, strict=True):
        assert question.id == f"moodle.{slugify(question.name)}"
        # The same type, scores and feedback as parsed; only a name given twice in the file is numbered.
        assert replace(question, id="", name="") == replace(original, id="", name="")
    names = [q.name for q in imported.questions]
    assert names[27:29] == ["Jesus' hometown", "Jesus' hometown (2)"]
    assert names[0] == "Who's buried in Grant's tomb?" and names[3] == "Who's buried in Grant's tomb? (2)"
    assert len(set(names)) == 43


def test_importing_the_same_file_again_changes_nothing(root: Path) -> None:
    import_gift(root, EXAMPLES, act=3, lesson="moodle", title="Moodles exempel")
    first = snapshot(root)
    summary = import_gift(root, EXAMPLES, act=3, lesson="moodle")
    assert (summary.created, summary.added, summary.replaced, len(summary.unchanged)) == (False, (), (), 43)
    assert snapshot(root) == first


# -------------------------------------------------------------------------------------------- replace by name


def test_reimport_replaces_by_name_keeps_ids_and_others_and_reports_key_changes(root: Path) -> None:
    before = lesson(root, "budget")
    gift_names = [q.name for q in parse_gift((root / BUDGET_GIFT).read_text(encoding="utf-8"))]
    text = (
        "::budget-en-gang:: Sant eller falskt? En budget gäller för alltid. {FALSE}\n\n"  # reworded, same key
        "::femtio-trettio-tjugo:: 20 % av 25 000 kr? {#5000:10}\n\n"  # tolerance: a new key
        "::ny-fraga:: Är en buffert bra? {T}\n"
    )
    summary = import_gift(root, text, act=1, lesson="budget")
    assert summary.added == ("ny-fraga",)
    assert set(summary.replaced) == {"budget-en-gang", "femtio-trettio-tjugo"}
    assert summary.key_changed == ("femtio-trettio-tjugo",)
    after = lesson(root, "budget")
    assert [q.id for q in after.questions] == [q.id for q in before.questions] + ["budget.ny-fraga"]
    kept = {q.name: q for q in before.questions if q.name not in summary.replaced}
    untouched = [q for q in after.questions if q.name in kept]
    assert len(untouched) == len(kept) and all(q == kept[q.name] for q in untouched)
    # Rewriting the .gift file records no new grading key for a question the import did not touch.
    assert all(grading_version(q) == grading_version(kept[q.name]) for q in untouched)
    rewritten = (root / BUDGET_GIFT).read_text(encoding="utf-8")
    assert rewritten.startswith("// Fler frågor till lektionen")  # the file's leading comment stays
    assert [q.name for q in parse_gift(rewritten)] == [*gift_names, "ny-fraga"]  # replaced in place, new at the end
    by_id = {q.id: q for q in after.questions}
    assert grading_version(by_id["budget.budget-en-gang"]) == grading_version(
        {q.id: q for q in before.questions}["budget.budget-en-gang"]
    )


def test_an_unnamed_question_avoids_the_names_of_the_lesson_file(root: Path) -> None:
    # `overskott` is a question of 02-budget.md; the unnamed question's text would give it the same name.
    summary = import_gift(root, "overskott {#8180}\n", act=1, lesson="budget")
    assert summary.added == ("overskott (2)",)
    assert "budget.overskott-2" in {q.id for q in lesson(root, "budget").questions}


def test_a_gift_name_of_a_lesson_file_question_is_an_error_naming_both(root: Path) -> None:
    before = snapshot(root)
    with pytest.raises(AuthoringError) as caught:
        import_gift(root, "::ok:: Fin {T}\n\n::overskott:: Samma namn {#1}\n", act=1, lesson="budget")
    assert problems(caught) == [(Code.NAME_IN_LESSON_FILE, 3, "overskott")]
    message = str(caught.value)
    assert "akt-1/02-budget.md" in message and "'overskott'" in message and message.startswith("line 3")
    assert snapshot(root) == before


def test_two_names_with_the_same_id_are_an_error(root: Path) -> None:
    with pytest.raises(AuthoringError) as caught:
        import_gift(root, "::Fråga 1:: A {T}\n\n::fraga-1:: B {F}\n", act=1, lesson="budget")
    assert problems(caught) == [(Code.SAME_ID, 3, "fraga-1")]
    assert "'fraga-1' and 'Fråga 1' give the same question id 'fraga-1'" in str(caught.value)


# ------------------------------------------------------------------------------------------ all or nothing


def test_malformed_questions_are_all_reported_with_lines_and_nothing_is_written(root: Path) -> None:
    before = snapshot(root)
    text = "::ok:: Fin {T}\n\n::vikt:: Välj {=a ~%150%b}\n\n::tal:: Hur mycket? {#abc}\n"
    with pytest.raises(AuthoringError) as caught:
        import_gift(root, text, act=1, lesson="budget")
    assert problems(caught) == [(Code.GIFT, 3, "vikt"), (Code.GIFT, 5, "tal")]
    assert str(caught.value).splitlines() == [
        "line 3, question 'vikt': weight 150% is outside -100..100",
        "line 5, question 'tal': numeric answer: value 'abc' is not a number",
    ]
    assert snapshot(root) == before  # no file changed, no temporary file left behind


def test_a_question_the_grader_cannot_use_is_reported_at_its_line(root: Path) -> None:
    # Valid GIFT, but a multiple choice without positive weights cannot be scored: the loader's check, at line 3.
    with pytest.raises(AuthoringError) as caught:
        import_gift(root, "::ok:: Fin {T}\n\n::noll:: Välj {~a ~b}\n", act=2, lesson="ny", title="Ny")
    [problem] = caught.value.problems
    assert (problem.code, problem.line, problem.question) == (Code.CONTENT, 3, "noll")
    assert "positive weights add up to 0, not 100" in problem.message
    assert not (root / "akt-2" / "05-ny.md").exists()


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        ({"act": 4, "lesson": "budget"}, Code.NO_ACT, "there is no act 4 (the acts are 1, 2, 3)"),
        ({"act": 2, "lesson": "budget"}, Code.OTHER_ACT, "lesson 'budget' belongs to act 1, not act 2"),
        ({"act": 1, "lesson": "Ny Lektion"}, Code.BAD_SLUG, "a-z, 0-9 and single dashes"),
        ({"act": 1, "lesson": "a" * 61, "title": "T"}, Code.BAD_SLUG, "at most 60"),
        ({"act": 1, "lesson": "ny"}, Code.TITLE_REQUIRED, "a new lesson needs a title"),
        ({"act": 1, "lesson": "ny", "title": "   "}, Code.TITLE_REQUIRED, "a new lesson needs a title"),
        ({"act": 1, "lesson": "ny", "title": "x" * 201}, Code.BAD_TITLE, "at most 200"),
        ({"act": 1, "lesson": "ny", "title": "Rad\nbrytning"}, Code.BAD_TITLE, "control character"),
    ],
)
def test_where_the_questions_go_is_checked(root: Path, options: dict, code: Code, message: str) -> None:
    before = snapshot(root)
    with pytest.raises(AuthoringError) as caught:
        import_gift(root, "::a:: A {T}\n", **options)
    [problem] = caught.value.problems
    assert problem.code == code and message in problem.message
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("// bara kommentarer\n\n", Code.NO_QUESTIONS),
        ("\n\n".join(f"::q{i}:: Q {{T}}" for i in range(301)), Code.TOO_MANY),
    ],
)
def test_an_empty_or_huge_file_is_refused(root: Path, text: str, code: Code) -> None:
    with pytest.raises(AuthoringError) as caught:
        import_gift(root, text, act=1, lesson="budget")
    assert [p.code for p in caught.value.problems] == [code]


def test_a_new_lesson_goes_last_in_its_act_with_a_toml_safe_title(root: Path) -> None:
    title = 'Lån "med" \\ backslash – och åäö'
    summary = import_gift(root, "::a:: A {T}\n", act=1, lesson="lan", title=title)
    assert summary.lesson_file == "akt-1/04-lan.md" and summary.gift_file == "akt-1/04-lan.gift"
    created = lesson(root, "lan")
    assert (created.title, created.position, created.act_number) == (title, 4, 1)
    assert [q.id for q in created.questions] == ["lan.a"]


def test_concurrent_imports_into_one_lesson_both_land(root: Path) -> None:
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            import_gift(root, f"::{name}:: Fråga {name}? {{T}}\n", act=1, lesson="budget")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(f"samtidig-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    names = {q.name for q in lesson(root, "budget").questions}
    assert {f"samtidig-{i}" for i in range(4)} <= names


# ---------------------------------------------------------------------------------------------------- the bytes


def test_decode_gift_takes_utf8_drops_a_bom_and_refuses_the_rest() -> None:
    assert decode_gift("\ufeff::å:: x {T}".encode()) == "::å:: x {T}"
    cases = [
        (b"::a:: x {T}\n\n::b:: y\x00 {T}", Code.NUL, 3),
        ("::a:: x {T}\n::å::".encode("latin-1"), Code.ENCODING, 2),
        (b"/" * (MAX_GIFT_BYTES + 1), Code.TOO_LARGE, None),
    ]
    for data, code, line in cases:
        with pytest.raises(AuthoringError) as caught:
            decode_gift(data)
        [problem] = caught.value.problems
        assert (problem.code, problem.line) == (code, line)


# ------------------------------------------------------------------------------------------------------- export


def test_export_writes_what_gift_can_hold_and_names_the_rest(root: Path) -> None:
    course = load_course(root)
    budget = lesson(root, "budget")
    result = export_gift(course, "budget")
    assert result.skipped == (("overskott", "GIFT has no units"), ("steg-i-budgeten", "GIFT has no ordering questions"))
    assert len(result.written) == len(budget.questions) - 2
    assert "// Not exported: 'overskott': GIFT has no units." in result.text
    by_name = {q.name: q for q in budget.questions}
    parsed = parse_gift(result.text)
    assert [q.name for q in parsed] == list(result.written)
    for question in parsed:  # inline (Markdown) and GIFT questions alike come back equal
        assert replace(question, id=f"budget.{question.id}") == by_name[question.name]


def test_exported_lesson_imports_into_a_new_lesson(root: Path) -> None:
    result = export_gift(load_course(root), "buffert")
    summary = import_gift(root, result.text, act=2, lesson="buffert-kopia", title="Bufferten, en kopia")
    copied = {q.name: q for q in lesson(root, "buffert-kopia").questions}
    assert set(summary.added) == set(result.written) == set(copied)
    original = {q.name: q for q in lesson(root, "buffert").questions}
    for name, question in copied.items():
        assert replace(question, id="") == replace(original[name], id="")


def test_export_of_an_unknown_lesson_or_one_gift_cannot_hold(root: Path) -> None:
    with pytest.raises(AuthoringError) as caught:
        export_gift(load_course(root), "finns-inte")
    assert caught.value.problems[0].code == Code.NO_LESSON
    course = load_course(root)
    ordering_only = [
        replace(lesson_, questions=tuple(q for q in lesson_.questions if q.type == QuestionType.ORDERING))
        for lesson_ in course.lessons()
        if lesson_.slug == "budget"
    ][0]
    act = replace(course.acts[0], lessons=(ordering_only,))
    result = export_gift(replace(course, acts=(act,)), "budget")
    assert result.written == () and [name for name, _ in result.skipped] == ["steg-i-budgeten"]


def test_single_choice_export_keeps_its_type(root: Path) -> None:
    result = export_gift(load_course(root), "budget")
    parsed = {q.name: q for q in parse_gift(result.text)}
    assert isinstance(parsed["underskott-atgard"], SingleChoice)
    assert parsed["underskott-atgard"].choices[0].fraction == Decimal(1)
