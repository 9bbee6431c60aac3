"""Whose is an address? The one rule (pure): an account may claim what is held under its e-mail address by someone
else (form rows, cases, consents, disclosures) only once the address is proven: confirmed through the link in the
confirmation mail, or a staff account, whose address the operator vouched for when creating it (create-staff).

privacy/linkage.py turns this into queries; everything that finds a person's rows by address goes through it."""

from __future__ import annotations

from datetime import datetime

from coursesite.accounts.roles import STAFF_ROLES, Role


def address_proven(role: str | Role, email_verified_at: datetime | None) -> bool:
    """Whether the account's address is proven: confirmed by mail, or a staff account."""
    return email_verified_at is not None or Role(role) in STAFF_ROLES
