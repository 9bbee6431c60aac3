"""The instructor's review pages through the test client with real CSRF: the queue, grading with a rubric, the
comment bank, anonymous mode, overrides and the audit trail, flags, regrades, and who may see them. The participant's
side: the results page shows a person's grade, and the participant can ask for a new review."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from coursesite.course.presentation import question_title
from coursesite.db.answers import Answer
from coursesite.db.review import CommentBankEntry, GradeEvent, RegradeRun
from coursesite.settings import REPO_ROOT
from tests.conftest import csrf_token, login_as_staff, make_settings, register
from tests.support import participant_answers, wrong_response

ESSAY = "indexfonder-och-avgifter.forklara-avgifter"  # 5 points: criteria 2 + 2 + 1
ESSAY_LESSON = "indexfonder-och-avgifter"
MONTHLY = "inkomster-och-utgifter.arskostnad-per-manad"  # numeric: 575 is right, 6900 (the yearly sum) is not
MONTHLY_LESSON = "inkomster-och-utgifter"
QUEUE = "/larare/granskning"
BASE_URL = "http://testserver.local"


@pytest.fixture
async def other(app):
    """A second browser: the participant, while `client` is the instructor."""
    async with AsyncTestClient(app=app, base_url=BASE_URL) as second:
        yield second


def rubric(course):
    _, question = course.find_question(ESSAY)
    return question.rubric


def text_of(html: str) -> str:
    """The page's text, tags removed and whitespace collapsed, for readable assertions."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


async def submit(client, page: str, action: str, data: dict, **kwargs):
    """POST a form the way a browser does: the token comes from the page that holds the form."""
    token = await csrf_token(client, page)
    return await client.post(action, data={**data, "_csrf_token": token}, follow_redirects=False, **kwargs)


async def flag(client, answer_id: int, reason: str, lesson: str = MONTHLY_LESSON):
    return await submit(
        client, f"/lektion/{lesson}/resultat", f"/lektion/{lesson}/svar/{answer_id}/omprova", {"reason": reason}
    )


def criteria_form(course, *points: str) -> dict[str, str]:
    return {f"criterion-{criterion.id}": value for criterion, value in zip(rubric(course), points, strict=True)}


# -- the queue


async def test_the_queue_lists_essays_and_flagged_answers_oldest_first(client, other, course):
    essay_id = await participant_answers(other, course, "anna@example.se", "Anna", ESSAY, "Avgiften dras varje år.")
    async with AsyncTestClient(app=client.app, base_url=BASE_URL) as bo:
        wrong_id = await participant_answers(bo, course, "bo@example.se", "Bo", MONTHLY, "6900")
        flagged = await flag(bo, wrong_id, "Jag tror att 6 900 kr borde ge poäng.")
        assert flagged.status_code == 303
        assert (
            flagged.headers["location"] == f"/lektion/{MONTHLY_LESSON}/resultat?omprovning={wrong_id}#svar-{wrong_id}"
        )
        results = await bo.get(flagged.headers["location"])
        assert "Tack! En lärare tittar på svaret igen." in results.text
        assert "Du har bett om omprövning" in results.text
    async with AsyncTestClient(app=client.app, base_url=BASE_URL) as cia:
        late_id = await participant_answers(cia, course, "cia@example.se", "Cia", ESSAY, "Ränta på ränta.")

    await login_as_staff(client, "instructor")
    page = await client.get(QUEUE)
    assert page.status_code == 200
    html = page.text
    assert 'lang="sv"' in html
    order = [int(match) for match in re.findall(r'<tr id="svar-(\d+)"', html)]
    assert order == [essay_id, wrong_id, late_id]
    text = text_of(html)
    assert "3 svar väntar på en person" in text
    assert "Uppsats" in text and "Omprövning" in text
    assert "Deltagarens motivering: Jag tror att 6 900 kr borde ge poäng." in text
    assert "Anna Andersson" in text and "Bo Andersson" in text


