"""Accounts: registration, login with its lockout, passwords, server-side sessions, staff accounts.

:class:`AccountService` is built once in ``create_app`` (and by the CLI) with :func:`account_service`, and handed to
handlers and the session middleware; nothing else reaches the account, session or login-attempt tables (except
:func:`end_account_sessions`, which a change of the login address calls inside its own transaction).

The lockout follows OWASP's advice on credential stuffing: failures count per address (the e-mail) and per client;
a browser with a device cookie for the account (accounts/device.py) is not refused because of the address's
failures, only its own and its client's, so someone failing at your password elsewhere does not lock you out."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from coursesite.accounts.device import Device, read_device, sign_device
from coursesite.accounts.limits import RateLimiter, registration_per_client
from coursesite.accounts.password_rule import PasswordRefused, check_password
from coursesite.accounts.passwords import hash_password, needs_rehash, verify_password
from coursesite.accounts.proof import address_proven
from coursesite.accounts.roles import STAFF_ROLES, Role
from coursesite.accounts.sessions import CachedSession, SessionCache
from coursesite.accounts.validation import validate_registration
from coursesite.core import clock
from coursesite.core.client_address import limit_key
from coursesite.core.errors import Conflict, Invalid, RateLimited, Unauthenticated
from coursesite.core.formatting import try_again_sv
from coursesite.core.text import MSG_CONTROL, has_forbidden_characters
from coursesite.db.accounts import Account, LoginAttempt, UserSession
from coursesite.db.engine import write_transaction
from coursesite.db.fastsql import Statement, fetch

if TYPE_CHECKING:
    from piccolo.engine.base import Engine

    from coursesite.settings import Settings

# Failures from one client address, across accounts, before that address is slowed down too.
ADDRESS_FAILURE_FACTOR = 4
# A session's last use is written when it is older than this: not a write on every request.
TOUCH_SECONDS = 300
DEFAULT_REGISTRATIONS_PER_HOUR = 10

# Called inside the transaction that changed the password (account id, when): a security notice can be queued there.
PasswordChangedHook = Callable[[int, datetime], Awaitable[None]]
# Called inside the registration's transaction with the new account: the confirmation mail is queued there.
RegisteredHook = Callable[["Principal"], Awaitable[None]]
# Called inside the login's transaction when the browser had no device cookie for the account (account id, the
# browser's label or None, when): the "new browser" notice. Not on the first login after registration.
NewBrowserHook = Callable[[int, "str | None", datetime], Awaitable[None]]


@dataclass(frozen=True)
class Principal:
    """Who is making the request."""

    account_id: int
    email: str
    first_name: str
    last_name: str
    role: Role
    email_verified: bool = False  # the address is proven (accounts/proof.py): confirmed by mail, or staff
    # Set when the principal came from the in-process session cache (accounts/sessions.py): the token's hash, which
    # the route's own statement must confirm. None when the session was read from the database for this request.
    session_check: str | None = field(default=None, repr=False, compare=False)

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
        email_verified=address_proven(row["role"], row["email_verified_at"]),
    )


_PRINCIPAL_COLUMNS = (
    Account.id,
    Account.email,
    Account.first_name,
    Account.last_name,
    Account.role,
    Account.email_verified_at,
)


_SESSION_LOOKUP = Statement.same(
    "SELECT user_session.id AS session_id, user_session.expires_at, user_session.last_used_at, "  # "id": the account's
    + ", ".join(f"account.{column._meta.db_column_name}" for column in _PRINCIPAL_COLUMNS)
    + " FROM user_session JOIN account ON account.id = user_session.account WHERE user_session.token_hash = $1 LIMIT 1",
    1,
)


def _attempt_key(secret: str, kind: str, value: str) -> str:
    # A keyed hash: the rate-limit table never holds an email or an IP address in the clear.
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class _AttemptKeys:
    email: str
    address: str
    device: str | None  # a trusted browser's own count


@dataclass(frozen=True)
class LoginPolicy:
    secret: str
    max_failures: int
    window_seconds: int
    registrations_per_hour: int = DEFAULT_REGISTRATIONS_PER_HOUR  # per client

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(
            secret=settings.secret_key,
            max_failures=settings.login_max_failures,
            window_seconds=settings.login_window_seconds,
            registrations_per_hour=settings.registrations_per_hour,
        )


@dataclass(frozen=True)
class SessionView:
    """One of the account's sessions, as Mina uppgifter lists them."""

    id: int
    label: str | None  # "Firefox på Windows"; None when the browser was not recognised
    created_at: datetime
    last_used_at: datetime
    current: bool  # the session of the request that asks


