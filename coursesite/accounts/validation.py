"""Validate and normalise what a participant types at registration and in the profile.

Pure: stdlib only, plus the one free-text rule, :mod:`coursesite.core.text`. Form handlers parse leniently, call
these functions and re-render the page with the messages (architecture.md, trap 8).

Two styles:

- ``validate_registration(...)`` / ``validate_profile(...)`` return ``(cleaned, errors)``: ``errors`` maps a field name
  to a Swedish message and is empty when everything is valid. Only store ``cleaned`` when ``errors`` is empty.
  For a field with an error, ``cleaned`` holds the trimmed input without control characters so the form can be shown
  again — except a rejected password and text refused for containing a personnummer or card number, which are blanked
  (``""``/``None``) so they travel no further. Key order of ``errors`` follows the form.
- ``normalise_email``, ``normalise_name``, ``normalise_mobile``, ``normalise_source`` and
  ``normalise_postal_code`` check a single value and raise ``ValueError`` whose ``str()`` is the Swedish message.

Decisions:

- Text is NFC-normalised (``å`` typed on a Mac arrives decomposed) and trimmed; runs of whitespace inside names
  collapse to one space. Passwords are returned exactly as typed: the password module must hash what the login form
  sends, and any normalisation would have to happen there, in both places.
- Surrounding whitespace (a pasted trailing newline included) is trimmed, except in the password. Inside the value,
  control characters
  (Unicode category Cc: NUL, tab, newline, DEL, C1), unpaired surrogates and the bidi override /
  isolate characters (U+202A–U+202E, U+2066–U+2069, used to spoof text) are refused in every field, the password
  included. PostgreSQL rejects NUL outright.
- The free-text fields (names, source) go through the one free-text rule (:func:`coursesite.core.text.clean_text`),
  with their own subjects and messages; the e-mail address goes through it too before its shape is checked. The rule
  refuses personnummer and card numbers: the policy is that we never collect them, wherever they are typed. The
  password is not checked for them: it is only ever stored hashed. The mobile number and the postal code are not
  free text: they must have their shape, and anything else (control characters included) is simply invalid.
- E-mail: a sanity check, not RFC 5322. Lower-cased (``str.lower``, not ``casefold``) for uniqueness.
- Mobile numbers follow domain.md §6 without the ``phonenumbers`` package; see :func:`normalise_mobile`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Literal

from coursesite.accounts.password_rule import PasswordRefused, check_password
from coursesite.core.text import MSG_CONTROL, TextRefused, TextRule, clean_text, has_forbidden_characters

__all__ = [
    "MSG_CONTROL",  # the one rule's message (core/text.py), re-exported for the forms that name it
    "PersonalNumberRefused",
    "RegistrationData",
    "ProfileData",
    "validate_registration",
    "validate_profile",
    "normalise_email",
    "normalise_name",
    "normalise_mobile",
    "normalise_source",
    "normalise_postal_code",
    "EMAIL_MAX",
    "NAME_MAX",
    "SOURCE_MAX",
    "MOBILE_PREFIXES",
]

EMAIL_MAX = 254
EMAIL_LOCAL_MAX = 64
NAME_MAX = 100
SOURCE_MAX = 200
MOBILE_PREFIXES = ("70", "72", "73", "76", "79")  # after the trunk 0 / country code 46
MOBILE_TEXT_MAX = 100  # generous: the shape check says what is wrong with a number
POSTAL_CODE_TEXT_MAX = 50


@dataclass(frozen=True, slots=True)
class RegistrationData:
    email: str
    password: str = field(repr=False)  # never in a repr, a log line or a traceback
    first_name: str
    last_name: str
    mobile: str | None  # E.164, e.g. "+46701234567"
    source: str | None  # "Var hörde du om oss?"


@dataclass(frozen=True, slots=True)
class ProfileData:
    first_name: str
    last_name: str
    mobile: str | None


# --- helpers ----------------------------------------------------------------------------------------------------------


class PersonalNumberRefused(ValueError):
    """The value holds a personnummer, samordningsnummer or card number. ``str()`` is the refusal message.

    Unlike any other ValueError here, the value must not be shown again, logged or stored.
    """


def _free_text(value: str | None, rule: TextRule) -> str:
    """``value`` by the one free-text rule; its refusal as this module's ValueError (PersonalNumberRefused for an
    identity number, so that the value is never shown again)."""
    try:
        return clean_text(value, rule)
    except TextRefused as refused:
        if refused.identity_number:
            raise PersonalNumberRefused(refused.message) from None
        raise ValueError(refused.message) from None


def _shaped(value: str | None, max_chars: int, invalid: str) -> str:
    """A value that is not free text (a phone number, a postal code): trimmed and NFC by the same rule, and anything
    the rule refuses (control or bidi characters, far too long) is simply ``invalid``."""
    try:
        return clean_text(value, TextRule(max_chars=max_chars, check_identity_numbers=False))
    except TextRefused:
        raise ValueError(invalid) from None


# --- e-mail -----------------------------------------------------------------------------------------------------------

# Characters that have no business in an ordinary address (quoted local parts are not supported).
_EMAIL_BAD_CHARS = frozenset(' \t"(),:;<>[]\\')
_DOMAIN_LABEL_RE = re.compile(r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?")  # letters/digits (any script), inner hyphens
_EMAIL_RULE = TextRule(max_chars=EMAIL_MAX, subject="E-postadressen", required=True, missing="Ange din e-postadress.")
_EMAIL_SHAPE_RULE = replace(_EMAIL_RULE, check_identity_numbers=False)


def normalise_email(value: str | None) -> str:
    """Trim, NFC, lower-case, and check the shape: ``local@domain.tld``.

    One ``@``; a local part of 1–64 characters without spaces, quotes or brackets and without leading, trailing or
    doubled dots; a domain of at least two dot-separated labels of letters, digits and inner hyphens, the last at least
    two characters and not all digits; at most 254 characters in all.
    """
    email = _free_text(value, _EMAIL_SHAPE_RULE)  # the identity-number check waits for the shape: see the end
    invalid = ValueError("Ange en giltig e-postadress, till exempel namn@exempel.se.")
    if email.count("@") != 1 or any(ch in _EMAIL_BAD_CHARS or ch.isspace() for ch in email):
        raise invalid
    local, domain = email.split("@")
    if not local or len(local) > EMAIL_LOCAL_MAX or local.startswith(".") or local.endswith(".") or ".." in local:
        raise invalid
    labels = domain.split(".")
    if len(labels) < 2 or not all(len(label) <= 63 and _DOMAIN_LABEL_RE.fullmatch(label) for label in labels):
        raise invalid
    if len(labels[-1]) < 2 or labels[-1].isdigit():
        raise invalid
    return _free_text(email.lower(), _EMAIL_RULE)


# --- names ------------------------------------------------------------------------------------------------------------

# Runs of whitespace that is not a control character: a tab or a line break in a name is refused by the rule, not
# collapsed away.
_WS_RUN_RE = re.compile(r"[^\S\x00-\x1f\x7f-\x9f]+")
_NAME_RULES = {
    "first": TextRule(max_chars=NAME_MAX, subject="Förnamnet", required=True, missing="Ange ditt förnamn."),
    "last": TextRule(max_chars=NAME_MAX, subject="Efternamnet", required=True, missing="Ange ditt efternamn."),
}


def normalise_name(value: str | None, which: Literal["first", "last"] = "first") -> str:
    """A first (``which="first"``) or last (``which="last"``) name: 1–100 characters after trimming, with runs of
    spaces collapsed to one."""
    return _free_text(None if value is None else _WS_RUN_RE.sub(" ", str(value)), _NAME_RULES[which])


# --- mobile -----------------------------------------------------------------------------------------------------------

_PHONE_CHARS_RE = re.compile(r"\+?[0-9 \u00a0\-\u2010\u2011\u2012\u2013\u2212().]+")
_PHONE_NOISE_RE = re.compile(r"[ \u00a0\-\u2010\u2011\u2012\u2013\u2212().]")
MSG_MOBILE_INVALID = "Ange ett giltigt svenskt mobilnummer, till exempel 070-123 45 67."
MSG_MOBILE_LANDLINE = "Det här ser ut som ett fast telefonnummer – ange ett mobilnummer, till exempel 070-123 45 67."


def _looks_like_landline(nsn: str) -> bool:
    """A Swedish geographic number: area code 1–4 digits (not 07x), 7–9 digits without the trunk 0.

    Freephone (020), premium rate (0900, 0939, 0944) and 07x service numbers are not landlines.
    """
    return 7 <= len(nsn) <= 9 and nsn[0] in "12345689" and not nsn.startswith(("20", "900", "939", "944"))


def normalise_mobile(value: str | None) -> str | None:
    """A Swedish mobile number in E.164 (``+46701234567``), or ``None`` when the field was left empty.

    Accepted: ``070-123 45 67``, ``0701234567``, ``0046701234567``, ``+46 70 123 45 67``, ``+46 (0)70 123 45 67``,
    with spaces, dashes, dots and parentheses as noise. The national number is 9 digits starting with 70, 72, 73, 76
    or 79. A landline (``08-678 55 00``) gets its own message; foreign numbers and everything else are invalid.
    """
    raw = _shaped(value, MOBILE_TEXT_MAX, MSG_MOBILE_INVALID)
    if not raw:
        return None
    if not _PHONE_CHARS_RE.fullmatch(raw):
        raise ValueError(MSG_MOBILE_INVALID)
    digits = _PHONE_NOISE_RE.sub("", raw)
    if digits.startswith("+") or digits.startswith("00"):
        # International form: only Sweden. "+46 (0)70 …" writes the trunk 0 after the country code; drop it.
        for country in ("+46", "0046"):
            if digits.startswith(country):
                nsn = digits[len(country) :]
                break
        else:
            raise ValueError(MSG_MOBILE_INVALID)
        if nsn.startswith("0"):
            nsn = nsn[1:]
    elif digits.startswith("0"):
        nsn = digits[1:]  # national form: drop the trunk 0
    else:
        raise ValueError(MSG_MOBILE_INVALID)  # "46701234567", "701234567": neither form
    if not nsn.isdigit():
        raise ValueError(MSG_MOBILE_INVALID)
    if len(nsn) == 9 and nsn.startswith(MOBILE_PREFIXES):
        return "+46" + nsn
    if _looks_like_landline(nsn):
        raise ValueError(MSG_MOBILE_LANDLINE)
    raise ValueError(MSG_MOBILE_INVALID)


# --- source -----------------------------------------------------------------------------------------------------------


def normalise_source(value: str | None) -> str | None:
    """ "Var hörde du om oss?": optional free text, at most 200 characters, refused if it holds a personnummer or
    card number. ``None`` when left empty."""
    return _free_text(value, _SOURCE_RULE) or None


_SOURCE_RULE = TextRule(max_chars=SOURCE_MAX, subject="Svaret")


# --- postal code ------------------------------------------------------------------------------------------------------

_POSTAL_PREFIX_RE = re.compile(r"^SE[\s\-\u2010\u2011\u2013]?", re.IGNORECASE)
_POSTAL_RE = re.compile(r"[1-9][0-9]{4}")


def normalise_postal_code(value: str | None) -> str:
    """A Swedish postal code shown as ``NNN NN``: ``11455``, ``114 55`` and ``SE-114 55`` -> ``"114 55"``.

    Five digits, the first 1–9. Spaces anywhere are ignored; an ``SE``/``SE-`` prefix is dropped.
    Raises ``ValueError`` with a Swedish message otherwise (``014 55``, ``1145``).
    """
    invalid = "Ange ett giltigt postnummer med fem siffror, till exempel 114 55."
    compact = re.sub(r"\s", "", _POSTAL_PREFIX_RE.sub("", _shaped(value, POSTAL_CODE_TEXT_MAX, invalid)))
    if not _POSTAL_RE.fullmatch(compact):
        raise ValueError(invalid)
    return f"{compact[:3]} {compact[3:]}"


# --- whole forms ------------------------------------------------------------------------------------------------------


def _redisplay(value: str | None) -> str:
    """What to put back in the form for a field with an error: trimmed, without control characters. (Shown again,
    never stored: the rule refused it.)"""
    text = "" if value is None else unicodedata.normalize("NFC", str(value)).strip()
    return "".join(ch for ch in text if not has_forbidden_characters(ch))


def _run(errors: dict[str, str], name: str, fn, value, *, optional: bool = False):
    """``fn(value)``; on ValueError record the message and return what the form should show again."""
    try:
        return fn(value)
    except PersonalNumberRefused as exc:
        errors[name] = str(exc)
        return None if optional else ""  # never echo a personnummer or card number back
    except ValueError as exc:
        errors[name] = str(exc)
        shown = _redisplay(value)
        return (shown or None) if optional else shown


def _first_name(value: str | None) -> str:
    return normalise_name(value, "first")


def _last_name(value: str | None) -> str:
    return normalise_name(value, "last")


def validate_registration(
    email: str | None,
    password: str | None,
    first_name: str | None,
    last_name: str | None,
    mobile: str | None = None,
    source: str | None = None,
) -> tuple[RegistrationData, dict[str, str]]:
    """Validate the registration form. Returns ``(cleaned, errors)``; store ``cleaned`` only when ``errors == {}``.

    Error keys: ``email``, ``password``, ``first_name``, ``last_name``, ``mobile``, ``source``.
    """
    errors: dict[str, str] = {}
    clean_email = _run(errors, "email", normalise_email, email)
    clean_first = _run(errors, "first_name", _first_name, first_name)
    clean_last = _run(errors, "last_name", _last_name, last_name)
    try:
        # the one password rule (accounts/password_rule.py), against the address and names as typed
        clean_password = check_password(password, email=clean_email, first_name=clean_first, last_name=clean_last)
    except PasswordRefused as exc:
        errors["password"] = str(exc)
        clean_password = ""  # a rejected password is never shown again
    cleaned = RegistrationData(
        email=clean_email,
        password=clean_password,
        first_name=clean_first,
        last_name=clean_last,
        mobile=_run(errors, "mobile", normalise_mobile, mobile, optional=True),
        source=_run(errors, "source", normalise_source, source, optional=True),
    )
    ordered = ("email", "password", "first_name", "last_name", "mobile", "source")
    return cleaned, {name: errors[name] for name in ordered if name in errors}


def validate_profile(
    first_name: str | None, last_name: str | None, mobile: str | None = None
) -> tuple[ProfileData, dict[str, str]]:
    """Validate the profile form (names and mobile) with the same rules as registration."""
    errors: dict[str, str] = {}
    cleaned = ProfileData(
        first_name=_run(errors, "first_name", _first_name, first_name),
        last_name=_run(errors, "last_name", _last_name, last_name),
        mobile=_run(errors, "mobile", normalise_mobile, mobile, optional=True),
    )
    return cleaned, errors
