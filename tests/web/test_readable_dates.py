"""Issue 15, point 12: one Swedish style for dates and moments in everything a person reads (core/formatting.py).

Each role (a participant with a row in every personal-data table, and each kind of staff) walks the site as a person
would: its menu pages and every link on them, the PDFs (invoice, certificate, access-export letter, record of
processing), the CSV files it can download and the staff audit rows its reads write. No page, PDF, CSV, mail or audit
row it meets may show a machine timestamp (``2026-12-03T06:53``), a UTC offset (``+00:00``), microseconds or an
English month name; no page, PDF, mail or audit row a numeric date (``2026-12-03``, the CSV form) or a mobile number
as stored (``+46701234567``). Machine formats (the JSON
API, SIE, UBL, BgMax) keep their standards and are not read here. A static check covers every template, so a mail
or a PDF that the walk does not produce cannot print a date object raw either."""

from __future__ import annotations

import html
import io
import re
from collections import deque
from types import SimpleNamespace

import pypdf
import pytest

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.formatting import format_date_long
from coursesite.db.answers import Answer
from coursesite.db.billing import Invoice
from coursesite.db.mail import OutboxMessage
from coursesite.db.privacy import StaffAudit, SupportCase
from coursesite.privacy.deadlines import deadline
from coursesite.settings import REPO_ROOT
from tests.conftest import PASSWORD, accounts, api_post, login_as_staff
from tests.support import confirm_identity, page_text, seed_person

FORBIDDEN = {
    "an ISO timestamp": re.compile(r"\d{4}-\d\d-\d\dT\d\d:"),
    "a UTC offset": re.compile(r"\+00:00|\d\d:\d\d(?::\d\d(?:\.\d+)?)?[+-]\d\d:\d\d"),
    "microseconds": re.compile(r"\d\d:\d\d:\d\d\.\d{3,6}"),
    "an English month name": re.compile(
        r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
        r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
        r"|\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}\b"
    ),
}
# On a page or in a PDF a date is written in words; the numeric 2026-12-03 belongs in a CSV file (and in a date field's
# value, which is not text on the page).
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d\d-\d\d(?![\d-])")
E164_MOBILE = re.compile(r"\+46\s?7\d{8}\b")  # stored so; shown as the person wrote it, 070-123 45 67

STAFF_ROLES = ["instructor", "finance", "customer_service", "admin"]
# What each walk reads at the least: the participant's PDFs are the access-export letter (twice: now, and the one
# customer service released), the invoice, the credit note and the certificate; finance's the invoice and credit note.
AT_LEAST = {
    "participant": {"html": 15, "pdf": 5},
    "instructor": {"html": 25, "pdf": 1, "csv": 1},
    "finance": {"html": 15, "pdf": 3, "csv": 1},
    "customer_service": {"html": 10, "pdf": 2, "csv": 2},
    "admin": {"html": 40, "pdf": 4, "csv": 4},
}
SKIPPED = ("/static/", "/favicon.ico", "/schema", "/healthz", "/readyz", "/metrics")
MACHINE_TYPES = ("application/json", "application/xml", "text/xml", "text/plain", "application/octet-stream")
MAX_FETCHES = 160  # every page type a role reaches, with room; a loop of links cannot run on
HREF = re.compile(r'href="(/[^"#]*)"')


def problems(text: str, *, words: bool) -> list[str]:
    """What a person should not have to read in `text`; `words`: dates must be in words (pages, PDFs, mails)."""
    found = [f"{name}: {match.group(0)!r}" for name, pattern in FORBIDDEN.items() if (match := pattern.search(text))]
    if words and (match := ISO_DATE.search(text)):
        found.append(f"a numeric date: {match.group(0)!r}")
    if words and (match := E164_MOBILE.search(text)):
        found.append(f"a mobile number in E.164: {match.group(0)!r}")
    return found


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def start_paths(role: str) -> list[str]:
    """The pages a role finds in its menus, and the downloads behind forms (a link-follower does not fill forms in)."""
    common = ["/", "/min-kurs", "/mina-uppgifter", "/mina-fakturor", "/mitt-intyg", "/villkor", "/integritetspolicy"]
    month = today().replace(day=1).isoformat()
    by_role = {
        "participant": ["/api/v1/me/data.pdf"],
        "instructor": ["/larare/granskning", "/larare/deltagare", "/larare/statistik", "/larare/omrattning"],
        "finance": [
            "/ekonomi",
            "/ekonomi/betalningar",
            "/ekonomi/forfallna",
            "/ekonomi/bgmax",
            "/ekonomi/export",
            f"/ekonomi/export/fakturor.csv?fran={month}&till={today().isoformat()}",
            "/personal/nyhetsbrev/avregistreringar",
        ],
        "customer_service": [
            "/kundtjanst",
            "/kundtjanst/nyhetsbrevstjanster",
            "/personal/nyhetsbrev",
            "/personal/behandlingsregister",
            "/personal/behandlingsregister.pdf",
        ],
    }
    by_role["instructor"].append("/api/v1/instructor/grades.csv")
    by_role["admin"] = by_role["instructor"] + by_role["finance"] + by_role["customer_service"] + ["/personal/utkorg"]
    return common + by_role[role]


