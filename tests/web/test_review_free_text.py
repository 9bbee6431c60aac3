"""One free-text rule for review (review/text.py on core/text.py), through the pages with real CSRF and through the
JSON API: every free text review stores (a grade's comment, an override's reason, a dismissal's comment, a
comment-bank entry, the participant's flag reason) refuses NUL, control and bidi characters, personnummer,
samordningsnummer and card numbers, and a text that is too long, with a message that names the field, and stores
nothing. A score too large to quantize (1e39) is a 400 with a Swedish message, not a 500."""

from __future__ import annotations

from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from coursesite.db.answers import Answer
from coursesite.db.review import AnswerFlag, CommentBankEntry, GradeEvent
from tests.conftest import api_post, csrf_token, login_as_staff, register
from tests.support import open_every_lesson

MONTHLY = "inkomster-och-utgifter.arskostnad-per-manad"  # numeric, 1 point: 575 is right, 6900 is not
MONTHLY_LESSON = "inkomster-och-utgifter"
QUEUE = "/larare/granskning"
BASE_URL = "http://testserver.local"
FLAG_REASON = "Jag räknade per år."

# (name, the text, what the message says besides the field's name); the lengths are those of each field
VECTORS = [
    ("nul", "Rätt tänkt\x00 men fel", "otillåtna tecken"),
    ("control", "Rätt tänkt\x1b[31m men fel", "otillåtna tecken"),
    ("bell", "Rätt\x07 tänkt", "otillåtna tecken"),
    ("bidi", "Rätt tänkt \u202etxet nevöv", "otillåtna tecken"),
    ("isolate", "Rätt \u2066tänkt\u2069", "otillåtna tecken"),
    ("personnummer", "Ditt nummer 811228-9874 syns", "personnummer"),
    ("samordningsnummer", "Mitt samordningsnummer är 701063-2391", "samordningsnummer"),
    ("card", "Kortet 4111 1111 1111 1111 drogs", "kortnummer"),
    ("too long", None, "för lång"),
]
DIGITS = ("811228-9874", "701063-2391", "4111 1111 1111 1111")


def text_for(vector: str | None, limit: int) -> str:
    return "x" * (limit + 1) if vector is None else vector


def page_text(html: str) -> str:
    return unescape(html)


@pytest.fixture
async def flagged(client, course):
    """A participant's graded answer, flagged (so it is in the queue), and the participant's own client."""
    async with AsyncTestClient(app=client.app, base_url=BASE_URL) as participant:
        account = await register(participant, "anna@example.se", "Anna")
        await open_every_lesson(account["id"], course)
        reply = await api_post(participant, "/api/v1/answers", {"question_id": MONTHLY, "response": "6900"})
        assert reply.status_code == 201, reply.text
        answer_id = reply.json()["id"]
        flag = await api_post(participant, f"/api/v1/answers/{answer_id}/flag", {"reason": FLAG_REASON})
        assert flag.status_code == 201, flag.text
        await login_as_staff(client, "instructor")
        yield answer_id


async def submit(client, page: str, action: str, data: dict):
    """POST a form the way a browser does: the token comes from the page that holds the form."""
    token = await csrf_token(client, page)
    return await client.post(action, data={**data, "_csrf_token": token}, follow_redirects=False)


async def nothing_changed(answer_id: int) -> None:
    assert await GradeEvent.count() == 0
    row = (await Answer.select(Answer.score_milli, Answer.reviewer_comment).where(Answer.id == answer_id))[0]
    assert row == {"score_milli": 0, "reviewer_comment": None}
    flags = await AnswerFlag.select(AnswerFlag.reason, AnswerFlag.resolved_at)
    assert flags == [{"reason": FLAG_REASON, "resolved_at": None}]
    assert await CommentBankEntry.count() == 0


def refused_page(response, field: str, expected: str) -> None:
    assert response.status_code == 400, response.text[:500]
    text = page_text(response.text)
    assert f'<div class="alert" role="alert">{field} ' in text, field  # the message names the field
    assert expected in text
    for digits in DIGITS:
        assert digits not in text  # a refused identity or card number is never shown again


# -- the pages (real CSRF). Each form gets every vector in turn (a subtest each): a refused text changes nothing, so
# the flagged answer the fixture made serves them all.


@pytest.mark.parametrize(
    ("action", "field", "limit", "data"),
    [
        ("bedom", "Kommentaren", 2000, lambda text: {"score": "1", "comment": text}),
        ("andra", "Motiveringen", 1000, lambda text: {"score": "0,5", "reason": text}),
        ("avsluta", "Kommentaren", 2000, lambda text: {"dismiss_comment": text}),
        ("kommentarer", "Kommentaren", 1000, lambda text: {"comment": text}),
    ],
    ids=["grade comment", "override reason", "dismiss comment", "comment bank entry"],
)
async def test_a_review_text_is_refused_on_the_page(client, flagged, subtests, action, field, limit, data):
    page = f"{QUEUE}/{flagged}"
    target = "/larare/kommentarer" if action == "kommentarer" else f"{page}/{action}"
    extra = {"answer_id": str(flagged)} if action == "kommentarer" else {}
    for name, vector, expected in VECTORS:
        with subtests.test(vector=name):
            response = await submit(client, page, target, data(text_for(vector, limit)) | extra)
            refused_page(response, field, expected)
            await nothing_changed(flagged)


