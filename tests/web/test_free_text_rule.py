"""One rule for free text (issue 10): every stored free-text input of the site, from a form, the API, the CLI, an
import file or a request header, against the same vectors.

Each row of INPUTS names one input, what it needs first (a participant, a case, an invoice: prepared once, as a
refused value changes nothing) and how to submit a value to it. Each vector must be refused there, and nothing of the
submission stored: the submitted value carries MARK (and two letters naming the vector), and no table (and no lesson
file) may hold MARK afterwards, whole, stripped or cut. A refusal is a 400 or 422 (a page re-rendered with its
message, or the API's error), a CLI exit code other than 0, or, for the stored User-Agent header, NULL in its column.
A refusal of an identity number never repeats it. The plain vector is the control, submitted last: the same
submission with ordinary text is accepted and stored, so a refusal above is the rule's and not a broken set-up.

Imported course content (GIFT question text, lesson title) is refused like the rest (issue 13: it is written into
the lesson files and the question versions, and a personnummer found its way there).

Issue 13 also added the reformatted identity numbers the detector used to miss (``12 12 12-1212``, a card written
with dots), and made the list hard to leave incomplete: test_every_text_column_is_written_by_a_listed_input
classifies every text column of the database (Varchar, Text, JSON) as written from free text, with the INPUTS that
write it, or as not free text, with the reason; a new column, or an input missing for a column, fails it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from litestar.testing import AsyncTestClient

from coursesite.billing.payments import UNNAMED_FILE
from coursesite.cli import main
from coursesite.core import clock
from coursesite.db.billing import BgMaxImport
from coursesite.db.privacy import PageView
from coursesite.settings import REPO_ROOT
from tests.conftest import (
    CSRF_INPUT,
    PASSWORD,
    TEST_SECRET,
    api_post,
    csrf_token,
    login_as_staff,
    make_settings,
    register,
)
from tests.support import (
    COMPANY,
    PRIVATE,
    bgmax_file,
    confirm_identity_by_api,
    dump,
    enrol,
    new_case,
    open_every_lesson,
    post_form,
    valid,
)

MARK = "Qzxjv"  # in every submitted value; found in no table, file or page of the site otherwise
PLAIN = "plain"
TOO_LONG = "too_long"
VECTORS = {
    PLAIN: "vanlig text",
    "nul": "a\x00b",
    "control": "a\x07b",
    "bidi": "a\u202eb",
    "personnummer": "811218-9876",
    "samordningsnummer": "701063-2391",
    "card": "4111 1111 1111 1111",
    "personnummer_grouped": "12 12 12-1212",  # issue 13: reformatted
    "card_dots": "4111.1111.1111.1111",
    TOO_LONG: "",  # one character over the field's limit
}
VECTOR_TAGS = dict(zip(VECTORS, ("Pl", "Nu", "Ct", "Bd", "Pn", "Sn", "Cd", "Pg", "Cp", "Tl"), strict=True))
IDENTITY_NUMBERS = ("personnummer", "samordningsnummer", "card", "personnummer_grouped", "card_dots")
CHARACTERS = ("nul", "control", "bidi")

ESSAY = "indexfonder-och-avgifter.forklara-avgifter"
MONTHLY = "inkomster-och-utgifter.arskostnad-per-manad"  # numeric: 6900 is wrong, so it can be flagged
MONTHLY_LESSON = "inkomster-och-utgifter"
QUEUE = "/larare/granskning"
BASE_URL = "http://testserver.local"


def mark_for(vector: str) -> str:
    """MARK and two letters of the vector's own, so a leak names its vector."""
    return MARK + VECTOR_TAGS[vector]


def value_for(vector: str, limit: int | None) -> str:
    mark = mark_for(vector)
    if vector == TOO_LONG:
        assert limit is not None
        return mark + "x" * (limit + 1 - len(mark))
    return f"{mark} {VECTORS[vector]} {mark}"


@dataclass
class Site:
    app: Any
    services: Any
    client: Any
    course: Any
    lessons: Path
    database_url: str
    tmp_path: Path


@dataclass(frozen=True)
class Outcome:
    """What the site answered: whether it accepted the value, and the text it showed back."""

    accepted: bool
    shown: str


def http(response) -> Outcome:
    """Accepted: 2xx or a redirect after a form post. Refused: 400 or 422 (anything else fails the test)."""
    if response.status_code < 400:
        return Outcome(True, response.text)
    assert response.status_code in (400, 422), (response.status_code, response.text[:500])
    return Outcome(False, response.text)


