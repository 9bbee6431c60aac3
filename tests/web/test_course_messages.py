"""The messages a course site sends (issue 11 §6), through the test client with real CSRF and a real SMTP server:
the enrolment's confirmation with the invoice PDF, a credit note with its PDF, a graded essay, an override and an
answered flag with the link to the lesson's results, the certificate, a rejected data-subject request (art. 12.4),
and the payment reminders finance sees on the invoice page, the lists and the API."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from pypdf import PdfReader

from coursesite.billing.reminders import ReminderService
from coursesite.db.billing import Invoice
from coursesite.mail.message import MailKind
from coursesite.privacy.policy import SUPERVISORY_AUTHORITY
from tests.conftest import PUBLIC_URL, api_post, csrf_token, login_as_staff, register
from tests.support import PRIVATE, deliver, enrol, html_body, links, new_case, open_every_lesson, text_body

ESSAY = "indexfonder-och-avgifter.forklara-avgifter"
MONTHLY = "inkomster-och-utgifter.arskostnad-per-manad"


def pdf_of(message) -> tuple[str, str]:
    """The message's one attachment: its file name and its text."""
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(part.get_content())).pages)
    return part.get_filename(), text


def paths(message) -> list[str]:
    """The message's links on the site, less the footer's link to the front page."""
    return [path for path in links(message, PUBLIC_URL) if path != "/"]


def one_to(server, address: str, subject_part: str):
    found = [m for m in server.to(address) if subject_part in m["Subject"]]
    assert len(found) == 1, [m["Subject"] for m in server.to(address)]
    return found[0]


async def delivered(app, server, address: str, subject_part: str):
    await deliver(app, server)
    return one_to(server, address, subject_part)


async def test_the_enrolment_mail_carries_the_invoice_pdf_and_how_to_pay(smtp_app, smtp_client, smtp_server):
    issued = await enrol(smtp_client, "anna@example.se")
    message = await delivered(smtp_app, smtp_server, "anna@example.se", issued["invoice_number"])
    body = text_body(message)
    assert message["Subject"] == f"Välkommen till kursen – din faktura {issued['invoice_number']}"
    assert "Hej Anna!" in body and issued["ocr"] in body and "5050-1055" in body
    assert "12\xa0500,00\xa0kr" in body and "Sista betalningsdag" in body
    assert paths(message) == ["/min-kurs", "/mina-fakturor"]
    assert issued["ocr"] in html_body(message)
    name, text = pdf_of(message)
    assert name == f"faktura-{issued['invoice_number']}.pdf"
    assert issued["invoice_number"] in text and issued["ocr"] in text
    # no personal data beyond what the message needs: not the address, not the surname
    assert "Storgatan" not in body and "Andersson" not in body
    # the bytes were never in the outbox: only the reference
    from coursesite.db.mail import OutboxMessage

    [row] = await OutboxMessage.select(OutboxMessage.attachments, OutboxMessage.kind).where(
        OutboxMessage.template == "billing/enrolled"
    )
    assert row["kind"] == MailKind.TRANSACTIONAL.value
    assert "invoice_pdf" in str(row["attachments"]) and len(str(row["attachments"])) < 100


async def test_a_credit_note_mail_carries_the_credit_note_pdf(smtp_app, smtp_client, smtp_server):
    issued = await enrol(smtp_client, "anna@example.se")
    await login_as_staff(smtp_client, "finance")
    credited = await api_post(
        smtp_client, f"/api/v1/finance/invoices/{issued['invoice_number']}/credit", {"reason": "Fel pris"}
    )
    assert credited.status_code == 201, credited.text
    number = credited.json()["credit_note_number"]
    message = await delivered(smtp_app, smtp_server, "anna@example.se", "Kreditfaktura")
    assert message["Subject"] == f"Kreditfaktura {number} för faktura {issued['invoice_number']}"
    assert "Vi har krediterat 12\xa0500,00\xa0kr av faktura" in text_body(message)
    name, text = pdf_of(message)
    assert name == f"kreditfaktura-{number}.pdf" and number in text and issued["invoice_number"] in text