async def test_a_flag_reason_is_refused_on_the_results_page(client, course, subtests):
    account = await register(client, "bo@example.se", "Bo")
    await open_every_lesson(account["id"], course)
    reply = await api_post(client, "/api/v1/answers", {"question_id": MONTHLY, "response": "6900"})
    answer_id = reply.json()["id"]
    results = f"/lektion/{MONTHLY_LESSON}/resultat"
    action = f"/lektion/{MONTHLY_LESSON}/svar/{answer_id}/omprova"
    for name, vector, expected in VECTORS:
        with subtests.test(vector=name):
            response = await submit(client, results, action, {"reason": text_for(vector, 1000)})
            assert response.status_code == 400
            text = page_text(response.text)
            assert f'id="reason-{answer_id}-error">Motiveringen ' in text and expected in text  # at the field
            assert await AnswerFlag.count() == 0


async def test_line_breaks_and_tabs_are_kept_in_a_comment(client, flagged):
    page = f"{QUEUE}/{flagged}"
    comment = "Rätt tänkt.\n\tMen räkna per månad."
    response = await submit(client, page, f"{page}/bedom", {"score": "1", "comment": comment})
    assert response.status_code == 303
    rows = await Answer.select(Answer.reviewer_comment).where(Answer.id == flagged)
    assert rows[0]["reviewer_comment"] == comment


@pytest.mark.parametrize("score", ["1e39", "-1e39", "1E+999999"])
async def test_a_huge_override_score_on_the_page_is_a_400_in_swedish(client, flagged, score):
    page = f"{QUEUE}/{flagged}"
    response = await submit(client, page, f"{page}/andra", {"score": score, "reason": "Rimligt"})
    assert response.status_code == 400
    assert "Poängen måste vara mellan 0 och 1." in page_text(response.text)
    await nothing_changed(flagged)


# -- the JSON API (real CSRF)

API_VECTORS = [v for v in VECTORS if v[1] is not None]  # the API bounds the length in its schema (below)


async def test_a_grade_comment_is_refused_by_the_api(client, flagged, subtests):
    for name, vector, expected in API_VECTORS:
        with subtests.test(vector=name):
            body = {"score": "1", "comment": vector}
            response = await api_post(client, f"/api/v1/instructor/answers/{flagged}/grade", body)
            assert response.status_code == 400, response.text
            detail = response.json()
            assert detail["detail"].startswith("Kommentaren ") and expected in detail["detail"]
            assert set(detail["errors"]) == {"comment"}
            assert not any(digits in response.text for digits in DIGITS)
            await nothing_changed(flagged)


async def test_an_override_reason_is_refused_by_the_api(client, flagged, subtests):
    for name, vector, expected in API_VECTORS:
        with subtests.test(vector=name):
            body = {"score": "0.5", "reason": vector}
            response = await api_post(client, f"/api/v1/instructor/answers/{flagged}/override", body)
            assert response.status_code == 400, response.text
            detail = response.json()
            assert detail["detail"].startswith("Motiveringen ") and expected in detail["detail"]
            assert set(detail["errors"]) == {"reason"}
            await nothing_changed(flagged)


async def test_a_flag_reason_is_refused_by_the_api(client, course, subtests):
    account = await register(client, "bo@example.se", "Bo")
    await open_every_lesson(account["id"], course)
    reply = await api_post(client, "/api/v1/answers", {"question_id": MONTHLY, "response": "6900"})
    answer_id = reply.json()["id"]
    for name, vector, expected in API_VECTORS:
        with subtests.test(vector=name):
            response = await api_post(client, f"/api/v1/answers/{answer_id}/flag", {"reason": vector})
            assert response.status_code == 400, response.text
            detail = response.json()
            assert detail["detail"].startswith("Motiveringen ") and expected in detail["detail"]
            assert await AnswerFlag.count() == 0


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("grade", {"score": "1", "comment": "x" * 2001}, "comment"),
        ("override", {"score": "1", "reason": "x" * 1001}, "reason"),
    ],
)
async def test_a_text_too_long_for_the_api_is_a_400_naming_the_field(client, flagged, path, body, field):
    response = await api_post(client, f"/api/v1/instructor/answers/{flagged}/{path}", body)
    assert response.status_code == 400, response.text
    assert field in response.json()["errors"]
    await nothing_changed(flagged)


@pytest.mark.parametrize("score", [1e39, "1e39", -1e39, "1E+999999"])
async def test_a_huge_override_score_in_the_api_is_a_400_in_swedish(client, flagged, score):
    response = await api_post(
        client, f"/api/v1/instructor/answers/{flagged}/override", {"score": score, "reason": "Rimligt"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "Poängen måste vara mellan 0 och 1."
    await nothing_changed(flagged)