def cli(result: Result) -> Outcome:
    return Outcome(result.exit_code == 0, result.output)


async def run_cli(site: Site, *args: str) -> Result:
    """The command as an operator runs it (it runs its own event loop, so in a thread of its own)."""
    env = {
        "COURSESITE_DATABASE_URL": site.database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_LESSONS_DIR": str(site.lessons),
        "COURSESITE_DB_POOL_SIZE": "0",
    }
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


def today() -> str:
    return clock.today().isoformat()


# -- how each input is reached: `prepare` (what the input needs first, done once) and `submit` (one value)


async def public_form_api(site: Site, form: str, field: str, value: str) -> Outcome:
    return http(await api_post(site.client, f"/api/v1/forms/{form}", valid(form) | {field: value}))


async def public_form_page(site: Site, _: None, value: str) -> Outcome:
    values = {name: ("on" if item is True else item) for name, item in valid("contact").items()}
    return http(await post_form(site.client, "/kontakt", values | {"message": value}, page="/kontakt"))


async def register_api(site: Site, field: str, value: str) -> Outcome:
    body = {"email": "anna@example.se", "password": PASSWORD, "first_name": "Anna", "last_name": "Andersson"}
    return http(await api_post(site.client, "/api/v1/auth/register", body | {field: value}))


async def register_page(site: Site, _: None, value: str) -> Outcome:
    body = {"email": "anna@example.se", "password": PASSWORD, "first_name": value, "last_name": "Andersson"}
    return http(await post_form(site.client, "/registrera", body | {"mobile": "", "source": ""}, page="/registrera"))


async def participant(site: Site) -> None:
    await register(site.client)


async def profile_api(site: Site, _: None, value: str) -> Outcome:
    headers = {"x-csrftoken": await csrf_token(site.client)}
    return http(await site.client.patch("/api/v1/me/profile", json={"first_name": value}, headers=headers))


async def profile_page(site: Site, _: None, value: str) -> Outcome:
    body = {"first_name": value, "last_name": "Andersson"}
    return http(await post_form(site.client, "/mina-uppgifter/profil", body, page="/mina-uppgifter"))


async def restriction_api(site: Site, _: None, value: str) -> Outcome:
    return http(await api_post(site.client, "/api/v1/me/restriction", {"reason": value}))


async def restriction_page(site: Site, _: None, value: str) -> Outcome:
    return http(await post_form(site.client, "/mina-uppgifter/begransning", {"reason": value}, page="/mina-uppgifter"))


async def participant_not_enrolled(site: Site) -> None:
    await register(site.client, enrolled=False)


async def enrolment_api(site: Site, field: str, value: str) -> Outcome:
    body = (COMPANY if field in ("company_name", "reference") else PRIVATE) | {field: value}
    return http(await api_post(site.client, "/api/v1/enrollments", body))


async def participant_with_lessons(site: Site) -> None:
    account = await register(site.client)
    await open_every_lesson(account["id"], site.course)


async def essay_answer_api(site: Site, _: None, value: str) -> Outcome:
    return http(await api_post(site.client, "/api/v1/answers", {"question_id": ESSAY, "response": value}))


async def wrong_answer(site: Site) -> int:
    await participant_with_lessons(site)
    answered = await api_post(site.client, "/api/v1/answers", {"question_id": MONTHLY, "response": "6900"})
    assert answered.status_code == 201, answered.text
    return answered.json()["id"]


async def flag_api(site: Site, answer_id: int, value: str) -> Outcome:
    return http(await api_post(site.client, f"/api/v1/answers/{answer_id}/flag", {"reason": value}))


async def flag_page(site: Site, answer_id: int, value: str) -> Outcome:
    page = f"/lektion/{MONTHLY_LESSON}/resultat"
    return http(
        await post_form(
            site.client, f"/lektion/{MONTHLY_LESSON}/svar/{answer_id}/omprova", {"reason": value}, page=page
        )
    )


async def essay_in_queue(site: Site) -> int:
    """A participant's essay waiting for review; the client is then the instructor."""
    account = await register(site.client, "essa@example.se", "Essa")
    await open_every_lesson(account["id"], site.course)
    answered = await api_post(site.client, "/api/v1/answers", {"question_id": ESSAY, "response": "Avgiften dras."})
    assert answered.status_code == 201, answered.text
    await login_as_staff(site.client, "instructor")
    return answered.json()["id"]


