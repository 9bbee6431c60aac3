"""What a log line may never hold: e-mail addresses, personnummer and card numbers, IP addresses, tokens and secrets.
Pure (the standard library and privacy/pii.py, the one personnummer detector).

The log formatter (ops/logs.py) runs every message and every traceback through :func:`scrub`; an exception's own
message, and the message of a library's logger, by :func:`scrub_values`, since they often quote the input
(``invalid literal for int() with base 10: 'anna@example.se'``, a query's parameters at DEBUG). Names cannot be told from other words: the code never
logs them (tests/web/test_logs.py proves it for a full scenario); this is the net under that rule.
"""

from __future__ import annotations

import ipaddress
import re

from coursesite.privacy.pii import find_forbidden

EMAIL = "[e-post]"
PERSONAL_NUMBER = "[personnummer]"
IP = "[ip]"
SECRET = "[hemlighet]"
QUOTED = "[värde]"

_EMAIL_RE = re.compile(r"[^\s@<>()\[\]{},;:\"'=/]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)")
# Candidates only: every match is checked with ipaddress (a time such as 12:30:45 is not an address).
_IPV6_RE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?![\w:])")
# A bearer or session token, an API key, a hash: a long run of base64/hex characters holding digits and letters.
# "/" is left out so that file paths in tracebacks stay readable.
_TOKEN_RE = re.compile(r"(?<![\w+-])[A-Za-z0-9_+-]{20,}={0,2}(?![\w+-])")
_HEX_RE = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{16,}(?![0-9A-Fa-f])")
_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_SCHEME_RE = re.compile(r"(?i)\b(bearer|basic)(\s+)([^\s\"',;]+)")
_ASSIGNED_RE = re.compile(
    r"(?i)\b(token|password|passwd|secret|session|cookie|csrftoken)([\"']?\s*[:=]\s*[\"']?)([^\s\"',;&]+)"
)
# An exception message's quoted parts: the values the input carried.
_QUOTED_RE = re.compile(r"'(?:[^'\\\n]|\\.){0,2000}'|\"(?:[^\"\\\n]|\\.){0,2000}\"")
MAX_CHARS = 20_000  # a longer message is cut: a log line is not the place for a body


def _ipv4(match: re.Match[str]) -> str:
    try:
        ipaddress.IPv4Address(match.group(0))
    except ValueError:
        return match.group(0)
    return IP


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    if text.count(":") < 2:
        return text
    try:
        ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        return text
    return IP


def _token(match: re.Match[str]) -> str:
    text = match.group(0)
    if _HAS_DIGIT.search(text) and _HAS_LETTER.search(text):
        return SECRET
    return text


def _personal_numbers(text: str) -> str:
    findings = find_forbidden(text)
    for finding in reversed(findings):
        text = text[: finding.start] + PERSONAL_NUMBER + text[finding.end :]
    return text


def scrub(text: str) -> str:
    """`text` with every e-mail address, personnummer, samordningsnummer, card number, IP address and token-like
    string replaced by a placeholder. Idempotent."""
    if not text:
        return text
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + " [avkortad]"
    text = _EMAIL_RE.sub(EMAIL, text)
    for pattern in (_SCHEME_RE, _ASSIGNED_RE):
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{SECRET}", text)
    text = _personal_numbers(text)  # before the IPs and tokens: its digits would be half-replaced otherwise
    text = _IPV4_RE.sub(_ipv4, text)
    text = _IPV6_RE.sub(_ipv6, text)
    text = _HEX_RE.sub(SECRET, text)
    return _TOKEN_RE.sub(_token, text)


def scrub_values(text: str) -> str:
    """An exception's message, or a library's: its quoted values replaced (they are usually the input, or a query's
    parameters), then :func:`scrub`."""
    return scrub(_QUOTED_RE.sub(QUOTED, text))
