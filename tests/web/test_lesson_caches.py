"""The lesson page's caches (issue 14): the session cache (accounts/sessions.py) goes stale at once when a session
ends in another app instance (another worker) on the same database, and the cached answer forms
(web/templating.py) never show one participant's answers or CSRF field to another."""

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
    """The cached blank forms are shared; what a participant answered is not. Anna answers the first question wrongly
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
