"""The lesson loader on small courses built in tmp_path, and on the real `lessons/` when it is there."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from coursesite.course.loader import ContentError, ContentProblem, load_course
from coursesite.course.model import (
    CountedAttempt,
    Essay,
    Matching,
    MultipleChoice,
    Numeric,
    NumericAnswer,
    NumericUnit,
    Ordering,
    QuestionType,
    ShortAnswer,
    SingleChoice,
    TextFormat,
    TrueFalse,
)

D = Decimal

LESSON = """\
+++
slug = "budget"
title = "Budgeten"
pass_mark = 70
max_attempts = 3
counted_attempt = "last"

[[questions]]
name = "overskott"
type = "numeric"
prompt = "Lön 28 000 kr, utgifter 25 500 kr. Överskott?"
unit = "kr"
general_feedback = "28 000 − 25 500 = 2 500 kr."
answers = [
  { value = "2500", tolerance = "0", weight = 100, feedback = "Rätt!" },
  { value = 2500, tolerance = 0.1, weight = 50, feedback = "Nära." },
  { low = "2000", high = "3000", weight = 10 },
]

[[questions]]
name = "netto"
type = "single_choice"
points = 2
prompt = "Vad är **nettolön**?"
choices = [
  { text = "Lön efter skatt", weight = 100, feedback = "Ja." },
  { text = "Lön före skatt", feedback = "Nej." },
]

[[questions]]
name = "inkomster"
type = "multiple_choice"
prompt = "Vilka är inkomster?"
choices = [
  { text = "Lön", weight = 33.333 },
  { text = "Barnbidrag", weight = "33.333" },
  { text = "Ränta", weight = 33.333 },
  { text = "Hyra", weight = -100 },
]

[[questions]]
name = "brutto"
type = "true_false"
prompt = "Budgeten utgår från bruttolönen."
answer = false
feedback_true = "Nej."
feedback_false = "Rätt."

[[questions]]
name = "forst"
type = "short_answer"
prompt = "Betala dig själv …"
answers = [{ text = "först" }, { text = "forst", weight = 50 }]

[[questions]]
name = "par"
type = "matching"
prompt = "Para ihop."
pairs = [{ left = "Hyra", right = "Fast" }, { left = "Mat", right = "Rörlig" }, { left = "El", right = "Rörlig" }]
distractors = ["Engångs"]

[[questions]]
name = "ordning"
type = "ordering"
prompt = "Ordna stegen."
items = ["Samla underlag", "Summera", "Följ upp"]

[[questions]]
name = "reflektion"
type = "essay"
prompt = "Vad vill du ändra?"
rubric = [{ text = "Konkret", points = 2 }, { text = "Realistiskt", points = "1.5" }]
+++
# Budgeten

En **budget** är en plan.
"""

GIFT = """\
// more questions for the budget lesson
::gift-fraga:: Sant eller falskt\\: en budget görs en gång. {FALSE}

