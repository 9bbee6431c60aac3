"""The lesson page's caches (issue 14): the session cache (accounts/sessions.py) goes stale at once when a session
ends in another app instance (another worker) on the same database, and the cached question blocks
(web/templating.QuestionBlockCache) never show one participant's answers or CSRF field to another."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from contextlib import asynccontextmanager

import httpx
import pytest

from coursesite.db.answers import Answer
from coursesite.web.middleware import SESSION_COOKIE
from tests.conftest import PASSWORD, api_post, csrf_token, register
from tests.support import correct_response, wrong_response

NEW_PASSWORD = "ny-vinter-kanelbulle"


@asynccontextmanager
async def browser(app, cookies: dict[str, str] | None = None):
    transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 50123))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local", cookies=cookies) as client:
        yield client


def _other_site(settings, sites):
    """A second app instance on the same database, with services (and so a session cache) of its own: as a second
    worker. Settings that differ in a field nothing here reads, so that Sites builds it anew."""
    return sites.get(dataclasses.replace(settings, mail_poll_seconds=settings.mail_poll_seconds + 1))


def _token_hash(client) -> str:
    return hashlib.sha256(client.cookies[SESSION_COOKIE].encode()).hexdigest()


async def _logout_there(owner, other, app):
    async with browser(app, {SESSION_COOKIE: other.cookies[SESSION_COOKIE]}) as same_session:
        assert (await api_post(same_session, "/api/v1/auth/logout")).status_code in (200, 204)


async def _change_password(owner, other, app):
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert (await api_post(owner, "/api/v1/me/password", body)).status_code == 204  # ends the other sessions


async def _revoke_all(owner, other, app):
    assert (await api_post(owner, "/api/v1/me/sessions/revoke")).status_code == 204


@pytest.mark.parametrize("end", [_logout_there, _change_password, _revoke_all], ids=["logout", "password", "revoke"])
async def test_a_session_ended_in_one_instance_is_refused_at_once_by_another(app, settings, sites, course, end):
    other_services, other_app = _other_site(settings, sites)
    cache = other_services.accounts.session_cache
    lesson = course.acts[0].lessons[0]
    question = lesson.questions[0]
    try:
        async with browser(app) as owner, browser(other_app) as other:
            await register(owner)
            login = await api_post(other, "/api/v1/auth/login", {"email": "anna@example.se", "password": PASSWORD})
            assert login.status_code == 200
            for _ in range(2):  # the second view is served from the other instance's session cache
                assert (await other.get(f"/lektion/{lesson.slug}")).status_code == 200
            form_token = re.search(
                r'name="_csrf_token" value="([^"]+)"', (await other.get(f"/lektion/{lesson.slug}")).text
            )
            assert form_token is not None
            headers = {"x-csrftoken": await csrf_token(other)}
            cached = cache.get(_token_hash(other))
            assert cached is not None and cached.principal.session_check == _token_hash(other)

            await end(owner, other, app)  # in the first instance

            # Each of the three routes that take a cached session, with the other instance's cache still warm.
            body = {"question_id": question.id, "response": correct_response(question)}
            assert (await other.post("/api/v1/answers", json=body, headers=headers)).status_code == 401
            assert cache.get(_token_hash(other)) is None  # dropped: the next request reads the database
            cache.put(_token_hash(other), cached)
            form = {"response": wrong_response(question), "_csrf_token": form_token.group(1)}
            submitted = await other.post(f"/lektion/{lesson.slug}/svar/{question.id}", data=form)
            assert submitted.status_code == 401
            assert await Answer.count() == 0  # nothing written
            cache.put(_token_hash(other), cached)
            page = await other.get(f"/lektion/{lesson.slug}")
            assert page.status_code == 401 and question.id not in page.text
            assert cache.get(_token_hash(other)) is None
            again = await other.get(f"/lektion/{lesson.slug}")  # from the database: no session, the guard's redirect
            assert again.status_code == 302 and again.headers["location"].startswith("/logga-in")
    finally:
        await other_services.pageviews.flush()


async def test_two_participants_each_see_only_their_own_answers_and_csrf_field(client, app, course):
    """The cached blocks of unanswered questions are shared; what a participant answered is not. Anna answers the first question wrongly
    (her form shows her choice again), Bertil has answered nothing: his page shows neither her choice nor her token."""
    lesson = course.acts[0].lessons[0]
    question = lesson.questions[0]  # a single choice
    choice = wrong_response(question)
    async with browser(app) as anna, browser(app) as bertil:
        await register(anna, "anna@example.se", "Anna")
        await register(bertil, "bertil@example.se", "Bertil")
        body = {"question_id": question.id, "response": choice}
        assert (await api_post(anna, "/api/v1/answers", body)).status_code == 201
        pages = {}
        for name, person in (("anna", anna), ("bertil", bertil), ("anna-again", anna), ("bertil-again", bertil)):
            response = await person.get(f"/lektion/{lesson.slug}")
            assert response.status_code == 200
            pages[name] = response.text
        checked = f'value="{choice}" checked'
        assert checked in pages["anna"] and checked in pages["anna-again"]
        assert checked not in pages["bertil"] and checked not in pages["bertil-again"]
        assert "Ditt svar" in pages["anna"] and "(försök 1)" not in pages["bertil"]
        tokens = {name: set(re.findall(r'name="_csrf_token" value="([^"]+)"', text)) for name, text in pages.items()}
        assert len(tokens["anna"]) == 1 and len(tokens["bertil"]) == 1
        assert tokens["anna"].isdisjoint(tokens["bertil"]) and tokens["anna"].isdisjoint(tokens["bertil-again"])


async def test_a_session_in_use_stays_cached_and_one_out_of_use_is_read_again(services, app, course):
    """Each lesson view confirms its cached session in the page's own statement and so keeps it cached for another
    minute; an entry nothing confirmed for a minute is read from the database again (accounts/sessions.py)."""
    cache = services.accounts.session_cache
    lesson = course.acts[0].lessons[0]
    async with browser(app) as anna:
        await register(anna)
        assert (await anna.get(f"/lektion/{lesson.slug}")).status_code == 200
        entry = cache.get(_token_hash(anna))
        assert entry is not None
        aged = dataclasses.replace(entry, cached_at=entry.cached_at - (cache.seconds - 1))
        cache.put(_token_hash(anna), aged)
        assert (await anna.get(f"/lektion/{lesson.slug}")).status_code == 200  # served from the cache, confirmed
        renewed = cache.get(_token_hash(anna))
        assert renewed is not None and renewed.cached_at > aged.cached_at + cache.seconds / 2
        assert renewed.principal == entry.principal

        stale = dataclasses.replace(entry, cached_at=entry.cached_at - cache.seconds - 1)
        cache.put(_token_hash(anna), stale)
        assert cache.get(_token_hash(anna)) is None  # too old to hand out: the next view reads the database
        cache.put(_token_hash(anna), stale)
        assert (await anna.get(f"/lektion/{lesson.slug}")).status_code == 200
        read_again = cache.get(_token_hash(anna))
        assert read_again is not None and read_again.cached_at > stale.cached_at + cache.seconds


def _block(page: str, question_id: str) -> str:
    """One question's article on a lesson page."""
    match = re.search(rf'<article class="question card" id="fraga-{re.escape(question_id)}">.*?</article>', page, re.S)
    assert match is not None
    return match.group(0)


