"""Accounts: registration, login with rate limiting, server-side sessions, staff accounts."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from coursesite.accounts.passwords import hash_password, needs_rehash, verify_password
from coursesite.accounts.roles import STAFF_ROLES, Role
from coursesite.accounts.validation import validate_registration
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, RateLimited, Unauthenticated
from coursesite.db.accounts import Account, LoginAttempt, UserSession

# Failures from one client address, across accounts, before that address is slowed down too.
ADDRESS_FAILURE_FACTOR = 4


@dataclass(frozen=True)
class Principal:
    """Who is making the request."""

    account_id: int
    email: str
    first_name: str
    last_name: str
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


def _principal(row: dict) -> Principal:
    return Principal(
        account_id=row["id"],
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        role=Role(row["role"]),
    )


_PRINCIPAL_COLUMNS = (Account.id, Account.email, Account.first_name, Account.last_name, Account.role)


async def _email_taken(email: str) -> bool:
    return await Account.exists().where(Account.email == email)


async def register(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    mobile: str | None = None,
    source: str | None = None,
    role: Role = Role.PARTICIPANT,
) -> Principal:
    cleaned, errors = validate_registration(email, password, first_name, last_name, mobile, source)
    if errors:
        raise Invalid("Kontrollera de markerade fälten.", field_errors=errors)
    if await _email_taken(cleaned.email):
        raise Conflict(
            "Det finns redan ett konto med den e-postadressen.", field_errors={"email": "E-postadressen används redan."}
        )
    password_hash = await hash_password(cleaned.password)
    try:
        rows = await Account.insert(
            Account(
                email=cleaned.email,
                password_hash=password_hash,
                first_name=cleaned.first_name,
                last_name=cleaned.last_name,
                mobile=cleaned.mobile,
                source=cleaned.source,
                role=role.value,
                created_at=clock.now(),
            )
        ).returning(*_PRINCIPAL_COLUMNS)
    except Exception as exc:  # a concurrent registration with the same email won the race
        if await _email_taken(cleaned.email):
            raise Conflict(
                "Det finns redan ett konto med den e-postadressen.",
                field_errors={"email": "E-postadressen används redan."},
            ) from exc
        raise
    return _principal(rows[0])


def _attempt_key(secret: str, kind: str, value: str) -> str:
    # A keyed hash: the rate-limit table never holds an email or an IP address in the clear.
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LoginPolicy:
    secret: str
    max_failures: int
    window_seconds: int


async def _recent_failures(key: str, since) -> int:
    return await LoginAttempt.count().where((LoginAttempt.key_hash == key) & (LoginAttempt.attempted_at > since))


async def _refuse_when_limited(email: str, client_address: str, policy: LoginPolicy, now) -> tuple[str, str]:
    """The keys a failed password check counts under (the email's, the address's); RateLimited when either has had
    too many recent failures, so guessing gets nowhere."""
    since = now - timedelta(seconds=policy.window_seconds)
    email_key = _attempt_key(policy.secret, "email", email)
    address_key = _attempt_key(policy.secret, "address", client_address or "unknown")
    if (
        await _recent_failures(email_key, since) >= policy.max_failures
        or await _recent_failures(address_key, since) >= policy.max_failures * ADDRESS_FAILURE_FACTOR
    ):
        raise RateLimited(
            "För många misslyckade inloggningsförsök. Vänta en stund och försök igen.",
            retry_after_seconds=policy.window_seconds,
        )
    return email_key, address_key


async def _record_failure(keys: tuple[str, str], policy: LoginPolicy, now) -> None:
    await LoginAttempt.insert(*(LoginAttempt(key_hash=key, attempted_at=now) for key in keys))
    await LoginAttempt.delete().where(LoginAttempt.attempted_at < now - timedelta(seconds=policy.window_seconds))


async def confirm_password(account_id: int, password: str, client_address: str, policy: LoginPolicy) -> None:
    """The logged-in person's password, asked again before a change that moves the login (a new e-mail address).
    A wrong one counts as a failed login, with the same limits; Invalid names the field."""
    rows = await Account.select(Account.email, Account.password_hash).where(Account.id == account_id)
    if not rows:
        raise Unauthenticated("Logga in igen.")
    now = clock.now()
    keys = await _refuse_when_limited(rows[0]["email"], client_address, policy, now)
    if not await verify_password(rows[0]["password_hash"], password or ""):
        await _record_failure(keys, policy, now)
        raise Invalid("Lösenordet stämmer inte.", field_errors={"current_password": "Fel lösenord."})


async def authenticate(email: str, password: str, client_address: str, policy: LoginPolicy) -> Principal:
    """Check a login. Too many recent failures for the email, or from the address, refuse it before the password
    is even checked, so guessing gets nowhere."""
    email = (email or "").strip().lower()[:254]
    now = clock.now()
    keys = await _refuse_when_limited(email, client_address, policy, now)
    rows = await Account.select(*_PRINCIPAL_COLUMNS, Account.password_hash).where(Account.email == email).limit(1)
    row = rows[0] if rows else None
    if not await verify_password(row["password_hash"] if row else None, password or ""):
        await _record_failure(keys, policy, now)
        raise Unauthenticated("Fel e-postadress eller lösenord.")
    assert row is not None
    await LoginAttempt.delete().where(LoginAttempt.key_hash == keys[0])
    updates: dict = {Account.last_login_at: now}
    if needs_rehash(row["password_hash"]):
        updates[Account.password_hash] = await hash_password(password)
    await Account.update(updates).where(Account.id == row["id"])
    return _principal(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(account_id: int, *, days: int, replacing: str | None = None) -> str:
    """A new session token. Logging in always makes a new one (and ends `replacing`), so a token planted before
    login is worth nothing after it."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    if replacing:
        await end_session(replacing)
    await delete_expired_sessions()  # housekeeping at the moment sessions are made, so the table stays small
    await UserSession.insert(
        UserSession(
            token_hash=_token_hash(token), account=account_id, created_at=now, expires_at=now + timedelta(days=days)
        )
    )
    return token


async def end_session(token: str) -> None:
    await UserSession.delete().where(UserSession.token_hash == _token_hash(token))


async def principal_for_session(token: str) -> Principal | None:
    if not token or len(token) > 100:
        return None
    rows = (
        await UserSession.select(
            UserSession.expires_at,
            *(
                getattr(UserSession.account, column._meta.name).as_alias(column._meta.name)
                for column in _PRINCIPAL_COLUMNS
            ),
        )
        .where(UserSession.token_hash == _token_hash(token))
        .limit(1)
    )
    if not rows or rows[0]["expires_at"] <= clock.now():
        return None
    return _principal(rows[0])


async def delete_expired_sessions() -> None:
    await UserSession.delete().where(UserSession.expires_at <= clock.now())


async def create_staff(*, email: str, role: Role, password: str, first_name: str, last_name: str) -> Principal:
    if role not in STAFF_ROLES:
        raise Invalid(
            f"Roll måste vara en av: {', '.join(sorted(STAFF_ROLES))}.", field_errors={"role": "Okänd personalroll."}
        )
    return await register(email=email, password=password, first_name=first_name, last_name=last_name, role=role)
