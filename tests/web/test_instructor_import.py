"""The instructor's GIFT import form and export download, through the test client with real CSRF, on a copy of
lessons/ so the real content is never written."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from coursesite.db.review import QuestionVersion
from coursesite.settings import REPO_ROOT
from tests.conftest import CSRF_INPUT, login_as_staff, make_settings, register
from tests.support import open_every_lesson

PAGE = "/larare/import"
EXPORT = "/larare/import/export"
BASE_URL = "http://testserver.local"
TWO_QUESTIONS = "::kvot:: Vad är 10 / 2? {#5:0}\n\n::sant:: Två plus två är fyra. {T}\n"


@pytest.fixture(scope="module")
def lessons_root(tmp_path_factory):
    return tmp_path_factory.mktemp("import") / "lessons"


@pytest.fixture
def lessons(lessons_root):
    """A fresh copy of lessons/ for each test, always at the same path: the tests share one app (the catalog reloads
    when an import has left its stamp, which the fresh copy does not have)."""
    shutil.rmtree(lessons_root, ignore_errors=True)
    shutil.copytree(REPO_ROOT / "lessons", lessons_root, ignore=shutil.ignore_patterns(".revision*"))
    return lessons_root


@pytest.fixture
def settings(database_url, lessons):
    return make_settings(database_url, lessons_dir=lessons)


@pytest.fixture
async def client(app):
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        yield test_client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


async def upload(client, content: bytes | str, filename: str = "fragor.gift", **fields):
    """Submit the form the way a browser does: the token from the form page, the file as multipart."""
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    token = CSRF_INPUT.search(page.text).group(1)
    data = {"_csrf_token": token, "act": "1", "lesson": "", "new_lesson": "", "title": ""} | fields
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return await client.post(PAGE, data=data, files={"file": (filename, raw, "text/plain")})


async def test_import_creates_a_lesson_and_reimport_keeps_ids(client, instructor, services, lessons):
    response = await upload(client, TWO_QUESTIONS, act="2", new_lesson="delning", title="Dela upp räkningar")
    assert response.status_code == 200, response.text
    page = text_of(response.text)
    assert "Lektionen ”Dela upp räkningar” skapades" in page and "Nya frågor: 2" in page
    created = lessons / "akt-2" / "05-delning.md"
    assert created.is_file() and (lessons / "akt-2" / "05-delning.gift").is_file()
    course = services.catalog.course
    lesson = next(item for item in course.lessons() if item.slug == "delning")
    assert (lesson.act_number, [q.id for q in lesson.questions]) == (2, ["delning.kvot", "delning.sant"])
    assert await QuestionVersion.count().where(QuestionVersion.lesson_slug == "delning") == 2

    # Again, with one key changed and one question new: same ids, the regrade link appears.
    changed = "::kvot:: Vad är 10 / 2? {#5:0.5}\n\n::sant:: Två plus två är fyra. {T}\n\n::ny:: Ny fråga? {F}\n"
    response = await upload(client, changed, act="2", lesson="delning")
    assert response.status_code == 200, response.text
    page = text_of(response.text)
    assert "uppdaterades" in page and "Nya frågor: 1" in page and "Ersatta frågor: 1 (kvot)" in page
    assert "Oförändrade frågor: 1" in page
    assert 'href="/larare/omrattning?lektion=delning"' in response.text
    lesson = next(item for item in services.catalog.course.lessons() if item.slug == "delning")
    assert [q.id for q in lesson.questions] == ["delning.kvot", "delning.sant", "delning.ny"]
    assert await QuestionVersion.count().where(QuestionVersion.question_id == "delning.kvot") == 2


async def test_gift_errors_are_listed_with_lines_and_nothing_is_written(client, instructor, lessons):
    before = (lessons / "akt-1" / "02-budget.gift").read_bytes()
    bad = "::bra:: Fin fråga {T}\n\n::vikt:: Välj {=a ~%150%b}\n\n::tal:: Hur mycket? {#abc}\n"
    response = await upload(client, bad, lesson="budget")
    assert response.status_code == 400
    page = text_of(response.text)
    assert "Ingenting importerades" in page
    assert "Rad 3, fråga ”vikt”: Viktningen 150 % ligger utanför −100 till 100." in page
    assert "Rad 5, fråga ”tal”: Sifferfråga: värdet 'abc' är inte ett tal." in page
    # shown once, at the file field, with the chosen file named so it can be chosen again
    assert page.count("Viktningen 150 %") == 1
    file_error = response.text.split('id="file-error"', 1)[1].split("</div>", 1)[0]
    assert "Viktningen 150 %" in file_error and "Sifferfråga" in file_error
    assert "Välj filen igen: du valde ”fragor.gift”" in page
    assert 'option value="budget" selected' in response.text  # the lesson chosen is kept
    assert (lessons / "akt-1" / "02-budget.gift").read_bytes() == before


async def test_an_unclosed_answer_block_is_told_in_swedish_with_its_line(client, instructor):
    response = await upload(client, "::a:: Sant? {T}\n\n::b:: Vad är 2 + 2? {#4\n", lesson="budget")
    assert response.status_code == 400
    page = text_of(response.text)
    assert "Rad 3, fråga ”b”: Svarsdelen '{' stängs aldrig med '}'." in page and "unclosed" not in page


async def test_a_name_from_the_lesson_file_is_refused(client, instructor):
    response = await upload(client, "\n::overskott:: Samma namn som i .md {T}\n", lesson="budget")
    assert response.status_code == 400
    assert "Rad 2, fråga ”overskott”: Lektionsfilen har redan en fråga med samma namn" in text_of(response.text)


@pytest.mark.parametrize(
    ("content", "fields", "field_message"),
    [
        (b"::a:: x {T}\x00", {"lesson": "budget"}, "NUL-tecken"),
        ("::å:: x {T}".encode("latin-1"), {"lesson": "budget"}, "inte sparad som UTF-8"),
        (b"::a:: x {T}\n" + b"/" * (200 * 1024), {"lesson": "budget"}, "Filen är för stor"),
        (TWO_QUESTIONS, {"new_lesson": "ny-lektion"}, "En ny lektion behöver en titel"),
        (TWO_QUESTIONS, {"new_lesson": "Ny Lektion!", "title": "T"}, "Kortnamnet får bara innehålla"),
        (TWO_QUESTIONS, {"lesson": "budget", "act": "3"}, "hör till Akt 1 – Överblick, inte till Akt 3 – Framtid"),
        (TWO_QUESTIONS, {"act": "9", "lesson": "budget"}, "Välj en akt"),
        (TWO_QUESTIONS, {}, "Välj en lektion"),
        ("// bara en kommentar\n", {"lesson": "budget"}, "Filen innehåller inga frågor"),
    ],
    ids=["nul", "latin-1", "too-large", "no-title", "bad-slug", "other-act", "no-act", "no-lesson", "empty"],
)
async def test_form_problems_are_told_in_swedish(client, instructor, lessons, content, fields, field_message):
    before = sorted(p.name for p in (lessons / "akt-1").iterdir())
    response = await upload(client, content, **fields)
    assert response.status_code == 400
    assert field_message in text_of(response.text)
    assert sorted(p.name for p in (lessons / "akt-1").iterdir()) == before


async def test_a_form_without_a_file_is_refused(client, instructor):
    page = await client.get(PAGE)
    token = CSRF_INPUT.search(page.text).group(1)
    response = await client.post(PAGE, data={"_csrf_token": token, "act": "1", "lesson": "budget"})
    assert response.status_code == 400
    assert "Välj en GIFT-fil" in text_of(response.text)


async def test_the_upload_needs_the_csrf_token(client, instructor, lessons):
    await client.get(PAGE)
    response = await client.post(
        PAGE, data={"act": "1", "lesson": "budget"}, files={"file": ("a.gift", b"::a:: x {T}", "text/plain")}
    )
    assert response.status_code == 403
    assert "::a::" not in (lessons / "akt-1" / "02-budget.gift").read_text(encoding="utf-8")


async def test_export_downloads_the_lesson_and_names_what_was_left_out(client, instructor):
    page = await client.get(PAGE)
    assert f'href="{EXPORT}?lektion=budget"' in page.text
    response = await client.get(EXPORT, params={"lektion": "budget"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"] == 'attachment; filename="budget.gift"'
    assert "::underskott-atgard::" in response.text and "::femtio-trettio-tjugo::" in response.text
    assert "// Not exported: 'overskott': GIFT has no units." in response.text
    assert (await client.get(EXPORT, params={"lektion": "finns-inte"})).status_code == 404


@pytest.mark.parametrize("role", ["participant", "finance"])
async def test_only_instructors_and_admins_may_import_or_export(client, role):
    if role == "participant":
        await register(client)
    else:
        await login_as_staff(client, role)
    assert (await client.get(PAGE)).status_code == 403
    assert (await client.get(EXPORT, params={"lektion": "budget"})).status_code == 403
    token = CSRF_INPUT.search((await client.get("/")).text)
    headers = {"x-csrftoken": token.group(1) if token else client.cookies["csrftoken"]}
    response = await client.post(
        PAGE,
        data={"act": "1", "lesson": "budget"},
        files={"file": ("a.gift", b"::a:: x {T}", "text/plain")},
        headers=headers,
    )
    assert response.status_code == 403
    assert "Du har inte behörighet" in text_of(response.text)  # the guard, not the CSRF check, said no


async def test_an_admin_may_import(client, lessons):
    await login_as_staff(client, "admin")
    response = await upload(client, "::extra:: Extra fråga {T}\n", lesson="budget")
    assert response.status_code == 200, response.text
    assert "::extra::" in (lessons / "akt-1" / "02-budget.gift").read_text(encoding="utf-8")


# -- issue 13: course content never drives htmx ----------------------------------------------------------------------

ERASURE_QUESTION = (
    "::radera:: [html]<div hx-post='/api/v1/me/erasure-request' hx-trigger='load'>Hur mycket är 1 + 1?</div> {#2}\n"
)
PROMPT = re.compile(r'<div class="prompt"([^>]*)>(.*?)</div>\s*<form', re.S)


async def _lesson_page_as_participant(client, services, slug: str) -> str:
    me = await register(client, "pia@example.se", "Pia")
    await open_every_lesson(me["id"], services.catalog.course)
    page = await client.get(f"/lektion/{slug}")
    assert page.status_code == 200, page.text[:500]
    return page.text


def _assert_inert(page: str) -> None:
    assert "erasure-request" not in page and "hx-trigger='load'" not in page
    prompts = {body.strip(): attributes for attributes, body in PROMPT.findall(page)}
    [(body, attributes)] = [(body, attributes) for body, attributes in prompts.items() if "1 + 1" in body]
    assert body == "Hur mycket är 1 + 1?"  # the <div> and its hx-* attributes are gone, the text is kept
    assert "hx-disable" in attributes  # and htmx would not process the container anyway
    assert 'class="lesson-body" hx-disable' in page


async def test_imported_html_loses_its_htmx_attributes(client, instructor, services, lessons):
    response = await upload(client, ERASURE_QUESTION, act="2", new_lesson="radera", title="Radera")
    assert response.status_code == 200, response.text
    stored = (lessons / "akt-2" / "05-radera.gift").read_text()
    assert "hx-" not in stored and "erasure-request" not in stored and "1 + 1" in stored
    [version] = await QuestionVersion.select().where(QuestionVersion.question_id == "radera.radera")
    assert "hx-" not in str(version) and "erasure-request" not in str(version)
    _assert_inert(await _lesson_page_as_participant(client, services, "radera"))  # the participant logs in


async def test_html_written_into_a_lesson_file_is_sanitised_when_loaded_and_rendered(client, services, lessons):
    gift = lessons / "akt-1" / "02-budget.gift"
    gift.write_text(gift.read_text(encoding="utf-8") + "\n" + ERASURE_QUESTION, encoding="utf-8")
    (lessons / "akt-1" / "01-inkomster-och-utgifter.md").write_text(
        (lessons / "akt-1" / "01-inkomster-och-utgifter.md").read_text(encoding="utf-8")
        + "\n<p hx-get='/api/v1/me/data' hx-trigger='load' onclick='x()'>Markdown</p>\n",
        encoding="utf-8",
    )
    services.catalog.mark_changed()
    _, question = services.catalog.course.find_question("budget.radera")
    assert "hx-" not in question.prompt and "Hur mycket" in question.prompt  # at load
    page = await _lesson_page_as_participant(client, services, "budget")
    _assert_inert(page)
    first = (await client.get("/lektion/inkomster-och-utgifter")).text
    assert "Markdown" in first and "/api/v1/me/data" not in first and "onclick" not in first  # at render


def lesson_options(html: str) -> list[str]:
    select = re.search(r'<select id="lesson" name="lesson".*?</select>', html, re.S)
    assert select, html
    return re.findall(r'<option value="([^"]*)"', select.group(0))


async def test_the_form_offers_only_the_chosen_acts_lessons(client, instructor, course):
    first = await client.get(PAGE)
    assert lesson_options(first.text) == ["", *(lesson.slug for lesson in course.acts[0].lessons)]
    second = await client.get(PAGE, params={"akt": "2"})
    assert second.status_code == 200
    assert lesson_options(second.text) == ["", *(lesson.slug for lesson in course.acts[1].lessons)]
    assert '<input type="hidden" name="act" value="2">' in second.text
    assert '<option value="2" selected>' in second.text  # the act chooser shows the act chosen
    unknown = await client.get(PAGE, params={"akt": "9"})
    assert unknown.status_code == 400 and "Akten finns inte" in text_of(unknown.text)
    assert (await client.get(PAGE, params={"akt": "x"})).status_code == 400


async def test_a_lesson_of_another_act_is_refused_at_the_field_and_the_values_stay(client, instructor, lessons, course):
    before = sorted(p.name for p in (lessons / "akt-2").iterdir())
    other = course.acts[0].lessons[0]
    response = await upload(client, TWO_QUESTIONS, filename="mina-fragor.gift", act="2", lesson=other.slug)
    assert response.status_code == 400
    error = re.search(r'<p class="error" id="lesson-error">(.*?)</p>', response.text, re.S)
    assert error and f"hör till {course.acts[0].title}, inte till {course.acts[1].title}" in unescape(error.group(1))
    assert 'aria-invalid="true" aria-describedby="lesson-error"' in response.text
    # The page stays on the chosen act, names the file to choose again, and offers only that act's lessons.
    assert lesson_options(response.text) == ["", *(lesson.slug for lesson in course.acts[1].lessons)]
    assert "du valde ”mina-fragor.gift”" in unescape(response.text)
    assert sorted(p.name for p in (lessons / "akt-2").iterdir()) == before


async def test_a_new_slug_taken_in_another_act_is_refused_at_its_field(client, instructor, lessons, course):
    taken = course.acts[0].lessons[0]
    response = await upload(client, TWO_QUESTIONS, act="2", new_lesson=taken.slug, title="Något nytt")
    assert response.status_code == 400
    error = re.search(r'<p class="error" id="new_lesson-error">(.*?)</p>', response.text, re.S)
    assert error and f"används redan av lektionen ”{taken.title}” i {course.acts[0].title}" in unescape(error.group(1))
    assert 'value="Något nytt"' in response.text  # the title typed stays