def _no_points(site: Site) -> dict[str, int]:
    return {criterion.id: 0 for criterion in site.course.find_question(ESSAY)[1].rubric}


async def review_comment_api(site: Site, answer_id: int, value: str) -> Outcome:
    body = {"criteria": _no_points(site), "comment": value}
    return http(await api_post(site.client, f"/api/v1/instructor/answers/{answer_id}/grade", body))


async def graded_essay(site: Site) -> int:
    answer_id = await essay_in_queue(site)
    graded = await api_post(
        site.client, f"/api/v1/instructor/answers/{answer_id}/grade", {"criteria": _no_points(site)}
    )
    assert graded.status_code == 200, graded.text
    return answer_id


async def override_reason_api(site: Site, answer_id: int, value: str) -> Outcome:
    body = {"score": 1, "reason": value}
    return http(await api_post(site.client, f"/api/v1/instructor/answers/{answer_id}/override", body))


async def instructor(site: Site) -> None:
    await login_as_staff(site.client, "instructor")


async def comment_bank_page(site: Site, _: None, value: str) -> Outcome:
    return http(await post_form(site.client, "/larare/kommentarer", {"comment": value}, page=QUEUE))


async def customer_service(site: Site) -> None:
    await login_as_staff(site.client, "customer_service")


async def case_api(site: Site, field: str, value: str) -> Outcome:
    body = {"kind": "question", "subject": "Fråga", "contact_email": "bo@example.se"} | {field: value}
    return http(await api_post(site.client, "/api/v1/support/cases", body))


async def case_page(site: Site, _: None, value: str) -> Outcome:
    body = {"kind": "complaint", "subject": "Reklamation", "description": value, "contact_email": "bo@example.se"}
    return http(await post_form(site.client, "/kundtjanst/nytt", body, page="/kundtjanst/nytt"))


async def _case(site: Site, kind: str, *, confirmed: bool) -> str:
    """A case registered by customer service (the client), with the person's identity confirmed when asked; returns
    its page."""
    await login_as_staff(site.client, "customer_service")
    case_id = await new_case(site.client, {"kind": kind, "subject": "Utdrag", "contact_email": "bo@example.se"})
    if confirmed:
        await confirm_identity_by_api(site.client, case_id)
    return f"/kundtjanst/arende/{case_id}"


async def access_case(site: Site) -> str:
    """An access request waiting for the person's identity."""
    return await _case(site, "access", confirmed=False)


async def confirmed_case(site: Site) -> str:
    """A rectification request whose identity customer service has confirmed: ready to be completed."""
    return await _case(site, "rectification", confirmed=True)


async def case_note_page(site: Site, page: str, value: str) -> Outcome:
    return http(await post_form(site.client, f"{page}/anteckning", {"note": value}, page=page))


async def extension_reason_page(site: Site, page: str, value: str) -> Outcome:
    body = {"reason": value, "notified_on": today()}
    return http(await post_form(site.client, f"{page}/forlang", body, page=page))


async def completion_note_page(site: Site, page: str, value: str) -> Outcome:
    return http(await post_form(site.client, f"{page}/avsluta", {"note": value}, page=page))


async def completion_note_api(site: Site, page: str, value: str) -> Outcome:
    case_id = page.rsplit("/", 1)[1]
    return http(await api_post(site.client, f"/api/v1/support/requests/{case_id}/complete", {"note": value}))


async def identity_note_page(site: Site, page: str, value: str) -> Outcome:
    body = {"method": "id_document_at_office", "note": value}
    return http(await post_form(site.client, f"{page}/bekrafta-identitet", body, page=page))


async def identity_note_api(site: Site, page: str, value: str) -> Outcome:
    case_id = page.rsplit("/", 1)[1]
    body = {"method": "known_phone_callback", "note": value}
    return http(await api_post(site.client, f"/api/v1/support/requests/{case_id}/confirm-identity", body))


async def rejection_note_page(site: Site, page: str, value: str) -> Outcome:
    return http(await post_form(site.client, f"{page}/avvisa", {"note": value}, page=page))


async def rectification_case(site: Site) -> int:
    me = await register(site.client, "maja@example.se", "Maja")
    await login_as_staff(site.client, "customer_service")
    case_id = await new_case(site.client, {"kind": "rectification", "subject": "Nytt namn", "account_id": me["id"]})
    await confirm_identity_by_api(site.client, case_id)
    return case_id


