"""Heavy work is bounded: with the render slots busy a PDF is refused with a Swedish 429 and Retry-After (page and
API), and the next one is served once a slot is free (coursesite/pdf.py: RenderSlots)."""

import re

from coursesite.billing.enrolment import TERMS_VERSION
from tests.conftest import api_post, register

COMPANY = {
    "customer_type": "company",
    "company_name": "Bolaget AB",
    "org_number": "556047-3521",
    "address_line": "Storgatan 1",
    "postal_code": "114 55",
    "city": "Stockholm",
    "accept_terms_version": TERMS_VERSION,
}


async def test_one_export_pdf_at_a_time_per_account(client, services):
    me = await register(client)
    with services.pdf.slots.hold(f"account:{me['id']}"):  # my export still being rendered
        busy = await client.get("/api/v1/me/data.pdf")
        assert busy.status_code == 429
        assert busy.headers["retry-after"] == str(services.settings.pdf_retry_after_seconds)
        assert "redan en PDF" in busy.json()["detail"]
        # JSON is not a heavy render
        assert (await client.get("/api/v1/me/data")).status_code == 200
    done = await client.get("/api/v1/me/data.pdf")
    assert done.status_code == 200 and done.content.startswith(b"%PDF")


async def test_the_total_bounds_every_account(client, services):
    await register(client)
    slots = services.pdf.slots
    releases = [slots.take(f"account:other-{i}") for i in range(slots.total)]
    try:
        busy = await client.get("/api/v1/me/data.pdf")
        assert busy.status_code == 429 and "Försök igen om" in busy.json()["detail"]
        assert int(busy.headers["retry-after"]) >= 1
    finally:
        for release in releases:
            release()
    assert slots.in_use == 0


async def test_the_invoice_page_says_it_in_swedish(client, services):
    me = await register(client, enrolled=False)
    number = (await api_post(client, "/api/v1/enrollments", COMPANY)).json()["invoice_number"]
    with services.pdf.slots.hold(f"account:{me['id']}"):
        busy = await client.get(f"/mina-fakturor/{number}.pdf")
        assert busy.status_code == 429 and busy.headers["retry-after"]
        assert busy.headers["content-type"].startswith("text/html")
        assert re.search(r"redan en PDF-fil som skapas", busy.text)
    assert (await client.get(f"/mina-fakturor/{number}.pdf")).status_code == 200
