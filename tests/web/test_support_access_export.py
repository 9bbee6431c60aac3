"""An access request (art. 15) through the test client: customer service may hand over the export of someone who only
used the forms, as JSON and PDF, once their identity is confirmed (every download audited), and never downloads an
account's: its owner gets it on Mina uppgifter (test_support_confirmation.py)."""

from io import BytesIO

from pypdf import PdfReader

from coursesite.db.privacy import StaffAudit
from tests.conftest import api_post, login_as_staff, register
from tests.support import confirm_identity_by_api, new_case

FORM = {
    "first_name": "Frida",
    "last_name": "Formulär",
    "email": "frida@example.se",
    "message": "Hej! Vilka uppgifter har ni om mig?",
}


async def test_the_export_of_someone_who_only_used_the_forms(client):
    assert (await api_post(client, "/api/v1/forms/contact", FORM)).status_code == 201
    await login_as_staff(client, "customer_service")
    case = await new_case(
        client, {"kind": "access", "subject": "Registerutdrag per brev", "contact_email": "frida@example.se"}
    )

    page = await client.get(f"/kundtjanst/arende/{case}")
    assert f"/kundtjanst/arende/{case}/registerutdrag" not in page.text  # not before the identity is confirmed
    pending = await client.get(f"/api/v1/support/requests/{case}/export")
    assert pending.status_code == 409 and "väntar på bekräftelse" in pending.json()["detail"]
    assert (await client.get(f"/kundtjanst/arende/{case}/registerutdrag?format=json")).status_code == 409

    await confirm_identity_by_api(client, case)
    page = await client.get(f"/kundtjanst/arende/{case}")
    assert f"/kundtjanst/arende/{case}/registerutdrag?format=pdf" in page.text

    response = await client.get(f"/kundtjanst/arende/{case}/registerutdrag?format=json")
    assert response.status_code == 200
    assert f'filename="registerutdrag-arende-{case}.json"' in response.headers["content-disposition"]
    data = response.json()
    assert data["subject"]["account_id"] is None and data["subject"]["email"] == "frida@example.se"
    tables = {t["table"]: t["rows"] for t in data["tables"]}
    assert [row["first_name"] for row in tables["person"]] == ["Frida"]
    assert [row["form"] for row in tables["form_submission"]] == ["contact"]
    assert tables["account"] == [] and tables["answer"] == []
    assert data["source"]["forms_used"] == ["contact"] and data["supervisory_authority"]

    pdf = await client.get(f"/api/v1/support/requests/{case}/export?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert "frida@example.se" in text and "IMY" in text

    reads = await StaffAudit.select(StaffAudit.action, StaffAudit.subject_person, StaffAudit.what).where(
        StaffAudit.what.like("registerutdrag%")
    )
    assert len(reads) == 2 and all(r["action"] == "read" and r["subject_person"] is not None for r in reads)


async def test_customer_service_never_downloads_an_account_holders_export(client):
    me = await register(client, email="maja@example.se", first_name="Maja")
    await login_as_staff(client, "customer_service")
    case = await new_case(client, {"kind": "access", "subject": "Registerutdrag per telefon", "account_id": me["id"]})
    for confirmed in (False, True):
        refused = await client.get(f"/api/v1/support/requests/{case}/export")
        assert refused.status_code == 403 and "Mina uppgifter" in refused.json()["detail"], confirmed
        assert (await client.get(f"/kundtjanst/arende/{case}/registerutdrag?format=pdf")).status_code == 403
        page = (await client.get(f"/kundtjanst/arende/{case}")).text
        assert "/registerutdrag" not in page and "hämtar personen utdraget under" in page
        if not confirmed:
            await confirm_identity_by_api(client, case)
    done = await api_post(client, f"/api/v1/support/requests/{case}/complete", {"note": "Klart."})
    assert done.status_code == 200 and "Mina uppgifter" in done.json()["outcome"]
    assert (await client.get(f"/api/v1/support/requests/{case}/export")).status_code == 403
    assert await StaffAudit.count().where(StaffAudit.what.like("registerutdrag%")) == 0

    complaint = await new_case(client, {"kind": "complaint", "subject": "Reklamation", "account_id": me["id"]})
    assert (await client.get(f"/api/v1/support/requests/{complaint}/export")).status_code == 404
    nobody = await new_case(client, {"kind": "access", "subject": "Okänd", "contact_email": "okand@example.se"})
    assert (await client.get(f"/api/v1/support/requests/{nobody}/export")).status_code == 409
    assert (await client.get(f"/api/v1/support/requests/{case}/export?format=xml")).status_code == 400

    # the participant cannot reach it
    client.cookies.clear()
    response = await api_post(
        client, "/api/v1/auth/login", {"email": "maja@example.se", "password": "korrekt-häst-batteri"}
    )
    assert response.status_code == 200
    assert (await client.get(f"/api/v1/support/requests/{case}/export")).status_code == 403
    assert (await client.get(f"/kundtjanst/arende/{case}/registerutdrag")).status_code == 403
