"""A password check that cannot start within the request's wait bound, because the hashing pool is full
(accounts/passwords.py): the login form again with a 503, Retry-After and the address kept, JSON under /api, and
nothing counted against the account; once the pool is free, the same login works. The same on Mina uppgifter's
forms that ask for the password again."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from coursesite.accounts import passwords
from coursesite.asgi import served
from coursesite.core.errors import BUSY_TRY_AGAIN
from coursesite.db.accounts import Account, LoginAttempt
from tests.conftest import PASSWORD, api_post, register
from tests.support import page_text

pytestmark = pytest.mark.db


async def test_a_login_that_cannot_get_its_hash_in_time_is_told_so_and_nothing_counts(client, app, settings):
    await register(client, "busy@example.se")
    await api_post(client, "/api/v1/auth/logout")
    worker = served(app, dataclasses.replace(settings, turn_wait_ms=50))
    transport = httpx.ASGITransport(app=worker)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as browser:
        form = await browser.get("/logga-in")
        token = form.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        login = {"_csrf_token": token, "email": "busy@example.se", "password": PASSWORD}
        headers = {"x-csrftoken": browser.cookies["csrftoken"]}
        for _ in range(passwords.HASHING_THREADS):
            await passwords._hashing.take()  # both hashing threads taken, as by two long hashes
        try:
            page = await asyncio.wait_for(browser.post("/logga-in", data=login), 10)  # not a wait without end
            api = await asyncio.wait_for(browser.post("/api/v1/auth/login", json=login, headers=headers), 10)
        finally:
            for _ in range(passwords.HASHING_THREADS):
                passwords._hashing.give_back()
        assert page.status_code == 503 and page.headers["retry-after"] == "1"  # the 50 ms bound, in whole seconds
        assert BUSY_TRY_AGAIN in page.text
        assert 'value="busy@example.se"' in page.text and "kurssajten_session" not in page.headers.get("set-cookie", "")
        assert api.status_code == 503 and api.headers["retry-after"] == "1"
        assert api.json() == {"status_code": 503, "detail": BUSY_TRY_AGAIN}
        assert await LoginAttempt.count() == 0  # not a failed login: the password was never checked

        again = await browser.post("/logga-in", data=login)
        assert again.status_code == 303 and "kurssajten_session" in again.headers["set-cookie"]


async def test_a_password_change_that_cannot_get_its_check_in_time_is_told_so_and_nothing_changes(
    client, app, settings
):
    me = await register(client, "byte@example.se")
    worker = served(app, dataclasses.replace(settings, turn_wait_ms=50))
    transport = httpx.ASGITransport(app=worker)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver.local", cookies=client.cookies
    ) as browser:
        page = await browser.get("/mina-uppgifter")
        token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        forms = {
            "/mina-uppgifter/losenord": {"password_current": PASSWORD, "password_new": "ett-helt-nytt-lösenord-7"},
            "/mina-uppgifter/epost": {"email": "ny@example.se", "current_password": PASSWORD},
        }
        before = (await Account.select(Account.email, Account.password_hash).where(Account.id == me["id"]))[0]
        for _ in range(passwords.HASHING_THREADS):
            await passwords._hashing.take()
        try:
            answers = {
                path: await asyncio.wait_for(browser.post(path, data={"_csrf_token": token, **form}), 10)
                for path, form in forms.items()
            }
        finally:
            for _ in range(passwords.HASHING_THREADS):
                passwords._hashing.give_back()
    for path, answer in answers.items():
        assert answer.status_code == 503 and answer.headers["retry-after"] == "1", path
        assert BUSY_TRY_AGAIN in page_text(answer), path
    assert 'value="ny@example.se"' in answers["/mina-uppgifter/epost"].text  # the new address typed is kept
    after = (await Account.select(Account.email, Account.password_hash).where(Account.id == me["id"]))[0]
    assert after == before and await LoginAttempt.count() == 0
