"""Review, override, flags, the audit trail and regrades on the database (SQLite and PostgreSQL)."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.course.catalog import CourseCatalog
from coursesite.db.answers import Answer, LessonProgress
from coursesite.db.privacy import StaffAudit
from coursesite.db.review import AnswerFlag, GradeEvent, RegradeRun
from coursesite.grading.service import AnswerService
from coursesite.privacy.audit import AuditLog
from coursesite.review.comments import CommentBank
from coursesite.review.regrade import RegradeMode
from coursesite.review.regrading import RegradeService
from coursesite.review.service import ReviewService
from coursesite.review.versions import QuestionVersions
from coursesite.settings import REPO_ROOT
from tests.conftest import accounts
from tests.support import open_every_lesson, outbox_for_tests

ESSAY = "indexfonder-och-avgifter.forklara-avgifter"  # 5 points, rubric 2 + 2 + 1
MONTHLY = "inkomster-och-utgifter.arskostnad-per-manad"  # numeric: 575 is right, 6900 is the yearly sum
LESSON_FILE = "akt-1/01-inkomster-och-utgifter.md"


@pytest.fixture
def lessons(tmp_path) -> Path:
    copy = tmp_path / "lessons"
    shutil.copytree(REPO_ROOT / "lessons", copy)
    return copy


@pytest.fixture
def catalog(lessons):
    return CourseCatalog(lessons)


@pytest.fixture
def answers(db, catalog):
    return AnswerService(db, catalog)


@pytest.fixture
def review(db, catalog):
    return ReviewService(db, catalog, pseudonym_key="test-key-test-key", audit=AuditLog(), outbox=outbox_for_tests())


@pytest.fixture
def bank(db):
    return CommentBank(db)


@pytest.fixture
def regrading(db, catalog):
    return RegradeService(db, catalog, QuestionVersions(db))


async def person(email: str, first_name: str = "Per", role: Role = Role.PARTICIPANT):
    return await accounts.register(
        email=email, password="ett-bra-losenord", first_name=first_name, last_name="Persson", role=role
    )


def question(catalog, question_id):
    return catalog.course.find_question(question_id)[1]


async def essay_answer(answers, catalog, email="essa@example.se", first_name="Essa"):
    participant = await person(email, first_name)
    await open_every_lesson(participant.account_id, catalog.course)
    stored = await answers.submit(participant, ESSAY, "Avgifter äter upp avkastningen år efter år.")
    return participant, stored


def criteria_of(catalog):
    return [criterion.id for criterion in question(catalog, ESSAY).rubric]


# -- the queue ---------------------------------------------------------------------------------------------------


async def test_queue_holds_essays_and_flags_oldest_first_with_the_reason(answers, review, catalog):
    first_day = clock.now().replace(year=2026, month=11, day=1)
    clock.set_now(lambda: first_day)
    try:
        _, essay = await essay_answer(answers, catalog)
        clock.set_now(lambda: first_day.replace(day=2))
        flagger = await person("flagga@example.se", "Frida")
        graded = await answers.submit(flagger, MONTHLY, "6900")
        await review.flag(flagger, graded.id, "Jag räknade per år, frågan var otydlig.")
    finally:
        clock.set_now(None)
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    items = await review.queue(teacher)
    assert [(i.answer_id, i.reason) for i in items] == [(essay.id, "essay"), (graded.id, "flag")]
    assert items[1].flag_reason == "Jag räknade per år, frågan var otydlig."
    assert items[0].participant == "Essa Persson" and items[1].participant == "Frida Persson"
    assert await review.queue_size() == 2


async def test_anonymous_mode_hides_who_wrote_it(answers, review, catalog):
    participant, essay = await essay_answer(answers, catalog)
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    [item] = await review.queue(teacher, anonymous=True)
    assert item.account_id is None
    assert "Essa" not in item.participant and item.participant.startswith("Deltagare ")
    assert item.participant == review.pseudonym(participant.account_id)  # stable while grading
    opened = await review.item(teacher, essay.id, anonymous=True)
    assert opened.participant == item.participant and opened.account_id is None


async def test_the_service_audits_who_reads_the_queue_and_an_answer(answers, review, catalog):
    participant, essay = await essay_answer(answers, catalog)
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    await review.queue(teacher)
    await review.queue(teacher, anonymous=True)  # no names shown: no rows
    await review.item(teacher, essay.id)
    rows = await StaffAudit.select(StaffAudit.actor, StaffAudit.subject_account, StaffAudit.why).order_by(StaffAudit.id)
    assert rows == [
        {"actor": teacher.account_id, "subject_account": participant.account_id, "why": "Bedömning: granskningskön"},
        {"actor": teacher.account_id, "subject_account": participant.account_id, "why": "lärare: bedömning"},
    ]
    assert await review.queue_order() == [essay.id]  # the order alone reads no one's name and writes no row
    assert await StaffAudit.count() == 2


# -- grading -----------------------------------------------------------------------------------------------------


async def test_rubric_grade_is_the_sum_and_reaches_the_participant(answers, review, catalog):
    participant, essay = await essay_answer(answers, catalog)
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    first, second, third = criteria_of(catalog)
    graded = await review.grade(
        teacher, essay.id, criteria={first: "2", second: "1.5", third: 1}, comment="Bra exempel, men räkna på avgiften."
    )
    assert graded.status == "graded"
    assert graded.score == Decimal("4.5")
    assert graded.rubric_scores == {first: 2000, second: 1500, third: 1000}
    assert graded.reviewer_comment == "Bra exempel, men räkna på avgiften."
    assert graded.graded_by_person
    # The participant's own view and progress are updated in the same transaction.
    [mine] = [a for a in await answers.answers(participant.account_id) if a.id == essay.id]
    assert mine.score == Decimal("4.5") and mine.graded_by_person
    progress = await LessonProgress.select().where(
        (LessonProgress.account == participant.account_id) & (LessonProgress.lesson_slug == "indexfonder-och-avgifter")
    )
    assert progress[0]["score_milli"] == 4500
    [event] = await review.history(essay.id)
    assert (event.kind, event.old_score_milli, event.new_score_milli) == ("manual_grade", None, 4500)
    assert event.actor_name == "Lena Persson" and event.reason == "Bra exempel, men räkna på avgiften."
    assert await review.queue(teacher) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"criteria": {"k1068b6": 2}}, "Poäng saknas"),
        ({"criteria": {"k1068b6": 3, "ka3cee8": 0, "kbc1a74": 0}}, "mellan 0 och 2"),
        ({"criteria": {"k1068b6": -1, "ka3cee8": 0, "kbc1a74": 0}}, "mellan 0 och 2"),
        ({"criteria": {"k1068b6": 1, "ka3cee8": 1, "kbc1a74": 1, "nope": 1}}, "Okänt kriterium"),
        ({"criteria": {"k1068b6": 1, "ka3cee8": 1, "kbc1a74": 1}, "score": 4}, "summan"),
        ({"criteria": {"k1068b6": "1.0001", "ka3cee8": 1, "kbc1a74": 1}}, "tre decimaler"),
        ({"criteria": {"k1068b6": "NaN", "ka3cee8": 1, "kbc1a74": 1}}, "tre decimaler"),
        ({"score": 5}, "Poäng per kriterium saknas"),
        ({}, "Poäng per kriterium saknas"),
        ({"criteria": {"k1068b6": 1, "ka3cee8": 1, "kbc1a74": 1}, "comment": "x" * 2001}, "för lång"),
        (
            {"criteria": {"k1068b6": 1, "ka3cee8": 1, "kbc1a74": 1}, "comment": "Ditt pnr 811228-9874 syns"},
            "personnummer",
        ),
    ],
)
async def test_bad_grades_are_refused_and_nothing_changes(answers, review, catalog, kwargs, message):
    assert criteria_of(catalog) == ["k1068b6", "ka3cee8", "kbc1a74"]
    _, essay = await essay_answer(answers, catalog)
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    with pytest.raises(Invalid, match=message):
        await review.grade(teacher, essay.id, **kwargs)
    row = (await Answer.select(Answer.status, Answer.score_milli).where(Answer.id == essay.id))[0]
    assert row == {"status": "pending_review", "score_milli": None}
    assert await GradeEvent.count() == 0


async def test_grade_is_only_for_answers_awaiting_a_person(answers, review, catalog):
    participant = await person("p@example.se")
    graded = await answers.submit(participant, MONTHLY, "575")
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    with pytest.raises(Conflict, match="Ändra poäng"):
        await review.grade(teacher, graded.id, score=0)
    with pytest.raises(NotFound):
        await review.grade(teacher, 999_999, score=0)


async def test_override_needs_a_reason_and_is_audited(answers, review, catalog):
    participant = await person("p@example.se")
    graded = await answers.submit(participant, MONTHLY, "6900")
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    with pytest.raises(Invalid, match="Motiveringen saknas"):
        await review.override(teacher, graded.id, score=1, reason="  ")
    with pytest.raises(Invalid, match="mellan 0 och 1"):
        await review.override(teacher, graded.id, score=2, reason="För mycket")
    changed = await review.override(teacher, graded.id, score="0.5", reason="Rätt tänkt, men per år.")
    assert changed.score == Decimal("0.5") and changed.graded_by_person
    assert changed.reviewer_comment == "Rätt tänkt, men per år."
    [event] = await review.history(graded.id)
    assert (event.kind, event.old_score_milli, event.new_score_milli, event.reason) == (
        "override",
        0,
        500,
        "Rätt tänkt, men per år.",
    )
    progress = await LessonProgress.select(LessonProgress.score_milli).where(
        LessonProgress.account == participant.account_id
    )
    assert progress[0]["score_milli"] == 500


# -- flags -------------------------------------------------------------------------------------------------------


async def test_flags_belong_to_their_owner_and_are_resolved_by_a_grade(answers, review, catalog):
    owner = await person("agare@example.se")
    other = await person("annan@example.se")
    graded = await answers.submit(owner, MONTHLY, "6900")
    with pytest.raises(NotFound):
        await review.flag(other, graded.id, "Inte mitt svar")
    with pytest.raises(Invalid, match="Motiveringen saknas"):
        await review.flag(owner, graded.id, "")
    with pytest.raises(Invalid, match="personnummer"):
        await review.flag(owner, graded.id, "Mitt personnummer är 811228-9874")
    await review.flag(owner, graded.id, "Frågan sa inte per månad")
    with pytest.raises(Conflict):
        await review.flag(owner, graded.id, "Igen")
    assert await review.open_flags([graded.id]) == {graded.id: "Frågan sa inte per månad"}
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    await review.grade(teacher, graded.id, score=1, comment="Du har rätt, frågan var otydlig.")
    assert await review.open_flags([graded.id]) == {}
    assert await review.queue(teacher) == []
    # Flagging a pending essay makes no sense: it is in the queue already.
    _, essay = await essay_answer(answers, catalog)
    with pytest.raises(NotFound):
        await review.flag(owner, essay.id, "Inte mitt")


async def test_dismissing_a_flag_keeps_the_score_and_says_why(answers, review, catalog):
    owner = await person("agare@example.se")
    graded = await answers.submit(owner, MONTHLY, "6900")
    await review.flag(owner, graded.id, "Borde vara rätt")
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    with pytest.raises(Invalid):
        await review.dismiss_flag(teacher, graded.id, comment="")
    kept = await review.dismiss_flag(teacher, graded.id, comment="Frågan frågar per månad: 6 900 / 12.")
    assert kept.score_milli == 0 and kept.reviewer_comment == "Frågan frågar per månad: 6 900 / 12."
    [event] = await review.history(graded.id)
    assert (event.kind, event.old_score_milli, event.new_score_milli) == ("flag_dismissed", 0, 0)
    assert (await AnswerFlag.select(AnswerFlag.resolved_by))[0]["resolved_by"] == teacher.account_id
    with pytest.raises(Conflict):
        await review.dismiss_flag(teacher, graded.id, comment="Igen")


# -- the comment bank --------------------------------------------------------------------------------------------


async def test_comment_bank_is_per_instructor_and_deduplicated(bank):
    lena = await person("lena@example.se", "Lena", Role.INSTRUCTOR)
    olle = await person("olle@example.se", "Olle", Role.INSTRUCTOR)
    first = await bank.save(lena.account_id, "Bra resonemang!")
    again = await bank.save(lena.account_id, "  Bra resonemang!  ")
    assert first == again
    await bank.save(lena.account_id, "Räkna med avgiften.")
    assert [c.text for c in await bank.comments(lena.account_id)] == ["Bra resonemang!", "Räkna med avgiften."]
    assert await bank.comments(olle.account_id) == []
    with pytest.raises(NotFound):
        await bank.delete(olle.account_id, first.id)
    await bank.delete(lena.account_id, first.id)
    assert [c.text for c in await bank.comments(lena.account_id)] == ["Räkna med avgiften."]
    with pytest.raises(Invalid):
        await bank.save(lena.account_id, "x" * 1001)


# -- regrading ---------------------------------------------------------------------------------------------------


def change_key(lessons: Path, old: str, new: str) -> None:
    path = lessons / LESSON_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


YEARLY_ZERO = '{ value = "6900", tolerance = "0", weight = 0,'
YEARLY_FULL = '{ value = "6900", tolerance = "0", weight = 100,'
MONTHLY_FULL = '{ value = "575", tolerance = "0", weight = 100,'
MONTHLY_ZERO = '{ value = "575", tolerance = "0", weight = 0,'


async def answered_before_the_change(db, answers, catalog):
    await QuestionVersions(db).record(catalog.course)  # `coursesite serve` does this at start
    yearly = await person("arlig@example.se", "Ada")
    monthly = await person("manad@example.se", "Max")
    manual = await person("manuell@example.se", "Mia")
    a = await answers.submit(yearly, MONTHLY, "6900")  # 0 under the old key
    b = await answers.submit(monthly, MONTHLY, "575")  # 1 under the old key
    c = await answers.submit(manual, MONTHLY, "6900")
    return a, b, c


@pytest.mark.parametrize(
    ("mode", "expected_a", "expected_b"),
    [
        (RegradeMode.FULL_CREDIT, 1000, 1000),
        (RegradeMode.BOTH, 1000, 1000),
        (RegradeMode.NEW_ONLY, 1000, 0),
        (RegradeMode.KEEP, 0, 1000),
    ],
)
async def test_regrade_dry_run_then_apply(
    db, answers, review, regrading, catalog, lessons, mode, expected_a, expected_b
):
    a, b, c = await answered_before_the_change(db, answers, catalog)
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    await review.override(teacher, c.id, score="0.25", reason="Halva tanken rätt")
    # The key changes: the yearly sum is now the right answer, the monthly one is not.
    change_key(lessons, YEARLY_ZERO, YEARLY_FULL)
    change_key(lessons, MONTHLY_FULL, MONTHLY_ZERO)
    catalog.mark_changed()
    assert [(lesson.slug, count) for lesson, count in await regrading.outdated_lessons()] == [
        ("inkomster-och-utgifter", 3)
    ]

    plan = await regrading.regrade(teacher, "inkomster-och-utgifter", mode, dry_run=True)
    expected = {a.id: expected_a, b.id: expected_b}
    changed = {aid: score for aid, score in expected.items() if score != {a.id: 0, b.id: 1000}[aid]}
    assert {change.answer_id: change.new_score_milli for change in plan.changes} == changed
    assert plan.outdated == 3 and plan.kept_manual == 1  # the overridden attempt is a person's decision
    assert {name for name, _ in plan.by_participant()} <= {"Ada Persson", "Max Persson"}
    # A dry run saves nothing.
    assert (await Answer.select(Answer.score_milli).where(Answer.id == a.id))[0]["score_milli"] == 0
    assert await RegradeRun.count() == 0

    applied = await regrading.regrade(teacher, "inkomster-och-utgifter", mode, dry_run=False)
    assert applied.applied and applied.run_id
    scores = {row["id"]: row["score_milli"] for row in await Answer.select(Answer.id, Answer.score_milli)}
    assert scores == {a.id: expected_a, b.id: expected_b, c.id: 250}
    events = await GradeEvent.select().where(GradeEvent.kind == "regrade")
    assert {(e["answer"], e["old_score_milli"], e["new_score_milli"], e["regrade_run"]) for e in events} == {
        (aid, {a.id: 0, b.id: 1000}[aid], score, applied.run_id) for aid, score in changed.items()
    }
    run = (await RegradeRun.select())[0]
    assert (run["mode"], run["changed"], run["actor"]) == (mode.value, len(changed), teacher.account_id)
    progress = {
        row["account"]: row["score_milli"]
        for row in await LessonProgress.select(LessonProgress.account, LessonProgress.score_milli)
    }
    for answer, score in ((a, expected_a), (b, expected_b)):
        owner = (await Answer.select(Answer.account).where(Answer.id == answer.id))[0]["account"]
        assert progress[owner] == score
    # Nothing is outdated any more, and a second regrade changes nothing.
    assert await regrading.outdated_lessons() == []
    again = await regrading.regrade(teacher, "inkomster-och-utgifter", RegradeMode.FULL_CREDIT, dry_run=True)
    assert again.changes == [] and again.outdated == 0


async def test_new_attempts_are_graded_with_the_new_key_and_not_regraded(db, answers, regrading, catalog, lessons):
    await QuestionVersions(db).record(catalog.course)
    change_key(lessons, YEARLY_ZERO, YEARLY_FULL)
    catalog.mark_changed()
    participant = await person("ny@example.se")
    stored = await answers.submit(participant, MONTHLY, "6900")
    assert stored.score_milli == 1000
    assert stored.question_version == catalog.version_of(MONTHLY)
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    plan = await regrading.regrade(teacher, "inkomster-och-utgifter", RegradeMode.NEW_ONLY, dry_run=True)
    assert plan.outdated == 0


async def test_rewording_a_prompt_is_not_a_key_change(db, answers, regrading, catalog, lessons):
    await QuestionVersions(db).record(catalog.course)
    participant = await person("p@example.se")
    await answers.submit(participant, MONTHLY, "6900")
    path = lessons / LESSON_FILE
    path.write_text(
        path.read_text(encoding="utf-8").replace("Rätt! 6 900 kr / 12", "Rätt: 6 900 kr / 12"), encoding="utf-8"
    )
    catalog.mark_changed()
    assert await regrading.outdated_lessons() == []


async def test_regrade_of_an_unknown_lesson_is_404(regrading):
    teacher = await person("larare@example.se", "Lena", Role.INSTRUCTOR)
    with pytest.raises(NotFound):
        await regrading.regrade(teacher, "finns-inte", RegradeMode.BOTH, dry_run=True)


async def test_versions_are_recorded_once_and_old_answers_adopt_the_current_key(db, answers, catalog):
    participant = await person("p@example.se")
    stored = await answers.submit(participant, MONTHLY, "575")
    await Answer.update({Answer.question_version: None}).where(Answer.id == stored.id)  # from before versions existed
    versions = QuestionVersions(db)
    count = sum(len(lesson.questions) for lesson in catalog.course.lessons())
    assert await versions.record(catalog.course) == count
    assert await versions.record(catalog.course) == 0
    row = (await Answer.select(Answer.question_version).where(Answer.id == stored.id))[0]
    assert row["question_version"] == catalog.version_of(MONTHLY)
    assert await versions.question(MONTHLY, catalog.version_of(MONTHLY)) == question(catalog, MONTHLY)
    assert await versions.question(MONTHLY, "0" * 64) is None
