"""The periods of a data-subject request's links and notices (privacy/policy.py, core/tokens.py). Pure."""

from datetime import UTC, datetime, timedelta

import pytest

from coursesite.core.tokens import LIFETIMES, TokenPurpose
from coursesite.privacy.policy import ACCESS_EXPORT_AVAILABLE_DAYS, LIFT_NOTICE_DAYS, lift_allowed_from


def test_the_export_link_never_outlives_the_export():
    assert LIFETIMES[TokenPurpose.EXPORT_DOWNLOAD] <= timedelta(days=ACCESS_EXPORT_AVAILABLE_DAYS)


@pytest.mark.parametrize(
    ("sent", "allowed"),
    [
        (datetime(2026, 3, 2, 9, 0, tzinfo=UTC), datetime(2026, 3, 16, 9, 0, tzinfo=UTC)),
        (datetime(2026, 12, 24, 23, 59, tzinfo=UTC), datetime(2027, 1, 7, 23, 59, tzinfo=UTC)),
        (datetime(2028, 2, 20, 0, 0, tzinfo=UTC), datetime(2028, 3, 5, 0, 0, tzinfo=UTC)),  # a leap year
    ],
)
def test_a_restriction_is_lifted_at_the_earliest_two_weeks_after_the_notice(sent, allowed):
    assert LIFT_NOTICE_DAYS == 14
    assert lift_allowed_from(sent) == allowed