async def test_a_lesson_page_after_an_answer_shows_the_new_feedback_and_attempts_left(client, course):
    """The cached question blocks (web/templating.QuestionBlockCache) follow each answer: the page seen before
    answering is not what comes back after one, nor after the next."""
    lesson = course.acts[0].lessons[0]
    question = next(q for q in lesson.questions if q.type == "short_answer")
    assert lesson.max_attempts == 3
    await register(client)
    before = _block((await client.get(f"/lektion/{lesson.slug}")).text, question.id)
    assert "3 försök kvar" in before and "own-answer" not in before
    answers = ["första gissningen", "andra gissningen"]
    for number, text in enumerate(answers, start=1):
        body = {"question_id": question.id, "response": text}
        assert (await api_post(client, "/api/v1/answers", body)).status_code == 201
        block = _block((await client.get(f"/lektion/{lesson.slug}")).text, question.id)
        left = 3 - number
        assert f"· {left} försök kvar" in block and f"Du kan svara igen: {left} försök kvar." in block
        assert 'class="verdict wrong"' in block and "Fel: 0 av" in block
        assert f'<p class="answer-text">{text}</p>' in block and f'value="{text}"' in block  # the form shows it again
        assert ("(försök 2)" in block) is (number == 2)
        assert all(other not in block for other in answers if other != text)
    body = {"question_id": question.id, "response": correct_response(question)}
    assert (await api_post(client, "/api/v1/answers", body)).status_code == 201
    block = _block((await client.get(f"/lektion/{lesson.slug}")).text, question.id)
    assert "Rätt!" in block and "(försök 3)" in block and "0 försök kvar" in block
    assert "<form" not in block  # a right answer: no form again


async def test_two_participants_with_different_typed_answers_each_see_their_own(app, course):
    """The same visible state (a wrong first answer to the same question) is one cached block for both; the typed
    answers are put in per request, escaped: each page shows its own participant's text and never the other's."""
    lesson = course.acts[0].lessons[0]
    question = next(q for q in lesson.questions if q.type == "short_answer")
    typed = {"anna": 'Annas <i>svar</i> & "citat"', "bertil": "Bertils eget svar"}
    shown = {"anna": "Annas &lt;i&gt;svar&lt;/i&gt; &amp; &#34;citat&#34;", "bertil": "Bertils eget svar"}
    blocks = app.template_engine.engine.globals["question_block"]
    async with browser(app) as anna, browser(app) as bertil:
        people = {"anna": anna, "bertil": bertil}
        await register(anna, "anna@example.se", "Anna")
        await register(bertil, "bertil@example.se", "Bertil")
        for name, person in people.items():
            body = {"question_id": question.id, "response": typed[name]}
            assert (await api_post(person, "/api/v1/answers", body)).status_code == 201
        pages = {}
        for name in ("anna", "bertil", "anna", "bertil"):  # each twice, interleaved: the second from the cache
            pages.setdefault(name, []).append(
                _block((await people[name].get(f"/lektion/{lesson.slug}")).text, question.id)
            )
        cached = len(blocks)
        for name, other in (("anna", "bertil"), ("bertil", "anna")):
            for block in pages[name]:
                assert f'<p class="answer-text">{shown[name]}</p>' in block and f'value="{shown[name]}"' in block
                assert typed[other] not in block and shown[other] not in block
        assert "<i>svar</i>" not in pages["anna"][0]  # escaped, never markup
        assert pages["anna"][0].replace(shown["anna"], "X") == pages["bertil"][0].replace(shown["bertil"], "X").replace(
            *_tokens(pages["bertil"][0], pages["anna"][0])
        )
        await people["anna"].get(f"/lektion/{lesson.slug}")
        assert len(blocks) == cached  # nothing new: the blocks were shared


def _tokens(first: str, second: str) -> tuple[str, str]:
    """(the CSRF token in `first`, the one in `second`), to compare two blocks apart from their own fields."""
    pattern = r'name="_csrf_token" value="([^"]+)"'
    return re.search(pattern, first).group(1), re.search(pattern, second).group(1)
