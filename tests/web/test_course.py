"""The course through the JSON API and the pages: what is shown, answering, feedback, progress, locks."""

import re

import pytest

from coursesite.course.presentation import prompt_title
from coursesite.db.answers import Answer
from tests.conftest import api_post, csrf_token, register
from tests.support import correct_response, open_every_lesson, without_icons, wrong_response

KEY_WORDS = ("fraction", "weight", "feedback", "answer", "correct", "tolerance", "right_id", "pairs")


async def test_course_lists_acts_lessons_and_questions_without_keys(client, participant, course):
    response = await client.get("/api/v1/course")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Balansekonomi – utbildningen i tre akter"
    assert [act["slug"] for act in body["acts"]] == ["akt-1", "akt-2", "akt-3"]
    assert [act["unlocked"] for act in body["acts"]] == [True, False, False]
    types = set()
    for act in body["acts"]:
        assert {"slug", "title", "lessons"} <= set(act)
        assert len(act["lessons"]) >= 3
        for lesson in act["lessons"]:
            assert {"slug", "title", "unlocked", "questions"} <= set(lesson)
            assert len(lesson["questions"]) >= 4
            for question in lesson["questions"]:
                types.add(question["type"])
                assert not set(question) & set(KEY_WORDS), question
                if question["type"] in ("single_choice", "multiple_choice"):
                    assert all(set(c) == {"id", "text"} for c in question["choices"])
                if question["type"] == "matching":
                    assert question["left"] and question["right"]
                if question["type"] == "ordering":
                    assert len(question["items"]) >= 2
    assert types >= {
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "numeric",
        "matching",
        "ordering",
    }
    text = response.text
    for lesson in course.lessons():
        for question in lesson.questions:
            for feedback in [question.general_feedback] + [
                getattr(c, "feedback", "") for c in getattr(question, "choices", ())
            ]:
                if feedback and len(feedback) > 25:
                    assert feedback not in text


async def test_ordering_items_are_not_shown_in_answer_order(client, participant, course):
    body = (await client.get("/api/v1/course")).json()
    shown = {
        q["id"]: [i["id"] for i in q["items"]]
        for a in body["acts"]
        for lesson in a["lessons"]
        for q in lesson["questions"]
        if q["type"] == "ordering"
    }
    for lesson in course.lessons():
        for question in lesson.questions:
            if question.id in shown:
                assert shown[question.id] != [item.id for item in question.items]


async def test_answer_api_grades_at_once(client, participant, course):
    question = course.acts[0].lessons[0].questions[0]
    response = await api_post(
        client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= {"id", "score", "max_score", "correct", "feedback", "attempt", "status"}
    assert body["status"] == "graded" and body["correct"] is True and body["attempt"] == 1
    assert float(body["score"]) == float(body["max_score"]) == float(question.points)
    assert question.general_feedback in body["feedback"]
    wrong = await api_post(
        client, "/api/v1/answers", {"question_id": question.id, "response": wrong_response(question)}
    )
    assert wrong.json()["attempt"] == 2 and wrong.json()["correct"] is False


async def test_essay_is_pending_review(client, participant, course, db):
    essay = next(q for lesson in course.lessons() for q in lesson.questions if q.type.value == "essay")
    await open_every_lesson(participant["id"], course)
    response = await api_post(
        client, "/api/v1/answers", {"question_id": essay.id, "response": "Jag sparar tio procent av lönen varje månad."}
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending_review" and response.json()["score"] is None


@pytest.mark.parametrize(
    "payload, status",
    [
        ({"question_id": "finns-inte.alls", "response": "x"}, 404),
        ({"question_id": "x" * 200, "response": "x"}, 400),
        ({"response": "x"}, 400),
    ],
)
async def test_answer_api_errors(client, participant, payload, status):
    response = await api_post(client, "/api/v1/answers", payload)
    assert response.status_code == status


async def test_malformed_and_refused_responses_are_400_and_not_stored(client, participant, course):
    lesson = course.acts[0].lessons[0]
    choice = next(q for q in lesson.questions if q.type.value == "single_choice")
    response = await api_post(client, "/api/v1/answers", {"question_id": choice.id, "response": ["a", "b"]})
    assert response.status_code == 400 and response.json()["detail"]
    text_question = next(
        q for lesson in course.acts[0].lessons for q in lesson.questions if q.type.value in ("short_answer", "numeric")
    )
    response = await api_post(client, "/api/v1/answers", {"question_id": text_question.id, "response": "0001012384"})
    assert response.status_code == 400
    assert "personnummer" in response.json()["detail"]
    assert await Answer.count() == 0


async def test_locked_lesson_is_403(client, participant, course):
    question = course.acts[1].lessons[0].questions[0]
    response = await api_post(
        client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)}
    )
    assert response.status_code == 403
    page = await client.get(f"/lektion/{course.acts[1].lessons[0].slug}")
    assert page.status_code == 403 and "låst" in page.text


