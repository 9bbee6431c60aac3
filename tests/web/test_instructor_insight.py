"""Insight over HTTP: who may see it, the pages with their charts, the JSON API and the streamed CSV."""

import csv
import io
import re

import pytest

from coursesite.course.presentation import question_title
from coursesite.web.controllers import instructor_insight
from tests.conftest import api_post, login_as_staff, register
from tests.support import correct_response, wrong_response

QUESTION_ID = "inkomster-och-utgifter.vad-ar-nettolon"
ROUTES = [
    "/larare/statistik",
    "/larare/statistik?lektion=budget",
    f"/larare/statistik/fraga/{QUESTION_ID}",
    "/larare/deltagare",
    "/larare/deltagare/1",
    f"/api/v1/instructor/questions/{QUESTION_ID}/stats",
    "/api/v1/instructor/grades.csv",
]


def test_every_route_is_covered_here():
    registered = {route.path for router in instructor_insight.ROUTES for route in router.routes}
    covered = {
        re.sub(r"/\d+$", "/{account_id:int}", path.split("?")[0]).replace(QUESTION_ID, "{question_id:str}")
        for path in ROUTES
    }
    assert registered == covered


@pytest.mark.parametrize("role", ["participant", "finance", "customer_service"])
async def test_only_instructors_and_admins_get_in(client, role):
    if role == "participant":
        await register(client)
    else:
        await login_as_staff(client, role)
    for path in ROUTES:
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 403, (role, path, response.status_code)
        assert "anna@example.se" not in response.text and "deltagare-id" not in response.text


async def test_logged_out_is_asked_to_log_in(client):
    for path in ROUTES:
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (401, 302, 303), path


async def answer_some(client, course):
    """Two participants answer the first lesson: Anna right, Bo wrong then right on the first question."""
    lesson = course.lessons()[0]
    await register(client, "anna@example.se", "Anna")
    for question in lesson.questions:
        await api_post(client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)})
    client.cookies.clear()
    await register(client, "=bo@example.se", "=Bo", "Berg")
    for question in lesson.questions:
        await api_post(client, "/api/v1/answers", {"question_id": question.id, "response": wrong_response(question)})
    first = lesson.questions[0]
    await api_post(client, "/api/v1/answers", {"question_id": first.id, "response": correct_response(first)})
    return lesson


@pytest.mark.parametrize("role", ["instructor", "admin"])
async def test_question_stats_api(client, course, role):
    lesson = await answer_some(client, course)
    await login_as_staff(client, role)
    response = await client.get(f"/api/v1/instructor/questions/{QUESTION_ID}/stats")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["question_id"] == QUESTION_ID and body["lesson"] == lesson.slug
    assert (body["participants"], body["scored_participants"], body["attempts"]) == (2, 2, 3)
    assert body["facility"] == 100.0  # both got it right in the end, and the best attempt counts
    assert body["discrimination"] is None  # no variation: undefined, not 0
    assert sum(choice["count"] for choice in body["choices"]) == 3
    assert body["wrong_responses"] is None

    numeric = lesson.questions[1]
    body = (await client.get(f"/api/v1/instructor/questions/{numeric.id}/stats")).json()
    assert body["facility"] == 50.0
    assert body["wrong_responses"][0]["response"] == "987654321"
    assert body["choices"] is None

    missing = await client.get("/api/v1/instructor/questions/nope.nope/stats")
    assert missing.status_code == 404
    too_long = await client.get(f"/api/v1/instructor/questions/{'x' * 161}/stats")
    assert too_long.status_code == 400