async def end_account_sessions(account_id: int, *, keep_token: str | None = None) -> None:
    """End every session of the account but ``keep_token``'s (None: all of them). Inside the caller's transaction when
    there is one: a change of the login address calls it in its own."""
    query = UserSession.delete().where(UserSession.account == account_id)
    if keep_token:
        query = query.where(UserSession.token_hash != _token_hash(keep_token))
    await query


_EMAIL_TAKEN = "Det finns redan ett konto med den e-postadressen."
_EMAIL_TAKEN_FIELD = {"email": "E-postadressen används redan."}


class AccountService:
    """Registration, staff accounts, login with its rate limit (``policy``) and the server-side sessions."""

    def __init__(self, engine: Engine, policy: LoginPolicy, sessions: SessionCache | None = None) -> None:
        self.session_cache = sessions if sessions is not None else SessionCache()
        self.engine = engine
        self.policy = policy
        self.limiter = RateLimiter(policy.secret)  # shared by every worker: the rate_limit_hit table
        self.registration_limit = registration_per_client(policy.registrations_per_hour)
        self._password_changed_hooks: list[PasswordChangedHook] = []
        self._registered_hooks: list[RegisteredHook] = []
        self._new_browser_hooks: list[NewBrowserHook] = []

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
        client_address: str | None = None,
    ) -> Principal:
        """A new account. ``client_address`` (a registration from the web) is rate limited per client; the CLI
        passes none."""
        cleaned, errors = validate_registration(email, password, first_name, last_name, mobile, source)
        if errors:
            raise Invalid("Kontrollera de markerade fälten.", field_errors=errors)
        if client_address is not None:
            await self.limiter.hit(self.registration_limit, client_address)  # before the "taken" answer: no probing
        if await self._email_taken(cleaned.email):
            raise Conflict(_EMAIL_TAKEN, field_errors=dict(_EMAIL_TAKEN_FIELD))
        password_hash = await hash_password(cleaned.password)
        now = clock.now()
        try:
            async with write_transaction(self.engine):  # the account and its confirmation mail, or neither
                rows = await Account.insert(
                    Account(
                        email=cleaned.email,
                        password_hash=password_hash,
                        first_name=cleaned.first_name,
                        last_name=cleaned.last_name,
                        mobile=cleaned.mobile,
                        source=cleaned.source,
                        role=role.value,
                        created_at=now,
                        # the operator who creates a staff account vouches for its address (docs/accounts.md)
                        email_verified_at=now if role in STAFF_ROLES else None,
                    )
                ).returning(*_PRINCIPAL_COLUMNS)
                principal = _principal(rows[0])
                for hook in self._registered_hooks:
                    await hook(principal)
        except Exception as exc:  # a concurrent registration with the same email won the race
            if await self._email_taken(cleaned.email):
                raise Conflict(_EMAIL_TAKEN, field_errors=dict(_EMAIL_TAKEN_FIELD)) from exc
            raise
        return principal

    def on_registered(self, hook: RegisteredHook) -> None:
        """Run ``hook(principal)`` inside the transaction that creates an account (the confirmation mail)."""
        self._registered_hooks.append(hook)

    def on_new_browser(self, hook: NewBrowserHook) -> None:
        """Run ``hook(account_id, label, now)`` inside a login from a browser without the account's device cookie
        (not the first login after registration): the security notice."""
        self._new_browser_hooks.append(hook)

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

    async def authenticate(
        self,
        email: str,
        password: str,
        client_address: str,
        *,
        device_cookie: str | None = None,
        client_label: str | None = None,
    ) -> Principal:
        """Check a login. Too many recent failures refuse it before the password is even checked, so guessing gets
        nowhere: the address's failures (unless this browser's device cookie is for the account), the device's own,
        and the client's. A login from a browser without the account's device cookie runs the new-browser hooks
        (``client_label``: the browser's label for the notice), but not the account's first login."""
        email = (email or "").strip().lower()[:254]
        if has_forbidden_characters(email):  # never an address; PostgreSQL cannot even compare a NUL
            raise Invalid("E-postadressen innehåller otillåtna tecken.", field_errors={"email": MSG_CONTROL})
        now = clock.now()
        rows = (
            await Account.select(*_PRINCIPAL_COLUMNS, Account.password_hash, Account.last_login_at)
            .where(Account.email == email)
            .limit(1)
        )
        row = rows[0] if rows else None
        device = self._device_for(device_cookie, row["id"] if row else None, now)
        keys = await self._refuse_when_limited(email, client_address, device, now)
        if not await verify_password(row["password_hash"] if row else None, password or ""):
            await self._record_failure(keys, now)
            raise Unauthenticated("Fel e-postadress eller lösenord.")
        assert row is not None
        # The owner's own browser does not wipe the count others built up: it was let past it, not them.
        cleared = [keys.device] if device else [keys.email]
        await LoginAttempt.delete().where(LoginAttempt.key_hash.is_in([key for key in cleared if key]))
        updates: dict[Any, Any] = {Account.last_login_at: now}
        if needs_rehash(row["password_hash"]):
            updates[Account.password_hash] = await hash_password(password)
        new_browser = device is None and row["last_login_at"] is not None and bool(self._new_browser_hooks)
        async with write_transaction(self.engine):
            await Account.update(updates).where(Account.id == row["id"])
            if new_browser:
                for hook in self._new_browser_hooks:
                    await hook(row["id"], client_label, now)
        return _principal(row)

    async def confirm_password(
        self, account_id: int, password: str, client_address: str, *, device_cookie: str | None = None
    ) -> None:
        """The logged-in person's password, asked again before a change that moves the login (a new e-mail address,
        a new password). A wrong one counts as a failed login, with the same limits; Invalid names the field."""
        rows = await Account.select(Account.email, Account.password_hash).where(Account.id == account_id)
        if not rows:
            raise Unauthenticated("Logga in igen.")
        now = clock.now()
        device = self._device_for(device_cookie, account_id, now)
        keys = await self._refuse_when_limited(rows[0]["email"], client_address, device, now)
        if not await verify_password(rows[0]["password_hash"], password or ""):
            await self._record_failure(keys, now)
            raise Invalid("Lösenordet stämmer inte.", field_errors={"current_password": "Fel lösenord."})

    def attempt_key(self, kind: str, value: str) -> str:
        """The keyed hash a failed login is counted under (``kind`` is "email", "address" or "device")."""
        return _attempt_key(self.policy.secret, kind, value)

    def device_cookie_value(self, account_id: int) -> str:
        """A new device cookie for a browser that just proved it knows the account's password."""
        return sign_device(self.policy.secret, account_id, clock.now())

    def _device_for(self, cookie: str | None, account_id: int | None, now: datetime) -> Device | None:
        device = read_device(self.policy.secret, cookie, now) if cookie and account_id is not None else None
        return device if device is not None and device.account_id == account_id else None

    async def _recent_failures(self, key: str, since: datetime) -> int:
        return await LoginAttempt.count().where((LoginAttempt.key_hash == key) & (LoginAttempt.attempted_at > since))

    async def _refuse_when_limited(
        self, email: str, client_address: str, device: Device | None, now: datetime
    ) -> _AttemptKeys:
        """The keys a failed password check counts under; RateLimited when one that applies is full: the device's
        own (a trusted browser) or else the address's, and always the client's."""
        policy = self.policy
        since = now - timedelta(seconds=policy.window_seconds)
        keys = _AttemptKeys(
            email=self.attempt_key("email", email),
            address=self.attempt_key("address", limit_key(client_address) or "unknown"),
            device=self.attempt_key("device", device.nonce) if device else None,
        )
        per_account = keys.device or keys.email
        if (
            await self._recent_failures(per_account, since) >= policy.max_failures
            or await self._recent_failures(keys.address, since) >= policy.max_failures * ADDRESS_FAILURE_FACTOR
        ):
            raise RateLimited(
                f"För många misslyckade inloggningsförsök. {try_again_sv(policy.window_seconds)}",
                retry_after_seconds=policy.window_seconds,
            )
        return keys

    async def _record_failure(self, keys: _AttemptKeys, now: datetime) -> None:
        counted = [key for key in (keys.email, keys.address, keys.device) if key]
        await LoginAttempt.insert(*(LoginAttempt(key_hash=key, attempted_at=now) for key in counted))
        await LoginAttempt.delete().where(
            LoginAttempt.attempted_at < now - timedelta(seconds=self.policy.window_seconds)
        )

    async def clear_failed_logins(self, account_id: int) -> None:
        """Forget the failed logins counted against the account's address (a new password makes them moot)."""
        rows = await Account.select(Account.email).where(Account.id == account_id)
        if rows:
            await LoginAttempt.delete().where(LoginAttempt.key_hash == self.attempt_key("email", rows[0]["email"]))

    # -- passwords ---------------------------------------------------------------------------------------------------

    def on_password_changed(self, hook: PasswordChangedHook) -> None:
        """Run ``hook(account_id, now)`` inside every transaction that changes a password (a security notice)."""
        self._password_changed_hooks.append(hook)

    async def set_password(
        self,
        account_id: int,
        new_password: str,
        *,
        keep_session: str | None = None,
        field: str = "password",
        first: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """A new password by the one rule: every session of the account ends (but ``keep_session``'s), and the failed
        logins against its address are forgotten, in one transaction with the hooks. For a change and a reset;
        Invalid names ``field`` when the rule refuses the password. ``first`` runs at the start of that transaction
        (a reset uses up its token there: if it raises, nothing changes)."""
        rows = await Account.select(Account.email, Account.first_name, Account.last_name).where(
            Account.id == account_id
        )
        if not rows:
            raise Unauthenticated("Logga in igen.")
        account = rows[0]
        try:
            check_password(
                new_password, email=account["email"], first_name=account["first_name"], last_name=account["last_name"]
            )
        except PasswordRefused as refused:
            raise Invalid(str(refused), field_errors={field: str(refused)}) from None
        password_hash = await hash_password(new_password)
        now = clock.now()
        async with write_transaction(self.engine, account_id=account_id):
            if first is not None:
                await first()
            await Account.update({Account.password_hash: password_hash}).where(Account.id == account_id)
            await end_account_sessions(account_id, keep_token=keep_session)
            await LoginAttempt.delete().where(LoginAttempt.key_hash == self.attempt_key("email", account["email"]))
            for hook in self._password_changed_hooks:
                await hook(account_id, now)

    async def change_password(
        self,
        account_id: int,
        current_password: str,
        new_password: str,
        client_address: str,
        *,
        device_cookie: str | None = None,
        keep_session: str | None = None,
    ) -> None:
        """The logged-in person's new password: the current one first (a wrong one counts as a failed login), then
        :meth:`set_password`, which signs out every other session."""
        if not current_password:
            raise Invalid(
                "Ange ditt nuvarande lösenord.", field_errors={"current_password": "Ange ditt nuvarande lösenord."}
            )
        await self.confirm_password(account_id, current_password, client_address, device_cookie=device_cookie)
        if new_password == current_password:
            message = "Det nya lösenordet måste skilja sig från det nuvarande."
            raise Invalid(message, field_errors={"new_password": message})
        await self.set_password(account_id, new_password, keep_session=keep_session, field="new_password")

    # -- sessions ----------------------------------------------------------------------------------------------------

    async def start_session(
        self, account_id: int, *, days: int, replacing: str | None = None, client_label: str | None = None
    ) -> str:
        """A new session token. Logging in always makes a new one (and ends `replacing`), so a token planted before
        login is worth nothing after it. ``client_label`` is the browser's label (accounts/user_agent.py)."""
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
                last_used_at=now,
                client_label=(client_label or None) and client_label[:60],
            )
        )
        return token

    async def end_session(self, token: str) -> None:
        self.session_cache.forget(_token_hash(token))  # this worker's entry; the others see the row gone (sessions.py)
        await UserSession.delete().where(UserSession.token_hash == _token_hash(token))

    async def principal_for_session(self, token: str | None) -> Principal | None:
        if not token or len(token) > 100:
            return None
        # A fixed statement (db/fastsql.py): this runs on every request with a session cookie that the cache does not
        # serve, and on SQLite it is read on the event loop's own connection, not through a reader thread.
        rows = await fetch(UserSession._meta.db, _SESSION_LOOKUP, _token_hash(token))
        now = clock.now()
        if not rows or rows[0]["expires_at"] <= now:
            return None
        last_used = rows[0]["last_used_at"]
        if last_used is None or (now - last_used).total_seconds() > TOUCH_SECONDS:
            await UserSession.update({UserSession.last_used_at: now}).where(UserSession.id == rows[0]["session_id"])
            last_used = now
        principal = _principal(rows[0])
        self.session_cache.put(
            _token_hash(token),
            CachedSession(
                principal=dataclasses.replace(principal, session_check=_token_hash(token)),
                expires_at=rows[0]["expires_at"],
                last_used_at=last_used,
                cached_at=time.monotonic(),
            ),
        )
        return principal

    async def cached_principal_for_session(self, token: str | None) -> Principal | None:
        """For the routes whose own first statement confirms the session (accounts/sessions.py): the principal from
        the in-process cache, marked to be confirmed, when this worker read the session within the last minute;
        otherwise from the database, as :meth:`principal_for_session`."""
        if not token or len(token) > 100:
            return None
        entry = self.session_cache.get(_token_hash(token))
        if entry is not None:
            now = clock.now()
            touch_due = entry.last_used_at is None or (now - entry.last_used_at).total_seconds() > TOUCH_SECONDS
            if entry.expires_at > now and not touch_due:
                return entry.principal
        return await self.principal_for_session(token)

    async def sessions(self, account_id: int, current_token: str | None) -> list[SessionView]:
        """The account's sessions in force, the most recently used first."""
        current = _token_hash(current_token) if current_token else None
        rows = (
            await UserSession.select(
                UserSession.id,
                UserSession.token_hash,
                UserSession.client_label,
                UserSession.created_at,
                UserSession.last_used_at,
            )
            .where((UserSession.account == account_id) & (UserSession.expires_at > clock.now()))
            .order_by(UserSession.id, ascending=False)
        )
        views = [
            SessionView(
                id=row["id"],
                label=row["client_label"],
                created_at=row["created_at"],
                last_used_at=row["last_used_at"] or row["created_at"],
                current=row["token_hash"] == current,
            )
            for row in rows
        ]
        return sorted(views, key=lambda view: (view.current, view.last_used_at), reverse=True)

    async def end_all_sessions(self, account_id: int, *, keep_token: str | None = None) -> None:
        """Log out everywhere (``keep_token``: but there)."""
        await end_account_sessions(account_id, keep_token=keep_token)

    async def delete_expired_sessions(self) -> None:
        await UserSession.delete().where(UserSession.expires_at <= clock.now())


def account_service(settings: Settings, engine: Engine, sessions: SessionCache | None = None) -> AccountService:
    """The account service as create_app and the CLI build it: the login policy comes from the settings."""
    return AccountService(engine, LoginPolicy.from_settings(settings), sessions)
