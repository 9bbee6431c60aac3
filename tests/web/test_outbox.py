"""The outbox through the app: the administrators' page /personal/utkorg, a message delivered by the app's sender
over real SMTP with its link followed, the background loop, and `coursesite mail test`."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from coursesite.cli import main
from coursesite.core import clock
from coursesite.db.mail import OutboxMessage
from coursesite.db.privacy import StaffAudit
from coursesite.mail.message import Mail
from tests.conftest import PUBLIC_URL, TEST_SECRET, login_as_staff, register, run_in_own_loop
from tests.support import deliver, links, make_account, text_body


async def queue(app, to: str = "anna@example.se", account_id: int | None = None) -> int:
    return await app.state.services.outbox.queue(Mail(to=to, template="test_message", account_id=account_id))


async def test_the_app_delivers_over_smtp_and_the_link_opens_the_site(smtp_app, smtp_client, smtp_server):
    await queue(smtp_app)
    [message] = await deliver(smtp_app, smtp_server)
    assert message["To"] == "anna@example.se" and "Kurssajten" in message["Subject"]
    assert "Balansekonomi Svenska AB skickar det här meddelandet" in text_body(message)
    paths = links(message, PUBLIC_URL)  # the message's own link and the footer's
    assert paths == ["/", "/"]
    response = await smtp_client.get(paths[0])
    assert response.status_code == 200 and "Kurssajten" in response.text


@pytest.mark.parametrize("role", ["customer_service", "instructor", "finance"])
async def test_only_administrators_see_the_outbox(client, role):
    await login_as_staff(client, role)
    assert (await client.get("/personal/utkorg")).status_code == 403


async def test_a_participant_and_a_visitor_do_not_see_the_outbox(client):
    assert (await client.get("/personal/utkorg", follow_redirects=False)).status_code in (302, 303, 401)
    await register(client)
    assert (await client.get("/personal/utkorg")).status_code == 403


async def test_the_outbox_page_lists_status_attempts_and_errors_without_bodies(smtp_app, smtp_client, smtp_server):
    account_id = await make_account("vera@example.se", first_name="Vera")
    await queue(smtp_app, "vera@example.se", account_id=account_id)
    smtp_server.refuse("550 5.1.1 <vera@example.se>: no such user")
    await deliver(smtp_app, smtp_server)
    await queue(smtp_app, "bo@example.se")
    admin = await login_as_staff(smtp_client, "admin")
    response = await smtp_client.get("/personal/utkorg")
    assert response.status_code == 200
    page = response.text
    for expected in (
        "vera@example.se",
        "bo@example.se",
        "Misslyckades",
        "I kö",
        "550 5.1.1 &lt;&lt;mottagaren&gt;&gt;",
    ):
        assert expected in page, expected
    assert "Det här är ett testmeddelande" not in page  # bodies in development only
    assert "private" in response.headers["cache-control"]
    audited = await StaffAudit.select().where(StaffAudit.actor == admin.account_id)
    assert [(row["action"], row["subject_account"]) for row in audited] == [("read", account_id)]


async def test_in_development_the_outbox_page_shows_the_bodies(db, settings, sites):
    services, app = sites.get(dataclasses.replace(settings, environment="development"))
    app.state.services = services
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await queue(app)
        await login_as_staff(client, "admin")
        page = (await client.get("/personal/utkorg")).text
    assert "Det här är ett testmeddelande" in page and "Ingen SMTP-server är inställd" in page


async def test_the_background_sender_delivers_while_the_app_runs(db, smtp_settings, smtp_server, sites):
    services, app = sites.get(dataclasses.replace(smtp_settings, mail_worker=True, mail_poll_seconds=1))
    app.state.services = services
    async with AsyncTestClient(app=app, base_url="http://testserver.local"):
        await queue(app)
        for _ in range(200):  # bounded: the loop polls every second
            if smtp_server.messages:
                break
            await asyncio.sleep(0.05)
    assert len(smtp_server.messages) == 1
    assert [row["status"] for row in await OutboxMessage.select(OutboxMessage.status)] == ["sent"]


@pytest.fixture
def cli(db, database_url, smtp_server):
    env = {
        "COURSESITE_DATABASE_URL": database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_DB_POOL_SIZE": "0",
        "COURSESITE_SMTP_URL": smtp_server.url,
        "COURSESITE_PUBLIC_URL": PUBLIC_URL,
        "COURSESITE_MAIL_FROM": "Kurssajten <kurs@example.se>",
    }
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def test_mail_test_sends_one_message(cli, smtp_server):
    result = cli("mail", "test", "--to", "drift@example.se")
    assert result.exit_code == 0, result.output
    assert "sent" in result.output and "drift@example.se" not in result.output
    [message] = smtp_server.messages
    assert (message["To"], message["From"]) == ("drift@example.se", "Kurssajten <kurs@example.se>")
    assert f"{PUBLIC_URL}/" in text_body(message)


def test_mail_test_refuses_a_bad_address(cli, smtp_server):
    result = cli("mail", "test", "--to", "inte en adress")
    assert result.exit_code != 0 and "--to" in result.output
    assert smtp_server.messages == []


def test_send_pending_delivers_what_is_due_and_reports_counts(cli, smtp_server):
    async def queue_two():
        now = clock.now()
        await OutboxMessage.insert(
            *(
                OutboxMessage(
                    kind="transactional",
                    template="test_message",
                    recipient=f"p{n}@example.se",
                    subject="Hej",
                    message_id=f"<{n}@example.se>",
                    body_text="Hej",
                    headers="{}",
                    next_attempt_at=now,
                    created_at=now,
                )
                for n in range(2)
            )
        )

    run_in_own_loop(queue_two())
    result = cli("mail", "send-pending")
    assert result.exit_code == 0, result.output
    assert "Mail: 2 sent, 0 printed, 0 to retry, 0 failed." in result.output
    assert sorted(message["To"] for message in smtp_server.messages) == ["p0@example.se", "p1@example.se"]
