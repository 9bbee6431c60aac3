"""The versions of the course terms (issue 12 §5). Pure. Each version is a file, templates/billing/terms/<version>.html,
with its date here; a version once published is never edited, so an enrolment's stored `terms_version` always shows
the text that participant accepted (/villkor?version=…). A new version: add its file and a line below (a test checks
that the two agree)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

VERSION_MAX = 20  # enrollment.terms_version is a Varchar(20)
VERSION_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?")


@dataclass(frozen=True)
class TermsVersion:
    version: str
    effective: date  # the first day enrolments accepted it


TERMS_VERSIONS: tuple[TermsVersion, ...] = (  # oldest first
    TermsVersion("2026-11", date(2026, 11, 1)),
    TermsVersion("2026-12", date(2026, 12, 5)),
)
CURRENT = TERMS_VERSIONS[-1]


def find(version: str) -> TermsVersion | None:
    return next((v for v in TERMS_VERSIONS if v.version == version), None)


def superseded_on(version: TermsVersion) -> date | None:
    """The day the next version took over; None for the version in force."""
    later = [v.effective for v in TERMS_VERSIONS if v.effective > version.effective]
    return min(later) if later else None


def is_well_formed(version: str) -> bool:
    return len(version) <= VERSION_MAX and VERSION_PATTERN.fullmatch(version) is not None


def withdrawal_right_waived(start_consent_given: bool, loss_acknowledged: bool) -> bool:
    """Distance Contracts Act (2005:59) 2 kap. 11 §: the right of withdrawal for digital content ends once delivery
    has started only when the consumer both expressly consented to the start and acknowledged losing the right."""
    return start_consent_given and loss_acknowledged