async def test_not_enrolled_is_403_and_stores_nothing(client, course):
    """The enrolment is read in the submission's first statement with the cached session: no enrolment, no answer."""
    await register(client, enrolled=False)
    question = course.acts[0].lessons[0].questions[0]
    for _ in range(2):  # the second with the session from this worker's cache
        response = await api_post(
            client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)}
        )
        assert response.status_code == 403 and "Anmäl dig" in response.json()["detail"]
        page = await client.get(f"/lektion/{course.acts[0].lessons[0].slug}")  # the page reads it in its statement
        assert page.status_code == 403 and "Anmäl dig" in page.text
    assert await Answer.count() == 0


async def test_attempts_used_up_is_403(client, participant, course, every_answer_counts):
    """The same wrong answer each time, on purpose (every_answer_counts: no double-click window)."""
    lesson = next(candidate for candidate in course.acts[0].lessons if candidate.max_attempts)
    question = lesson.questions[0]
    for _ in range(lesson.max_attempts):
        await api_post(client, "/api/v1/answers", {"question_id": question.id, "response": wrong_response(question)})
    response = await api_post(
        client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)}
    )
    assert response.status_code == 403


async def test_my_answers_and_progress(client, participant, course):
    lesson = course.acts[0].lessons[0]
    for question in lesson.questions:
        await api_post(client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)})
    answers = (await client.get(f"/api/v1/me/answers?lesson={lesson.slug}")).json()
    assert len(answers) == len(lesson.questions)
    assert set(answers[0]) >= {
        "id",
        "question_id",
        "response",
        "score",
        "max_score",
        "status",
        "attempt",
        "feedback",
        "comment",
    }
    progress = (await client.get("/api/v1/me/progress")).json()
    act1 = progress["acts"][0]
    assert (act1["lessons_completed"], act1["lessons_total"]) == (1, len(course.acts[0].lessons))
    assert act1["percent"] == 100 // len(course.acts[0].lessons)
    assert progress["percent"] == 100 // len(course.lessons())


async def test_completing_act_1_through_the_api_unlocks_act_2(client, participant, course):
    for lesson in course.acts[0].lessons:
        for question in lesson.questions:
            response = await api_post(
                client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)}
            )
            assert response.status_code == 201, response.text
    body = (await client.get("/api/v1/course")).json()
    assert [act["unlocked"] for act in body["acts"]] == [True, True, False]


async def test_not_logged_in_is_401_for_the_api(client):
    assert (await client.get("/api/v1/course")).status_code == 401
    assert (await client.get("/api/v1/me/progress")).status_code == 401
    response = await api_post(client, "/api/v1/answers", {"question_id": "x.y", "response": "1"})
    assert response.status_code == 401


