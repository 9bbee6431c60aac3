"""The one password rule (accounts/password_rule.py): length, characters, the common-password list, the person's own
address and names. Table-driven."""

import pytest

from coursesite.accounts.password_rule import (
    MSG_CHARACTERS,
    MSG_COMMON,
    MSG_MISSING,
    MSG_PERSONAL,
    MSG_REPEATED,
    MSG_TOO_LONG,
    MSG_TOO_SHORT,
    PasswordRefused,
    check_password,
    common_passwords,
    personal_parts,
)

ANNA = dict(email="anna.berg@example.se", first_name="Anna", last_name="Berg-Lindqvist")


@pytest.mark.parametrize(
    "password",
    [
        "a" * 9 + "b",
        "korrekt häst batteri",
        "x" * 127 + "y",
        "  mellanslag  ",
        "åäöÅÄÖåäöÅ",
        "🔑" * 9 + "!",
        "åäö" * 3 + "x",  # 10 characters, 19 bytes in UTF-8: characters count
        "sommarstuga vid sjön",
        "Kanelbulle-Dragspel-7",
    ],
)
def test_good_passwords_are_returned_unchanged(password: str) -> None:
    assert check_password(password, **ANNA) == password


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", MSG_MISSING),
        (None, MSG_MISSING),
        ("abcdefghi", MSG_TOO_SHORT),
        ("x" * 128 + "y", MSG_TOO_LONG),
        ("aaaaaaaaaa", MSG_REPEATED),
        ("          ", MSG_REPEATED),
        ("ååååååååååååå", MSG_REPEATED),
        ("lösenord\x00123", MSG_CHARACTERS),
        ("lösenord123\n", MSG_CHARACTERS),
        ("lösen\x7ford123", MSG_CHARACTERS),
        ("lösenord\u200b123", MSG_CHARACTERS),  # zero-width space
        # the common-password list
        ("password12", MSG_COMMON),
        ("1234567890", MSG_COMMON),
        ("PASSWORD12", MSG_COMMON),  # case does not matter
        ("qwertyuiop", MSG_COMMON),
        ("1qaz2wsx3edc", MSG_COMMON),
        ("iloveyou2024!", MSG_COMMON),  # a common one with a year and a mark after it
        ("Dragon123456", MSG_COMMON),
        # the person's own address and names
        ("anna.berg2024", MSG_PERSONAL),  # the whole local part
        ("hemligBERG123", MSG_PERSONAL),  # a part of the local part, any case
        ("lindqvist-sommar", MSG_PERSONAL),  # a part of a double-barrelled surname
        ("xxANNAxx-hemlis", MSG_PERSONAL),  # the first name inside
    ],
)
def test_refused_passwords(password, message: str) -> None:
    with pytest.raises(PasswordRefused) as refused:
        check_password(password, **ANNA)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("email", "first_name", "last_name", "password"),
    [
        ("bo@example.se", "Bo", "Ek", "bokhyllan-ekorre"),  # names of 2–3 characters are not looked for
        ("li.eva@example.se", "Eva", "Li", "evakuering-plan"),
        (None, None, None, "en lång fras här"),  # nothing known about the person
    ],
)
def test_short_personal_parts_are_ignored(email, first_name, last_name, password) -> None:
    assert check_password(password, email=email, first_name=first_name, last_name=last_name) == password


@pytest.mark.parametrize(
    ("email", "first", "last", "parts"),
    [
        ("anna.berg@example.se", "Anna", "Berg", {"anna.berg", "anna", "berg"}),
        ("k_lind+kurs@example.se", "Karin", "Lind Ek", {"k_lind+kurs", "lind", "kurs", "karin", "lind ek"}),
        ("ÅSA@example.se", "Åsa", "Öberg", {"öberg"}),  # Å, Ö fold; "åsa" is 3 characters
    ],
)
def test_personal_parts(email, first, last, parts) -> None:
    assert personal_parts(email, first, last) == parts


def test_the_common_list_is_the_packaged_one_loaded_once() -> None:
    common = common_passwords()
    assert isinstance(common, frozenset)
    assert len(common) > 20_000  # zxcvbn's list, not a handful typed here
    assert common_passwords() is common
    assert "password" in common and "123456" in common