async def walk(client, role: str) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Every page, PDF and CSV the role reaches from its start pages by links: what each shows wrongly, and how many
    of each kind were read."""
    queue = deque(start_paths(role))
    seen = set(queue)
    found: dict[str, list[str]] = {}
    read = {"html": 0, "pdf": 0, "csv": 0}
    fetches = 0
    while queue and fetches < MAX_FETCHES:
        path = queue.popleft()
        fetches += 1
        response = await client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind == "text/html":
            read["html"] += 1
            wrong = problems(page_text(response), words=True)
            for link in HREF.findall(response.text):
                link = html.unescape(link)
                if link not in seen and not link.startswith(SKIPPED):
                    seen.add(link)
                    queue.append(link)
        elif kind == "application/pdf":
            read["pdf"] += 1
            wrong = problems(pdf_text(response.content), words=True)
        elif kind == "text/csv":
            read["csv"] += 1
            wrong = problems(response.content.decode("utf-8-sig"), words=False)
        else:
            assert kind in MACHINE_TYPES, (path, kind)
            continue
        if wrong:
            found[path] = wrong
    return found, read


async def scenario(billing, services) -> dict:
    """Zelmira (tests/support.py: seed_person, a row in every personal-data table: an invoice, a payment, a reminder,
    graded answers, a flag, a certificate, a complaint, consents, disclosures, mail), plus an essay waiting for a
    teacher, an access request whose deadline customer service extended and then carried out (its notes are Swedish
    text with dates; the export waits under Mina uppgifter) and a credit note."""
    seeded = await seed_person(billing)
    aid = seeded["account_id"]
    now = clock.now()
    await Answer.insert(
        Answer(
            account=aid,
            question_id="akt1/essa",
            lesson_slug="akt1",
            attempt=2,
            raw_response='"Ett nytt försök"',
            normalized_response='"Ett nytt försök"',
            status="pending_review",
            max_score_milli=1000,
            feedback="[]",
            created_at=now,
        )
    )
    handler = await accounts.create_staff(
        email="handlaggare@balansekonomi.se",
        role=Role("customer_service"),
        password=PASSWORD,
        first_name="Hanna",
        last_name="Handläggare",
    )
    received = today()
    case = (
        await SupportCase.insert(
            SupportCase(
                kind="access",
                account=aid,
                contact_name="Zelmira Quistgaard",
                contact_email="zelmira.quist@example.se",
                subject="Registerutdrag",
                description="Vad har ni om mig?",
                received_on=received,
                deadline=deadline(received),
                created_at=now,
            )
        ).returning(SupportCase.id)
    )[0]["id"]
    cases = services.cases
    await cases.extend(case, handler.account_id, reason="Många uppgifter", notified_on=received)
    await confirm_identity(cases, case, handler.account_id)
    await cases.complete(case, handler.account_id, note="Utdraget är klart.")
    bookkeeper = await accounts.create_staff(
        email="bokforare@balansekonomi.se", role=Role("finance"), password=PASSWORD, first_name="Bo", last_name="Bok"
    )
    invoice = (await Invoice.select(Invoice.number).where(Invoice.account == aid))[0]["number"]
    await billing.credit(bookkeeper, invoice, amount_ore=12500, reason="Rabatt")
    return seeded


@pytest.mark.parametrize("role", ["participant", *STAFF_ROLES])
async def test_every_page_pdf_and_csv_a_role_reads_writes_dates_the_swedish_way(role, client, services, billing):
    await scenario(billing, services)
    if role == "participant":
        client.cookies.clear()
        login = await api_post(
            client, "/api/v1/auth/login", {"email": "zelmira.quist@example.se", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
    else:
        await login_as_staff(client, role)
    found, read = await walk(client, role)
    assert found == {}
    assert all(read[kind] >= least for kind, least in AT_LEAST[role].items()), read  # the walk really read them
    assert await unreadable_audit_rows() == []  # what the walk's reads wrote in the staff audit


async def unreadable_audit_rows() -> list[str]:
    """The staff audit rows (privacy/audit.py) whose text shows a date or moment a person should not have to read:
    Swedish staff read them, and so may the supervisory authority."""
    rows = await StaffAudit.select(StaffAudit.what, StaffAudit.why)
    return [text for row in rows if problems(text := f"{row['what']} / {row['why']}", words=True)]


async def test_the_finance_exports_audit_row_writes_its_dates_the_swedish_way(client, services, billing):
    """Each finance export (CSV and SIE, page and API) writes one audit row naming its range (billing/exports.py):
    in words, as everywhere else staff read a date."""
    await scenario(billing, services)
    await login_as_staff(client, "finance")
    first, last = today().replace(day=1).isoformat(), today().isoformat()
    paths = (
        f"/ekonomi/export/fakturor.csv?fran={first}&till={last}",
        f"/ekonomi/export/sie?fran={first}&till={last}",
        f"/api/v1/finance/exports/invoices.csv?from={first}&to={last}",
        f"/api/v1/finance/exports/sie?from={first}&to={last}",
    )
    for path in paths:
        assert (await client.get(path)).status_code == 200, path
    exports = await StaffAudit.select(StaffAudit.what).where(StaffAudit.action == "export")
    assert len(exports) == 4
    named = f"{format_date_long(today().replace(day=1))} – {format_date_long(today())}: "
    assert all(named in row["what"] for row in exports), exports
    assert await unreadable_audit_rows() == []


async def test_the_mail_a_person_gets_writes_dates_the_swedish_way(client, services, billing):
    await scenario(billing, services)
    rows = await OutboxMessage.select(OutboxMessage.template, OutboxMessage.body_text, OutboxMessage.body_html)
    assert {"billing/enrolled", "billing/credit_note", "requests/export_ready"} <= {r["template"] for r in rows}
    for row in rows:
        for body in (row["body_text"], row["body_html"]):
            if body:
                text = page_text(SimpleNamespace(text=body))
                assert problems(text, words=True) == [], (row["template"], text)


def test_the_checks_see_what_a_person_should_not_read():
    assert problems("Tidsfristen förlängdes med två månader, till 3 februari 2027.", words=True) == []
    assert problems("till 2027-02-03. Personen underrättades 2026-12-03T06:53:11.985214+00:00", words=True) == [
        "an ISO timestamp: '2026-12-03T06:'",
        "a UTC offset: '06:53:11.985214+00:00'",
        "microseconds: '06:53:11.985214'",
        "a numeric date: '2027-02-03'",
    ]
    assert problems("3 Dec 2026", words=False) == ["an English month name: '3 Dec'"]
    assert problems("December 3", words=False) == ["an English month name: 'December'"]
    assert problems("Fakturanummer 2026-00001, OCR 20260000110, 070-123 45 67", words=True) == []
    assert problems("Mobil +46701234567", words=True) == ["a mobile number in E.164: '+46701234567'"]


# --- every template: a date is printed through the date or datetime filter, never raw -----------------------------

TEMPLATE_DIR = REPO_ROOT / "templates"
EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
DATE_LIKE = re.compile(r"(?:_at|_on|_date|date|until|deadline|effective|since)\s*(?:\)\s*)?$")
# Values that Python hands a template already formatted by core/formatting.py (named here so that a new one is seen).
PREFORMATTED = {
    "mail/account_inactive": {"erase_on"},  # privacy/retention.py: format_date_long
    "privacy/record_body": {"generated_on"},  # web/controllers/policy.py: format_date_long
    "privacy/data_export_pdf": {"l.date"},  # privacy/letter.py: format_date_long
}


def raw_dates(template: str, source: str) -> list[str]:
    """The expressions of a template that print something date-like without a date filter."""
    raw = []
    for expression in EXPRESSION.findall(source):
        value, *filters = (part.strip() for part in expression.split("|"))
        if not DATE_LIKE.search(value) or value in PREFORMATTED.get(template, set()):
            continue
        if not any(re.match(r"(?:date|datetime)\b", f) for f in filters):
            raw.append(expression.strip())
    return raw


def test_no_template_prints_a_date_without_the_swedish_filters():
    offenders = {}
    for path in sorted(TEMPLATE_DIR.rglob("*")):
        if path.suffix in (".html", ".txt") and path.is_file():
            template = str(path.relative_to(TEMPLATE_DIR).with_suffix(""))
            if found := raw_dates(template, path.read_text(encoding="utf-8")):
                offenders[template] = found
    assert offenders == {}


def test_the_template_check_sees_a_raw_date():
    assert raw_dates("x", "Förföll {{ due_date }} och {{ inv.issue_date | date }}") == ["due_date"]
    assert raw_dates("x", "{{ lift_allowed_from(r.sent_at) | date }} {{ a.created_at|datetime }}") == []
    assert raw_dates("x", '{{ m.sent_at | datetime if m.sent_at else "" }} {{ x.due_date | dates }}') == [
        "x.due_date | dates"
    ]
