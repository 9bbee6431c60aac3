"""Helpers for the browser tests (plain functions; fixtures are in conftest.py): register and enrol a participant,
log in, create staff with `coursesite create-staff` against the live server's database."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Page, expect

_numbers = itertools.count(1)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lessons_with_future_events(folder: Path) -> Path:
    """A copy of lessons/ whose webinars and events start in 2099, so that the forms still offer them when the
    shipped catalogue's dates have passed (as tests/support.py's TEST_CATALOGUE does for the other tests)."""
    copy = folder / "lessons"
    shutil.copytree(Path(__file__).parents[2] / "lessons", copy)
    listed = copy / "catalogue.toml"
    listed.write_text(re.sub(r"(?m)^starts = \d{4}-", "starts = 2099-", listed.read_text(encoding="utf-8")))
    return copy


def server_environment(folder: Path, secret: str, environment: str = "test") -> dict[str, str]:
    """A server's environment on a fresh SQLite database and a copy of the lessons in `folder`, on a free port."""
    return dict(os.environ) | {
        "COURSESITE_LESSONS_DIR": str(lessons_with_future_events(folder)),
        "COURSESITE_DATABASE_URL": f"sqlite:///{folder / 'site.sqlite'}",
        "COURSESITE_SECRET_KEY": secret,
        "COURSESITE_PORT": str(free_port()),
        "COURSESITE_HOST": "127.0.0.1",
        "COURSESITE_ENV": environment,
        # Every browser test registers from 127.0.0.1 on this one server: the per-address limit would refuse the 11th.
        "COURSESITE_REGISTRATIONS_PER_HOUR": "1000",
    }


