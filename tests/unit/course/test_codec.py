"""Questions to stored data and back, and what counts as a change of the grading key."""

import dataclasses
import json
from decimal import Decimal

import pytest

from coursesite.course.codec import CodecError, grading_version, question_from_data, question_to_data
from coursesite.course.model import Choice, Essay, Numeric, NumericAnswer, NumericUnit, RubricCriterion, SingleChoice


def every_question(course):
    return [question for lesson in course.lessons() for question in lesson.questions]


def test_every_question_of_the_course_survives_json(course):
    for question in every_question(course):
        stored = json.loads(json.dumps(question_to_data(question)))
        assert question_from_data(stored) == question, question.id


def test_decimals_are_stored_as_strings_not_floats():
    question = Numeric(
        id="n",
        name="n",
        prompt="?",
        unit=NumericUnit.KRONOR,
        answers=(NumericAnswer(fraction=Decimal("0.1"), value=Decimal("0.3"), tolerance=Decimal("0.05")),),
    )
    data = question_to_data(question)
    assert data["answers"][0]["value"] == "0.3" and data["points"] == "1"
    assert question_from_data(data) == question


def test_every_question_has_its_own_version(course):
    versions = [grading_version(question) for question in every_question(course)]
    assert len(set(versions)) == len(versions)


CHOICE = SingleChoice(
    id="l.q",
    name="q",
    prompt="Vad?",
    general_feedback="För att.",
    choices=(
        Choice(id="c1", text="Ja", fraction=Decimal(1), feedback="Rätt"),
        Choice(id="c2", text="Nej", fraction=Decimal(0), feedback="Fel"),
    ),
)


@pytest.mark.parametrize(
    ("change", "same_key"),
    [
        (dict(prompt="Vad, egentligen?"), True),
        (dict(name="annat namn"), True),
        (dict(general_feedback="Därför."), True),
        (dict(choices=(dataclasses.replace(CHOICE.choices[0], feedback="Bra!"), CHOICE.choices[1])), True),
        (dict(choices=(dataclasses.replace(CHOICE.choices[0], text="Japp"), CHOICE.choices[1])), True),  # same id
        (dict(choices=(CHOICE.choices[0], dataclasses.replace(CHOICE.choices[1], fraction=Decimal("0.5")))), False),
        (dict(choices=(CHOICE.choices[0],)), False),
        (dict(points=Decimal(2)), False),
        (dict(points=Decimal("1.00")), True),  # the same number, written otherwise
        (dict(choices=(CHOICE.choices[0], dataclasses.replace(CHOICE.choices[1], fraction=Decimal("0.000")))), True),
        (dict(choices=(CHOICE.choices[0], dataclasses.replace(CHOICE.choices[1], id="c3"))), False),
    ],
)
def test_only_what_decides_the_score_changes_the_version(change, same_key):
    assert (grading_version(dataclasses.replace(CHOICE, **change)) == grading_version(CHOICE)) is same_key


def test_rubric_points_are_part_of_the_key_and_their_wording_is_not():
    essay = Essay(
        id="e",
        name="e",
        prompt="Skriv",
        points=Decimal(3),
        rubric=(
            RubricCriterion(id="k1", text="Tydlig", points=Decimal(2)),
            RubricCriterion(id="k2", text="Korrekt", points=Decimal(1)),
        ),
    )
    reworded = dataclasses.replace(essay, rubric=(dataclasses.replace(essay.rubric[0], text="Klar"), essay.rubric[1]))
    repointed = dataclasses.replace(
        essay, rubric=(dataclasses.replace(essay.rubric[0], points=Decimal(1)), essay.rubric[1])
    )
    assert grading_version(reworded) == grading_version(essay)
    assert grading_version(repointed) != grading_version(essay)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"type": "poem"},
        {"type": "single_choice", "id": "x"},
        {"type": "numeric", "id": "x", "name": "x", "prompt": "?", "answers": [{"fraction": "many"}]},
    ],
)
def test_bad_stored_data_is_a_codec_error(data):
    with pytest.raises(CodecError):
        question_from_data(data)
