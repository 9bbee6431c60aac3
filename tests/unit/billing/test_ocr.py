"""OCR references (domain.md §2): every vector, and that every reference we issue validates."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursesite.billing.ocr import is_valid_ocr, ocr_for_invoice_number, ocr_problem, ocr_reference


@pytest.mark.parametrize(
    ("payload", "reference"),
    [("12345", "1234574"), ("1234567890", "123456789023"), ("2025000117", "202500011723"), ("7", "737")],
)
def test_reference_with_length_and_check_digit(payload, reference):
    assert ocr_reference(payload) == reference
    assert is_valid_ocr(reference)


def test_reference_with_check_digit_only():
    assert ocr_reference("2024000117", with_length_digit=False) == "20240001170"
    assert is_valid_ocr("20240001170", with_length_digit=False)


@pytest.mark.parametrize(
    ("number", "reference"),
    [
        ("2026-00001", "20260000110"),
        ("2025-000117", "202500011723"),  # the payment in the reference SIE file
        ("2026-12345", "20261234510"),
    ],
)
def test_reference_of_an_invoice_number(number, reference):
    assert ocr_for_invoice_number(number) == reference
    assert is_valid_ocr(reference)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "2026-0001",
        "2026-",
        "202600001",
        "26-00001",
        "2026/00001",
        "2026-00001 ",
        "2026-0000a",
        "2026-\u0661\u0662\u0663\u0664\u0665",
        "2026-" + "1" * 20,
    ],
)
def test_malformed_invoice_numbers_are_refused(number):
    with pytest.raises(ValueError):
        ocr_for_invoice_number(number)


@pytest.mark.parametrize("payload", ["", "12a", "１２３", "1" * 24, "-1"])
def test_payload_must_be_ascii_digits_that_fit(payload):
    with pytest.raises(ValueError):
        ocr_reference(payload)


def test_the_longest_payloads_give_25_digits():
    assert len(ocr_reference("1" * 23)) == 25
    assert len(ocr_reference("1" * 24, with_length_digit=False)) == 25


@pytest.mark.parametrize(
    "text", ["1636976", "03368912618", "1018966492531", "18108401345678778", "1234574", "123456789023"]
)
def test_valid_with_length_digit(text):
    assert is_valid_ocr(text)
    assert ocr_problem(text) is None


@pytest.mark.parametrize(
    ("text", "with_length_digit", "problem"),
    [
        ("123455", True, "Längdsiffran"),  # passes the check digit, its length digit is wrong
        ("1234567890", True, "Kontrollsiffran"),
        ("1234567890", False, "Kontrollsiffran"),
        ("1", True, "minst 2"),
        ("1", False, "minst 2"),
        ("", True, "Ange"),
        ("1234 574", True, "bara av siffror"),
        ("123-4574", True, "bara av siffror"),
        ("１２３４５７４", True, "bara av siffror"),  # full-width digits
        ("12345A4", True, "bara av siffror"),
        ("1" * 26, True, "högst 25"),
    ],
)
def test_problems_are_explained_in_swedish(text, with_length_digit, problem):
    assert not is_valid_ocr(text, with_length_digit=with_length_digit)
    assert problem in ocr_problem(text, with_length_digit=with_length_digit)


def test_check_digit_only_ignores_the_length_digit():
    assert is_valid_ocr("123455", with_length_digit=False)
    assert is_valid_ocr("2024000117" + "0", with_length_digit=False)
    assert not is_valid_ocr("20240001170")  # its second-to-last digit is not a length digit


invoice_numbers = st.builds(
    lambda year, sequence: f"{year}-{sequence}",
    st.integers(1000, 9999),
    st.integers(5, 19).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
)


@given(invoice_numbers)
def test_every_reference_we_issue_validates(number):
    reference = ocr_for_invoice_number(number)
    assert is_valid_ocr(reference)
    assert reference.startswith(number.replace("-", ""))
    assert len(reference) <= 25


@given(invoice_numbers, st.data())
def test_changing_any_single_digit_invalidates(number, data):
    reference = ocr_for_invoice_number(number)
    position = data.draw(st.integers(0, len(reference) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != reference[position]]))
    changed = reference[:position] + digit + reference[position + 1 :]
    assert not is_valid_ocr(changed)
    assert ocr_problem(changed) is not None


@given(invoice_numbers, st.data())
def test_a_dropped_digit_is_caught_by_the_length_digit(number, data):
    reference = ocr_for_invoice_number(number)
    position = data.draw(st.integers(0, len(reference) - 3))  # the last two are the length and check digits
    assert not is_valid_ocr(reference[:position] + reference[position + 1 :])


@given(st.text(max_size=30))
def test_problem_and_validity_agree(text):
    assert (ocr_problem(text) is None) == is_valid_ocr(text)
    assert (ocr_problem(text, with_length_digit=False) is None) == is_valid_ocr(text, with_length_digit=False)