async def test_lesson_page_answer_without_javascript(client, participant, course):
    lesson = course.acts[0].lessons[0]
    question = next(q for q in lesson.questions if q.type.value == "single_choice")
    page = await client.get(f"/lektion/{lesson.slug}")
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text
    assert lesson.title in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    response = await client.post(
        f"/lektion/{lesson.slug}/svar/{question.id}",
        data={"_csrf_token": token, "response": correct_response(question)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/lektion/{lesson.slug}#fraga-{question.id}"
    page = await client.get(f"/lektion/{lesson.slug}")
    assert "Rätt!" in page.text
    assert question.general_feedback.split("\n")[0][:40] in page.text


async def test_lesson_page_answer_with_htmx_returns_the_question_and_the_progress(client, participant, course):
    lesson = course.acts[0].lessons[0]
    question = next(q for q in lesson.questions if q.type.value == "single_choice")
    token = await csrf_token(client, f"/lektion/{lesson.slug}")
    response = await client.post(
        f"/lektion/{lesson.slug}/svar/{question.id}",
        data={"response": wrong_response(question)},
        headers={"hx-request": "true", "x-csrftoken": token},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<article")
    assert f'id="fraga-{question.id}"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert "Fel: 0 av" in response.text or "Delvis rätt:" in response.text


async def test_form_errors_re_render_with_a_message(client, participant, course):
    lesson = course.acts[0].lessons[0]
    question = next(q for q in lesson.questions if q.type.value == "single_choice")
    token = await csrf_token(client, f"/lektion/{lesson.slug}")
    response = await client.post(f"/lektion/{lesson.slug}/svar/{question.id}", data={"_csrf_token": token})
    assert response.status_code == 400
    assert "Välj ett svarsalternativ" in response.text


async def test_every_question_type_can_be_answered_through_the_form(client, participant, course, db):
    """Each form field shape maps onto the grader's response shape."""
    await open_every_lesson(participant["id"], course)
    seen = set()
    for lesson in course.lessons():
        for question in lesson.questions:
            if question.type in seen:
                continue
            seen.add(question.type)
            response = correct_response(question)
            if question.type.value == "matching":
                form = {f"match-{left}": right for left, right in response.items()}
            elif question.type.value == "ordering":
                form = {f"position-{item}": str(i + 1) for i, item in enumerate(response)}
            elif question.type.value == "true_false":
                form = {"response": "true" if response else "false"}
            else:
                form = {"response": response}
            token = await csrf_token(client, f"/lektion/{lesson.slug}")
            reply = await client.post(
                f"/lektion/{lesson.slug}/svar/{question.id}", data=form | {"_csrf_token": token}, follow_redirects=False
            )
            assert reply.status_code == 303, (question.type, reply.text[:500])
    answers = (await client.get("/api/v1/me/answers")).json()
    assert {a["status"] for a in answers} <= {"graded", "pending_review"}
    assert all(a["correct"] in (True, None) for a in answers)
    assert len(seen) == 8


async def test_min_kurs_shows_progress_bars(client, participant, course):
    page = await client.get("/min-kurs")
    assert page.status_code == 200
    assert page.text.count("<progress") == 1 + len(course.acts)
    assert "Låst" in page.text


async def test_results_page(client, participant, course):
    lesson = course.acts[0].lessons[0]
    question = lesson.questions[0]
    await api_post(client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)})
    page = await client.get(f"/lektion/{lesson.slug}/resultat")
    assert page.status_code == 200
    assert "Inte besvarad" in page.text and prompt_title(question.prompt) in page.text


async def test_a_lesson_shows_the_outline_and_leads_on_to_the_next_lesson(client, participant, course):
    first_act, second_act = course.acts[0], course.acts[1]
    page = (await client.get(f"/lektion/{first_act.lessons[0].slug}")).text
    outline = page.split('id="kursens-innehall"')[1].split("</nav>")[0]
    # A drawer button that outline.js shows on a phone; without the script the outline is simply there.
    assert 'aria-controls="outline-panel" hidden>Kursöversikt</button>' in outline
    assert '<script src="/static/js/outline.js" defer></script>' in page
    assert "Kursöversikt" in outline and first_act.title in outline and second_act.title in outline
    assert f'href="/lektion/{first_act.lessons[0].slug}" aria-current="page"' in outline
    assert f'href="/lektion/{second_act.lessons[0].slug}"' not in outline  # a locked act's lessons are not links
    following = first_act.lessons[1]
    next_link = f'href="/lektion/{following.slug}" rel="next" id="next-lesson">Nästa lektion: {following.title}</a>'
    assert next_link in without_icons(page)

    last_of_act = (await client.get(f"/lektion/{first_act.lessons[-1].slug}")).text
    assert f"Nästa lektion, {second_act.lessons[0].title}, öppnas när du har gjort klart {first_act.title}." in (
        last_of_act
    )
    await open_every_lesson(participant["id"], course)
    last = (await client.get(f"/lektion/{course.lessons()[-1].slug}")).text
    assert "Det här är kursens sista lektion." in last