async def rectification_api(site: Site, case_id: int, value: str) -> Outcome:
    path = f"/api/v1/support/requests/{case_id}/rectify"
    return http(await api_post(site.client, path, {"first_name": value}))


async def invoice(site: Site) -> str:
    """An invoice to credit; the client is then finance."""
    enrolled = await enrol(site.client, "anna@example.se")
    await login_as_staff(site.client, "finance")
    return enrolled["invoice_number"]


async def credit_reason_api(site: Site, number: str, value: str) -> Outcome:
    return http(await api_post(site.client, f"/api/v1/finance/invoices/{number}/credit", {"reason": value}))


async def credit_reason_page(site: Site, number: str, value: str) -> Outcome:
    page = f"/ekonomi/faktura/{number}"
    return http(await post_form(site.client, f"{page}/kreditera", {"mode": "whole", "reason": value}, page=page))


async def create_staff_cli(site: Site, _: None, value: str) -> Outcome:
    args = ["create-staff", "--email", "ny@balansekonomi.se", "--role", "instructor", "--password", PASSWORD]
    return cli(await run_cli(site, *args, "--first-name", value, "--last-name", "Lärare"))


async def subsidiary_cli(site: Site, _: None, value: str) -> Outcome:
    return cli(await run_cli(site, "subsidiary", "add", "--name", value, "--purpose", "course_site"))


_SUBSIDIARY_NAMES = iter(range(1, 1000))


async def subsidiary_channel_cli(site: Site, _: None, value: str) -> Outcome:
    name = f"Dotterbolag {next(_SUBSIDIARY_NAMES)}"
    args = ["subsidiary", "add", "--name", name, "--purpose", "course_site", "--channel", value]
    return cli(await run_cli(site, *args))


def _gift(site: Site, question: str) -> Path:
    path = site.tmp_path / "fragor.gift"
    path.write_text(f"::fraga:: {question} {{T}}\n", encoding="utf-8")
    return path


async def gift_question_cli(site: Site, _: None, value: str) -> Outcome:
    gift = _gift(site, value)
    return cli(
        await run_cli(site, "import-gift", str(gift), "--act", "2", "--lesson", "delning", "--title", "Dela upp")
    )


async def gift_title_cli(site: Site, _: None, value: str) -> Outcome:
    gift = _gift(site, "Två plus två är fyra.")
    return cli(await run_cli(site, "import-gift", str(gift), "--act", "2", "--lesson", "delning", "--title", value))


async def gift_title_page(site: Site, _: None, value: str) -> Outcome:
    page = await site.client.get("/larare/import")
    match = CSRF_INPUT.search(page.text)
    assert match, page.text[:500]
    data = {"_csrf_token": match.group(1), "act": "2", "lesson": "", "new_lesson": "delning", "title": value}
    upload = ("fragor.gift", "::fraga:: Två plus två är fyra. {T}\n".encode(), "text/plain")
    return http(await site.client.post("/larare/import", data=data, files={"file": upload}))


async def gift_question_page(site: Site, _: None, value: str) -> Outcome:
    page = await site.client.get("/larare/import")
    match = CSRF_INPUT.search(page.text)
    assert match, page.text[:500]
    data = {"_csrf_token": match.group(1), "act": "2", "lesson": "", "new_lesson": "delning", "title": "Dela upp"}
    upload = ("fragor.gift", f"::fraga:: {value} {{T}}\n".encode(), "text/plain")
    return http(await site.client.post("/larare/import", data=data, files={"file": upload}))


def stored_header(name: str, column: Any) -> Submit:
    """A page GET straight through the ASGI app with the header as raw bytes (UTF-8, as a browser may send it);
    the page view is stored with the header, or with NULL in its place when the header is refused."""
    return lambda site, _, value: _page_view_with_header(site, name, column, value)


async def _page_view_with_header(site: Site, name: str, column: Any, value: str) -> Outcome:
    headers = [(b"host", b"testserver.local"), (name.encode(), value.encode("utf-8"))]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/villkor",
        "raw_path": b"/villkor",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("203.0.113.77", 51000),
        "server": ("testserver.local", 80),
        "state": {},
    }
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    before = await PageView.count()
    await site.app(scope, receive, send)
    assert status == [200]
    await site.services.pageviews.flush()
    [row] = await PageView.select(column.as_alias("stored")).order_by(PageView.id, ascending=False).limit(1)
    assert await PageView.count() == before + 1
    return Outcome(row["stored"] is not None, "")