async def answered_essay(client, course) -> tuple[int, dict]:
    participant = await register(client, "essa@example.se", "Essa")
    await open_every_lesson(participant["id"], course)
    answered = await api_post(client, "/api/v1/answers", {"question_id": ESSAY, "response": "Avgifter kostar."})
    assert answered.status_code == 201
    return answered.json()["id"], dict(client.cookies)


async def test_a_graded_essay_and_an_override_tell_the_participant_with_a_link_to_the_results(
    smtp_app, smtp_client, smtp_server, course
):
    answer_id, participant_cookies = await answered_essay(smtp_client, course)
    await deliver(smtp_app, smtp_server)
    smtp_server.reset()
    await login_as_staff(smtp_client, "instructor")
    rubric = course.find_question(ESSAY)[1].rubric
    body = {"criteria": {rubric[0].id: 2, rubric[1].id: 1, rubric[2].id: 0}, "comment": "Hemlig kommentar."}
    assert (await api_post(smtp_client, f"/api/v1/instructor/answers/{answer_id}/grade", body)).status_code == 200
    graded = await delivered(smtp_app, smtp_server, "essa@example.se", "bedömt")
    assert graded["Subject"] == "Ditt svar är bedömt"
    lesson, _ = course.find_question(ESSAY)
    assert f"lektionen ”{lesson.title}”" in text_body(graded)
    [path] = paths(graded)
    assert path == f"/lektion/{lesson.slug}/resultat#svar-{answer_id}"
    # the score, the comment and the answer stay behind the login
    assert "Hemlig kommentar" not in text_body(graded) and "Avgifter kostar" not in text_body(graded)

    override = {"score": "4", "reason": "Missade ett kriterium."}
    assert (
        await api_post(smtp_client, f"/api/v1/instructor/answers/{answer_id}/override", override)
    ).status_code == 200
    changed = await delivered(smtp_app, smtp_server, "essa@example.se", "ändrats")
    assert changed["Subject"] == "Poängen på ditt svar har ändrats"

    # the link opens the results for the participant
    smtp_client.cookies.clear()
    smtp_client.cookies.update(participant_cookies)
    page = await smtp_client.get(path.split("#")[0])
    assert page.status_code == 200 and f'id="svar-{answer_id}"' in page.text


async def test_an_answered_flag_tells_the_participant(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, "flagga@example.se", "Fia")
    answer_id = (await api_post(smtp_client, "/api/v1/answers", {"question_id": MONTHLY, "response": "6900"})).json()[
        "id"
    ]
    flag = {"reason": "Jag tror att det blev fel rättat"}
    assert (await api_post(smtp_client, f"/api/v1/answers/{answer_id}/flag", flag)).status_code == 201
    await deliver(smtp_app, smtp_server)
    smtp_server.reset()

    await login_as_staff(smtp_client, "instructor")
    page = f"/larare/granskning/{answer_id}"
    token = await csrf_token(smtp_client, page)
    dismissed = await smtp_client.post(
        f"{page}/avsluta",
        data={"dismiss_comment": "Rättningen stämmer: årskostnaden delas med tolv.", "_csrf_token": token},
        follow_redirects=False,
    )
    assert dismissed.status_code == 303, dismissed.text
    message = await delivered(smtp_app, smtp_server, "flagga@example.se", "omprövning")
    assert message["Subject"] == "Svar på din begäran om omprövning"
    assert "Du får det för att du bad om omprövning" in text_body(message)
    [path] = paths(message)
    assert path.startswith("/lektion/inkomster-och-utgifter/resultat#svar-")


