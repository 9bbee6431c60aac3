"""What an account may claim of what is held under its e-mail address (accounts/proof.py is the rule).

Form rows (``person`` and what hangs on it), cases opened under the address, consents and disclosures given through
the forms belong to whoever owns the address. An account whose address is not proven yet gets none of them: they are
not shown in its export, not changed from Mina uppgifter, not linked. Once the address is confirmed they are
(:func:`link_proven_rows` sets ``person.account`` at that moment). Every place that finds a person's rows by address
asks here: privacy/access.py (the export, erasure), privacy/rights.py, signups/forms.py and signups/newsletter.py,
support/requests.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coursesite.accounts.proof import address_proven
from coursesite.accounts.roles import Role
from coursesite.db.accounts import Account
from coursesite.db.privacy import Person


def proven_account() -> Any:
    """The condition on ``account`` for the accounts whose address is proven (the same rule as address_proven)."""
    return Account.email_verified_at.is_not_null() | (Account.role != Role.PARTICIPANT.value)


async def claimed_address(account_id: int) -> str | None:
    """The account's address when it is proven; None when it is not (or the account does not exist)."""
    rows = await Account.select(Account.email, Account.role, Account.email_verified_at).where(Account.id == account_id)
    if not rows or not address_proven(rows[0]["role"], rows[0]["email_verified_at"]):
        return None
    return rows[0]["email"]


def person_rows(account_id: int, address: str | None) -> Any:
    """The ``person`` rows that are the account's: linked to it, and with its address when that is proven. An
    unproven account has none: a link made before the address was proven is not trusted either."""
    if address is None:
        return Person.id.is_null() & Person.id.is_not_null()  # no rows (Piccolo refuses an empty IN list)
    return (Person.account == account_id) | (Person.email == address)


async def linked_person_ids(account_id: int) -> list[int]:
    rows = await Person.select(Person.id).where(person_rows(account_id, await claimed_address(account_id)))
    return [row["id"] for row in rows]


async def proven_account_id_for(email: str) -> int | None:
    """The account that has proven `email`, for a form row given under it; None when there is none (an account with
    the address that has not confirmed it is not told of, nor linked to, what someone leaves under that address)."""
    row = await Account.select(Account.id).where((Account.email == email) & proven_account()).first()
    return row["id"] if row else None


async def link_proven_rows(account_id: int, address: str, now: datetime) -> None:
    """The address was just proven: the form rows under it that no account holds are linked to this one."""
    await Person.update({Person.account: account_id, Person.updated_at: now}).where(
        (Person.email == address) & Person.account.is_null()
    )
