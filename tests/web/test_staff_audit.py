"""Issue 5 §5: every staff read of a person's data is audited. For each list, download and export route, a staff
call writes the expected staff_audit row(s): the actor, the action, the subject (ids only) and what was read, by
name and never by value."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from coursesite.core import clock
from coursesite.core.formatting import format_date_long
from coursesite.db.accounts import Account
from coursesite.db.privacy import Person, StaffAudit
from coursesite.privacy.audit import AuditEntry, AuditLog
from tests.conftest import PASSWORD, api_post, login_as_staff
from tests.support import COMPANY, enrol, participant_answers

ESSAY = "indexfonder-och-avgifter.forklara-avgifter"


async def new_rows(actor_id: int, since: int) -> list[AuditEntry]:
    return [row for row in reversed(await AuditLog().entries(actor_id=actor_id)) if row.id > since]


async def last_id() -> int:
    rows = await StaffAudit.select(StaffAudit.id).order_by(StaffAudit.id, ascending=False).limit(1)
    return rows[0]["id"] if rows else 0


def no_values(rows, *values: str) -> None:
    for row in rows:
        for value in values:
            assert value.lower() not in (row.what + row.why).lower()


async def enrolled_pair(client) -> tuple[dict, int, dict, int]:
    anna = await enrol(client, "anna@example.se")
    anna_id = (await client.get("/api/v1/me")).json()["id"]
    bo = await enrol(client, "bo@example.se", COMPANY, first_name="Bo")
    bo_id = (await client.get("/api/v1/me")).json()["id"]
    return anna, anna_id, bo, bo_id


async def test_clause_storage_finance_invoice_pdf_and_ubl_downloads_are_audited(client):
    anna, anna_id, bo, bo_id = await enrolled_pair(client)
    finance = await login_as_staff(client, "finance")
    since = await last_id()
    assert (await client.get(f"/ekonomi/faktura/{anna['invoice_number']}.pdf")).status_code == 200
    assert (await client.get(f"/ekonomi/faktura/{bo['invoice_number']}.xml")).status_code == 200
    assert (await client.get(f"/api/v1/finance/invoices/{bo['invoice_number']}.xml")).status_code == 200
    rows = await new_rows(finance.account_id, since)
    assert [(r.action, r.subject_account) for r in rows] == [("read", anna_id), ("read", bo_id), ("read", bo_id)]
    assert rows[0].what.startswith(f"invoice {anna['invoice_number']}: PDF") and "UBL" in rows[1].what
    assert {r.why for r in rows} == {"Fakturering"}
    no_values(rows, "Storgatan", "Anna", "Bolaget")
    # a missing invoice is a 404 and reads nothing
    since = await last_id()
    assert (await client.get("/ekonomi/faktura/2026-99999.pdf")).status_code == 404
    assert await new_rows(finance.account_id, since) == []


async def test_clause_storage_finance_invoice_lists_record_one_row_per_buyer(client):
    anna, anna_id, bo, bo_id = await enrolled_pair(client)
    finance = await login_as_staff(client, "finance")
    since = await last_id()
    assert (await client.get("/ekonomi")).status_code == 200
    rows = await new_rows(finance.account_id, since)
    assert Counter(r.subject_account for r in rows) == Counter([anna_id, bo_id])
    assert {(r.action, r.why) for r in rows} == {("read", "Fakturering: fakturalistan")}
    since = await last_id()
    assert len((await client.get("/api/v1/finance/invoices")).json()) == 2
    rows = await new_rows(finance.account_id, since)
    assert Counter(r.subject_account for r in rows) == Counter([anna_id, bo_id])
    assert {r.why for r in rows} == {"Fakturering: fakturalistan via API"}
    no_values(rows, "Anna", "Bo ", "Bolaget")

    later = clock.now() + timedelta(days=40)
    clock.set_now(lambda: later)
    try:
        client.cookies.clear()
        assert (
            await api_post(client, "/api/v1/auth/login", {"email": "finance@balansekonomi.se", "password": PASSWORD})
        ).status_code == 200
        since = await last_id()
        assert (await client.get("/ekonomi/forfallna")).status_code == 200
        rows = await new_rows(finance.account_id, since)
    finally:
        clock.set_now(None)
    assert Counter(r.subject_account for r in rows) == Counter([anna_id, bo_id])
    assert {(r.action, r.why) for r in rows} == {("read", "Fakturering: förfallna fakturor")}


async def test_clause_storage_finance_exports_write_one_export_row(client):
    await enrolled_pair(client)
    finance = await login_as_staff(client, "finance")
    today = clock.today().isoformat()
    paths = (
        f"/ekonomi/export/fakturor.csv?fran={today}&till={today}",
        f"/ekonomi/export/sie?fran={today}&till={today}",
        f"/api/v1/finance/exports/invoices.csv?from={today}&to={today}",
        f"/api/v1/finance/exports/sie?from={today}&to={today}",
    )
    for path in paths:
        since = await last_id()
        response = await client.get(path)
        assert response.status_code == 200, path
        rows = await new_rows(finance.account_id, since)
        assert len(rows) == 1, path
        row = rows[0]
        assert (row.action, row.subject_account, row.subject_person, row.why) == (
            "export",
            None,
            None,
            "Bokföring: export",
        )
        day = format_date_long(clock.today())  # as every date staff read: in words (test_readable_dates.py)
        assert f"{day} – {day}: 2 dokument, 2 kunder" in row.what
        assert ("fakturor.csv" if "csv" in path else "SIE") in row.what
        no_values(rows, "Anna", "Bolaget", "Storgatan")
    # a refused range exports nothing and logs nothing
    since = await last_id()
    assert (await client.get("/ekonomi/export/sie?fran=2026-02-01&till=2026-01-01")).status_code == 400
    assert await new_rows(finance.account_id, since) == []


async def test_clause_profiles_instructor_participant_list_and_grade_export_are_audited(client):
    await enrolled_pair(client)
    ids = sorted(row["id"] for row in await Account.select(Account.id).where(Account.role == "participant"))
    teacher = await login_as_staff(client, "instructor")
    since = await last_id()
    assert (await client.get("/larare/deltagare")).status_code == 200
    rows = await new_rows(teacher.account_id, since)
    assert Counter(r.subject_account for r in rows) == Counter(ids)
    assert {(r.action, r.why) for r in rows} == {("read", "Kursuppföljning: deltagarlistan")}
    no_values(rows, "anna@example.se", "Anna")

    since = await last_id()
    response = await client.get("/api/v1/instructor/grades.csv")
    assert response.status_code == 200
    rows = await new_rows(teacher.account_id, since)
    assert [(r.action, r.subject_account, r.why) for r in rows] == [("export", None, "Bedömning: betygsexport")]
    assert "2 deltagare" in rows[0].what and rows[0].what.startswith("betyg-")


async def test_clause_profiles_the_review_queue_is_audited_except_in_anonymous_mode(client, app, course):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as other:
        await participant_answers(other, course, "anna@example.se", "Anna", ESSAY, "Avgiften dras varje år.")
        anna_id = (await other.get("/api/v1/me")).json()["id"]
    teacher = await login_as_staff(client, "instructor")
    for path, why in (
        ("/larare/granskning", "Bedömning: granskningskön"),
        ("/api/v1/instructor/review-queue", "Bedömning: granskningskön via API"),
    ):
        since = await last_id()
        assert (await client.get(path)).status_code == 200
        rows = await new_rows(teacher.account_id, since)
        assert [(r.action, r.subject_account, r.why) for r in rows] == [("read", anna_id, why)], path
        no_values(rows, "Anna", "Avgiften")
    for path in ("/larare/granskning?anonym=1", "/api/v1/instructor/review-queue?anonymous=true"):
        since = await last_id()
        assert (await client.get(path)).status_code == 200
        assert await new_rows(teacher.account_id, since) == [], path


async def test_clause_forms_the_newsletter_export_writes_its_export_row(client):
    now = clock.now()
    await Person.insert(Person(email="nina@example.se", first_name="Nina", created_at=now, updated_at=now))
    staff = await login_as_staff(client, "customer_service")
    since = await last_id()
    assert (await client.get("/personal/nyhetsbrev/apsis.csv")).status_code == 200
    rows = await new_rows(staff.account_id, since)
    assert [r.action for r in rows] == ["export"] and "Apsis" in rows[0].why
    no_values(rows, "nina")
