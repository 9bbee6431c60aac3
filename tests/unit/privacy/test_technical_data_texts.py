"""The one sentence on how long technical data is kept, with the configured periods in correct Swedish, and every
text that states a period taking it from there (privacy/registry.py, privacy/policy.py: pure, no settings)."""

import pytest

from coursesite.privacy import policy
from coursesite.privacy.registry import (
    PERSONAL_FIELDS,
    ConfiguredPeriods,
    Retention,
    days_sv,
    months_sv,
    retention_texts_sv,
    technical_data_retention_sv,
)


@pytest.mark.parametrize(
    "ip_days, months, sentence",
    [
        (7, 13, "IP-adressen kortas efter 7 dagar; sidvisningen raderas efter 13 månader."),
        (1, 1, "IP-adressen kortas efter 1 dag; sidvisningen raderas efter 1 månad."),
        (1, 13, "IP-adressen kortas efter 1 dag; sidvisningen raderas efter 13 månader."),
        (2, 1, "IP-adressen kortas efter 2 dagar; sidvisningen raderas efter 1 månad."),
        (21, 21, "IP-adressen kortas efter 21 dagar; sidvisningen raderas efter 21 månader."),
        (90, 36, "IP-adressen kortas efter 90 dagar; sidvisningen raderas efter 36 månader."),
    ],
)
def test_the_technical_data_sentence(ip_days, months, sentence):
    assert technical_data_retention_sv(ip_days, months) == sentence


@pytest.mark.parametrize(
    "number, days, months",
    [
        (1, "1 dag", "1 månad"),
        (2, "2 dagar", "2 månader"),
        (11, "11 dagar", "11 månader"),
        (31, "31 dagar", "31 månader"),
    ],
)
def test_singular_only_for_one(number, days, months):
    # Swedish: singular for exactly one, whatever the last digit (21 dagar, not 21 dag).
    assert (days_sv(number), months_sv(number)) == (days, months)


DEFAULTS = ConfiguredPeriods(ip_days=7, page_view_months=13, session_days=14, login_window_seconds=900)
SHORT = ConfiguredPeriods(ip_days=3, page_view_months=6, session_days=14, login_window_seconds=900)


def test_every_retention_text_comes_with_the_configured_periods():
    texts = retention_texts_sv(SHORT)
    assert texts[Retention.TECHNICAL_DATA] == technical_data_retention_sv(3, 6)
    assert list(texts) == list(Retention)
    others = [text for retention, text in texts.items() if retention is not Retention.TECHNICAL_DATA]
    assert others == [
        text for retention, text in retention_texts_sv(DEFAULTS).items() if retention is not Retention.TECHNICAL_DATA
    ]


def test_no_fixed_text_states_a_technical_data_period():
    """The periods are configurable, so no fixed text may say 7 days or 13 months (they would go stale)."""
    fixed = [f.description_sv for f in PERSONAL_FIELDS]
    fixed += [data for category in policy.categories() for data in category.data_sv]
    fixed += [
        text for retention, text in retention_texts_sv(SHORT).items() if retention is not Retention.TECHNICAL_DATA
    ]
    fixed += list(policy.security_measures_sv(SHORT))
    for text in fixed:
        assert "7 dagar" not in text and "13 månader" not in text, text


def test_the_security_measures_and_retention_rows_take_the_periods():
    measures = policy.security_measures_sv(ConfiguredPeriods(1, 2, 14, 900))
    assert measures[-1].endswith("IP-adresser kortas efter 1 dag.")
    assert "hela IP-adressen i 1 dag" in measures[-2]  # the page-view log, honestly (issue 12)
    assert measures[:-2] == policy.security_measures_sv(ConfiguredPeriods(30, 2, 14, 900))[:-2]
    technical = policy.retention_of(policy.PolicyCategory.TECHNICAL, ConfiguredPeriods(1, 2, 14, 900))
    texts = {row.retention: row.text_sv for row in technical}
    assert texts[Retention.TECHNICAL_DATA] == "IP-adressen kortas efter 1 dag; sidvisningen raderas efter 2 månader."