async def test_the_certificate_mail_links_to_it_once(smtp_app, smtp_client, smtp_server, course):
    me = await register(smtp_client, "klar@example.se", "Klara")
    await open_every_lesson(me["id"], course)
    await deliver(smtp_app, smtp_server)
    smtp_server.reset()
    assert (await smtp_client.get("/mitt-intyg")).status_code == 200
    assert (await smtp_client.get("/mitt-intyg")).status_code == 200  # seen again: issued once, told once
    message = await delivered(smtp_app, smtp_server, "klar@example.se", "kursintyg")
    assert message["Subject"] == "Ditt kursintyg är klart"
    found = paths(message)
    assert found[0] == "/mitt-intyg" and found[1].startswith("/intyg/")
    assert (await smtp_client.get(found[1])).status_code == 200


async def test_a_rejected_request_gives_the_reason_and_the_right_to_complain(smtp_app, smtp_client, smtp_server):
    form = {"first_name": "Frida", "last_name": "Formulär", "email": "frida@example.se", "message": "Hej!"}
    assert (await api_post(smtp_client, "/api/v1/forms/contact", form)).status_code == 201
    await login_as_staff(smtp_client, "customer_service")
    case = await new_case(smtp_client, {"kind": "access", "subject": "Per telefon", "contact_email": form["email"]})
    await deliver(smtp_app, smtp_server)
    smtp_server.reset()
    page = f"/kundtjanst/arende/{case}"
    assert "med rätten att klaga hos IMY" in (await smtp_client.get(page)).text
    token = await csrf_token(smtp_client, page)
    reason = "Vi kunde inte bekräfta att begäran kom från dig."
    rejected = await smtp_client.post(
        f"{page}/avvisa", data={"note": reason, "_csrf_token": token}, follow_redirects=False
    )
    assert rejected.status_code == 303, rejected.text
    message = await delivered(smtp_app, smtp_server, "frida@example.se", "kan inte genomföra")
    body = text_body(message)
    assert message["Subject"] == "Din begäran om registerutdrag – vi kan inte genomföra den"
    assert reason in body and SUPERVISORY_AUTHORITY.url in body and "Integritetsskyddsmyndigheten (IMY)" in body
    assert "prövning i domstol" in body and "artikel 12.4" in body


async def test_finance_sees_the_reminders_on_the_page_the_lists_and_the_api(
    smtp_app, smtp_client, smtp_services, smtp_server, frozen
):
    issued = await enrol(smtp_client, "anna@example.se", PRIVATE)
    await deliver(smtp_app, smtp_server)
    smtp_server.reset()
    reminders: ReminderService = smtp_services.reminders
    assert reminders.config.max_reminders >= 1
    frozen["now"] += timedelta(days=31 + reminders.config.days_after_due)
    assert (await reminders.send_due()).queued == 1
    message = await delivered(smtp_app, smtp_server, "anna@example.se", "Påminnelse")
    assert message["Subject"] == f"Påminnelse: faktura {issued['invoice_number']}"
    body = text_body(message)
    assert issued["ocr"] in body and "5050-1055" in body and "Kvar att betala: 12\xa0500,00\xa0kr" in body
    assert "förföll" in body and "faktura@balansekonomi.se" in body
    assert pdf_of(message)[0] == f"faktura-{issued['invoice_number']}.pdf"

    number = issued["invoice_number"]
    await login_as_staff(smtp_client, "finance")
    api = await smtp_client.get(f"/api/v1/finance/invoices/{number}/reminders")
    assert api.status_code == 200
    [row] = api.json()
    assert (row["invoice_number"], row["sequence"], row["fee_ore"]) == (number, 1, reminders.config.fee_ore)
    assert (await smtp_client.get("/api/v1/finance/invoices/1999-99999/reminders")).status_code == 404
    page = await smtp_client.get(f"/ekonomi/faktura/{number}")
    assert page.status_code == 200 and 'id="reminders"' in page.text
    assert "1 gång, senast" in (await smtp_client.get("/ekonomi")).text
    assert "1 gång, senast" in (await smtp_client.get("/ekonomi/forfallna")).text

    smtp_client.cookies.clear()
    await register(smtp_client, "nyfiken@example.se")
    assert (await smtp_client.get(f"/api/v1/finance/invoices/{number}/reminders")).status_code == 403
    assert await Invoice.count() == 1
