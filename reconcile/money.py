"""Exact money: integer minor units, converted from text once, at the edge.

A payment amount is an ``int`` number of the currency's minor unit (ISO 4217
exponent: VND 0, EUR 2, JPY 0, BHD 3). :func:`to_minor` is the one function
that turns text into that integer; it refuses anything inexact (``150000.5``
VND), anything in exponent notation (``1.5E+06``) and anything ambiguous,
instead of rounding it away. No float ever holds money.

Only ASCII digits make an amount (Python's ``int()`` and ``Decimal`` would
read Arabic-Indic ``١٠٠٠`` or fullwidth ``１０００`` too), and an amount has at
most 18 digits in its minor unit, so that it fits ``int64`` exactly on both
databases (:mod:`reconcile.bounds`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final

from reconcile.bounds import AMOUNT_LIMIT, MAX_AMOUNT_DIGITS
from reconcile.errors import AmountError

#: ISO 4217 minor-unit exponents for currencies other than the default of 2.
_EXPONENTS: Final[dict[str, int]] = {
    "VND": 0,
    "JPY": 0,
    "KRW": 0,
    "CLP": 0,
    "ISK": 0,
    "HUF": 2,
    "XOF": 0,
    "XAF": 0,
    "PYG": 0,
    "UGX": 0,
    "RWF": 0,
    "KMF": 0,
    "GNF": 0,
    "VUV": 0,
    "XPF": 0,
    "DJF": 0,
    "BIF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "CLF": 4,
    "UYW": 4,
}
_CURRENCY: Final = re.compile(r"[A-Z]{3}")
_PLAIN: Final = re.compile(r"[+-]?([0-9]+)(?:[.,]([0-9]*))?")


@lru_cache(maxsize=256)  # a file repeats a currency or two; a refusal is not cached
def exponent(currency: str) -> int:
    """The number of decimal digits of ``currency``'s minor unit."""
    if not _CURRENCY.fullmatch(currency):
        raise AmountError(f"{currency!r} is not an ISO 4217 currency code")
    return _EXPONENTS.get(currency, 2)


def to_minor(text: str, currency: str) -> int:
    """Read a plain decimal amount (``"18.15"``, ``"-2470"``, ``"1815,50"``) as minor units.

    One decimal separator, ``.`` or ``,``, and no thousands separators: that
    is how ISO 20022 and SWIFT write amounts. Grouped amounts such as
    ``1.234.567`` are read by :func:`grouped_to_minor`.
    """
    cleaned = text.strip()
    match = _PLAIN.fullmatch(cleaned)
    if not match:
        if any(char.isdigit() and not char.isascii() for char in cleaned):
            raise AmountError(f"{text!r} has a digit that is not an ASCII digit 0-9")
        raise AmountError(f"{text!r} is not a plain decimal amount")
    digits = exponent(currency)
    fraction = (match.group(2) or "").rstrip("0")
    if len(fraction) > digits:
        raise AmountError(f"{text!r} has more decimal digits than {currency} allows ({digits})")
    whole = match.group(1).lstrip("0")
    if len(whole) + digits > MAX_AMOUNT_DIGITS + 1:  # checked before int(), which refuses 4,300 digits
        raise AmountError(_too_long(text, currency))
    scale: int = 10**digits
    units = int(whole or "0") * scale + int(fraction.ljust(digits, "0") or "0")
    if units >= AMOUNT_LIMIT:
        raise AmountError(_too_long(text, currency))
    return -units if cleaned.startswith("-") else units


def _too_long(text: str, currency: str) -> str:
    shown = text if len(text) <= 40 else f"{text[:20]}…{text[-8:]}"
    return f"{shown!r} has more than {MAX_AMOUNT_DIGITS} digits in {currency} minor units"


def grouped_to_minor(text: str, currency: str, *, decimal: str, thousands: str | None) -> int:
    """Read an amount written for people (``1.234.567``, ``1,234,567.50``).

    ``decimal`` and ``thousands`` are declared by the file's layout, never
    guessed: ``1.234`` is a thousand and thirty-four đồng under one layout
    and an error under another.
    """
    if decimal == thousands:
        raise AmountError("the decimal and the thousands separator must differ")
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if thousands:
        parts = cleaned.split(decimal)
        whole = parts[0]
        groups = whole.lstrip("+-").split(thousands)
        if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:])):
            raise AmountError(f"{text!r} is not grouped in thousands")
        cleaned = whole.replace(thousands, "") + (decimal + parts[1] if len(parts) > 1 else "")
        if len(parts) > 2:
            raise AmountError(f"{text!r} has more than one decimal separator")
    if decimal != "." and "." in cleaned:
        raise AmountError(f"{text!r} contains '.', which this layout does not use")
    return to_minor(cleaned.replace(decimal, "."), currency)


def to_decimal(minor: int, currency: str) -> Decimal:
    """The exact decimal value of ``minor`` units, for display and XML output."""
    return Decimal(minor).scaleb(-exponent(currency))


def format_minor(minor: int, currency: str) -> str:
    """Plain machine text (``"18.15"``, ``"150000"``), the inverse of :func:`to_minor`."""
    value = to_decimal(minor, currency)
    return f"{value:.{exponent(currency)}f}"


def format_vnd(amount: int) -> str:
    """VND for Vietnamese readers: ``1.234.567 ₫``."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,} ₫".replace(",", ".")


def parse_decimal_rate(text: str) -> Decimal:
    """A rate such as ``0.12`` as an exact :class:`~decimal.Decimal`."""
    try:
        rate = Decimal(text.strip())
    except InvalidOperation as exc:
        raise AmountError(f"{text!r} is not a decimal rate") from exc
    if not rate.is_finite() or rate < 0 or rate > 1:
        raise AmountError(f"{text!r} is not a rate between 0 and 1")
    return rate


def apply_rate(base: int, rate: Decimal) -> int:
    """``base × rate`` rounded half up to the whole minor unit (the đồng)."""
    product = Decimal(base) * rate
    return int(product.to_integral_value(rounding="ROUND_HALF_UP"))


#: The two totals of a set of discrepancies, named the same in every view (DESIGN.md §6).
NET_DIFFERENCE: Final = "net_difference_vnd"
ABSOLUTE_DIFFERENCE: Final = "absolute_difference_vnd"
DIFFERENCE_LABELS: Final = {
    NET_DIFFERENCE: "Chênh lệch ròng / net difference (actual − expected)",
    ABSOLUTE_DIFFERENCE: "Tổng chênh lệch tuyệt đối / sum of absolute differences",
}


@dataclass(frozen=True, slots=True)
class DifferenceTotals:
    """Σ (actual − expected), signed, and Σ |actual − expected|, in đồng."""

    net: int = 0
    absolute: int = 0

    def as_dict(self) -> dict[str, int]:
        """``{"net_difference_vnd": …, "absolute_difference_vnd": …}``."""
        return {NET_DIFFERENCE: self.net, ABSOLUTE_DIFFERENCE: self.absolute}


def difference_totals(differences: Iterable[int | None]) -> DifferenceTotals:
    """The net and absolute totals of ``difference_vnd`` values (absent ones count 0).

    The one place they are computed: the terminal summary, the reports, the
    statements and the web pages all show these two figures under
    :data:`DIFFERENCE_LABELS`, so a "difference" never means two things.
    """
    values = [int(value) for value in differences if value is not None]
    return DifferenceTotals(sum(values), sum(abs(value) for value in values))
