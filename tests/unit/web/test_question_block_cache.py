"""The lesson page's cached question blocks (web/templating.py: QuestionBlockCache, issue 14 P2): one entry per
question content and visible state, each participant's own texts and CSRF field put in per request and escaped as
Jinja's autoescape would, changed content rendered anew, and a bounded number of entries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from markupsafe import Markup, escape

from coursesite.course.progress import lesson_score
from coursesite.grading.rules import grade
from coursesite.grading.service import LessonState, StoredAnswer
from coursesite.web.templating import QuestionBlockCache, build_environment
from tests.support import correct_response, wrong_response

CSRF = '<input type="hidden" name="_csrf_token" value="{}">'


def _lesson_and_question(course, kind: str):
    lesson = course.acts[0].lessons[0]
    return lesson, next(q for q in lesson.questions if q.type == kind)


def _answer(question, lesson, response, attempt=1, **changes) -> StoredAnswer:
    result = grade(question, response)
    answer = StoredAnswer.graded(
        question, lesson.slug, attempt, response, result, datetime(2026, 12, 4, 12, 0, tzinfo=UTC), id=attempt
    )
    return dataclasses.replace(answer, **changes)


def _state(lesson, *answers: StoredAnswer) -> LessonState:
    attempts: dict[str, list[StoredAnswer]] = {}
    for answer in answers:
        attempts.setdefault(answer.question_id, []).append(answer)
    score = lesson_score(lesson, (answer.record() for answer in answers))
    return LessonState(lesson=lesson, unlocked=True, score=score, complete=False, attempts=attempts)


def _block(cache, lesson, question, state, token="A", errors=None, number=1) -> str:
    html = cache(question, lesson, number, state, errors or {}, Markup(CSRF.format(token)))
    assert isinstance(html, Markup)
    return str(html)


def _cache(**kwargs) -> QuestionBlockCache:
    return QuestionBlockCache(build_environment(company_name="Bolaget AB"), **kwargs)


def test_the_same_state_is_rendered_once_with_each_requests_own_csrf_field(course):
    lesson, question = _lesson_and_question(course, "single_choice")
    cache = _cache()
    first = _block(cache, lesson, question, _state(lesson), "anna-token")
    second = _block(cache, lesson, question, _state(lesson), "bertil-token")
    assert len(cache) == 1
    assert "anna-token" in first and "anna-token" not in second
    assert first.replace("anna-token", "bertil-token") == second
    assert cache._prefix not in first  # no marker left
    assert f'action="/lektion/{lesson.slug}/svar/{question.id}"' in first
    assert " checked" not in first and "3 försök kvar" in first


def test_what_the_block_shows_is_in_the_key(course):
    lesson, question = _lesson_and_question(course, "single_choice")
    cache = _cache()
    nothing = _block(cache, lesson, question, _state(lesson))
    wrong = _answer(question, lesson, wrong_response(question))
    once = _block(cache, lesson, question, _state(lesson, wrong))
    twice = _block(cache, lesson, question, _state(lesson, wrong, dataclasses.replace(wrong, id=2, attempt=2)))
    right = _block(cache, lesson, question, _state(lesson, _answer(question, lesson, correct_response(question))))
    renumbered = _block(cache, lesson, question, _state(lesson), number=4)
    with_error = _block(cache, lesson, question, _state(lesson), errors={question.id: "Skriv ett svar."})
    pages = [nothing, once, twice, right, renumbered, with_error]
    assert len(set(pages)) == len(pages) == len(cache)
    assert "2 försök kvar" in once and "Fel:" in once and f'value="{wrong.response}" checked' in once
    assert "1 försök kvar" in twice and "(försök 2)" in twice
    assert "Rätt!" in right and "<form" not in right
    assert "Fråga 4" in renumbered and "Skriv ett svar." in with_error
    other = _answer(question, lesson, next(c.id for c in question.choices if c.id != wrong.response and c.fraction < 1))
    assert f'value="{other.response}" checked' in _block(cache, lesson, question, _state(lesson, other))


def test_changed_content_is_rendered_anew(course):
    lesson, question = _lesson_and_question(course, "single_choice")
    cache = _cache()
    before = _block(cache, lesson, question, _state(lesson))
    renamed = dataclasses.replace(question.choices[0], text="Ett helt nytt alternativ")
    changed = dataclasses.replace(question, choices=(renamed, *question.choices[1:]), prompt="En ny fråga")
    after = _block(cache, lesson, changed, _state(lesson))
    assert "Ett helt nytt alternativ" in after and "En ny fråga" in after
    assert "Ett helt nytt alternativ" not in before and question.choices[0].text not in after
    assert _block(cache, lesson, question, _state(lesson)) == before  # the old content still renders as it was
    moved = dataclasses.replace(lesson, slug="en-annan-lektion")
    assert 'action="/lektion/en-annan-lektion/' in _block(cache, moved, question, _state(moved))


def test_the_cache_is_bounded(course):
    lesson, question = _lesson_and_question(course, "single_choice")
    cache = _cache(max_entries=3)
    for n in range(10):
        _block(cache, lesson, dataclasses.replace(question, prompt=f"Fråga nummer {n}"), _state(lesson))
    assert len(cache) == 3


def test_typed_answers_are_never_shared_and_are_escaped(course):
    lesson, question = _lesson_and_question(course, "short_answer")
    cache = _cache()
    anna = _answer(question, lesson, 'Annas <script>svar</script> & "citat"', feedback=["Tänk på <b>skatten</b>."])
    bertil = _answer(question, lesson, "Bertils svar", feedback=["Tänk på <b>skatten</b>."])
    anna_block = _block(cache, lesson, question, _state(lesson, anna), "anna-token")
    bertil_block = _block(cache, lesson, question, _state(lesson, bertil), "bertil-token")
    assert len(cache) == 1  # the same visible state: one entry, with no one's text in it
    kept = "".join(str(part) for parts in cache._blocks.values() for part in parts)
    assert "Annas" not in kept and "Bertils" not in kept and "token" not in kept
    shown = str(escape(anna.response))
    assert "&lt;script&gt;" in shown and "&#34;citat&#34;" in shown
    assert f'<p class="answer-text">{shown}</p>' in anna_block and f'value="{shown}"' in anna_block
    assert "<script>" not in anna_block and "Bertils" not in anna_block and "bertil-token" not in anna_block
    assert '<p class="answer-text">Bertils svar</p>' in bertil_block and "Annas" not in bertil_block
    assert "<p>Tänk på &lt;b&gt;skatten&lt;/b&gt;.</p>" in anna_block  # feedback text, escaped too
    # A text that happens to be a marker is shown as written, not replaced by another value.
    sly = _answer(question, lesson, f"{cache._prefix}0x", feedback=[])
    sly_block = _block(cache, lesson, question, _state(lesson, sly), "sly-token")
    assert f'<p class="answer-text">{cache._prefix}0x</p>' in sly_block
    assert sly_block.count("sly-token") == 1


def test_an_essay_and_a_teachers_comment_are_put_in_per_request(course):
    lesson = next(lesson for lesson in course.lessons() if any(q.type == "essay" for q in lesson.questions))
    question = next(q for q in lesson.questions if q.type == "essay")
    cache = _cache()
    blocks = {}
    for name in ("Anna", "Bertil"):
        essay = _answer(
            question,
            lesson,
            f"{name}s uppsats,\nandra raden <u>",
            status="graded",
            score_milli=0,
            reviewer_comment=f"Kommentar till {name} <b>",
        )
        blocks[name] = _block(cache, lesson, question, _state(lesson, essay))
    assert len(cache) == 1
    assert "Annas uppsats,\nandra raden &lt;u&gt;" in blocks["Anna"] and "Bertil" not in blocks["Anna"]
    assert "Kommentar till Anna &lt;b&gt;" in blocks["Anna"]
    assert "Kommentar till Bertil &lt;b&gt;" in blocks["Bertil"] and "Anna" not in blocks["Bertil"]