async def finance(site: Site) -> None:
    await login_as_staff(site.client, "finance")


_BGMAX_FILES = iter(range(1, 1000))


async def bgmax_filename_page(site: Site, _: None, value: str) -> Outcome:
    """A BgMax file uploaded under the name ``value`` (each a new file: the same file is never read twice). The file
    is read either way; the name is stored, or replaced by a neutral label when the rule refuses it."""
    data = bgmax_file((100 * next(_BGMAX_FILES), "Kursavgift", "Bo Berg"))
    page = "/ekonomi/bgmax"
    # By hand, with the name's bytes as they are: httpx would percent-encode a NUL in a file name.
    boundary = b"kurssajten-test-boundary"
    token = (await csrf_token(site.client, page)).encode()
    body = b"".join(
        [
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n' + token + b"\r\n",
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="',
            value.encode("utf-8") + b'"\r\nContent-Type: text/plain\r\n\r\n' + data + b"\r\n",
            b"--" + boundary + b"--\r\n",
        ]
    )
    headers = {"content-type": f"multipart/form-data; boundary={boundary.decode()}"}
    response = await site.client.post(page, content=body, headers=headers, follow_redirects=False)
    assert response.status_code == 200, response.text[:500]
    [row] = await BgMaxImport.select(BgMaxImport.filename).order_by(BgMaxImport.id, ascending=False).limit(1)
    return Outcome(row["filename"] != UNNAMED_FILE, "")


# -- the table: every stored free-text input


Submit = Callable[[Site, Any, str], Awaitable[Outcome]]


async def nothing(site: Site) -> None:
    return None


@dataclass(frozen=True)
class Input:
    name: str
    submit: Submit  # (site, what prepare returned, the value)
    limit: int | None  # characters; None: bounded by something else (the GIFT file's size)
    prepare: Callable[[Site], Awaitable[Any]] = nothing  # once, before every vector: a refused value changes nothing
    writes_files: bool = False


def _with(submit: Callable[[Site, str, str], Awaitable[Outcome]], field: str) -> Submit:
    return lambda site, _, value: submit(site, field, value)


def _form(form: str, field: str) -> Submit:
    return lambda site, _, value: public_form_api(site, form, field, value)


INPUTS = [
    # the public forms (API and page)
    Input("contact form first_name (API)", _form("contact", "first_name"), 100),
    Input("contact form last_name (API)", _form("contact", "last_name"), 100),
    Input("contact form message (API)", _form("contact", "message"), 5000),
    Input("webinar form source (API)", _form("webinar", "source"), 200),
    Input("newsletter form first_name (API)", _form("newsletter", "first_name"), 100),
    Input("contact form message (page)", public_form_page, 5000),
    # the participant: registration, profile, restriction, enrolment, answers, flags
    Input("registration first_name (API)", _with(register_api, "first_name"), 100),
    Input("registration last_name (API)", _with(register_api, "last_name"), 100),
    Input("registration source (API)", _with(register_api, "source"), 200),
    Input("registration first_name (page)", register_page, 100),
    Input("profile first_name (API)", profile_api, 100, participant),
    Input("profile first_name (page)", profile_page, 100, participant),
    Input("restriction reason (API)", restriction_api, 1000, participant),
    Input("restriction reason (page)", restriction_page, 1000, participant),
    Input("enrolment address_line (API)", _with(enrolment_api, "address_line"), 200, participant_not_enrolled),
    Input("enrolment city (API)", _with(enrolment_api, "city"), 100, participant_not_enrolled),
    Input("enrolment company_name (API)", _with(enrolment_api, "company_name"), 200, participant_not_enrolled),
    Input("enrolment reference (API)", _with(enrolment_api, "reference"), 100, participant_not_enrolled),
    Input("essay answer (API)", essay_answer_api, 10_000, participant_with_lessons),
    Input("flag reason (API)", flag_api, 1000, wrong_answer),
    Input("flag reason (page)", flag_page, 1000, wrong_answer),
    # the instructor: review comments, override reasons, the comment bank
    Input("review comment (API)", review_comment_api, 2000, essay_in_queue),
    Input("override reason (API)", override_reason_api, 1000, graded_essay),
    Input("comment bank (page)", comment_bank_page, 1000, instructor),
    # customer service: cases, notes, reasons, rectification
    Input("case subject (API)", _with(case_api, "subject"), 200, customer_service),
    Input("case description (API)", _with(case_api, "description"), 5000, customer_service),
    Input("case contact_name (API)", _with(case_api, "contact_name"), 200, customer_service),
    Input("case description (page)", case_page, 5000, customer_service),
    Input("case note (page)", case_note_page, 5000, access_case),
    Input("extension reason (page)", extension_reason_page, 1000, access_case),
    Input("completion note (page)", completion_note_page, 5000, confirmed_case),
    Input("completion note (API)", completion_note_api, 5000, confirmed_case),
    Input("identity check note (page)", identity_note_page, 1000, access_case),
    Input("identity check note (API)", identity_note_api, 1000, access_case),
    Input("rejection note (page)", rejection_note_page, 5000, access_case),
    Input("rectified first_name (API)", rectification_api, 100, rectification_case),
    # finance: the credit note's reason
    Input("credit reason (API)", credit_reason_api, 500, invoice),
    Input("credit reason (page)", credit_reason_page, 500, invoice),
    # the CLI and the GIFT import
    Input("create-staff --first-name (CLI)", create_staff_cli, 100),
    Input("subsidiary add --name (CLI)", subsidiary_cli, 100),
    Input("subsidiary add --channel (CLI)", subsidiary_channel_cli, 40),
    Input("GIFT question text (CLI)", gift_question_cli, None, writes_files=True),
    Input("GIFT lesson title (CLI)", gift_title_cli, 200, writes_files=True),
    Input("GIFT question text (page)", gift_question_page, None, instructor, writes_files=True),
    Input("GIFT lesson title (page)", gift_title_page, 200, instructor, writes_files=True),
    # a file name and request headers that are stored
    Input("BgMax file name (page)", bgmax_filename_page, 200, finance),
    Input("User-Agent header (page view)", stored_header("user-agent", PageView.user_agent), 500),
    Input("Accept-Language header (page view)", stored_header("accept-language", PageView.accept_language), 200),
]


