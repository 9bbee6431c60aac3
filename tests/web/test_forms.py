"""The public forms over HTTP (JSON API and HTML pages, with real CSRF) and the staff newsletter exports."""

from __future__ import annotations

import re

import pytest

from coursesite.db.privacy import Consent, Disclosure, FormSubmission, Person
from coursesite.signups.forms import FORMS
from coursesite.signups.processors import subscriber_ref
from tests.conftest import TEST_SECRET, api_post, csrf_token, login_as_staff, register
from tests.support import CARD, FREE_TEXT, PERSONNUMMER, confirmation_tokens, valid

API = {form: f"/api/v1/forms/{form}" for form in FORMS}
PAGES = {
    "contact": "/kontakt",
    "webinar": "/webbinarium",
    "signup": "/anmal-intresse",
    "ebook": "/e-bok",
    "newsletter": "/nyhetsbrev",
}


async def nothing_stored() -> bool:
    return (await Person.count(), await FormSubmission.count(), await Consent.count()) == (0, 0, 0)


@pytest.mark.parametrize("form", sorted(FORMS))
async def test_api_forms_201(client, form):
    response = await api_post(client, API[form], valid(form))
    assert response.status_code == 201, response.text
    assert response.json()["form"] == form
    assert response.json()["consents"] == [c.kind for c in FORMS[form].consents]
    assert await FormSubmission.count() == 1


@pytest.mark.parametrize("form", sorted(FORMS))
async def test_api_forms_400_with_a_message_per_field(client, form):
    response = await api_post(client, API[form], {})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(FORMS[form].required)
    assert all(isinstance(m, str) and m for m in response.json()["errors"].values())


