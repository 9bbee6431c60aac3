"""The allow-lists (privacy/sharing.py): what each subsidiary purpose may receive, deny by default."""

from coursesite.privacy import policy
from coursesite.privacy.sharing import SHARING_PURPOSES, allowed_fields


def test_the_webinar_purpose_receives_the_registrant_and_the_webinar_and_nothing_else():
    assert allowed_fields("webinar") == (
        "person.id",
        "person.first_name",
        "person.last_name",
        "person.email",
        "person.mobile",
        "form_submission.details",
    )
    assert SHARING_PURPOSES["webinar"].subject == "person.id"
    # Not the participants' accounts, and never the source. The mobile is for the sms reminders the registration asks
    # for (forms.WEBINAR_TEXT), and the purpose says so.
    assert not [name for name in allowed_fields("webinar") if name.startswith("account.")]
    assert "person.source" not in allowed_fields("webinar")
    assert "sms" in SHARING_PURPOSES["webinar"].description_sv


def test_the_course_site_purpose_is_unchanged():
    assert allowed_fields("course_site") == (
        "account.id",
        "account.first_name",
        "account.email",
        "enrollment.status",
        "lesson_progress.course_percent",
    )
    assert SHARING_PURPOSES["course_site"].subject == "account.id"


def test_deny_by_default():
    assert allowed_fields("marketing") == () and allowed_fields("") == ()


def test_every_purpose_shares_the_id_it_knows_people_by():
    for purpose in SHARING_PURPOSES.values():
        assert purpose.subject in purpose.fields, purpose.name


def test_the_policy_describes_what_the_webinar_subsidiary_receives():
    [webinar] = [r for r in policy.recipients() if r.key == "subsidiary:webinar"]
    assert webinar.fields == allowed_fields("webinar")
    described = " ".join(webinar.receives_sv).lower()
    assert "webbinarium" in described and "e-post" in described and "mobilnummer" in described
    assert "var du hörde" not in described  # never the source
    assert "kontot" not in described