# -- every text column of the database: written from free text (by these INPUTS), or not free text (and why)

FREE_TEXT: dict[tuple[str, str], tuple[str, ...]] = {
    ("account", "first_name"): (
        "registration first_name (API)",
        "registration first_name (page)",
        "profile first_name (API)",
        "profile first_name (page)",
        "create-staff --first-name (CLI)",
        "rectified first_name (API)",
    ),
    ("account", "last_name"): ("registration last_name (API)",),
    ("account", "source"): ("registration source (API)",),
    ("person", "first_name"): ("contact form first_name (API)", "newsletter form first_name (API)"),
    ("person", "last_name"): ("contact form last_name (API)",),
    ("person", "source"): ("webinar form source (API)",),
    ("person", "restriction_reason"): ("restriction reason (API)", "restriction reason (page)"),
    ("account_privacy", "restriction_reason"): ("restriction reason (API)", "restriction reason (page)"),
    ("form_submission", "details"): ("contact form message (API)", "contact form message (page)"),
    ("customer", "company_name"): ("enrolment company_name (API)",),
    ("customer", "reference"): ("enrolment reference (API)",),
    ("customer", "address_line"): ("enrolment address_line (API)",),
    ("customer", "city"): ("enrolment city (API)",),
    ("invoice", "buyer"): ("enrolment company_name (API)", "enrolment address_line (API)", "enrolment city (API)"),
    ("invoice", "reason"): ("credit reason (API)", "credit reason (page)"),
    ("answer", "raw_response"): ("essay answer (API)",),
    ("answer", "normalized_response"): ("essay answer (API)",),
    ("answer", "reviewer_comment"): ("review comment (API)",),
    ("answer_flag", "reason"): ("flag reason (API)", "flag reason (page)"),
    ("grade_event", "reason"): ("override reason (API)",),
    ("comment_bank_entry", "text"): ("comment bank (page)",),
    ("question_version", "definition"): ("GIFT question text (CLI)", "GIFT question text (page)"),
    ("support_case", "contact_name"): ("case contact_name (API)",),
    ("support_case", "subject"): ("case subject (API)",),
    ("support_case", "description"): ("case description (API)", "case description (page)"),
    ("support_case", "extension_reason"): ("extension reason (page)",),
    ("support_case", "identity_note"): ("identity check note (page)", "identity check note (API)"),
    ("support_case", "outcome"): ("completion note (page)", "completion note (API)", "rejection note (page)"),
    ("case_note", "text"): ("case note (page)",),
    ("subsidiary", "name"): ("subsidiary add --name (CLI)",),
    ("subsidiary", "channel"): ("subsidiary add --channel (CLI)",),
    ("bgmax_import", "filename"): ("BgMax file name (page)",),
    ("page_view", "user_agent"): ("User-Agent header (page view)",),
    ("page_view", "accept_language"): ("Accept-Language header (page view)",),
}
# Not free text: what the site itself writes, or a value of a fixed shape checked by its own rule.
_CHOICE = "one of a fixed set of values, or a slug, chosen by the code"
_HASH = "a hash or a token of the site's own"
_SHAPE = "a value of a fixed shape, checked by its own rule (address, number, date, code)"
_DERIVED = "written by the site from data already checked where it was typed"
_CONTENT = "course content (the question's texts), checked when it was imported"
_BANK = "the bank's BgMax file: the bank's own record of a payment, kept as the bank sent it (bookkeeping)"
NOT_FREE_TEXT: dict[tuple[str, str], str] = {
    **{
        key: _CHOICE
        for key in [
            ("account", "role"), ("answer", "question_id"), ("answer", "lesson_slug"), ("answer", "status"),
            ("answer", "question_version"), ("answer", "response_key"), ("lesson_progress", "lesson_slug"),
            ("regrade_run", "lesson_slug"), ("regrade_run", "mode"), ("grade_event", "kind"),
            ("question_version", "question_id"), ("question_version", "lesson_slug"), ("question_version", "version"),
            ("customer", "customer_type"), ("enrollment", "terms_version"), ("invoice_counter", "series"),
            ("invoice", "kind"), ("invoice", "series"), ("invoice", "currency"), ("payment", "source"),
            ("form_submission", "form"), ("form_submission", "channel"), ("consent", "kind"),
            ("consent", "policy_version"), ("consent", "channel"), ("consent", "withdrawn_via"),
            ("consent", "confirmed_via"), ("support_case", "kind"), ("support_case", "status"),
            ("support_case", "identity_method"), ("staff_audit", "action"), ("subsidiary", "purpose"),
            ("disclosure", "purpose"), ("recipient_notice", "kind"), ("processor_notice", "kind"),
            ("one_time_token", "purpose"), ("outbox_message", "kind"), ("outbox_message", "template"),
            ("outbox_message", "status"), ("page_view", "path"),
        ]
    },
    **{
        key: _HASH
        for key in [
            ("account", "password_hash"), ("user_session", "token_hash"), ("login_attempt", "key_hash"),
            ("rate_limit_hit", "key_hash"), ("bgmax_import", "file_hash"), ("subsidiary", "token_hash"),
            ("one_time_token", "token_hash"), ("disclosure_subject", "subject_ref"),
            ("recipient_notice", "subject_ref"), ("processor_notice", "subject_ref"), ("outbox_message", "message_id"),
        ]
    },
    **{
        key: _SHAPE
        for key in [
            ("account", "email"), ("account", "mobile"), ("person", "email"), ("person", "mobile"),
            ("customer", "org_number"), ("customer", "postal_code"), ("invoice", "number"), ("invoice", "ocr"),
            ("support_case", "contact_email"), ("one_time_token", "email"), ("outbox_message", "recipient"),
            ("page_view", "ip_address"), ("certificate", "code"), ("answer", "rubric_scores"),
            ("answer", "idempotency_key"),  # the Idempotency-Key header's own rule (grading/service.py)
        ]
    },
    **{
        key: _DERIVED
        for key in [
            ("user_session", "client_label"),  # built from fixed browser names (accounts/user_agent.py)
            ("certificate", "holder_short_name"), ("invoice", "seller"), ("invoice", "lines"),
            ("payment", "note"), ("consent", "text"), ("staff_audit", "what"), ("staff_audit", "why"),
            ("disclosure", "recipient"), ("disclosure", "fields"), ("recipient_notice", "changes"),
            ("processor_notice", "recipient"), ("processor_notice", "changes"), ("one_time_token", "payload"),
            ("outbox_message", "subject"), ("outbox_message", "body_text"), ("outbox_message", "body_html"),
            ("outbox_message", "headers"), ("outbox_message", "last_error"),
            ("outbox_message", "attachments"),  # a document's kind and number (mail/build.py)
        ]
    },
    ("answer", "feedback"): _CONTENT,
    ("payment", "payer_name"): "never written since issue 12 §7: the books match payments by OCR, not by name",
    ("payment", "reference"): _BANK,
}  # fmt: skip


