"""Who wrote an answer or graded it, as the review pages name them."""

from __future__ import annotations

from coursesite.db.accounts import Account


async def account_names(account_ids: set[int]) -> dict[int, str]:
    """Account id -> "first last", for the accounts that exist."""
    if not account_ids:
        return {}
    rows = await Account.select(Account.id, Account.first_name, Account.last_name).where(
        Account.id.is_in(list(account_ids))
    )
    return {row["id"]: f"{row['first_name']} {row['last_name']}" for row in rows}