Hur mycket är 20 % av 25 000 kr? {#5000}
"""

ACT_1 = 'number = 1\ntitle = "Akt 1 – Överblick"\nintro = "Allt börjar med överblick."\n'
ACT_2 = 'number = 2\ntitle = "Akt 2 – Trygghet"\nsequential = true\n'
SMALL_LESSON = '+++\nslug = "{slug}"\ntitle = "{slug}"\n+++\nText.\n'


def build(root: Path, files: dict[str, str | None]) -> Path:
    """A course from the valid base, with `files` replacing (or, with None, removing) files."""
    base: dict[str, str | None] = {
        "course.toml": 'slug = "balansekonomi"\ntitle = "Balansekonomi"\nintro = "Välkommen."\n',
        "akt-1/act.toml": ACT_1,
        "akt-1/01-inkomster.md": SMALL_LESSON.format(slug="inkomster"),
        "akt-1/02-budget.md": LESSON,
        "akt-1/02-budget.gift": GIFT,
        "akt-2/act.toml": ACT_2,
        "akt-2/01-buffert.md": SMALL_LESSON.format(slug="buffert"),
    }
    for name, content in (base | files).items():
        if content is not None:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(content, encoding="utf-8")
    return root


def problems(root: Path, files: dict[str, str | None]) -> list[ContentProblem]:
    with pytest.raises(ContentError) as caught:
        load_course(build(root, files))
    return caught.value.problems


def messages(root: Path, files: dict[str, str | None]) -> list[str]:
    return [str(problem) for problem in problems(root, files)]


def lesson_with(question: str, *, front: str = 'slug = "budget"\ntitle = "Budgeten"\n') -> str:
    return f"+++\n{front}\n[[questions]]\n{question}\n+++\nText.\n"


# ------------------------------------------------------------------------------------------------------ valid


def test_a_valid_course_loads(tmp_path: Path) -> None:
    course = load_course(build(tmp_path, {}))
    assert (course.slug, course.title, course.intro) == ("balansekonomi", "Balansekonomi", "Välkommen.")
    assert [(act.number, act.slug, act.sequential) for act in course.acts] == [
        (1, "akt-1", False),
        (2, "akt-2", True),
    ]
    assert [(lesson.slug, lesson.position) for lesson in course.acts[0].lessons] == [("inkomster", 1), ("budget", 2)]

    budget = course.acts[0].lessons[1]
    assert (budget.act_number, budget.pass_mark, budget.max_attempts) == (1, 70, 3)
    assert budget.counted_attempt == CountedAttempt.LAST
    assert budget.source == "akt-1/02-budget.md"
    assert budget.body == "# Budgeten\n\nEn **budget** är en plan."
    assert [q.id for q in budget.questions] == [
        "budget.overskott",
        "budget.netto",
        "budget.inkomster",
        "budget.brutto",
        "budget.forst",
        "budget.par",
        "budget.ordning",
        "budget.reflektion",
        "budget.gift-fraga",  # the .gift questions come after the inline ones
        "budget.hur-mycket-ar-20-av-25-000-kr",
    ]
    assert course.find_question("budget.netto") is not None

    small = course.acts[0].lessons[0]
    assert (small.pass_mark, small.max_attempts, small.counted_attempt, small.questions) == (
        60,
        None,
        CountedAttempt.HIGHEST,
        (),
    )


def test_valid_course_question_details(tmp_path: Path) -> None:
    questions = {q.name: q for q in load_course(build(tmp_path, {})).acts[0].lessons[1].questions}

    numeric = questions["overskott"]
    assert isinstance(numeric, Numeric) and numeric.unit == NumericUnit.KRONOR
    assert numeric.answers == (
        NumericAnswer(fraction=D(1), value=D(2500), tolerance=D(0), feedback="Rätt!"),
        NumericAnswer(fraction=D("0.5"), value=D(2500), tolerance=D("0.1"), feedback="Nära."),  # 0.1, not float noise
        NumericAnswer(fraction=D("0.1"), low=D(2000), high=D(3000)),
    )
    assert numeric.general_feedback == "28 000 − 25 500 = 2 500 kr."
    assert numeric.text_format == TextFormat.MARKDOWN

    single = questions["netto"]
    assert isinstance(single, SingleChoice) and single.points == 2
    assert [(c.text, c.fraction, c.feedback) for c in single.choices] == [
        ("Lön efter skatt", D(1), "Ja."),
        ("Lön före skatt", D(0), "Nej."),
    ]
    assert all(c.id.startswith("c") for c in single.choices)

    multiple = questions["inkomster"]
    assert isinstance(multiple, MultipleChoice)
    assert [c.fraction for c in multiple.choices] == [D("0.33333")] * 3 + [D(-1)]

    true_false = questions["brutto"]
    assert isinstance(true_false, TrueFalse)
    assert (true_false.answer, true_false.feedback_true, true_false.feedback_false) == (False, "Nej.", "Rätt.")

    short = questions["forst"]
    assert isinstance(short, ShortAnswer) and not short.case_sensitive
    assert [(a.text, a.fraction) for a in short.answers] == [("först", D(1)), ("forst", D("0.5"))]

    matching = questions["par"]
    assert isinstance(matching, Matching)
    assert [r.text for r in matching.rights] == ["Fast", "Rörlig", "Engångs"]
    assert matching.pairs[1].right_id == matching.pairs[2].right_id == matching.rights[1].id

    ordering = questions["ordning"]
    assert isinstance(ordering, Ordering)
    assert [item.text for item in ordering.items] == ["Samla underlag", "Summera", "Följ upp"]

    essay = questions["reflektion"]
    assert isinstance(essay, Essay)
    assert [(c.text, c.points) for c in essay.rubric] == [("Konkret", D(2)), ("Realistiskt", D("1.5"))]

    gift = questions["gift-fraga"]
    assert gift.type == QuestionType.TRUE_FALSE and gift.text_format == TextFormat.MOODLE
    assert gift.prompt == "Sant eller falskt: en budget görs en gång."


# ----------------------------------------------------------------------------------------------------- errors


def test_missing_front_matter(tmp_path: Path) -> None:
    assert messages(tmp_path, {"akt-1/01-inkomster.md": "# No front matter\n"}) == [
        "akt-1/01-inkomster.md: the file must start with a '+++' line that opens the TOML front matter"
    ]


def test_unclosed_front_matter(tmp_path: Path) -> None:
    assert messages(tmp_path, {"akt-1/01-inkomster.md": '+++\nslug = "x"\ntitle = "x"\n'}) == [
        "akt-1/01-inkomster.md: the front matter is not closed: no second '+++' line"
    ]


def test_toml_syntax_error_names_the_file_line(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, {"akt-1/01-inkomster.md": '+++\nslug = "x"\ntitle = "x\n+++\n'})
    assert problem.file == "akt-1/01-inkomster.md"
    assert problem.line == 3  # the file's line, counting the opening +++
    assert problem.message.startswith("TOML syntax error")
    assert str(problem).startswith("akt-1/01-inkomster.md, line 3: TOML syntax error")


def test_toml_syntax_error_inside_the_front_matter(tmp_path: Path) -> None:
    lesson = '+++\nslug = "x"\ntitle = "x"\npass_mark = = 3\n+++\n'
    [problem] = problems(tmp_path, {"akt-1/01-inkomster.md": lesson})
    assert (problem.file, problem.line) == ("akt-1/01-inkomster.md", 4)
    assert "(at line" not in problem.message


def test_missing_required_key(tmp_path: Path) -> None:
    assert messages(tmp_path, {"akt-1/01-inkomster.md": '+++\nslug = "inkomster"\n+++\n'}) == [
        "akt-1/01-inkomster.md: missing required key 'title'"
    ]


def test_unknown_keys_do_not_pass_silently(tmp_path: Path) -> None:
    lesson = lesson_with(
        'name = "q"\ntype = "true_false"\nprompt = "p"\nanswer = true\nfeedback_ture = "x"',
        front='slug = "budget"\ntitle = "B"\npass_mak = 70\n',
    )
    assert sorted(messages(tmp_path, {"akt-1/02-budget.md": lesson})) == [
        "akt-1/02-budget.md, question 'q': unknown key 'feedback_ture' (did you mean 'feedback_true'?)",
        "akt-1/02-budget.md: unknown key 'pass_mak' (did you mean 'pass_mark'?)",
    ]


def test_unknown_key_in_a_choice(tmp_path: Path) -> None:
    lesson = lesson_with(
        'name = "q"\ntype = "single_choice"\nprompt = "p"\n'
        'choices = [{ text = "a", weight = 100 }, { text = "b", wieght = 0 }]'
    )
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.md, question 'q': choice 2: unknown key 'wieght' (did you mean 'weight'?)"
    ]


def test_wrong_types(tmp_path: Path) -> None:
    lesson = lesson_with(
        'name = "q"\ntype = "true_false"\nprompt = "p"\nanswer = "yes"',
        front='slug = "budget"\ntitle = "B"\npass_mark = "60"\n',
    )
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.md: 'pass_mark' must be an integer, not string '60'",
        "akt-1/02-budget.md, question 'q': 'answer' must be true or false, not string 'yes'",
    ]


def test_numeric_value_that_is_not_a_number(tmp_path: Path) -> None:
    lesson = lesson_with('name = "overskott"\ntype = "numeric"\nprompt = "p"\nanswers = [{ value = "tvåtusen" }]')
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.md, question 'overskott': answer 1: 'value' is not a number: 'tvåtusen'"
    ]


def test_numeric_answer_needs_value_or_range(tmp_path: Path) -> None:
    lesson = lesson_with('name = "n"\ntype = "numeric"\nprompt = "p"\nanswers = [{ value = 1, low = 0, high = 2 }]')
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.md, question 'n': answer 1: give either 'value' (with an optional 'tolerance') "
        "or both 'low' and 'high'"
    ]


def test_slugs_must_be_unique_in_the_course(tmp_path: Path) -> None:
    assert messages(tmp_path, {"akt-2/01-buffert.md": SMALL_LESSON.format(slug="inkomster")}) == [
        "akt-2/01-buffert.md: lesson slug 'inkomster' is already used by akt-1/01-inkomster.md"
    ]


def test_slug_characters(tmp_path: Path) -> None:
    assert messages(tmp_path, {"akt-2/01-buffert.md": SMALL_LESSON.format(slug="Buffert_1")}) == [
        "akt-2/01-buffert.md: 'slug' may hold only a-z, 0-9 and single dashes: 'Buffert_1'"
    ]


def test_question_names_unique_in_lesson_across_inline_and_gift(tmp_path: Path) -> None:
    lesson = lesson_with('name = "gift-fraga"\ntype = "true_false"\nprompt = "p"\nanswer = true')
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.gift, question 'gift-fraga': the question name is used twice in the lesson "
        "(inline or in the .gift file)"
    ]


def test_weights_within_range(tmp_path: Path) -> None:
    lesson = lesson_with(
        'name = "q"\ntype = "single_choice"\nprompt = "p"\nchoices = [{ text = "a", weight = 100 }, '
        '{ text = "b", weight = -150 }]'
    )
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.md, question 'q': choice 'b': weight -150 is outside -100..100"
    ]


def test_single_choice_needs_a_full_weight_choice(tmp_path: Path) -> None:
    lesson = lesson_with(
        'name = "q"\ntype = "single_choice"\nprompt = "p"\nchoices = [{ text = "a", weight = 50 }, { text = "b" }]'
    )
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.md, question 'q': single_choice needs a choice with weight 100"
    ]


def test_multiple_choice_positive_weights_sum_to_100(tmp_path: Path) -> None:
    lesson = lesson_with(
        'name = "q"\ntype = "multiple_choice"\nprompt = "p"\n'
        'choices = [{ text = "a", weight = 50 }, { text = "b", weight = 40 }, { text = "c", weight = -100 }]'
    )
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.md, question 'q': multiple_choice: the positive weights add up to 90, not 100"
    ]


def test_lesson_settings_ranges(tmp_path: Path) -> None:
    front = 'slug = "budget"\ntitle = "B"\npass_mark = 101\nmax_attempts = 0\ncounted_attempt = "best"\n'
    lesson = lesson_with('name = "q"\ntype = "true_false"\nprompt = "p"\nanswer = true', front=front)
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.md: 'pass_mark' must be 0..100, not 101",
        "akt-1/02-budget.md: 'max_attempts' must be at least 1 (leave it out for unlimited), not 0",
        "akt-1/02-budget.md: 'counted_attempt' must be one of 'highest', 'last', not 'best'",
    ]


def test_unknown_question_type_and_missing_name(tmp_path: Path) -> None:
    lesson = lesson_with('type = "essay_question"\nprompt = "p"')
    assert messages(tmp_path, {"akt-1/02-budget.md": lesson}) == [
        "akt-1/02-budget.md, question 1: missing required key 'name'",
        "akt-1/02-budget.md, question 1: 'type' must be one of 'single_choice', 'multiple_choice', 'true_false', "
        "'short_answer', 'numeric', 'matching', 'ordering', 'essay', not 'essay_question'",
    ]


def test_act_numbers_must_be_contiguous(tmp_path: Path) -> None:
    assert messages(tmp_path, {"akt-2/act.toml": 'number = 3\ntitle = "Akt 3"\n'}) == [
        ".: act numbers must run 1..2 without gaps or repeats; found akt-1=1, akt-2=3"
    ]


def test_every_act_needs_a_lesson_and_an_act_toml(tmp_path: Path) -> None:
    assert messages(tmp_path, {"akt-2/01-buffert.md": None, "akt-3/01-mal.md": SMALL_LESSON.format(slug="mal")}) == [
        "akt-2: the act has no lessons (.md files)",
        "akt-3/act.toml: missing: every act folder needs an act.toml",
    ]


def test_gift_errors_name_the_gift_file_and_line(tmp_path: Path) -> None:
    gift = "::ok:: Fine {T}\n\n::Q5:: What is {=a\n"
    assert messages(tmp_path, {"akt-1/02-budget.gift": gift}) == [
        "akt-1/02-budget.gift, line 3, question 'Q5': unclosed answer block '{'"
    ]


def test_gift_questions_are_validated_like_inline_ones(tmp_path: Path) -> None:
    gift = "::val:: Pick {~%40%a ~%40%b ~c}\n"
    assert messages(tmp_path, {"akt-1/02-budget.gift": gift}) == [
        "akt-1/02-budget.gift, question 'val': multiple_choice: the positive weights add up to 80, not 100"
    ]


def test_gift_file_without_its_lesson(tmp_path: Path) -> None:
    assert messages(tmp_path, {"akt-2/02-lan.gift": "::a::x{T}\n"}) == [
        "akt-2/02-lan.gift: no lesson file '02-lan.md' beside it to add these questions to"
    ]


def test_missing_course_toml(tmp_path: Path) -> None:
    assert messages(tmp_path, {"course.toml": None}) == ["course.toml: missing: the course needs a course.toml"]


def test_all_problems_of_all_files_come_together(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "course.toml": 'slug = "balansekonomi"\n',
            "akt-1/01-inkomster.md": "no front matter",
            "akt-1/02-budget.gift": "::Q5:: What is {=a\n",
            "akt-2/act.toml": 'number = "2"\ntitle = "Akt 2"\n',
        },
    )
    assert {problem.file for problem in found} >= {
        "course.toml",
        "akt-1/01-inkomster.md",
        "akt-1/02-budget.gift",
        "akt-2/act.toml",
    }
    assert isinstance(ContentError(found), ValueError)


# ---------------------------------------------------------------------------------------------- real content

REAL_LESSONS = Path(__file__).parents[3] / "lessons"


def test_the_real_lessons_load() -> None:
    course = load_course(REAL_LESSONS)
    assert [act.number for act in course.acts] == [1, 2, 3]
    for act in course.acts:
        assert len(act.lessons) >= 3, act.slug
        for lesson in act.lessons:
            assert len(lesson.questions) >= 4, lesson.source


# ------------------------------------------------------------------------------------------------------ the text rule


# TOML refuses a raw control character itself; written as an escape, it reaches the loader.
@pytest.mark.parametrize("character", ["\\u0000", "\\u0007", "\u202e", "\u200b"])
def test_a_control_or_invisible_character_in_a_question_is_refused_naming_the_field(tmp_path: Path, character: str):
    question = f'name = "Fråga"\ntype = "essay"\nprompt = "Skriv{character} något"'
    found = messages(tmp_path, {"akt-1/02-budget.md": lesson_with(question), "akt-1/02-budget.gift": None})
    assert len(found) == 1 and "'prompt' holds a control character" in found[0], found


def test_a_control_character_in_a_gift_question_or_a_lesson_title_is_refused(tmp_path: Path) -> None:
    gift = "::Bidi::Vad är 2+2? \u202e{=4 ~5}\n"
    assert any("holds a control character" in m for m in messages(tmp_path, {"akt-1/02-budget.gift": gift}))
    front = 'slug = "budget"\ntitle = "Budget\u2066en"\n'
    lesson = lesson_with('name = "Fråga"\ntype = "essay"\nprompt = "Skriv"', front=front)
    found = messages(tmp_path, {"akt-1/02-budget.md": lesson, "akt-1/02-budget.gift": None})
    assert any("'title' holds a control character" in m for m in found), found


def test_line_breaks_tabs_and_made_up_numbers_are_fine_in_course_content(tmp_path: Path) -> None:
    question = 'name = "Fråga"\ntype = "essay"\nprompt = "Rad 1\\n\\tRad 2: personnumret 811218-9876 är påhittat"'
    course = load_course(build(tmp_path, {"akt-1/02-budget.md": lesson_with(question), "akt-1/02-budget.gift": None}))
    lesson = next(lesson for lesson in course.lessons() if lesson.slug == "budget")
    assert lesson.questions[0].prompt == "Rad 1\n\tRad 2: personnumret 811218-9876 är påhittat"