def test_every_text_column_is_written_by_a_listed_input() -> None:
    """Every Varchar, Text and JSON column is either free text, written by inputs this test walks, or not free text
    with a reason. A new column fails here until it is classified (and, if free text, walked above)."""
    from piccolo.columns import JSON, JSONB, Text, Varchar

    from coursesite.piccolo_app import APP_CONFIG

    columns = {
        (table._meta.tablename, column._meta.name)
        for table in APP_CONFIG.table_classes
        for column in table._meta.columns
        if isinstance(column, Varchar | Text | JSON | JSONB)
    }
    assert not FREE_TEXT.keys() & NOT_FREE_TEXT.keys()
    assert sorted(columns - FREE_TEXT.keys() - NOT_FREE_TEXT.keys()) == [], "classify these columns"
    assert sorted((FREE_TEXT.keys() | NOT_FREE_TEXT.keys()) - columns) == [], "no such columns"
    walked = {field.name for field in INPUTS}
    assert {name for names in FREE_TEXT.values() for name in names} - walked == set()
    assert all(FREE_TEXT.values())


def vectors_on_this_engine() -> tuple[str, ...]:
    """Every vector on SQLite. On PostgreSQL the vectors where the engine itself matters (it refuses NUL outright, so
    a NUL that slipped through would be a 500 there): what the rule decides about identity numbers and lengths is
    the same pure code on both engines, and running it twice would add minutes to every CI run."""
    if os.environ.get("COURSESITE_TEST_ENGINE") == "postgres":
        return (PLAIN, *CHARACTERS)
    return tuple(VECTORS)


