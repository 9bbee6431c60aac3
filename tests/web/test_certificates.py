"""The certificate pages and PDF through the app: 403 until the course is complete, the PDF with name and code, the
public check with "Anna A." only."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdf

from coursesite.db.answers import LessonProgress
from coursesite.db.billing import Certificate

COMPLETED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def complete_course(account_id: int, course, *, leave_out: int = 0) -> None:
    lessons = course.lessons()
    for lesson in lessons[: len(lessons) - leave_out]:
        await LessonProgress.insert(
            LessonProgress(
                account=account_id, lesson_slug=lesson.slug, completed_at=COMPLETED_AT, updated_at=COMPLETED_AT
            )
        )


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


async def issued_code(client, participant, course) -> str:
    await complete_course(participant["id"], course)
    response = await client.get("/api/v1/me/certificate.pdf")
    assert response.status_code == 200, response.text
    rows = await Certificate.select(Certificate.code).where(Certificate.account == participant["id"])
    return rows[0]["code"]


async def test_pdf_is_403_with_a_swedish_message_until_the_course_is_complete(client, participant, course):
    await complete_course(participant["id"], course, leave_out=1)
    response = await client.get("/api/v1/me/certificate.pdf")
    assert response.status_code == 403
    assert "alla lektioner" in response.json()["detail"]
    assert await Certificate.count() == 0


async def test_pdf_needs_a_login(client):
    assert (await client.get("/api/v1/me/certificate.pdf")).status_code == 401


async def test_pdf_carries_the_full_name_the_course_and_the_code(client, participant, course):
    await complete_course(participant["id"], course)
    response = await client.get("/api/v1/me/certificate.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "no-store" in response.headers["cache-control"]
    assert response.content.startswith(b"%PDF-")
    code = (await Certificate.select(Certificate.code).where(Certificate.account == participant["id"]))[0]["code"]
    assert code in response.headers["content-disposition"]
    text = pdf_text(response.content)
    for expected in ("Kursintyg", "Anna Andersson", course.title, "20 november 2026", code, f"/intyg/{code}"):
        assert expected in text, expected
    again = await client.get("/api/v1/me/certificate.pdf")
    assert code in pdf_text(again.content) and await Certificate.count() == 1


async def test_the_public_page_shows_anna_a_and_nothing_more(client, participant, course):
    code = await issued_code(client, participant, course)
    client.cookies.clear()  # anyone, not logged in
    for typed in (code, code.lower(), code.replace("-", "")):
        response = await client.get(f"/intyg/{typed}")
        assert response.status_code == 200, typed
        page = response.text
        assert "Intyget är giltigt" in page
        assert "Anna A." in page
        assert course.title in page
        assert "20 november 2026" in page
        assert "Andersson" not in page
        assert "anna@example.se" not in page
        assert "noindex" in response.headers["x-robots-tag"]


async def test_an_unknown_code_is_a_404_page(client):
    response = await client.get("/intyg/ABCDE-FGHJK")
    assert response.status_code == 404
    assert "Inget kursintyg med den koden" in response.text
    assert (await client.get("/intyg/inte-en-kod")).status_code == 404


async def test_the_code_length_is_bounded(client):
    response = await client.get("/intyg/" + "A" * 150)
    assert response.status_code == 404
    assert "A" * 41 not in response.text  # the page repeats at most what a code could be
    assert (await client.get("/intyg/" + "A" * 5000)).status_code == 400


async def test_the_public_form_sends_a_typed_code_to_its_page(client):
    form = await client.get("/intyg")
    assert form.status_code == 200 and 'name="kod"' in form.text
    response = await client.get("/intyg", params={"kod": " abcde fghjk "}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/intyg/ABCDE-FGHJK"
    wrong = await client.get("/intyg", params={"kod": "hej"})
    assert wrong.status_code == 400 and "tio tecken" in wrong.text


async def test_my_certificate_page_lists_what_is_left_then_offers_the_download(client, participant, course):
    before = await client.get("/mitt-intyg")
    assert before.status_code == 200
    assert "återstår" in before.text and course.lessons()[-1].title in before.text
    assert "/api/v1/me/certificate.pdf" not in before.text
    await complete_course(participant["id"], course)
    after = await client.get("/mitt-intyg")
    assert after.status_code == 200
    code = (await Certificate.select(Certificate.code).where(Certificate.account == participant["id"]))[0]["code"]
    assert "/api/v1/me/certificate.pdf" in after.text and code in after.text


async def test_my_certificate_page_needs_a_login(client):
    response = await client.get("/mitt-intyg", follow_redirects=False)
    assert response.status_code in (302, 303, 307) and "/logga-in" in response.headers["location"]


async def test_after_the_holders_erasure_the_page_says_it_can_no_longer_be_checked(client, participant, course):
    code = await issued_code(client, participant, course)
    await Certificate.update({Certificate.holder_short_name: "", Certificate.account: None}).where(
        Certificate.code == code
    )
    client.cookies.clear()
    response = await client.get(f"/intyg/{code}")
    assert response.status_code == 200
    assert "Intyget kan inte längre kontrolleras" in response.text
    assert "Intyget är giltigt" not in response.text and "Anna" not in response.text


async def test_the_check_link_is_on_the_public_url_not_the_requests_host(smtp_client, course):
    from tests.conftest import PUBLIC_URL, register

    participant = await register(smtp_client)
    await complete_course(participant["id"], course)
    page = (await smtp_client.get("/mitt-intyg", headers={"host": "evil.example"})).text
    code = (await Certificate.select(Certificate.code))[0]["code"]
    assert f"{PUBLIC_URL}/intyg/{code}" in page and "evil.example" not in page
    pdf = (await smtp_client.get("/api/v1/me/certificate.pdf")).content
    assert f"{PUBLIC_URL}/intyg/{code}" in pdf_text(pdf)
