"""Uploading the newsletter services' unsubscribe exports, through the test client with real CSRF: finance and
customer service may (page and API), a participant and an instructor may not; the summary shows the counts; a bad
file is a Swedish 400 listing its rows; the next export leaves the person out."""

from __future__ import annotations

import pytest

from coursesite.db.privacy import Consent, StaffAudit
from tests.conftest import api_post, csrf_token, data_path, login_as_staff, register
from tests.support import page_text

PAGE = "/personal/nyhetsbrev/avregistreringar"
API = "/api/v1/newsletter/unsubscribes"
NORA = "nora.nyhetsbrev@example.se"


def read(name: str) -> bytes:
    return data_path(f"newsletter/{name}").read_bytes()


async def newsletter_subscriber(client) -> None:
    """Nora subscribes through the public form (her consent is given now, so the file's 2025 times would keep it:
    the Apsis opt-out list below has her without a time)."""
    response = await api_post(
        client, "/api/v1/forms/newsletter", {"email": NORA, "first_name": "Nora", "consent": True}
    )
    assert response.status_code == 201, response.text


OPT_OUT = f"Email;Opt-out date\r\n{NORA.upper()};\r\nokand@example.com;\r\n".encode()


async def upload(client, data: bytes, service: str = "apsis", token: str | None = None):
    token = token if token is not None else await csrf_token(client, PAGE)
    return await client.post(
        PAGE,
        data={"service": service, "_csrf_token": token},
        files={"file": ("avregistrerade.csv", data, "text/csv")},
        follow_redirects=False,
    )


@pytest.mark.parametrize("role", ["finance", "customer_service"])
async def test_staff_upload_withdraws_and_shows_the_summary(client, role):
    await newsletter_subscriber(client)
    staff = await login_as_staff(client, role)
    page = await client.get(PAGE)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text

    # without the CSRF token: refused, nothing changes
    refused = await client.post(
        PAGE, data={"service": "apsis"}, files={"file": ("a.csv", OPT_OUT, "text/csv")}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert await Consent.count().where(Consent.withdrawn_at.is_not_null()) == 0

    response = await upload(client, OPT_OUT)
    assert response.status_code == 200, response.text
    assert "2 adresser i filen: 1 återkallade, 0 redan återkallade, okända adresser: 1." in page_text(response)
    assert NORA not in response.text and "okand@example.com" not in response.text
    assert await StaffAudit.count().where((StaffAudit.actor == staff.account_id) & StaffAudit.why.like("%Apsis%")) == 2

    again = await upload(client, OPT_OUT)
    assert "0 återkallade, 1 redan återkallade, okända adresser: 1." in page_text(again)

    if role == "customer_service":  # the export is customer service's (and admin's)
        export = await client.get("/personal/nyhetsbrev/apsis.csv")
        assert export.status_code == 200 and NORA not in export.text


async def test_a_bad_file_is_a_400_listing_every_row_and_changes_nothing(client):
    await newsletter_subscriber(client)
    await login_as_staff(client, "finance")
    response = await upload(client, read("mailchimp-bad-rows.csv"), "mailchimp")
    assert response.status_code == 400
    shown = page_text(response)
    assert "Filen importerades inte: den har 4 fel. Ingenting ändrades." in shown
    for line in (
        'Rad 3: kolumnen "Email Address" är inte en e-postadress.',
        'Rad 4: kolumnen "Email Address" är tom.',
        'Rad 5: kolumnen "UNSUB_TIME" är inte en tidpunkt',
        'Rad 6: kolumnen "UNSUB_TIME" saknas.',
    ):
        assert line in shown
    assert await Consent.count().where(Consent.withdrawn_at.is_not_null()) == 0


@pytest.mark.parametrize(
    ("data", "service", "expected"),
    [
        (b"Email\nnora\x00@example.se\n", "apsis", "Rad 2: filen innehåller ett NUL-tecken."),
        ("Email\nnöra@example.se\n".encode("latin-1"), "apsis", "Rad 2: filen är inte i UTF-8."),
        (read("mailchimp-subscribed.csv"), "mailchimp", "Välj Mailchimps export av avregistrerade"),
        (OPT_OUT, "sendgrid", "Välj Mailchimp eller Apsis."),
    ],
    ids=["nul", "latin-1", "subscribed-export", "unknown-service"],
)
async def test_refused_uploads_say_why(client, data, service, expected):
    await login_as_staff(client, "customer_service")
    response = await upload(client, data, service)
    assert response.status_code == 400 and expected in page_text(response)


async def test_a_file_over_10_mb_is_a_400(client):
    await login_as_staff(client, "finance")
    data = b"Email\n" + b"x" * (10 * 1024 * 1024)
    response = await upload(client, data)
    assert response.status_code == 400 and "Filen är för stor: högst 10 MB." in page_text(response)


async def test_an_upload_without_a_file_is_a_400(client):
    await login_as_staff(client, "finance")
    token = await csrf_token(client, PAGE)
    response = await client.post(PAGE, data={"service": "mailchimp", "_csrf_token": token})
    assert response.status_code == 400 and "Välj filen med avregistreringar." in response.text


@pytest.mark.parametrize("role", ["participant", "instructor"])
async def test_participants_and_instructors_are_refused(client, role):
    if role == "participant":
        await register(client)
    else:
        await login_as_staff(client, "instructor")
    assert (await client.get(PAGE)).status_code == 403
    token = await csrf_token(client)
    assert (await upload(client, OPT_OUT, token=token)).status_code == 403
    api = await client.post(
        f"{API}?service=apsis", files={"file": ("a.csv", OPT_OUT, "text/csv")}, headers={"x-csrftoken": token}
    )
    assert api.status_code == 403
    assert await Consent.count().where(Consent.withdrawn_at.is_not_null()) == 0


async def test_anonymous_is_asked_to_log_in(client):
    assert (await client.get(PAGE, follow_redirects=False)).status_code in (302, 303, 401)


async def test_the_api_imports_a_mailchimp_file(client):
    await newsletter_subscriber(client)
    await login_as_staff(client, "finance")
    token = await csrf_token(client)
    data = f"Email Address,UNSUB_TIME\r\n{NORA},\r\nokand@example.com,2025-03-01 10:00:00\r\n".encode()

    refused = await client.post(f"{API}?service=mailchimp", files={"file": ("u.csv", data, "text/csv")})
    assert refused.status_code == 403  # no CSRF header

    response = await client.post(
        f"{API}?service=mailchimp", files={"file": ("u.csv", data, "text/csv")}, headers={"x-csrftoken": token}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["withdrawn"], body["already_withdrawn"], body["unknown"], body["notified"]) == (1, 0, 1, [])

    bad = await client.post(
        f"{API}?service=mailchimp",
        files={"file": ("u.csv", b"Email Address\r\nx@example.se\r\n", "text/csv")},
        headers={"x-csrftoken": token},
    )
    assert bad.status_code == 400
    assert bad.json()["errors"]["file"].startswith('Rad 1: kolumnen "UNSUB_TIME" saknas.')

    wrong = await client.post(
        f"{API}?service=sendgrid", files={"file": ("u.csv", data, "text/csv")}, headers={"x-csrftoken": token}
    )
    assert wrong.status_code == 400 and wrong.json()["errors"] == {"service": "Välj Mailchimp eller Apsis."}
