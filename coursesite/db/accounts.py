from piccolo.columns import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Account(Table, tablename="account"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    email = Varchar(length=254, unique=True, index=True)  # stored lower-cased
    password_hash = Varchar(length=255)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    mobile = Varchar(length=20, null=True, default=None)  # E.164
    source = Varchar(length=200, null=True, default=None)  # "where did you hear about us", optional
    role = Varchar(length=20, default="participant")
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)
    # When the person proved the address by the link in the confirmation mail (staff: created by the operator, who
    # vouches for it). Until then nothing held under the address by someone else is linked to the account.
    email_verified_at = Timestamptz(null=True, default=None)
    # When the retention job told the owner that the unused account will be erased (privacy/retention.py). It counts
    # only while nothing happened after it: a later login or course activity cancels the erasure.
    inactivity_warned_at = Timestamptz(null=True, default=None)


class UserSession(Table, tablename="user_session"):
    """A server-side session. The cookie holds a random token; only its SHA-256 is stored."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    token_hash = Varchar(length=64, unique=True, index=True)
    account = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)
    # Touched at most every few minutes (accounts/service.py: TOUCH_SECONDS), not on every request.
    last_used_at = Timestamptz(null=True, default=None)
    # "Firefox på Windows": derived from the User-Agent at login; the header itself is not kept.
    client_label = Varchar(length=60, null=True, default=None)


class LoginAttempt(Table, tablename="login_attempt"):
    """A failed login, keyed by a keyed hash of the email or the client address, for rate limiting."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    key_hash = Varchar(length=64, index=True)
    attempted_at = Timestamptz(index=True)


class RateLimitHit(Table, tablename="rate_limit_hit"):
    """One counted action (a registration, later a message sent) under a keyed hash of what it is limited by
    (the client address, the recipient), for accounts/limits.py. Rows older than the longest window are deleted."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    key_hash = Varchar(length=64, index=True)
    occurred_at = Timestamptz(index=True)
