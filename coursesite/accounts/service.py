"""Accounts: registration, login with rate limiting, server-side sessions, staff accounts.

:class:`AccountService` is built once in ``create_app`` (and by the CLI) with :func:`account_service`, and handed to
handlers and the session middleware; nothing else reaches the account, session or login-attempt tables."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from coursesite.accounts.passwords import hash_password, needs_rehash, verify_password
from coursesite.accounts.roles import STAFF_ROLES, Role
from coursesite.accounts.validation import validate_registration
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, RateLimited, Unauthenticated
from coursesite.db.accounts import Account, LoginAttempt, UserSession

if TYPE_CHECKING:
    from piccolo.engine.base import Engine

    from coursesite.settings import Settings

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


def _principal(row: dict[str, Any]) -> Principal:
    return Principal(
        account_id=row["id"],
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        role=Role(row["role"]),
    )


_PRINCIPAL_COLUMNS = (Account.id, Account.email, Account.first_name, Account.last_name, Account.role)


def _attempt_key(secret: str, kind: str, value: str) -> str:
    # A keyed hash: the rate-limit table never holds an email or an IP address in the clear.
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LoginPolicy:
    secret: str
    max_failures: int
    window_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(
            secret=settings.secret_key,
            max_failures=settings.login_max_failures,
            window_seconds=settings.login_window_seconds,
        )


_EMAIL_TAKEN = "Det finns redan ett konto med den e-postadressen."
_EMAIL_TAKEN_FIELD = {"email": "E-postadressen används redan."}


class AccountService:
    """Registration, staff accounts, login with its rate limit (``policy``) and the server-side sessions."""

    def __init__(self, engine: Engine, policy: LoginPolicy) -> None:
        self.engine = engine
        self.policy = policy

    async def ping(self) -> None:
        """Raises when the database does not answer (the health check)."""
        await Account.raw("SELECT 1")

    # -- registration ------------------------------------------------------------------------------------------------

    async def register(
        self,
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
        if await self._email_taken(cleaned.email):
            raise Conflict(_EMAIL_TAKEN, field_errors=dict(_EMAIL_TAKEN_FIELD))
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
            if await self._email_taken(cleaned.email):
                raise Conflict(_EMAIL_TAKEN, field_errors=dict(_EMAIL_TAKEN_FIELD)) from exc
            raise
        return _principal(rows[0])

    async def create_staff(
        self, *, email: str, role: Role, password: str, first_name: str, last_name: str
    ) -> Principal:
        if role not in STAFF_ROLES:
            raise Invalid(
                f"Roll måste vara en av: {', '.join(sorted(STAFF_ROLES))}.",
                field_errors={"role": "Okänd personalroll."},
            )
        return await self.register(
            email=email, password=password, first_name=first_name, last_name=last_name, role=role
        )

    @staticmethod
    async def _email_taken(email: str) -> bool:
        return await Account.exists().where(Account.email == email)

    # -- login and its rate limit ------------------------------------------------------------------------------------

    async def authenticate(self, email: str, password: str, client_address: str) -> Principal:
        """Check a login. Too many recent failures for the email, or from the address, refuse it before the password
        is even checked, so guessing gets nowhere."""
        email = (email or "").strip().lower()[:254]
        now = clock.now()
        keys = await self._refuse_when_limited(email, client_address, now)
        rows = await Account.select(*_PRINCIPAL_COLUMNS, Account.password_hash).where(Account.email == email).limit(1)
        row = rows[0] if rows else None
        if not await verify_password(row["password_hash"] if row else None, password or ""):
            await self._record_failure(keys, now)
            raise Unauthenticated("Fel e-postadress eller lösenord.")
        assert row is not None
        await LoginAttempt.delete().where(LoginAttempt.key_hash == keys[0])
        updates: dict[Any, Any] = {Account.last_login_at: now}
        if needs_rehash(row["password_hash"]):
            updates[Account.password_hash] = await hash_password(password)
        await Account.update(updates).where(Account.id == row["id"])
        return _principal(row)

    async def confirm_password(self, account_id: int, password: str, client_address: str) -> None:
        """The logged-in person's password, asked again before a change that moves the login (a new e-mail address).
        A wrong one counts as a failed login, with the same limits; Invalid names the field."""
        rows = await Account.select(Account.email, Account.password_hash).where(Account.id == account_id)
        if not rows:
            raise Unauthenticated("Logga in igen.")
        now = clock.now()
        keys = await self._refuse_when_limited(rows[0]["email"], client_address, now)
        if not await verify_password(rows[0]["password_hash"], password or ""):
            await self._record_failure(keys, now)
            raise Invalid("Lösenordet stämmer inte.", field_errors={"current_password": "Fel lösenord."})

    def attempt_key(self, kind: str, value: str) -> str:
        """The keyed hash a failed login is counted under (``kind`` is "email" or "address")."""
        return _attempt_key(self.policy.secret, kind, value)

    async def _recent_failures(self, key: str, since: datetime) -> int:
        return await LoginAttempt.count().where((LoginAttempt.key_hash == key) & (LoginAttempt.attempted_at > since))

    async def _refuse_when_limited(self, email: str, client_address: str, now: datetime) -> tuple[str, str]:
        """The keys a failed password check counts under (the email's, the address's); RateLimited when either has
        had too many recent failures, so guessing gets nowhere."""
        policy = self.policy
        since = now - timedelta(seconds=policy.window_seconds)
        email_key = self.attempt_key("email", email)
        address_key = self.attempt_key("address", client_address or "unknown")
        if (
            await self._recent_failures(email_key, since) >= policy.max_failures
            or await self._recent_failures(address_key, since) >= policy.max_failures * ADDRESS_FAILURE_FACTOR
        ):
            raise RateLimited(
                "För många misslyckade inloggningsförsök. Vänta en stund och försök igen.",
                retry_after_seconds=policy.window_seconds,
            )
        return email_key, address_key

    async def _record_failure(self, keys: tuple[str, str], now: datetime) -> None:
        await LoginAttempt.insert(*(LoginAttempt(key_hash=key, attempted_at=now) for key in keys))
        await LoginAttempt.delete().where(
            LoginAttempt.attempted_at < now - timedelta(seconds=self.policy.window_seconds)
        )

    # -- sessions ----------------------------------------------------------------------------------------------------

    async def start_session(self, account_id: int, *, days: int, replacing: str | None = None) -> str:
        """A new session token. Logging in always makes a new one (and ends `replacing`), so a token planted before
        login is worth nothing after it."""
        token = secrets.token_urlsafe(32)
        now = clock.now()
        if replacing:
            await self.end_session(replacing)
        await self.delete_expired_sessions()  # housekeeping at the moment sessions are made: the table stays small
        await UserSession.insert(
            UserSession(
                token_hash=_token_hash(token),
                account=account_id,
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )
        return token

    async def end_session(self, token: str) -> None:
        await UserSession.delete().where(UserSession.token_hash == _token_hash(token))

    async def principal_for_session(self, token: str | None) -> Principal | None:
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

    async def delete_expired_sessions(self) -> None:
        await UserSession.delete().where(UserSession.expires_at <= clock.now())


def account_service(settings: Settings, engine: Engine) -> AccountService:
    """The account service as create_app and the CLI build it: the login policy comes from the settings."""
    return AccountService(engine, LoginPolicy.from_settings(settings))
