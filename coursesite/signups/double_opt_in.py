"""Double opt-in and the one-click unsubscribe (issue 11 §5): the pure rules. No database, no web.

The policy (villkor-och-integritetspolicy.txt, "Rättigheter"): "När behandlingen av personuppgifter är baserad på
samtycke, kan du närsomhelst ta samtycket tillbaka." A consent must also be shown to come from the owner of the
address, so a consent given through a public form is recorded *pending* and counts only once the person confirms it
through the link mailed to the address (`confirmed_at`, `confirmed_via`). Withdrawing needs no login: every marketing
message and every newsletter export row carries a signed unsubscribe link (core/tokens.py, never expires).

A consent is in one of three states: pending (never confirmed, not withdrawn), given (confirmed, not withdrawn),
withdrawn. Only *given* counts: the newsletter export, the webinar subsidiary, Mina uppgifter's "Gäller" and the
access export go by it. A pending consent that is never confirmed is erased by the retention job
PENDING_CONSENT_DAYS after its link expired (privacy/registry.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from coursesite.core.tokens import LIFETIMES, TokenPurpose
from coursesite.privacy.registry import PENDING_CONSENT_DAYS

CONFIRM_PATH = "/bekrafta-samtycke"  # the page a confirmation mail links to: ?token=…
UNSUBSCRIBE_PATH = "/avsluta"  # the unsubscribe link (List-Unsubscribe too): ?token=…

# RFC 8058: a mail client unsubscribes by POSTing exactly this one field to the List-Unsubscribe URL.
ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"


class ConfirmedVia(StrEnum):
    """How a consent was shown to come from the owner of the address (consent.confirmed_via)."""

    EMAIL_LINK = "email_link"  # the link in the confirmation mail
    VERIFIED_ACCOUNT = "verified_account"  # given while logged in with a confirmed account address
    BEFORE_DOUBLE_OPT_IN = "given_before_double_opt_in"  # recorded before m0019: counted at once, as then


WITHDRAWN_VIA_LINK = "link"  # consent.withdrawn_via for the unsubscribe link (the services' imports use their names)


class ConsentState(StrEnum):
    PENDING = "pending"
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


STATE_LABELS_SV = {
    ConsentState.PENDING: "Väntar på bekräftelse",
    ConsentState.GIVEN: "Gäller",
    ConsentState.WITHDRAWN: "Återkallat",
}


def consent_state(*, confirmed_at: datetime | None, withdrawn_at: datetime | None) -> ConsentState:
    if withdrawn_at is not None:
        return ConsentState.WITHDRAWN
    return ConsentState.PENDING if confirmed_at is None else ConsentState.GIVEN


def counts(*, confirmed_at: datetime | None, withdrawn_at: datetime | None) -> bool:
    """Whether a consent counts: confirmed and not withdrawn."""
    return consent_state(confirmed_at=confirmed_at, withdrawn_at=withdrawn_at) is ConsentState.GIVEN


def pending_kept_for() -> timedelta:
    """How long an unconfirmed consent is kept after it was given: its link's lifetime, then PENDING_CONSENT_DAYS."""
    return LIFETIMES[TokenPurpose.CONSENT_CONFIRM] + timedelta(days=PENDING_CONSENT_DAYS)


def pending_erase_before(now: datetime) -> datetime:
    """Pending consents given before this moment are erased by the retention job at `now`."""
    return now - pending_kept_for()


def is_one_click(fields: Iterable[tuple[str, object]]) -> bool:
    """Whether a POSTed form (name, value pairs, url-encoded or multipart) is exactly RFC 8058's one-click body
    ``List-Unsubscribe=One-Click``: that one field, that value, nothing else."""
    items = list(fields)
    return len(items) == 1 and items[0][0] == ONE_CLICK_FIELD and items[0][1] == ONE_CLICK_VALUE