async def test_anonymous_mode_hides_names_on_the_queue_and_the_grading_page(client, other, course, services):
    essay_id = await participant_answers(other, course, "anna@example.se", "Anna", ESSAY, "Avgiften dras varje år.")
    owner = (await Answer.select(Answer.account).where(Answer.id == essay_id))[0]["account"]
    await login_as_staff(client, "instructor")
    shown = await client.get(f"{QUEUE}/{essay_id}")
    assert "Anna Andersson" in shown.text and f"konto {owner}" in shown.text

    queue = await client.get(f"{QUEUE}?anonym=1")
    assert "Anna" not in queue.text and "anna@example.se" not in queue.text
    pseudonym = services.review.pseudonym(owner)
    assert pseudonym in queue.text
    assert f'href="{QUEUE}/{essay_id}?anonym=1"' in queue.text  # the mode is carried by every link
    item = await client.get(f"{QUEUE}/{essay_id}?anonym=1")
    assert item.status_code == 200
    assert "Anna" not in item.text and "anna@example.se" not in item.text and f"konto {owner}" not in item.text
    assert pseudonym in item.text
    assert f'action="{QUEUE}/{essay_id}/bedom?anonym=1"' in item.text
    assert f'action="{QUEUE}/{essay_id}/andra?anonym=1"' in item.text
    # A validation error keeps the mode, and the name stays hidden on the re-rendered page.
    failed = await submit(
        client,
        f"{QUEUE}/{essay_id}?anonym=1",
        f"{QUEUE}/{essay_id}/bedom?anonym=1",
        criteria_form(course, "x", "1", "1"),
    )
    assert failed.status_code == 400 and "Anna" not in failed.text and pseudonym in failed.text
    # Grading in anonymous mode leads on in anonymous mode.
    saved = await submit(
        client,
        f"{QUEUE}/{essay_id}?anonym=1",
        f"{QUEUE}/{essay_id}/bedom?anonym=1",
        criteria_form(course, "1", "1", "1"),
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{QUEUE}?sparat={essay_id}&anonym=1"


# -- grading with the rubric, seen by the participant


async def test_grade_an_essay_with_the_rubric_and_the_participant_sees_it(client, other, course):
    essay_id = await participant_answers(
        other, course, "anna@example.se", "Anna", ESSAY, "Avgiften dras varje år från hela fondvärdet."
    )
    waiting = await other.get(f"/lektion/{ESSAY_LESSON}/resultat")
    assert "Väntar på lärarens bedömning" in waiting.text and "Bedömd av lärare" not in waiting.text

    async with AsyncTestClient(app=client.app, base_url=BASE_URL) as bo:
        second_id = await participant_answers(bo, course, "bo@example.se", "Bo", ESSAY, "Det spelar ingen roll.")
    await login_as_staff(client, "instructor")
    page = await client.get(f"{QUEUE}/{essay_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "En vän säger" in text  # the prompt, rendered from the content
    assert "Avgiften dras varje år från hela fondvärdet." in text
    for criterion in rubric(course):
        assert f'name="criterion-{criterion.id}"' in page.text and criterion.text in text
    # a text field, so "0,5" is not turned into "05" by an English number input
    assert 'type="number"' not in page.text
    assert page.text.count('type="text" inputmode="decimal" pattern="\\s*[0-9]+([,.][0-9]+)?\\s*"') == 4
    assert 'id="rubric-sum"' in page.text and "1 av 2 i kön" in text
    assert f'id="review-next" rel="next" href="{QUEUE}/{second_id}"' in page.text
    assert '<script src="/static/js/review.js" defer></script>' in page.text
    assert "Kortkommandon" in text and "Ctrl + Enter" in text

    saved = await submit(
        client,
        f"{QUEUE}/{essay_id}",
        f"{QUEUE}/{essay_id}/bedom",
        criteria_form(course, "2", "1,5", "0.5") | {"comment": "Bra förklarat, men räkneexemplet saknar antaganden."},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{QUEUE}/{second_id}?sparat={essay_id}"  # on to the next answer in the queue
    following = await client.get(saved.headers["location"])
    assert f"Bedömningen av svar {essay_id} är sparad" in following.text

    row = (await Answer.select().where(Answer.id == essay_id).output(load_json=True))[0]
    assert row["status"] == "graded" and row["score_milli"] == 4000
    ids = [criterion.id for criterion in rubric(course)]
    assert row["rubric_scores"] == {ids[0]: 2000, ids[1]: 1500, ids[2]: 500}

    results = await other.get(f"/lektion/{ESSAY_LESSON}/resultat")
    text = text_of(results.text)
    assert "4 / 5" in text
    assert "Bedömd av lärare" in text
    for criterion, points in zip(rubric(course), ("2", "1,5", "0,5"), strict=True):
        assert f"{criterion.text}: {points} av {criterion.points} p" in text
    assert "Lärarens kommentar: Bra förklarat, men räkneexemplet saknar antaganden." in text
    assert "Väntar på lärarens bedömning" not in text

    # The last one in the queue: saving leads back to the empty queue, with the confirmation.
    last = await submit(
        client, f"{QUEUE}/{second_id}", f"{QUEUE}/{second_id}/bedom", criteria_form(course, "0", "0", "1")
    )
    assert last.headers["location"] == f"{QUEUE}?sparat={second_id}"
    empty = text_of((await client.get(last.headers["location"])).text)
    assert f"Bedömningen av svar {second_id} är sparad. Kön är tom." in empty and "Inga svar väntar just nu" in empty


async def test_grading_errors_are_shown_next_to_the_field(client, other, course):
    essay_id = await participant_answers(other, course, "anna@example.se", "Anna", ESSAY, "Avgiften dras varje år.")
    await login_as_staff(client, "instructor")
    page, action = f"{QUEUE}/{essay_id}", f"{QUEUE}/{essay_id}/bedom"
    first, second, _ = rubric(course)

    not_a_number = await submit(client, page, action, criteria_form(course, "två", "1", "1") | {"comment": "Behålls"})
    assert not_a_number.status_code == 400
    assert f'id="criterion-{first.id}-error">Skriv ett tal, till exempel 1,5.</p>' in not_a_number.text
    assert 'value="två"' in not_a_number.text and ">Behålls</textarea>" in not_a_number.text  # what was typed stays

    too_high = await submit(client, page, action, criteria_form(course, "1", "3", "1"))
    assert too_high.status_code == 400
    assert f'id="criterion-{second.id}-error">Mellan 0 och 2.</p>' in too_high.text

    missing = await submit(client, page, action, criteria_form(course, "1", "", "1"))
    assert missing.status_code == 400 and f'id="criterion-{second.id}-error">Skriv en poäng.</p>' in missing.text

    pii = await submit(client, page, action, criteria_form(course, "1", "1", "1") | {"comment": "Ring 19121212-1212"})
    assert pii.status_code == 400 and 'id="comment-error"' in pii.text

    assert (await Answer.select(Answer.status).where(Answer.id == essay_id))[0]["status"] == "pending_review"
    assert await GradeEvent.count() == 0

    # Grading again once it is graded is a conflict, shown on the page: use "Ändra poäng".
    await submit(client, page, action, criteria_form(course, "1", "1", "1"))
    again = await submit(client, page, action, criteria_form(course, "2", "2", "1"))
    assert again.status_code == 409 and "Ändra poäng" in again.text
    assert "Svaret är redan bedömt" in again.text


# -- the comment bank


async def test_comment_bank_save_insert_and_delete(client, other, course):
    essay_id = await participant_answers(other, course, "anna@example.se", "Anna", ESSAY, "Avgiften dras varje år.")
    await login_as_staff(client, "instructor")
    page = f"{QUEUE}/{essay_id}"
    typed = criteria_form(course, "2", "1", "")

    saved = await submit(
        client, page, "/larare/kommentarer", typed | {"comment": "Tydligt räkneexempel.", "answer_id": str(essay_id)}
    )
    assert saved.status_code == 200
    assert "Kommentaren är sparad i kommentarbanken." in saved.text
    assert 'value="2"' in saved.text and 'value="1"' in saved.text  # the rubric scores typed so far are kept
    entry = (await CommentBankEntry.select())[0]
    assert entry["text"] == "Tydligt räkneexempel."
    assert f'name="insert_comment" value="{entry["id"]}"' in saved.text
    assert 'data-bank-text="Tydligt räkneexempel."' in saved.text and "Alt+1" in saved.text

    await submit(
        client, page, "/larare/kommentarer", {"comment": "Skriv ut dina antaganden.", "answer_id": str(essay_id)}
    )
    empty = await submit(client, page, "/larare/kommentarer", {"comment": "  ", "answer_id": str(essay_id)})
    assert empty.status_code == 400 and "Skriv kommentaren." in empty.text
    assert await CommentBankEntry.count() == 2

    # Without JavaScript the bank button posts the form, and the server puts the comment in the field.
    inserted = await submit(
        client, page, f"{QUEUE}/{essay_id}/bedom", typed | {"comment": "Bra.", "insert_comment": str(entry["id"])}
    )
    assert inserted.status_code == 200
    assert ">Bra.\nTydligt räkneexempel.</textarea>" in inserted.text
    assert (await Answer.select(Answer.status).where(Answer.id == essay_id))[0]["status"] == "pending_review"

    # Another instructor has their own bank, and cannot delete mine.
    async with AsyncTestClient(app=client.app, base_url=BASE_URL) as colleague:
        await login_as_staff(colleague, "instructor", email="kollega@balansekonomi.se", first_name="Kim")
        theirs = await colleague.get(page)
        assert "Tydligt räkneexempel." not in theirs.text
        refused = await submit(
            colleague, page, f"/larare/kommentarer/{entry['id']}/ta-bort", {"answer_id": str(essay_id)}
        )
        assert refused.status_code == 404
    assert await CommentBankEntry.count() == 2

    deleted = await submit(
        client, page, f"/larare/kommentarer/{entry['id']}/ta-bort", typed | {"answer_id": str(essay_id)}
    )
    assert deleted.status_code == 200 and "Kommentaren är borttagen ur kommentarbanken." in deleted.text
    assert 'data-bank-text="Tydligt räkneexempel."' not in deleted.text
    assert [row["text"] for row in await CommentBankEntry.select()] == ["Skriv ut dina antaganden."]


# -- overrides, flags and the audit trail


async def test_override_needs_a_reason_and_is_kept_in_the_audit_trail(client, other, course):
    answer_id = await participant_answers(other, course, "anna@example.se", "Anna", MONTHLY, "6900")
    await login_as_staff(client, "instructor", first_name="Ingrid")
    page, action = f"{QUEUE}/{answer_id}", f"{QUEUE}/{answer_id}/andra"
    shown = await client.get(page)
    assert shown.status_code == 200 and "Ändra poäng" in shown.text and "Inte i kön" in text_of(shown.text)
    assert 'id="grade-form"' not in shown.text  # an automatic grade is changed with a reason, not graded again

    no_reason = await submit(client, page, action, {"score": "0,5", "reason": ""})
    assert no_reason.status_code == 400 and 'id="override-reason-error">Skriv motiveringen.</p>' in no_reason.text
    assert 'value="0,5"' in no_reason.text
    not_a_number = await submit(client, page, action, {"score": "mycket", "reason": "Rimligt"})
    assert (
        not_a_number.status_code == 400
        and 'id="override-score-error">Skriv ett tal, till exempel 1,5.</p>' in not_a_number.text
    )
    assert await GradeEvent.count() == 0

    done = await submit(client, page, action, {"score": "0,5", "reason": "Rätt tanke, fel period."})
    assert done.status_code == 303 and done.headers["location"] == f"{page}?andrad=1#historik"
    trail = text_of((await client.get(f"{page}?andrad=1")).text)
    assert "Poängen är ändrad" in trail
    assert "Poängen ändrad av lärare Ingrid Lärare 0 0,5 Rätt tanke, fel period." in trail
    event = (await GradeEvent.select())[0]
    assert (event["kind"], event["old_score_milli"], event["new_score_milli"]) == ("override", 0, 500)
    assert event["actor"] is not None and event["created_at"] is not None

    results = text_of((await other.get(f"/lektion/{MONTHLY_LESSON}/resultat")).text)
    assert "Bedömd av lärare" in results and "Lärarens kommentar: Rätt tanke, fel period." in results
    assert "0,5 / 1" in results


async def test_a_flag_is_answered_by_a_grade_or_dismissed_with_a_comment(client, other, course):
    answer_id = await participant_answers(other, course, "anna@example.se", "Anna", MONTHLY, "6900")
    results_page = f"/lektion/{MONTHLY_LESSON}/resultat"
    assert "Jag tror att det här blev fel rättat" in (await other.get(results_page)).text
    no_reason = await flag(other, answer_id, " ")
    assert no_reason.status_code == 400 and f'id="reason-{answer_id}-error">Skriv motiveringen.</p>' in no_reason.text
    assert (await flag(other, answer_id, "Jag delade inte med tolv, men tanken var rätt.")).status_code == 303
    twice = await flag(other, answer_id, "Igen")
    assert twice.status_code == 409 and "Du har redan bett om omprövning" in twice.text
    async with AsyncTestClient(app=client.app, base_url=BASE_URL) as stranger:
        await participant_answers(stranger, course, "bo@example.se", "Bo", MONTHLY, "575")
        assert (await flag(stranger, answer_id, "Inte mitt svar")).status_code == 404

    await login_as_staff(client, "instructor")
    page = await client.get(f"{QUEUE}/{answer_id}")
    assert "Deltagaren har bett om omprövning" in page.text
    assert "Jag delade inte med tolv, men tanken var rätt." in page.text
    assert 'id="grade-form"' in page.text and 'name="score"' in page.text  # no rubric: one score

    empty = await submit(client, f"{QUEUE}/{answer_id}", f"{QUEUE}/{answer_id}/avsluta", {"dismiss_comment": ""})
    assert empty.status_code == 400 and 'id="dismiss_comment-error"' in empty.text
    dismissed = await submit(
        client, f"{QUEUE}/{answer_id}", f"{QUEUE}/{answer_id}/avsluta", {"dismiss_comment": "Frågan gällde per månad."}
    )
    assert dismissed.status_code == 303 and dismissed.headers["location"] == f"{QUEUE}?sparat={answer_id}"
    assert f'id="svar-{answer_id}"' not in (await client.get(QUEUE)).text
    trail = text_of((await client.get(f"{QUEUE}/{answer_id}")).text)
    assert "Omprövning avslutad utan ändring" in trail and "Frågan gällde per månad." in trail

    seen = text_of((await other.get(results_page)).text)
    assert "Du har bett om omprövning" not in seen and "Lärarens kommentar: Frågan gällde per månad." in seen
    # A second flag can then be graded from the queue with a single score.
    assert (await flag(other, answer_id, "Jag vill ändå att någon tittar igen.")).status_code == 303
    graded = await submit(
        client, f"{QUEUE}/{answer_id}", f"{QUEUE}/{answer_id}/bedom", {"score": "1", "comment": "Du har rätt."}
    )
    assert graded.status_code == 303
    assert (await Answer.select(Answer.score_milli).where(Answer.id == answer_id))[0]["score_milli"] == 1000


# -- regrade


@pytest.fixture
def lessons_copy(tmp_path):
    copy = tmp_path / "lessons"
    shutil.copytree(REPO_ROOT / "lessons", copy)
    return copy


@pytest.fixture
def site_on_copy(db, sites, database_url, lessons_copy):
    """The services and the app on the copy of the lessons."""
    return sites.get(make_settings(database_url, lessons_dir=lessons_copy))


def change_key(lessons, old: str, new: str) -> None:
    path = lessons / "akt-1" / "01-inkomster-och-utgifter.md"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


async def test_regrade_preview_saves_nothing_and_apply_changes_the_scores(site_on_copy, lessons_copy):
    services, app = site_on_copy
    catalog = services.catalog
    await services.versions.record(catalog.course)  # `coursesite serve` does this at start
    ids = {}
    for email, name, response in (("ada@example.se", "Ada", "6900"), ("max@example.se", "Max", "575")):
        async with AsyncTestClient(app=app, base_url=BASE_URL) as participant:
            ids[name] = await participant_answers(participant, catalog.course, email, name, MONTHLY, response)
    change_key(
        lessons_copy,
        '{ value = "6900", tolerance = "0", weight = 0,',
        '{ value = "6900", tolerance = "0", weight = 100,',
    )
    change_key(
        lessons_copy, '{ value = "575", tolerance = "0", weight = 100,', '{ value = "575", tolerance = "0", weight = 0,'
    )
    catalog.mark_changed()

    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        await login_as_staff(client, "instructor")
        listing = text_of((await client.get("/larare/omrattning")).text)
        assert "Inkomster och utgifter" in listing or MONTHLY_LESSON in listing
        page = f"/larare/omrattning?lektion={MONTHLY_LESSON}"
        form = await client.get(page)
        assert form.status_code == 200
        for label in (
            "Ge alla full poäng",
            "Räkna både det gamla och det nya rätta svaret",
            "Räkna bara det nya rätta svaret",
            "Låt gamla försök vara som de är",
        ):
            assert label in form.text
        assert "Förhandsgranska" in form.text

        no_mode = await submit(client, page, f"/larare/omrattning/{MONTHLY_LESSON}", {"action": "preview"})
        assert no_mode.status_code == 400 and "Välj hur de gamla försöken ska räknas." in no_mode.text

        preview = await submit(
            client, page, f"/larare/omrattning/{MONTHLY_LESSON}", {"mode": "new_only", "action": "preview"}
        )
        assert preview.status_code == 200
        text = text_of(preview.text)
        assert "Förhandsgranskning: Räkna bara det nya rätta svaret" in text and "Ingenting är sparat än." in text
        assert "Försök rättade mot ett äldre facit: 2" in text and "som behålls: 0" in text
        assert "Ada Andersson" in text and "Max Andersson" in text
        assert "0 / 1 1 / 1 +1" in text and "1 / 1 0 / 1 −1" in text
        assert 'name="mode" value="new_only"' in preview.text and 'value="apply"' in preview.text
        scores = {row["id"]: row["score_milli"] for row in await Answer.select(Answer.id, Answer.score_milli)}
        assert scores == {ids["Ada"]: 0, ids["Max"]: 1000}  # a dry run saves nothing
        assert await RegradeRun.count() == 0 and await GradeEvent.count() == 0

        applied = await submit(
            client, page, f"/larare/omrattning/{MONTHLY_LESSON}", {"mode": "new_only", "action": "apply"}
        )
        assert applied.status_code == 200
        assert "Omrättningen är genomförd: 2 försök fick ny poäng." in text_of(applied.text)
        # the count before the regrade, not the 0 left after it
        assert "2 försök i lektionen rättades mot ett äldre facit innan omrättningen." in text_of(applied.text)
        scores = {row["id"]: row["score_milli"] for row in await Answer.select(Answer.id, Answer.score_milli)}
        assert scores == {ids["Ada"]: 1000, ids["Max"]: 0}
        assert await RegradeRun.count() == 1
        events = {(e["answer"], e["old_score_milli"], e["new_score_milli"]) for e in await GradeEvent.select()}
        assert events == {(ids["Ada"], 0, 1000), (ids["Max"], 1000, 0)}
        trail = text_of((await client.get(f"{QUEUE}/{ids['Ada']}")).text)
        assert "Omrättad efter ändrat facit" in trail and "Omrättning: räkna bara det nya rätta svaret" in trail
        assert "Inga försök behöver räknas om" in (await client.get("/larare/omrattning")).text


# -- who may see these pages


INSTRUCTOR_PAGES = [
    ("GET", QUEUE),
    ("GET", f"{QUEUE}/1"),
    ("POST", f"{QUEUE}/1/bedom"),
    ("POST", f"{QUEUE}/1/andra"),
    ("POST", f"{QUEUE}/1/avsluta"),
    ("POST", "/larare/kommentarer"),
    ("POST", "/larare/kommentarer/1/ta-bort"),
    ("GET", "/larare/omrattning"),
    ("GET", f"/larare/omrattning?lektion={MONTHLY_LESSON}"),
    ("POST", f"/larare/omrattning/{MONTHLY_LESSON}"),
]


@pytest.mark.parametrize("role", ["participant", "finance", "customer_service"])
async def test_every_review_page_is_403_for_other_roles(client, role):
    if role == "participant":
        await register(client)
    else:
        await login_as_staff(client, role)
    token = await csrf_token(client, "/min-kurs")
    statuses = {}
    for method, path in INSTRUCTOR_PAGES:
        data = {"_csrf_token": token, "mode": "keep", "action": "apply", "score": "1", "reason": "x", "comment": "x"}
        response = await client.request(method, path, data=data if method == "POST" else None, follow_redirects=False)
        statuses[(method, path)] = response.status_code
    assert set(statuses.values()) == {403}, statuses
    assert await GradeEvent.count() == 0 and await CommentBankEntry.count() == 0


async def test_review_pages_need_a_login(client):
    for path in (QUEUE, f"{QUEUE}/1", "/larare/omrattning"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (302, 303) and response.headers["location"].startswith("/logga-in?next=")


async def test_an_admin_may_review(client):
    await login_as_staff(client, "admin")
    assert (await client.get(QUEUE)).status_code == 200
    assert (await client.get("/larare/omrattning")).status_code == 200


async def test_unknown_answers_and_lessons_are_404(client, instructor):
    assert (await client.get(f"{QUEUE}/999999")).status_code == 404
    assert (await client.get(f"{QUEUE}/{2**31}")).status_code in (400, 404)
    assert (await client.get("/larare/omrattning?lektion=finns-inte")).status_code == 404


async def test_the_review_page_shows_a_chosen_answer_in_words_and_the_question_by_its_text(client, other, course):
    _, question = course.find_question("inkomster-och-utgifter.vad-ar-nettolon")
    answer_id = await participant_answers(
        other, course, "anna@example.se", "Anna", question.id, wrong_response(question)
    )
    assert (await flag(other, answer_id, "Jag menade det andra alternativet.")).status_code == 303
    await login_as_staff(client, "instructor")
    page = (await client.get(f"{QUEUE}/{answer_id}")).text
    shown = page.split('class="response-text">')[1].split("</div>")[0]
    chosen = {choice.id: choice.text for choice in question.choices}[wrong_response(question)]
    assert f"<p>{chosen}</p>" in shown and wrong_response(question) not in shown  # the text, never the id
    assert f"<h1>{question_title(question)}</h1>" in page