def refused_vectors(field: Input) -> list[str]:
    """The vectors this input must refuse (every vector but the plain control)."""
    return [
        vector
        for vector in vectors_on_this_engine()
        if vector != PLAIN and not (vector == TOO_LONG and field.limit is None)
    ]


@pytest.fixture
def lessons(request, tmp_path: Path) -> Path:
    """A copy of lessons/ for an input that writes lesson files: an import that is wrongly accepted writes there,
    never into the real content. The other inputs read the real lessons/ (and share the app built for it)."""
    if not request.node.callspec.params["field"].writes_files:
        return REPO_ROOT / "lessons"
    root = tmp_path / "lessons"
    shutil.copytree(REPO_ROOT / "lessons", root, ignore=shutil.ignore_patterns(".revision*"))
    return root


@pytest.fixture
def settings(database_url, lessons):
    return make_settings(database_url, lessons_dir=lessons)


@pytest.fixture
async def site(app, services, database_url, lessons, course, tmp_path):
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        yield Site(app, services, client, course, lessons, database_url, tmp_path)


def marked_files(root: Path) -> list[str]:
    return [str(path) for path in root.rglob("*") if path.is_file() and MARK in path.read_text(errors="replace")]


@pytest.mark.parametrize("field", INPUTS, ids=[field.name for field in INPUTS])
async def test_free_text_input_refuses_every_vector_and_stores_nothing(site: Site, field: Input, subtests):
    """What the input needs is prepared once (a refused value changes nothing); then each vector is submitted (a
    subtest each), with a mark of its own, so that a leak names its vector. Nothing of any of them may be stored. The
    plain control goes last: it is accepted and stored."""
    ready = await field.prepare(site)
    for vector in refused_vectors(field):
        with subtests.test(vector=vector):
            outcome = await field.submit(site, ready, value_for(vector, field.limit))
            assert not outcome.accepted, f"{field.name} accepted {vector}"
            if vector in IDENTITY_NUMBERS:
                digits = VECTORS[vector]
                assert digits not in outcome.shown and digits.replace(" ", "") not in outcome.shown, "shown again"
                assert digits.replace(" ", "").replace("-", "").replace(".", "") not in outcome.shown, "shown again"
    with subtests.test("nothing stored"):
        stored = "\n".join((await dump()).values())
        leaked = [vector for vector in refused_vectors(field) if mark_for(vector) in stored]
        assert MARK not in stored, f"{field.name} stored something of {leaked or 'a refused vector, cut'}"
        if field.writes_files:
            assert marked_files(site.lessons) == []
    with subtests.test(vector=PLAIN):
        outcome = await field.submit(site, ready, value_for(PLAIN, field.limit))
        assert outcome.accepted, outcome.shown[:1000]
        stored = "\n".join((await dump()).values())
        assert mark_for(PLAIN) in stored or (field.writes_files and marked_files(site.lessons)), "not stored"
