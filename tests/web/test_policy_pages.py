"""The public privacy page and the record of processing, both generated from privacy/policy.py, and the policy's
clauses about purposes, categories, storage, no third parties and the supervisory authority."""

import io
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from coursesite.privacy import policy
from coursesite.privacy.registry import PERSONAL_FIELDS, Retention, retention_texts_sv
from coursesite.settings import Settings
from coursesite.web.deps import periods_of
from tests.conftest import login_as_staff, register
from tests.support import norm, page_text

BASE_HOST = "testserver.local"
RETENTION_TEXT_SV = retention_texts_sv(periods_of(Settings()))  # the defaults; others: test_*_settings.py
URL_ATTRIBUTE = re.compile(
    r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I
)


async def policy_page(client, query: str = "") -> str:
    response = await client.get(policy.POLICY_PATH + query)
    assert response.status_code == 200, response.text
    return page_text(response)


# -- the privacy page


async def test_the_privacy_page_is_public_swedish_and_linked_from_the_footer(client):
    response = await client.get("/integritetspolicy")
    assert response.status_code == 200
    assert '<html lang="sv">' in response.text
    text = page_text(response)
    assert "Integritetspolicy" in text and f"Version {policy.POLICY_VERSION}" in text
    assert "Balansekonomi Svenska AB" in text and "556047-3521" in text  # the controller, from billing.toml
    home = await client.get("/")
    assert re.search(r'<footer.*href="/integritetspolicy".*</footer>', home.text, re.S)


async def test_clause_purposes_every_purpose_is_on_the_page_with_its_legal_basis(client):
    text = await policy_page(client)
    for purpose in policy.purposes():
        assert purpose.title_sv in text
        assert norm(purpose.description_sv) in text
        for basis in purpose.legal_bases:
            assert f"{basis.text_sv}: {basis.applies_to_sv}." in text
    for article in ("6.1 a", "6.1 b", "6.1 c", "6.1 f"):
        assert f"artikel {article}" in text


async def test_clause_categories_every_category_and_what_it_holds_is_on_the_page(client):
    text = await policy_page(client)
    for category in policy.categories():
        assert category.title_sv in text and norm(category.people_sv) in text and category.source_sv in text
        for data in category.data_sv:
            assert data in text
    # Every registry field is covered by a category the page shows.
    found = [policy.category_of(f) for f in PERSONAL_FIELDS]
    assert None not in found
    shown = {c.title_sv for c in found if c is not None}
    assert shown == {c.title_sv for c in policy.categories()}
    assert "Vi frågar aldrig efter personnummer eller kortuppgifter" in text


async def test_clause_storage_every_retention_is_on_the_page_with_the_seven_years(client):
    text = await policy_page(client)
    for retention in {f.retention for f in PERSONAL_FIELDS}:
        assert norm(RETENTION_TEXT_SV[retention]) in text, retention
    books = RETENTION_TEXT_SV[Retention.BOOKKEEPING]
    assert "sjunde året" in books and norm(books) in text
    assert re.search(
        r"Fakturor och kreditfakturor, betalningar, betalningspåminnelser: Räkenskapsinformation sparas", text
    )


async def test_the_recipients_are_on_the_page(client):
    text = await policy_page(client)
    for recipient in policy.recipients():
        assert recipient.name in text
        for item in recipient.receives_sv:
            assert item in text
    assert "Apsis" in text and "Mailchimp" in text and "CRM-system" in text
    assert norm(policy.TRANSFERS_SV) in text


async def test_the_rights_automated_grading_and_contact_are_on_the_page(client):
    text = await policy_page(client)
    for right in policy.RIGHTS_SV:
        assert right.title_sv in text and norm(right.text_sv) in text
    assert norm(policy.AUTOMATED_GRADING_SV) in text
    assert "dataskydd@balansekonomi.se" in text and norm(policy.CONTACT_SV) in text


async def test_clause_the_supervisory_authority_imy_is_named_on_the_privacy_page(client):
    response = await client.get("/integritetspolicy")
    text = page_text(response)
    assert "Integritetsskyddsmyndigheten (IMY)" in text
    assert "tidigare Datainspektionen" in text and "www.imy.se" in text
    assert 'id="tillsynsmyndighet"' in response.text


async def test_a_channel_policy_takes_precedence_on_its_channel(client):
    channel, override = next(iter(policy.CHANNEL_POLICIES.items()))
    general = await policy_page(client)
    specific = await policy_page(client, f"?kanal={channel}")
    assert override.name_sv in specific and norm(override.intro_sv) in specific
    for key, text in override.sections.items():
        assert norm(text) in specific and norm(text) not in general
        assert norm(policy.SECTION_TEXT_SV[key]) not in specific  # replaced, not added
    for heading, text in override.extra_sv:
        assert heading in specific and norm(text) in specific
    # The generated facts stay: they describe what the site does on every channel.
    for purpose in policy.purposes():
        assert purpose.title_sv in specific
    assert "Integritetsskyddsmyndigheten (IMY)" in specific


