"""The course terms, versioned (issue 12 §5): every version is a file with its date, /villkor?version=… shows any of
them, enrolment stores the version and asks separately for the express consent to start at once and the
acknowledgement that the right of withdrawal is then lost (lag (2005:59) om distansavtal, 2 kap. 11 §)."""

from pathlib import Path

import pytest

from coursesite.billing import terms
from coursesite.billing.enrolment import TERMS_VERSION
from coursesite.db.billing import Enrollment
from tests.conftest import api_post, csrf_token, register
from tests.support import page_text

TERMS_DIR = Path(__file__).resolve().parents[2] / "templates" / "billing" / "terms"
BODY = {
    "customer_type": "private",
    "address_line": "Storgatan 1",
    "postal_code": "111 22",
    "city": "Stockholm",
    "accept_terms_version": TERMS_VERSION,
}


def test_every_version_is_a_file_with_its_date_and_the_newest_is_in_force():
    assert {f.stem for f in TERMS_DIR.glob("*.html")} == {v.version for v in terms.TERMS_VERSIONS}
    dates = [v.effective for v in terms.TERMS_VERSIONS]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert TERMS_VERSION == terms.CURRENT.version == terms.TERMS_VERSIONS[-1].version
    assert all(terms.is_well_formed(v.version) for v in terms.TERMS_VERSIONS)
    assert terms.superseded_on(terms.TERMS_VERSIONS[0]) == terms.TERMS_VERSIONS[1].effective
    assert terms.superseded_on(terms.CURRENT) is None


def test_the_right_of_withdrawal_is_waived_only_with_both():
    assert terms.withdrawal_right_waived(True, True)
    assert not terms.withdrawal_right_waived(True, False) and not terms.withdrawal_right_waived(False, True)


async def test_every_earlier_version_of_the_terms_is_shown_by_its_version(client):
    current = await client.get("/villkor")
    assert current.status_code == 200 and f'data-version="{TERMS_VERSION}"' in current.text
    assert "äldre version" not in page_text(current)
    for version in terms.TERMS_VERSIONS:
        response = await client.get(f"/villkor?version={version.version}")
        assert response.status_code == 200
        assert f'data-version="{version.version}"' in response.text
        assert f'href="/villkor?version={version.version}"' in current.text
    old = page_text(await client.get(f"/villkor?version={terms.TERMS_VERSIONS[0].version}"))
    assert "Det här är en äldre version av villkoren" in old
    assert "när du har öppnat och påbörjat kursens lektioner" in old  # the old §4, unchanged


@pytest.mark.parametrize(
    ("version", "status", "words"), [("2099-01", 404, "Det finns ingen version 2099-01"), ("gammal", 400, "ÅÅÅÅ-MM")]
)
async def test_an_unknown_version_is_a_swedish_404_and_a_malformed_one_a_400(client, version, status, words):
    response = await client.get(f"/villkor?version={version}", headers={"accept": "text/html"})
    assert response.status_code == status
    assert words in response.text


async def test_a_too_long_version_is_refused(client):
    assert (await client.get("/villkor?version=" + "2" * 21)).status_code == 400


async def test_terms_section_5_names_the_organisation_number_and_the_reference(client):
    text = page_text(await client.get("/villkor"))
    section = text[text.index("5. Personuppgifter") : text.index("6. Ändringar")]
    assert "organisationsnummer" in section and "referens" in section


async def test_the_enrolment_form_asks_for_the_two_separately(client):
    await register(client, enrolled=False)
    html = (await client.get("/anmalan")).text
    assert 'name="consent_start_now"' in html and 'name="acknowledge_withdrawal_lost"' in html
    assert "uttryckligen till att kursen börjar genast" in html and "ångerrätt upphör" in html


@pytest.mark.db
async def test_enrolment_stores_the_express_consent_and_the_acknowledgement_with_the_time(client):
    account_id = (await register(client, enrolled=False))["id"]
    body = BODY | {"consent_start_now": True, "acknowledge_withdrawal_lost": True}
    assert (await api_post(client, "/api/v1/enrollments", body)).status_code == 201
    row = await Enrollment.select().where(Enrollment.account == account_id).first()
    assert row["terms_version"] == TERMS_VERSION
    assert row["start_consent_at"] is not None and row["withdrawal_ack_at"] is not None


@pytest.mark.db
async def test_enrolment_without_the_two_keeps_the_right_and_one_alone_is_refused(client):
    account_id = (await register(client, enrolled=False))["id"]
    refused = await api_post(client, "/api/v1/enrollments", BODY | {"consent_start_now": True})
    assert refused.status_code == 400 and "acknowledge_withdrawal_lost" in refused.text
    assert (await api_post(client, "/api/v1/enrollments", BODY)).status_code == 201
    row = await Enrollment.select().where(Enrollment.account == account_id).first()
    assert row["start_consent_at"] is None and row["withdrawal_ack_at"] is None


@pytest.mark.db
async def test_the_html_form_stores_both_boxes(client):
    account_id = (await register(client, enrolled=False))["id"]
    csrf = await csrf_token(client, "/anmalan")
    form = {k: str(v) for k, v in BODY.items()} | {
        "consent_start_now": "true",
        "acknowledge_withdrawal_lost": "true",
        "_csrf_token": csrf,
    }
    response = await client.post("/anmalan", data=form, follow_redirects=False)
    assert response.status_code == 303
    row = await Enrollment.select().where(Enrollment.account == account_id).first()
    assert row["start_consent_at"] is not None and row["withdrawal_ack_at"] is not None


@pytest.mark.db
async def test_mina_fakturor_links_the_accepted_version_and_says_what_was_answered(client):
    await register(client, enrolled=False)
    assert (await api_post(client, "/api/v1/enrollments", BODY)).status_code == 201
    response = await client.get("/mina-fakturor")
    assert f'href="/villkor?version={TERMS_VERSION}"' in response.text
    assert "så du har ångerrätt i 14 dagar" in page_text(response)
