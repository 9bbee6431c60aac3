"""Issue 15, point 10: no raw status or key (English, snake_case) on the pages a participant or the public sees about
their data. Mina uppgifter with a request of every kind in every status and a consent of every kind, the request
confirmation page for every kind, and the privacy policy; the words come from privacy/labels.py."""

from __future__ import annotations

import re
from datetime import timedelta

from coursesite.core import clock
from coursesite.core.formatting import format_date_long
from coursesite.core.tokens import TokenPurpose
from coursesite.db.privacy import Consent, SupportCase
from coursesite.privacy import labels
from tests.support import page_text

REQUEST_KINDS = tuple(labels.REQUEST_NAME_SV)
STATUSES = tuple(labels.REQUEST_STATUS_SV)
CONSENT_KINDS = tuple(labels.CONSENT_KIND_SV)
RAW_KEYS = {*REQUEST_KINDS, *STATUSES, *CONSENT_KINDS, "complaint", "question", "pending", "active", "withdrawn"}
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def raw_words(text: str) -> list[str]:
    words = set(re.findall(r"[A-Za-zÅÄÖåäö_]+", text))
    return sorted((words & RAW_KEYS) | set(SNAKE_CASE.findall(text)))


def test_every_key_has_a_swedish_word_and_an_unknown_one_is_never_shown():
    assert all(labels.request_kind_sv(kind)[0].isupper() for kind in REQUEST_KINDS)
    assert labels.request_kind_sv("access") == "Registerutdrag"
    assert labels.request_status_sv("extended") == "Svarstiden förlängd"
    assert labels.consent_kind_sv("event_information") == "Information om kurser och konferenser"
    assert "some_new_key" not in labels.request_status_sv("some_new_key") + labels.consent_kind_sv("some_new_key")
    assert labels.request_kind_sv("some_new_key") == "Begäran"


async def test_mina_uppgifter_shows_every_status_and_consent_in_swedish(client, participant):
    now, today = clock.now(), clock.today()
    for kind in REQUEST_KINDS:
        for status in STATUSES:
            await SupportCase.insert(
                SupportCase(
                    kind=kind,
                    account=participant["id"],
                    subject=f"{kind} {status}",
                    status=status,
                    received_on=today,
                    deadline=today + timedelta(days=30),
                    created_at=now,
                )
            )
    for kind in CONSENT_KINDS:
        await Consent.insert(
            Consent(
                account=participant["id"],
                kind=kind,
                text="Jag vill få information.",
                policy_version="1",
                channel="webb",
                given_at=now,
                confirmed_at=now,
            )
        )
    response = await client.get("/mina-uppgifter")
    assert response.status_code == 200
    text = page_text(response)
    assert raw_words(text) == []
    for kind in REQUEST_KINDS:
        assert labels.request_kind_sv(kind) in text
    for status in STATUSES:
        assert labels.request_status_sv(status) in text
    for kind in CONSENT_KINDS:
        assert labels.consent_kind_sv(kind) in text
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>.*?<td>([^<]*)</td></tr>", response.text, re.S)
    assert len([row for row in rows if row[1].strip() in labels.REQUEST_STATUS_SV.values()]) == len(
        REQUEST_KINDS
    ) * len(STATUSES)


async def test_the_request_confirmation_page_names_every_kind_in_swedish(client, participant, services):
    now, today = clock.now(), clock.today()
    for kind in REQUEST_KINDS:
        case = await SupportCase.insert(
            SupportCase(
                kind=kind,
                account=participant["id"],
                subject=kind,
                received_on=today,
                deadline=today + timedelta(days=30),
                created_at=now,
            )
        ).returning(SupportCase.id)
        token = await services.tokens.issue(
            TokenPurpose.REQUEST_CONFIRM, account_id=participant["id"], payload={"case_id": case[0]["id"]}
        )
        response = await client.get("/bekrafta-begaran", params={"token": token})
        assert response.status_code == 200
        text = page_text(response)
        assert f"en begäran om {labels.REQUEST_NAME_SV[kind]} {format_date_long(today)}" in text
        assert raw_words(text) == []


async def test_the_privacy_policy_shows_no_raw_key(client):
    response = await client.get("/integritetspolicy")
    assert response.status_code == 200
    assert raw_words(page_text(response)) == []
