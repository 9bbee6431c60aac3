"""One-time tokens for links in e-mail: confirm an address, reset a password, confirm a request or a consent,
download an export, unsubscribe. Pure: no database, no web (the table and the service are accounts/tokens.py).

Two kinds:
- **Stored** tokens (every purpose but UNSUBSCRIBE): 32 random bytes, URL-safe base64 (43 characters). Only the
  SHA-256 of the token is stored (the token has 256 bits of entropy, so a plain hash is enough, as for sessions);
  each is single use and expires after its purpose's lifetime.
- **Signed** tokens (UNSUBSCRIBE): an HMAC over the purpose and a subject ("a:12" for an account, "p:34" for a
  form person), keyed with the site's secret. They never expire and need no row: an unsubscribe link must work for as
  long as the message sits in an inbox or a newsletter service's list (RFC 8058 asks for no login and no expiry), and
  a newsletter export would otherwise write a row per person. Using one twice is harmless (withdrawing a withdrawn
  consent changes nothing). Changing the secret key invalidates them all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

TOKEN_BYTES = 32
TOKEN_LENGTH = 43  # len(base64url(32 bytes)) without padding
MAX_TOKEN_INPUT = 200  # anything longer is not a token of ours; refused before hashing
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
SIGNATURE_BYTES = 16  # 128 bits of HMAC-SHA256: forging one is out of reach
_SUBJECT = re.compile(r"[ap]:[1-9][0-9]{0,17}")


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"
    REQUEST_CONFIRM = "request_confirm"  # a data-subject request confirmed by the person (issue 11, section 4)
    CONSENT_CONFIRM = "consent_confirm"  # double opt-in
    EXPORT_DOWNLOAD = "export_download"  # the access export of someone known only from the forms
    UNSUBSCRIBE = "unsubscribe"  # signed, never stored, never expires


# How long a stored token is valid. Short where the link grants access (a password reset: an hour, OWASP's
# forgotten-password guidance); a few days where the person may read the message later.
LIFETIMES: dict[TokenPurpose, timedelta] = {
    TokenPurpose.VERIFY_EMAIL: timedelta(hours=48),
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
    TokenPurpose.REQUEST_CONFIRM: timedelta(days=7),
    TokenPurpose.CONSENT_CONFIRM: timedelta(days=7),
    TokenPurpose.EXPORT_DOWNLOAD: timedelta(days=7),
}
SIGNED_PURPOSES = frozenset({TokenPurpose.UNSUBSCRIBE})
# A used token's row is kept this long (so a second click can be told "already used"), then the retention job
# deletes it; an unused one goes when it expires. privacy/registry.py states the same.
USED_TOKEN_KEPT = timedelta(days=1)


def new_token() -> str:
    """A fresh random token for a link: 43 URL-safe characters."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256, hex (64 characters)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def looks_like_token(token: object) -> bool:
    """Whether `token` has the shape of new_token()'s output: anything else is refused without a database look-up."""
    return isinstance(token, str) and len(token) == TOKEN_LENGTH and _TOKEN_SHAPE.fullmatch(token) is not None


def lifetime(purpose: TokenPurpose | str) -> timedelta:
    purpose = TokenPurpose(purpose)
    if purpose in SIGNED_PURPOSES:
        raise ValueError(f"{purpose.value} tokens are signed, not stored: they have no lifetime")
    return LIFETIMES[purpose]


def expires_at(purpose: TokenPurpose | str, issued_at: datetime) -> datetime:
    return issued_at + lifetime(purpose)


def is_usable(*, expires: datetime, used: datetime | None, now: datetime) -> bool:
    """A stored token can be used while it is unused and `now` is before its expiry (the expiry moment itself is
    too late)."""
    return used is None and now < expires


def erasable(*, expires: datetime, used: datetime | None, now: datetime) -> bool:
    """Whether the retention job may delete a token row: expired, or used more than USED_TOKEN_KEPT ago."""
    return now >= expires or (used is not None and now - used >= USED_TOKEN_KEPT)


# --- Signed tokens ---------------------------------------------------------------------------------------------------


def account_subject(account_id: int) -> str:
    return f"a:{int(account_id)}"


def person_subject(person_id: int) -> str:
    return f"p:{int(person_id)}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, purpose: TokenPurpose, subject: str) -> bytes:
    key = hmac.new(secret.encode(), b"coursesite-signed-token:" + purpose.value.encode(), hashlib.sha256).digest()
    return hmac.new(key, subject.encode("ascii"), hashlib.sha256).digest()[:SIGNATURE_BYTES]


def sign(secret: str, purpose: TokenPurpose | str, subject: str) -> str:
    """A signed token for `subject` (account_subject / person_subject): "<subject, base64url>.<signature>"."""
    purpose = TokenPurpose(purpose)
    if purpose not in SIGNED_PURPOSES:
        raise ValueError(f"{purpose.value} tokens are stored and single use: issue them through TokenService")
    if not _SUBJECT.fullmatch(subject):
        raise ValueError("a signed token's subject is 'a:<account id>' or 'p:<person id>'")
    return f"{_b64(subject.encode('ascii'))}.{_b64(_signature(secret, purpose, subject))}"


def unsign(secret: str, purpose: TokenPurpose | str, token: object) -> str | None:
    """The subject a signed token was made for, or None for anything forged, altered, truncated or malformed."""
    purpose = TokenPurpose(purpose)
    if not isinstance(token, str) or len(token) > MAX_TOKEN_INPUT or token.count(".") != 1:
        return None
    encoded, signature = token.split(".")
    try:
        subject = _unb64(encoded).decode("ascii")
        given = _unb64(signature)
    except (binascii.Error, ValueError):
        return None
    # Only the canonical spelling: base64 decoding skips stray characters, so compare the re-encoded forms.
    if not _SUBJECT.fullmatch(subject) or _b64(subject.encode("ascii")) != encoded or _b64(given) != signature:
        return None
    if not hmac.compare_digest(given, _signature(secret, purpose, subject)):
        return None
    return subject