SERVER_START_SECONDS = 60


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """`coursesite migrate` and `coursesite serve` with `env`, until /healthz answers; yields the base URL and stops
    the server afterwards."""
    command = Path(sys.executable).parent / "coursesite"
    subprocess.run([command, "migrate"], env=env, check=True, capture_output=True)
    # Its log goes to a file, not a pipe: nobody reads a pipe while the tests run, and a server whose standard error
    # is full waits in its next write.
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([command, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{env['COURSESITE_PORT']}"
    # A loaded machine (both engines' runs side by side, on two cores) can take a while to start the server.
    deadline = time.monotonic() + SERVER_START_SECONDS
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(log.read().decode(errors="replace")) from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer /healthz within {SERVER_START_SECONDS} s") from None
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def register(page: Page) -> None:
    """A new participant, enrolled (the lessons open on enrolment), on Min kurs."""
    create_account(page)
    enrol(page)


def create_account(page: Page, first_name: str = "Lina", last_name: str = "Larsson") -> None:
    page.goto("/")
    page.get_by_role("link", name="Skapa konto").first.click()
    page.get_by_label("Förnamn").fill(first_name)
    page.get_by_label("Efternamn").fill(last_name)
    page.get_by_label("E-postadress").fill(f"{first_name.lower()}{next(_numbers)}@example.se")
    page.get_by_label("Lösenord").fill("ett-riktigt-bra-lösenord")
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url("/min-kurs")
    expect(page.get_by_role("heading", name="Min kurs")).to_be_visible()


def enrol(page: Page, *, company: str | None = None) -> None:
    """Enrol through the form (the lessons open on enrolment), as a private person or, given a name, a company;
    end on Min kurs."""
    page.goto("/anmalan")
    if company:
        page.get_by_label("Företag", exact=True).check()
        page.get_by_label("Företagsnamn").fill(company)
    else:
        page.get_by_label("Privatperson").check()
    page.get_by_label("Adress").fill("Storgatan 1")
    page.get_by_label("Postnummer").fill("114 55")
    page.get_by_label("Ort").fill("Stockholm")
    page.get_by_label("Jag har läst och godkänner").check()
    page.get_by_role("button", name="Anmäl mig").click()
    expect(page).to_have_url("/anmalan/klar")
    page.goto("/min-kurs")
    expect(page.get_by_role("heading", name="Min kurs")).to_be_visible()


def csrf_of(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def create_staff(
    server_env: dict[str, str], email: str, role: str, password: str, first_name: str = "Karin", last_name: str = "Stab"
) -> None:
    """A staff account made the way an operator makes one: `coursesite create-staff` against the server's database."""
    command = Path(sys.executable).parent / "coursesite"
    subprocess.run(
        [command, "create-staff", "--email", email, "--role", role, "--password", password]
        + ["--first-name", first_name, "--last-name", last_name],
        env=server_env,
        check=True,
        capture_output=True,
    )


def confirm_address(page: Page, server_env: dict[str, str], email: str) -> None:
    """Confirm the address the way its owner would: open the link in the newest confirmation mail to it (the live
    server has no SMTP server: the message waits in its outbox) and click the button."""
    database = server_env["COURSESITE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        (body,) = connection.execute(
            "SELECT body_text FROM outbox_message WHERE recipient = ? AND template = 'verify_email' "
            "ORDER BY id DESC LIMIT 1",
            (email,),
        ).fetchone()
    link = re.search(r"https?://\S+/bekrafta-epost\?token=\S+", body)
    assert link is not None, body
    page.goto(link.group(0))
    page.get_by_role("button", name="Bekräfta e-postadressen").click()
    expect(page.get_by_role("status")).to_contain_text("är bekräftad")


def confirm_consent(page: Page, server_env: dict[str, str], email: str) -> None:
    """Open the link of the newest confirmation mail to `email` and press the page's button (double opt-in). The
    server has no SMTP: the message sits in its outbox, where the link is read as the development console shows it."""
    import re
    import sqlite3

    database = server_env["COURSESITE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        (body,) = connection.execute(
            "SELECT body_text FROM outbox_message WHERE recipient = ? AND template = 'consent_confirm' "
            "ORDER BY id DESC LIMIT 1",
            (email,),
        ).fetchone()
    match = re.search(r"/bekrafta-samtycke\?token=[A-Za-z0-9_-]{43}", body)
    assert match, "the confirmation mail has no link"
    page.goto(match.group(0))
    page.get_by_role("button", name="Ja, jag bekräftar").click()
    expect(page.locator("#consent-confirmed")).to_be_visible()


def register_and_subscribe(
    page: Page, first_name: str, last_name: str, email: str, password: str, server_env: dict[str, str]
) -> None:
    """Register on the page, then give the newsletter consent through the public form's API with the same email, and
    confirm both the address and the consent through the mailed links."""
    page.goto("/registrera")
    page.get_by_label("Förnamn").fill(first_name)
    page.get_by_label("Efternamn").fill(last_name)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url("/min-kurs")
    confirm_address(page, server_env, email)
    response = page.request.post(
        "/api/v1/forms/newsletter",
        data={"email": email, "first_name": first_name, "consent": True},
        headers={"x-csrftoken": csrf_of(page)},
    )
    assert response.status == 201, response.text()
    confirm_consent(page, server_env, email)


# --- every page type, as each role sees it (tests/browser/test_accessibility.py, docs/screenshots/take.py) -----------

PAGE_ROLES = ["anonymous", "participant", "instructor", "finance", "customer_service", "admin"]
STAFF_ROLES = ["instructor", "finance", "customer_service", "admin"]
TOUR_PASSWORD = "ett-riktigt-bra-lösenord"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 800}

# The GET routes (of tests/route_access.py: EXPECTED) that are no HTML page, and why. Everything under /api/ is JSON
# or a file and is left out as a whole; any other GET route is a page and is visited.
NOT_PAGES = {
    "/healthz": "plain text for the load balancer",
    "/readyz": "plain text for the load balancer",
    "/metrics": "Prometheus text",
    "/favicon.ico": "the site's icon",
    "/mina-fakturor/{name:str}": "the invoice as a PDF",
    "/larare/import/export": "a lesson as a GIFT text file",
    "/ekonomi/export/fakturor.csv": "a CSV file",
    "/ekonomi/export/sie": "an SIE file",
    "/personal/nyhetsbrev/apsis.csv": "a CSV file",
    "/personal/nyhetsbrev/mailchimp.csv": "a CSV file",
    "/personal/behandlingsregister.pdf": "the record of processing as a PDF",
}
# Pages whose address carries a token from a mail are visited with a real one (seed_site), except this one, which
# shows its "not found" page: the export page of a request the tour does not make.
PAGE_STATUS = {"/registerutdrag": 404}


def page_routes(expected) -> dict[str, frozenset[str]]:
    """Every HTML page of the app (route path -> the roles let through), from the route table's expectation."""
    return {
        path: access.roles
        for (method, path), access in expected.items()
        if method == "GET" and not path.startswith("/api/") and path not in NOT_PAGES
    }


def tour(expected) -> dict[str, list[str]]:
    """role -> the route paths it visits. Each page is seen by the narrowest roles it is for, so the run stays short:
    a public page anonymously, a page of one's own account as a participant, a staff page by each staff role it is
    for (admin only where no other role is). Every role also sees the front page and Mina uppgifter with its own
    menu."""
    visits: dict[str, list[str]] = {role: [] for role in PAGE_ROLES}
    for path, roles in page_routes(expected).items():
        if "anonymous" in roles:
            visits["anonymous"].append(path)
        elif "participant" in roles:
            visits["participant"].append(path)
        else:
            staff = [role for role in STAFF_ROLES if role in roles and role != "admin"] or ["admin"]
            for role in staff:
                visits[role].append(path)
    for role in PAGE_ROLES[1:]:
        for path in ("/", "/mina-uppgifter"):
            if path not in visits[role]:
                visits[role].append(path)
    return visits


def staff_email(role: str) -> str:
    return f"rundtur-{role.replace('_', '-')}@balansekonomi.se"


STAFF_NAMES = {
    "instructor": ("Ingrid", "Lärare"),
    "finance": ("Erik", "Ekonom"),
    "customer_service": ("Karin", "Kundtjänst"),
    "admin": ("Adam", "Admin"),
}


def _newest_mail_token(server_env: dict[str, str], template: str, recipient: str, pattern: str) -> str | None:
    database = server_env["COURSESITE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT body_text FROM outbox_message WHERE recipient = ? AND template = ? ORDER BY id DESC LIMIT 1",
            (recipient, template),
        ).fetchone()
    match = re.search(pattern, row[0]) if row else None
    return match.group(1) if match else None


class SeededSite:
    """The site after seed_site: one logged-in browser context per role and the values for the routes' parameters."""

    def __init__(self, contexts: dict, params: dict[str, str], queries: dict[str, str]) -> None:
        self.contexts = contexts
        self.params = params
        self.queries = queries

    def url(self, path: str) -> str:
        """The route's path with its parameters filled in from the seeded data (and a mailed token where one was
        made)."""
        filled = re.sub(r"\{([a-z_]+):[a-z]+\}", lambda m: self.params[m.group(1)], path)
        return filled + self.queries.get(path, "")

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def _enrolled(page: Page, first_name: str, last_name: str) -> str:
    """Register through the form and enrol; returns the address."""
    email = f"{first_name.lower()}.rundtur{next(_numbers)}@example.se"
    page.goto("/registrera")
    page.get_by_label("Förnamn").fill(first_name)
    page.get_by_label("Efternamn").fill(last_name)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(TOUR_PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url("/min-kurs")
    enrol(page)
    return email


def _answer_right(page: Page, questions) -> list[int]:
    """Answer each question right through the participant's JSON API; the answers' ids."""
    from tests.support import correct_response

    ids = []
    for question in questions:
        reply = page.request.post(
            "/api/v1/answers",
            data={"question_id": question.id, "response": correct_response(question)},
            headers={"x-csrftoken": csrf_of(page)},
        )
        assert reply.status == 201, reply.text()
        ids.append(reply.json()["id"])
    return ids


def _certified(browser, base: str, instructor, course) -> str:
    """A participant who finished the course, every essay graded in full by the instructor: the code of the
    certificate /mitt-intyg issues them."""
    from coursesite.course.model import Essay

    context = browser.new_context(base_url=base, locale="sv-SE")
    page = context.new_page()
    _enrolled(page, "Maja", "Månsson")
    questions = [q for act in course.acts for lesson in act.lessons for q in lesson.questions]
    grader = instructor.new_page()
    grader.goto("/larare/granskning")
    for question, answer_id in zip(questions, _answer_right(page, questions), strict=True):
        if isinstance(question, Essay):
            grade = {"criteria": {c.id: str(c.points) for c in question.rubric}} if question.rubric else {}
            reply = grader.request.post(
                f"/api/v1/instructor/answers/{answer_id}/grade",
                data=grade or {"score": str(question.points)},
                headers={"x-csrftoken": csrf_of(grader)},
            )
            assert reply.ok, reply.text()
    grader.close()
    page.goto("/mitt-intyg")
    link = page.locator('a[href^="/intyg/"]').first.get_attribute("href")
    context.close()
    assert link, "no certificate"
    return link.removeprefix("/intyg/")


def seed_site(browser, base: str, server_env: dict[str, str], course, viewport=DESKTOP) -> SeededSite:
    """A participant who has passed Akt 1 and 2 and written an essay that waits for review (so the lesson, its
    results, an invoice, a review item and a participant exist), a customer-service case about them, a second
    participant with a certificate, and a staff account for each staff role (`coursesite create-staff`), each role
    logged in in a browser context of its own."""
    from coursesite.course.model import Essay

    command = Path(sys.executable).parent / "coursesite"
    making = [  # side by side: each command starts a Python and hashes a password
        subprocess.Popen(
            [command, "create-staff", "--email", staff_email(role), "--role", role, "--password", TOUR_PASSWORD]
            + ["--first-name", STAFF_NAMES[role][0], "--last-name", STAFF_NAMES[role][1]],
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for role in STAFF_ROLES
    ]
    contexts = {role: browser.new_context(base_url=base, locale="sv-SE", viewport=viewport) for role in PAGE_ROLES}
    page = contexts["participant"].new_page()
    email = _enrolled(page, "Lina", "Larsson")
    _answer_right(page, [q for act in course.acts[:2] for lesson in act.lessons for q in lesson.questions])
    essay = next(q for lesson in course.acts[2].lessons for q in lesson.questions if isinstance(q, Essay))
    reply = page.request.post(
        "/api/v1/answers",
        data={"question_id": essay.id, "response": "Avgiften dras varje år på hela beloppet, så den växer."},
        headers={"x-csrftoken": csrf_of(page)},
    )
    assert reply.status == 201, reply.text()
    answer_id = reply.json()["id"]
    me = page.request.get("/api/v1/me").json()
    invoice = page.request.get("/api/v1/me/invoices").json()[0]["number"]
    page.close()
    for process in making:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors.decode()
    for role in STAFF_ROLES:
        staff_page = contexts[role].new_page()
        log_in(staff_page, staff_email(role), TOUR_PASSWORD)
        expect(staff_page).not_to_have_url(re.compile(r"/logga-in"))
        staff_page.close()
    code = _certified(browser, base, contexts["instructor"], course)
    support = contexts["customer_service"].new_page()
    support.goto("/kundtjanst")
    reply = support.request.post(
        "/api/v1/support/cases",
        data={"kind": "access", "subject": "Registerutdrag per telefon", "account_id": me["id"]},
        headers={"x-csrftoken": csrf_of(support)},
    )
    assert reply.status == 201, reply.text()
    case_id = reply.json()["id"]
    support.close()
    params = {
        "slug": course.acts[0].lessons[0].slug,
        "answer_id": str(answer_id),
        "question_id": course.acts[0].lessons[0].questions[0].id,
        "account_id": str(me["id"]),
        "name": invoice,
        "case_id": str(case_id),
        "code": code,
    }
    # The pages a mailed link opens, with a real token: the participant's address confirmation, a password reset,
    # the confirmation of the case's request, a pending newsletter consent, and the unsubscribe link of a confirmed one (from the newsletter export).
    anonymous = contexts["anonymous"].new_page()
    anonymous.goto("/glomt-losenord")
    pending, confirmed = (f"{name}.rundtur{next(_numbers)}@example.se" for name in ("nora", "olle"))
    for path, data in (
        ("/api/v1/auth/password-reset", {"email": email}),
        ("/api/v1/forms/newsletter", {"email": pending, "first_name": "Nora", "consent": True}),
        ("/api/v1/forms/newsletter", {"email": confirmed, "first_name": "Olle", "consent": True}),
    ):
        reply = anonymous.request.post(path, data=data, headers={"x-csrftoken": csrf_of(anonymous)})
        assert reply.ok, reply.text()
    token_pattern = r"\?token=([A-Za-z0-9_.-]+)"
    token = _newest_mail_token(server_env, "consent_confirm", confirmed, token_pattern)
    reply = anonymous.request.post(
        "/api/v1/consents/confirm", data={"token": token}, headers={"x-csrftoken": csrf_of(anonymous)}
    )
    assert reply.ok, reply.text()
    anonymous.close()
    queries = {}
    for path, template, recipient in (
        ("/bekrafta-epost", "verify_email", email),
        ("/nytt-losenord", "password_reset", email),
        ("/bekrafta-samtycke", "consent_confirm", pending),
        ("/bekrafta-begaran", "requests/received", email),  # the case customer service registered for Lina
    ):
        token = _newest_mail_token(server_env, template, recipient, path + token_pattern)
        assert token, f"no link to {path} in the {template} mail"
        queries[path] = f"?token={token}"
    export = contexts["customer_service"].request.get("/personal/nyhetsbrev/apsis.csv")
    unsubscribe = re.search(r"/avsluta" + token_pattern, export.text())
    assert unsubscribe, export.text()
    queries["/avsluta"] = f"?token={unsubscribe.group(1)}"
    return SeededSite(contexts, params, queries)


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def sideways_overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def wcag_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page: the axe.min.js that axe-playwright-python ships, put into
    the page by Playwright (so the site's security policy is not loosened for it) once per document, and only the
    violations' ids and first targets sent back."""
    if not page.evaluate("typeof window.axe === 'object'"):
        import axe_playwright_python

        page.evaluate((Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8"))
    return page.evaluate(
        """options => axe.run(document, options).then(results => results.violations.map(
            violation => `${violation.id}: ${JSON.stringify(violation.nodes.slice(0, 3).map(node => node.target))}`))""",
        {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
