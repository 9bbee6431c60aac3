"""The lesson page's cached answer forms (web/templating.py: QuestionFormCache, issue 14 P2): rendered once per
question content and lesson, with each request's own CSRF field put in, changed content rendered anew, and bounded."""

from __future__ import annotations

import dataclasses

from markupsafe import Markup

from coursesite.course.model import SingleChoice
from coursesite.course.presentation import public_question
from coursesite.web.templating import QuestionFormCache, build_environment


def _first_single_choice(course):
    return next(
        (lesson, question)
        for lesson in course.lessons()
        for question in lesson.questions
        if isinstance(question, SingleChoice)
    )


def _form(cache, lesson, question, csrf='<input name="_csrf_token" value="A">'):
    return str(cache(question, public_question(question), lesson, Markup(csrf)))


def test_each_request_gets_its_own_csrf_field_and_the_same_form(course):
    lesson, question = _first_single_choice(course)
    cache = QuestionFormCache(build_environment(company_name="Bolaget AB"))
    first = _form(cache, lesson, question, '<input name="_csrf_token" value="anna-token">')
    second = _form(cache, lesson, question, '<input name="_csrf_token" value="bertil-token">')
    assert len(cache) == 1  # rendered once
    assert "anna-token" in first and "anna-token" not in second
    assert "bertil-token" in second and "bertil-token" not in first
    assert cache.marker not in first and cache.marker not in second
    assert first.replace("anna-token", "bertil-token") == second
    assert f'action="/lektion/{lesson.slug}/svar/{question.id}"' in first
    assert " checked" not in first  # nobody's answer: a blank form
    for choice in question.choices:
        assert choice.text in first


def test_changed_content_is_rendered_anew(course):
    lesson, question = _first_single_choice(course)
    cache = QuestionFormCache(build_environment(company_name="Bolaget AB"))
    before = _form(cache, lesson, question)
    renamed = dataclasses.replace(question.choices[0], text="Ett helt nytt alternativ")
    changed = dataclasses.replace(question, choices=(renamed, *question.choices[1:]))
    after = _form(cache, lesson, changed)
    assert "Ett helt nytt alternativ" in after and "Ett helt nytt alternativ" not in before
    assert question.choices[0].text in before and question.choices[0].text not in after
    assert _form(cache, lesson, question) == before  # the old content still renders as it was
    moved = dataclasses.replace(lesson, slug="en-annan-lektion")
    assert 'action="/lektion/en-annan-lektion/' in _form(cache, moved, question)  # the lesson is part of the key


def test_the_cache_is_bounded(course):
    lesson, question = _first_single_choice(course)
    cache = QuestionFormCache(build_environment(company_name="Bolaget AB"), max_entries=3)
    for n in range(10):
        _form(cache, lesson, dataclasses.replace(question, prompt=f"Fråga nummer {n}"))
    assert len(cache) == 3
