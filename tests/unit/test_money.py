"""Money is exact: text becomes integer minor units once, or the input is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconcile.errors import AmountError
from reconcile.money import (
    apply_rate,
    exponent,
    format_minor,
    format_vnd,
    grouped_to_minor,
    parse_decimal_rate,
    to_minor,
)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("18.15", "EUR", 1815),
        ("18.150", "EUR", 1815),
        ("18,5", "EUR", 1850),
        ("150000", "VND", 150000),
        ("150000.00", "VND", 150000),
        ("-2470", "GBP", -247000),
        ("0.001", "BHD", 1),
        ("7", "JPY", 7),
    ],
)
def test_a_plain_amount_is_read_as_exact_minor_units(text: str, currency: str, minor: int) -> None:
    assert to_minor(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("150000.5", "VND"),
        ("18.155", "EUR"),
        ("1.5E+06", "VND"),
        ("", "VND"),
        ("1 000", "VND"),
        ("abc", "EUR"),
    ],
)
def test_an_inexact_or_unreadable_amount_is_refused(text: str, currency: str) -> None:
    with pytest.raises(AmountError):
        to_minor(text, currency)


def test_a_currency_code_must_be_three_capital_letters() -> None:
    with pytest.raises(AmountError, match="ISO 4217"):
        exponent("vnd")


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "minor"),
    [
        ("1.234.567", ",", ".", 1234567),
        ("1,234,567", ".", ",", 1234567),
        ("12.500", ",", ".", 12500),
        ("999", ",", ".", 999),
    ],
)
def test_a_grouped_amount_is_read_under_its_declared_separators(
    text: str, decimal: str, thousands: str, minor: int
) -> None:
    assert grouped_to_minor(text, "VND", decimal=decimal, thousands=thousands) == minor


@pytest.mark.parametrize("text", ["1.23.567", "12.34", "1.234,5"])
def test_a_badly_grouped_or_fractional_vnd_amount_is_refused(text: str) -> None:
    with pytest.raises(AmountError):
        grouped_to_minor(text, "VND", decimal=",", thousands=".")


def test_vnd_is_shown_with_dots_and_the_dong_sign() -> None:
    assert format_vnd(1234567) == "1.234.567 ₫"
    assert format_vnd(-5000) == "-5.000 ₫"
    assert format_vnd(0) == "0 ₫"


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["VND", "EUR", "JPY", "BHD"]))
def test_formatting_and_reading_back_gives_the_same_minor_units(minor: int, currency: str) -> None:
    assert to_minor(format_minor(minor, currency), currency) == minor


def test_a_rate_is_applied_rounding_half_up_to_the_dong() -> None:
    assert apply_rate(1_000_005, Decimal("0.1")) == 100_001  # 100000.5 rounds up
    assert apply_rate(1_000_004, Decimal("0.1")) == 100_000
    assert apply_rate(850_000_000, parse_decimal_rate("0.12")) == 102_000_000


@pytest.mark.parametrize("text", ["1.5", "-0.1", "abc", "NaN"])
def test_a_rate_outside_zero_to_one_is_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_decimal_rate(text)
