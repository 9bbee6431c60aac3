"""The forms offer the catalogue (lessons/catalogue.toml, signups/catalogue.py): only open entries still to come, a
past webinar closed by itself, a full one refused in Swedish; and `coursesite check-content` validates the file."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from coursesite.cli import main
from coursesite.core import clock
from coursesite.db.privacy import FormSubmission, Person
from coursesite.signups.forms import FULL_MESSAGES
from tests.conftest import TEST_SECRET, api_post, csrf_token
from tests.support import catalogue_with, copy_lessons, install_catalogue, valid

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_now(lambda: NOW)
    yield
    clock.set_now(None)


async def test_the_webinar_form_offers_only_open_webinars_still_to_come(client, services):
    install_catalogue(
        services,
        catalogue_with(
            {"budget-pa-en-timme": date(2027, 2, 28), "spara-till-buffert": date(2027, 3, 1)},  # held; today at 18:00
            closed={"balansekonomi-introduktion"},
        ),
    )
    page = await client.get("/webbinarium")
    assert page.status_code == 200
    assert 'value="spara-till-buffert"' in page.text  # today, later on
    assert 'value="budget-pa-en-timme"' not in page.text  # held yesterday: closed by itself
    assert 'value="balansekonomi-introduktion"' not in page.text  # open = false in the file


async def test_a_form_with_nothing_offered_says_so(client, services):
    install_catalogue(
        services, catalogue_with(closed={"budget-pa-en-timme", "spara-till-buffert", "balansekonomi-introduktion"})
    )
    page = await client.get("/webbinarium")
    assert page.status_code == 200
    assert "Det finns inget att välja just nu" in page.text


@pytest.mark.parametrize(
    ("form", "field", "slug", "held_on", "closed"),
    [
        ("webinar", "webinar", "budget-pa-en-timme", date(2027, 2, 28), ()),
        ("webinar", "webinar", "balansekonomi-introduktion", None, ("balansekonomi-introduktion",)),
        ("signup", "event", "konferens-hushallsekonomi", date(2027, 1, 10), ()),
        ("ebook", "ebook", "hushallsbudgeten", None, ("hushallsbudgeten",)),
    ],
)
async def test_a_past_or_closed_entry_is_refused_in_swedish_and_nothing_is_stored(
    client, services, form, field, slug, held_on, closed
):
    install_catalogue(services, catalogue_with({slug: held_on} if held_on else {}, closed=closed))
    response = await api_post(client, f"/api/v1/forms/{form}", valid(form) | {field: slug})
    assert response.status_code == 400, response.text
    assert "stängd" in response.json()["errors"][field] or "inte längre" in response.json()["errors"][field]
    assert (await Person.count(), await FormSubmission.count()) == (0, 0)


async def test_a_full_webinar_is_refused_and_a_registrant_may_register_again(client, services):
    install_catalogue(services, catalogue_with(capacity={"budget-pa-en-timme": 2}))
    for email in ("a@example.se", "b@example.se"):
        response = await api_post(client, "/api/v1/forms/webinar", valid("webinar", email))
        assert response.status_code == 201, response.text
    again = await api_post(client, "/api/v1/forms/webinar", valid("webinar", "a@example.se"))
    assert again.status_code == 201  # already has a place
    full = await api_post(client, "/api/v1/forms/webinar", valid("webinar", "c@example.se"))
    assert full.status_code == 400
    assert full.json()["errors"] == {"webinar": FULL_MESSAGES["webinar"]}
    assert "fullbokat" in FULL_MESSAGES["webinar"]
    assert not await Person.exists().where(Person.email == "c@example.se")  # nothing of the refused one is kept
    assert await FormSubmission.count() == 3
    other = await api_post(
        client, "/api/v1/forms/webinar", valid("webinar", "c@example.se") | {"webinar": "spara-till-buffert"}
    )
    assert other.status_code == 201  # the capacity is per webinar


async def test_a_full_event_is_refused_on_the_page(client, services):
    install_catalogue(services, catalogue_with(capacity={"konferens-hushallsekonomi": 1}))
    assert (await api_post(client, "/api/v1/forms/signup", valid("signup", "a@example.se"))).status_code == 201
    token = await csrf_token(client, "/anmal-intresse")
    data = {k: ("true" if v is True else v) for k, v in valid("signup", "b@example.se").items()}
    response = await client.post("/anmal-intresse", data=data | {"consent": "true", "_csrf_token": token})
    assert response.status_code == 400
    assert "fullbokad" in response.text


@pytest.fixture
def lessons(tmp_path):
    return copy_lessons(tmp_path)


def check_content(lessons):
    env = {"COURSESITE_SECRET_KEY": TEST_SECRET, "COURSESITE_LESSONS_DIR": str(lessons)}
    return CliRunner().invoke(main, ["check-content"], env=env)


def test_check_content_validates_the_catalogue(lessons):
    good = check_content(lessons)
    assert good.exit_code == 0, good.output
    assert "catalogue.toml: 3 webinars, 3 events, 2 e-books." in good.output
    path = lessons / "catalogue.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("capacity = 200", "capacity = -1", 1), encoding="utf-8")
    broken = check_content(lessons)
    assert broken.exit_code != 0
    assert "catalogue.toml: webinar 'budget-pa-en-timme': 'capacity' must be a whole number" in broken.output


def test_the_app_refuses_to_start_on_a_broken_catalogue(lessons, settings):
    """The start stops before anything is served or stored, naming the file, the entry and the key."""
    import dataclasses

    from coursesite.app import create_app
    from coursesite.signups.catalogue import CatalogueError

    path = lessons / "catalogue.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("open = true", 'open = "ja"', 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        create_app(dataclasses.replace(settings, lessons_dir=lessons))
    assert "catalogue.toml: webinar 'budget-pa-en-timme': 'open' must be true or false" in str(error.value)