async def test_an_unknown_channel_gets_the_general_policy_and_a_long_one_is_refused(client):
    text = await policy_page(client, "?kanal=finns-inte")
    assert "den kanalen; vår allmänna policy gäller" in text
    assert norm(policy.SECTION_TEXT_SV["intro"]) in text
    assert (await client.get("/integritetspolicy?kanal=" + "x" * 41)).status_code == 400


# -- no third parties: every page, anonymous and logged in


def get_paths_without_parameters(app) -> list[str]:
    paths = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if "GET" in (handler.http_methods or ()) and "{" not in route.path:
                paths.add(route.path)
    return sorted(paths)


def foreign_urls(body: str) -> list[str]:
    found = []
    for url in URL_ATTRIBUTE.findall(body):
        host = urlsplit(url if "//" in url[:8] else "http:" + url).hostname
        if host != BASE_HOST:
            found.append(url)
    return found


async def walk(client, app) -> dict[str, int]:
    statuses = {}
    for path in get_paths_without_parameters(app):
        response = await client.get(path, follow_redirects=False)
        statuses[path] = response.status_code
        csp = response.headers.get("content-security-policy", "")
        assert csp.startswith("default-src 'self'"), (path, response.status_code)
        if "html" in response.headers.get("content-type", ""):
            assert foreign_urls(response.text) == [], path
    return statuses


async def test_clause_no_third_parties_no_page_loads_or_links_another_host(client, app):
    anonymous = await walk(client, app)
    assert anonymous["/integritetspolicy"] == 200 and anonymous["/"] == 200
    await register(client)
    participant = await walk(client, app)
    assert participant["/min-kurs"] == 200 and participant["/integritetspolicy"] == 200
    assert participant["/personal/behandlingsregister"] == 403


def test_the_url_scan_finds_other_hosts():
    assert foreign_urls('<script src="https://cdn.example.com/x.js"></script>') == ["https://cdn.example.com/x.js"]
    assert foreign_urls("<link href='//fonts.example.net/css'>") == ["//fonts.example.net/css"]
    assert foreign_urls(f'<a href="http://{BASE_HOST}/x">') == []
    assert foreign_urls('<a href="/integritetspolicy">') == []


# -- the record of processing


@pytest.mark.parametrize("role", ["participant", "instructor", "finance"])
async def test_the_record_of_processing_is_for_admin_and_customer_service_only(client, role):
    if role == "participant":
        await register(client)
    else:
        await login_as_staff(client, role)
    for path in ("/personal/behandlingsregister", "/personal/behandlingsregister.pdf"):
        assert (await client.get(path)).status_code == 403, path


async def test_the_record_of_processing_needs_a_login(client):
    response = await client.get("/personal/behandlingsregister", follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/logga-in")


def assert_record_content(text: str) -> None:
    text = norm(text)
    assert "Register över behandling (artikel 30)" in text
    assert "Balansekonomi Svenska AB" in text and "556047-3521" in text
    assert "Integritetsskyddsmyndigheten (IMY)" in text and "www.imy.se" in text
    for purpose in policy.purposes():
        assert purpose.title_sv in text
    for category in policy.categories():
        assert category.title_sv in text
    for recipient in policy.recipients():
        assert recipient.name in text
    assert "utanför EU/EES" in text
    assert "sjunde året" in text
    for word in ("Argon2id", "CSRF", "default-src 'self'", "inloggningar", "Personnummer", "Granskningslogg"):
        assert word in text, word


@pytest.mark.parametrize("role", ["admin", "customer_service"])
async def test_clause_the_supervisory_authority_and_the_whole_record_of_processing(client, role):
    await login_as_staff(client, role)
    response = await client.get("/personal/behandlingsregister")
    assert response.status_code == 200
    assert "no-store" in response.headers["cache-control"]
    text = page_text(response)
    assert_record_content(text)
    for personal_field in PERSONAL_FIELDS:
        assert f"{personal_field.table}.{personal_field.column}" in text
    for retention in {f.retention for f in PERSONAL_FIELDS}:
        assert norm(RETENTION_TEXT_SV[retention]) in text
    assert foreign_urls(response.text) == []


async def test_the_record_of_processing_as_pdf(client, frozen):
    from pypdf import PdfReader

    await login_as_staff(client, "customer_service")
    frozen["now"] = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # already the 5th in Stockholm
    response = await client.get("/personal/behandlingsregister.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert 'attachment; filename="behandlingsregister-2026-12-05.pdf"' == response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert_record_content(text)
    assert "account.email" in text and "5 december 2026" in text