async def test_grades_csv_is_streamed_for_swedish_excel(client, course):
    await answer_some(client, course)
    await login_as_staff(client, "instructor")
    response = await client.get("/api/v1/instructor/grades.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert "content-length" not in response.headers  # a Stream: sent in chunks as the batches are read
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["deltagare-id", "förnamn", "efternamn", "e-post"]
    assert len(body) == 2 * len(course.lessons())  # two participants, every lesson; no staff
    assert {row[1] for row in body} == {"Anna", "'=Bo"}  # the formula is neutralised
    assert all(len(row) == len(header) for row in body)


def test_the_export_route_returns_a_stream():
    from litestar.response import Stream

    assert instructor_insight.api_grades_csv.fn.__annotations__["return"] in ("Stream", Stream)


async def test_openapi_lists_the_instructor_api(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "/api/v1/instructor/questions/{question_id}/stats" in paths
    assert "/api/v1/instructor/grades.csv" in paths
    assert "/larare/statistik" not in paths


async def test_stats_pages_show_charts_with_a_text_alternative(client, course):
    lesson = await answer_some(client, course)
    await login_as_staff(client, "instructor")
    page = await client.get("/larare/statistik")
    assert page.status_code == 200
    html = page.text
    assert html.count('class="chart"') == 2 and "<title id=" in html and "<desc id=" in html
    assert "<table" in html and question_title(lesson.questions[0]) in html
    assert "Beräknad " in html and "äldre än en minut" in html  # the overview is a snapshot and says so
    assert "<script>" not in html.split("</head>")[1] and ' style="' not in html  # CSP: no inline script or style
    assert (await client.get("/larare/statistik?lektion=finns-inte")).status_code == 404
    assert (await client.get(f"/larare/statistik?lektion={'x' * 81}")).status_code == 400

    question = await client.get(f"/larare/statistik/fraga/{QUESTION_ID}")
    assert question.status_code == 200
    assert 'role="img"' in question.text and "Valda svar" in question.text
    numeric = await client.get(f"/larare/statistik/fraga/{lesson.questions[1].id}")
    assert "987654321" in numeric.text and "Vanligaste felaktiga svaren" in numeric.text
    assert (await client.get("/larare/statistik/fraga/nope.nope")).status_code == 404


async def test_participants_pages(client, course):
    await answer_some(client, course)
    await login_as_staff(client, "instructor")
    listing = await client.get("/larare/deltagare")
    assert listing.status_code == 200
    assert (
        "Anna" in listing.text and "=Bo" in listing.text and "instructor@balansekonomi.se" not in listing.text
    )  # no staff
    found = await client.get("/larare/deltagare", params={"q": "anna"})
    assert "Anna" in found.text and "Berg" not in found.text
    assert (await client.get("/larare/deltagare", params={"q": "x" * 101})).status_code == 400
    assert (await client.get("/larare/deltagare", params={"sida": 0})).status_code == 400
    assert (
        await client.get("/larare/deltagare", params={"sida": 999})
    ).status_code == 200  # past the end: the last page

    found = re.search(r'href="/larare/deltagare/(\d+)">Anna', listing.text)
    assert found is not None
    anna_id = found.group(1)
    detail = await client.get(f"/larare/deltagare/{anna_id}")
    assert detail.status_code == 200
    assert "anna@example.se" in detail.text and "Automatiskt" in detail.text and "räknas" in detail.text
    assert (await client.get("/larare/deltagare/999999")).status_code == 404
    assert (await client.get("/larare/deltagare/99999999999")).status_code == 400


async def test_stats_pages_name_questions_in_their_own_words_and_fit_their_labels(client, course):
    lesson = await answer_some(client, course)
    await login_as_staff(client, "instructor")
    html = (await client.get("/larare/statistik")).text
    first = lesson.questions[0]
    assert f"1. {question_title(first)}</a>" in html and f"1. {first.name}</a>" not in html
    assert 'class="insight-table-wrap"' in html  # a wide table scrolls in its own box, not the page
    labels = re.findall(r'viewBox="0 0 (\d+) \d+".*?<text x="([\d.]+)" y="[\d.]+" fill="#222222">100,0', html)
    assert labels
    for viewbox, value_x in labels:
        # "100,0 %" is 7 characters at about 7.2 px each: it must end inside the chart
        assert float(value_x) + 7 * 7.2 <= int(viewbox), (viewbox, value_x)
    question = (await client.get(f"/larare/statistik/fraga/{QUESTION_ID}")).text
    assert "/api/v1/" not in question and "API:t" not in question
    assert f"<h1>1. {question_title(first)}</h1>" in question


async def test_a_test_never_sees_the_statistics_an_earlier_test_computed(services, sites, settings):
    """The run shares one set of services between tests (tests/conftest.py: Sites), and the overview keeps a snapshot
    per process: one computed on an earlier test's answers must not be served on this test's emptied tables."""
    lesson = services.catalog.course.lessons()[0]
    earlier = await services.insight.lesson_overview(lesson)  # as an earlier test's view of the stats page left it
    assert await services.insight.lesson_overview(lesson) is earlier  # young enough: a snapshot, as in production
    assert sites.get(settings)[0] is services  # the next test is handed the same services...
    assert await services.insight.lesson_overview(lesson) is not earlier  # ...with the snapshot dropped