@pytest.mark.parametrize("form", sorted(FORMS))
async def test_clause_forms_api_refuses_an_unknown_field_by_name(client, form):
    response = await api_post(client, API[form], valid(form) | {"personnummer": "x"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["personnummer"]
    assert await nothing_stored()


async def test_clause_no_personnummer_or_payment_data_in_forms_api(client):
    for form, name in (("contact", "message"), ("webinar", "source"), ("ebook", "first_name")):
        for forbidden in (PERSONNUMMER, CARD):
            response = await api_post(client, API[form], valid(form) | {name: f"Mitt nummer är {forbidden}"})
            assert response.status_code == 400
            assert name in response.json()["errors"]
            assert forbidden not in response.text
    assert await nothing_stored()


async def test_api_forms_need_csrf(client):
    response = await client.post(API["newsletter"], json=valid("newsletter"))
    assert response.status_code == 403
    assert await nothing_stored()


async def test_api_forms_are_bounded(client):
    response = await api_post(client, API["contact"], valid("contact") | {"message": "a" * 20_000})
    assert response.status_code == 400
    assert response.json()["errors"] == {"message": "Texten är för lång."}
    response = await api_post(client, API["contact"], valid("contact") | {"message": "a" * 5001})
    assert response.json()["errors"] == {"message": "Meddelandet får vara högst 5000 tecken."}
    response = await api_post(client, API["contact"], valid("contact") | {PERSONNUMMER: "x"})
    assert response.status_code == 400 and PERSONNUMMER not in response.text
    response = await api_post(client, API["newsletter"], valid("newsletter") | {"email": "a\x00@example.se"})
    assert response.status_code == 400
    assert await nothing_stored()


async def test_api_channel_from_the_fixed_list(client):
    response = await api_post(client, API["newsletter"] + "?kanal=webbinarier", valid("newsletter"))
    assert response.status_code == 201
    assert response.json()["channel"] == "webbinarier"
    response = await api_post(client, API["newsletter"] + "?kanal=annan", valid("newsletter", "b@example.se"))
    assert response.status_code == 400
    assert "kanal" in response.json()["errors"]


# --- HTML -------------------------------------------------------------------------------------------------------------


def html_form(form: str) -> dict[str, str]:
    data = {k: ("true" if v is True else v) for k, v in valid(form).items()}
    if form in ("webinar", "signup"):
        data["consent"] = "true"  # the HTML form's checkbox for the information the registration asks for
    return data


@pytest.mark.parametrize("form", sorted(FORMS))
async def test_html_forms_work_with_csrf(client, form):
    path = PAGES[form]
    page = await client.get(path)
    assert page.status_code == 200
    assert 'href="/integritetspolicy"' in page.text
    for checkbox in re.findall(r'<input type="checkbox"[^>]*>', page.text):
        assert "checked" not in checkbox  # never pre-ticked
    if FORMS[form].consents:
        assert 'type="checkbox"' in page.text
    token = await csrf_token(client, path)
    response = await client.post(path, data=html_form(form) | {"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    suffix = "&bekrafta=1" if FORMS[form].consents else ""  # the double opt-in's mail went
    assert response.headers["location"] == f"{path}?skickat=1{suffix}"
    assert await FormSubmission.count() == 1
    thanks = await client.get(response.headers["location"])
    assert "Tack!" in thanks.text


async def test_html_form_without_csrf_is_refused(client):
    await client.get("/nyhetsbrev")
    response = await client.post("/nyhetsbrev", data=html_form("newsletter"), follow_redirects=False)
    assert response.status_code == 403
    assert await nothing_stored()


async def test_html_form_rerenders_with_messages_and_never_echoes_a_personnummer(client):
    token = await csrf_token(client, "/kontakt")
    data = html_form("contact") | {
        "message": f"Mitt personnummer är {PERSONNUMMER}",
        "first_name": "",
        "_csrf_token": token,
    }
    response = await client.post("/kontakt", data=data)
    assert response.status_code == 400
    assert "Ange ditt förnamn." in response.text
    assert PERSONNUMMER not in response.text
    assert 'value="Andersson"' in response.text  # the rest is typed back
    assert await nothing_stored()


async def test_html_registration_forms_need_their_checkbox(client):
    token = await csrf_token(client, "/webbinarium")
    data = html_form("webinar") | {"_csrf_token": token}
    del data["consent"]
    response = await client.post("/webbinarium", data=data)
    assert response.status_code == 400
    assert "Kryssa i rutan" in response.text
    assert await nothing_stored()


async def test_html_form_keeps_a_known_channel(client):
    page = await client.get("/nyhetsbrev?kanal=kursplattformen")
    assert 'name="kanal" value="kursplattformen"' in page.text
    token = await csrf_token(client, "/nyhetsbrev")
    data = html_form("newsletter") | {"kanal": "kursplattformen", "_csrf_token": token}
    response = await client.post("/nyhetsbrev", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert (await Consent.select(Consent.channel))[0]["channel"] == "kursplattformen"


# --- the staff exports ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,allowed", [("admin", True), ("customer_service", True), ("finance", False), ("instructor", False)]
)
async def test_newsletter_export_roles(client, role, allowed):
    await api_post(client, API["newsletter"], valid("newsletter"))
    await login_as_staff(client, role)
    for path in ("/personal/nyhetsbrev", "/personal/nyhetsbrev/apsis.csv", "/personal/nyhetsbrev/mailchimp.csv"):
        response = await client.get(path)
        assert (response.status_code == 200) is allowed, (path, response.status_code)


async def test_newsletter_export_download_is_a_logged_disclosure(client, services):
    await api_post(client, API["newsletter"], valid("newsletter"))
    await api_post(client, API["newsletter"], valid("newsletter", "pending@example.se"))  # never confirmed
    await api_post(client, API["ebook"], valid("ebook", "bo@example.se") | {"newsletter_consent": False})
    (token,) = await confirmation_tokens("anna@example.se")
    assert (await api_post(client, "/api/v1/consents/confirm", {"token": token})).status_code == 204
    await login_as_staff(client, "customer_service")
    response = await client.get("/personal/nyhetsbrev/apsis.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "nyhetsbrev-apsis.csv" in response.headers["content-disposition"]
    ref = subscriber_ref(TEST_SECRET, "anna@example.se")
    (person,) = await Person.select(Person.id).where(Person.email == "anna@example.se")
    link = services.consents.unsubscribe_url(person_id=person["id"])
    assert response.text == f"Email;FirstName;KurssajtenID;UnsubscribeLink\r\nanna@example.se;Anna;{ref};{link}\r\n"
    response = await client.get("/personal/nyhetsbrev/mailchimp.csv")
    assert response.text == (
        f'"Email Address","First Name","Kurssajten ID","Unsubscribe Link"\r\n"anna@example.se","Anna","{ref}","{link}"\r\n'
    )
    rows = await Disclosure.select(Disclosure.recipient, Disclosure.people).order_by(Disclosure.id)
    assert rows == [{"recipient": "Apsis", "people": 1}, {"recipient": "Mailchimp", "people": 1}]
    page = await client.get("/personal/nyhetsbrev")
    assert "Mailchimp" in page.text and "Apsis" in page.text
    assert re.search(r"<td>\d{1,2} [a-zåäö]+ \d{4} \d\d:\d\d</td>", page.text)  # the site's date style, not ISO


async def test_newsletter_export_requires_login(client):
    response = await client.get("/personal/nyhetsbrev/apsis.csv", follow_redirects=False)
    assert response.status_code in (302, 303)
    participant = await register(client, email="deltagare@example.se", enrolled=False)
    assert participant["id"]
    response = await client.get("/personal/nyhetsbrev/apsis.csv")
    assert response.status_code == 403


# --- the one free-text rule (core/text.py), through the API and the HTML pages --------------------------------------

FREE_TEXT_FIELDS = [(form, name) for form in sorted(FREE_TEXT) for name in FREE_TEXT[form]]
SUBJECTS = {
    "first_name": "Förnamnet",
    "last_name": "Efternamnet",
    "email": "E-postadressen",
    "source": "Svaret",
    "message": "Meddelandet",
}
LIMITS = {"first_name": 100, "last_name": 100, "email": 254, "source": 200, "message": 5000}


def refused_values(name: str) -> list[tuple[str, str, str]]:
    """(what, value, part of the message) for every value the rule refuses in the field ``name``."""
    subject, limit = SUBJECTS[name], LIMITS[name]
    if name == "email":
        values = {
            "NUL": "an\x00na@example.se",
            "bidi": "anna\u202e@example.se",
            "personnummer": f"{PERSONNUMMER}@example.se",
            "too long": "a" * (limit + 1 - len("@example.se")) + "@example.se",
        }
    else:
        values = {
            "NUL": "An\x00na",
            "bidi": "Anna\u202eannA",
            "personnummer": f"Anna {PERSONNUMMER}",
            "too long": "a" * (limit + 1),
        }
    expected = {
        "NUL": "otillåtna tecken",
        "bidi": "otillåtna tecken",
        "personnummer": f"{subject} innehåller något som ser ut som ett personnummer",
        "too long": f"{subject} får vara högst {limit} tecken.",
    }
    return [(what, value, expected[what]) for what, value in values.items()]


def test_the_free_text_fields_are_every_text_field_but_the_mobile():
    for form, spec in FORMS.items():
        text_fields = {name for name in spec.person_fields + spec.detail_fields if name in SUBJECTS}
        assert set(FREE_TEXT[form]) == text_fields, form


@pytest.mark.parametrize("form,name", FREE_TEXT_FIELDS)
async def test_api_forms_refuse_by_the_free_text_rule_naming_the_field(client, form, name):
    for what, value, expected in refused_values(name):
        response = await api_post(client, API[form], valid(form) | {name: value})
        assert response.status_code == 400, (what, response.text)
        errors = response.json()["errors"]
        assert list(errors) == [name], what
        assert expected in errors[name], (what, errors[name])
        assert PERSONNUMMER not in response.text
        assert await nothing_stored(), what


@pytest.mark.parametrize("form,name", FREE_TEXT_FIELDS)
async def test_html_forms_refuse_by_the_free_text_rule_naming_the_field(client, form, name):
    path = PAGES[form]
    for what, value, expected in refused_values(name):
        token = await csrf_token(client, path)
        response = await client.post(path, data=html_form(form) | {name: value, "_csrf_token": token})
        assert response.status_code == 400, what
        shown = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', response.text)
        assert shown is not None and expected in shown.group(1), (what, response.text[-2000:])
        assert re.findall(r'<p class="error" id="([^"]+)-error">', response.text) == [name], what
        assert PERSONNUMMER not in response.text
        assert await nothing_stored(), what


def test_each_html_form_class_takes_exactly_its_forms_fields():
    import dataclasses

    from coursesite.web.controllers.forms import FORM_CLASSES
    from coursesite.web.controllers.forms import PAGES as PAGE_TEXTS

    for form, form_class in FORM_CLASSES.items():
        names = {spec.name for spec in dataclasses.fields(form_class)} - {"kanal"}
        html_only = {PAGE_TEXTS[form]["html_consent"][0]} if "html_consent" in PAGE_TEXTS[form] else set()
        assert names == set(FORMS[form].fields) | html_only, form


async def test_html_form_refuses_an_unknown_field_by_name(client):
    token = await csrf_token(client, "/nyhetsbrev")
    data = html_form("newsletter") | {"favourite_colour": "blå", "_csrf_token": token}
    response = await client.post("/nyhetsbrev", data=data)
    assert response.status_code == 400
    assert "Formuläret innehöll fält som inte tas emot: favourite_colour." in response.text
    assert await nothing_stored()
