"""The device cookie (OWASP, "Slow down online guessing attacks with device cookies"): a browser that has logged in
to an account before carries a signed note saying so, and failed logins from elsewhere do not lock it out.

Pure: the standard library only. The value is ``v1.<account id>.<nonce>.<issued, unix seconds>.<signature>``, the
signature an HMAC-SHA256 over the rest with the app's secret. The nonce keys the cookie's own failure count, so a
stolen cookie is no free pass for guessing either. Nothing about the cookie is stored on the server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

DEVICE_COOKIE = "kurssajten_device"
DEVICE_DAYS = 365
_VERSION = "v1"
MAX_LENGTH = 200


@dataclass(frozen=True)
class Device:
    account_id: int
    nonce: str
    issued_at: int


def _signature(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), f"device-cookie|{payload}".encode(), hashlib.sha256).hexdigest()


def sign_device(secret: str, account_id: int, now: datetime, *, nonce: str | None = None) -> str:
    payload = f"{_VERSION}.{int(account_id)}.{nonce or secrets.token_urlsafe(16)}.{int(now.timestamp())}"
    return f"{payload}.{_signature(secret, payload)}"


def read_device(secret: str, value: str | None, now: datetime, *, days: int = DEVICE_DAYS) -> Device | None:
    """The device a cookie names, when its signature is ours and it is not older than ``days``; else None."""
    if not value or len(value) > MAX_LENGTH:
        return None
    payload, _, signature = value.rpartition(".")
    parts = payload.split(".")
    if len(parts) != 4 or parts[0] != _VERSION:
        return None
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        return None
    _, account, nonce, issued = parts
    if not (account.isascii() and account.isdigit() and issued.isascii() and issued.isdigit() and nonce):
        return None
    age = now.timestamp() - int(issued)
    if age < -300 or age > days * 86400:  # a few minutes of clock skew between workers is fine
        return None
    return Device(account_id=int(account), nonce=nonce, issued_at=int(issued))
