"""A double click on Svara and a retried API request return the first attempt (grading/service.py), through the
pages (form and htmx) and the JSON API, with real CSRF."""

import asyncio

from coursesite.db.answers import Answer
from tests.conftest import csrf_token
from tests.support import correct_response, wrong_response


def limited(course):
    lesson = next(candidate for candidate in course.lessons() if candidate.max_attempts and candidate.act_number == 1)
    return lesson, next(q for q in lesson.questions if q.type.value == "single_choice")


async def api_answer(client, question, response, key=None):
    headers = {"x-csrftoken": await csrf_token(client)}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post(
        "/api/v1/answers", json={"question_id": question.id, "response": response}, headers=headers
    )


async def test_the_api_returns_the_first_attempt_for_a_repeat(client, participant, course):
    _, question = limited(course)
    first = await api_answer(client, question, wrong_response(question))
    again = await api_answer(client, question, wrong_response(question))
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.json()["attempt"] == 1
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await Answer.count() == 1


async def test_the_api_idempotency_key(client, participant, course, every_answer_counts):
    _, question = limited(course)
    first = await api_answer(client, question, wrong_response(question), key="5f0c6a9e-0d1b-4c55-9a51-2b8e0f6f7a10")
    again = await api_answer(client, question, wrong_response(question), key="5f0c6a9e-0d1b-4c55-9a51-2b8e0f6f7a10")
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    other = await api_answer(client, question, wrong_response(question), key="annan-nyckel")
    assert other.json()["attempt"] == 2  # a new key, and repeats counted (the fixture): a new attempt
    reused = await api_answer(client, question, correct_response(question), key="annan-nyckel")
    assert reused.status_code == 409 and "Idempotency-Key" in reused.json()["detail"]
    assert await Answer.count() == 2


async def test_a_malformed_key_is_a_swedish_400(client, participant, course):
    _, question = limited(course)
    for key in ("x" * 101, "two words", "ogiltig;tecken"):
        response = await api_answer(client, question, wrong_response(question), key=key)
        assert response.status_code == 400, key
        assert "Idempotency-Key" in response.json()["detail"] and "tecken" in response.json()["detail"]
        assert "Idempotency-Key" in response.json()["errors"]
    assert await Answer.count() == 0


async def test_two_api_requests_at_once_record_one_attempt(client, participant, course):
    _, question = limited(course)
    token = await csrf_token(client)
    body = {"question_id": question.id, "response": wrong_response(question)}
    replies = await asyncio.gather(
        *(client.post("/api/v1/answers", json=body, headers={"x-csrftoken": token}) for _ in range(2))
    )
    assert [r.status_code for r in replies] == [201, 201]
    assert len({r.json()["id"] for r in replies}) == 1
    assert await Answer.count() == 1


async def test_a_double_click_on_the_form_records_one_attempt(client, participant, course):
    lesson, question = limited(course)
    for _ in range(2):
        token = await csrf_token(client, f"/lektion/{lesson.slug}")
        response = await client.post(
            f"/lektion/{lesson.slug}/svar/{question.id}",
            data={"_csrf_token": token, "response": wrong_response(question)},
            follow_redirects=False,
        )
        assert response.status_code == 303
    assert await Answer.count() == 1


async def test_a_double_click_with_htmx_records_one_attempt(client, participant, course):
    lesson, question = limited(course)
    token = await csrf_token(client, f"/lektion/{lesson.slug}")
    for _ in range(2):
        response = await client.post(
            f"/lektion/{lesson.slug}/svar/{question.id}",
            data={"response": wrong_response(question)},
            headers={"hx-request": "true", "x-csrftoken": token},
        )
        assert response.status_code == 200
    assert await Answer.count() == 1
    attempts = await Answer.select(Answer.attempt)
    assert attempts == [{"attempt": 1}]


async def test_a_malformed_key_on_the_form_is_shown_in_swedish(client, participant, course):
    lesson, question = limited(course)
    token = await csrf_token(client, f"/lektion/{lesson.slug}")
    response = await client.post(
        f"/lektion/{lesson.slug}/svar/{question.id}",
        data={"_csrf_token": token, "response": wrong_response(question)},
        headers={"Idempotency-Key": "x" * 101},
        follow_redirects=False,
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.text
    assert await Answer.count() == 0
