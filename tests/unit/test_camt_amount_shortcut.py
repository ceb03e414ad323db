"""The shortcut for plain-digit amounts gives exactly what the full reading gives, or defers to it."""

from __future__ import annotations

import pytest
from lxml import etree

from adapters.formats.camt_elements import Scope, read_amount
from adapters.formats.camt_layout import shown
from reconcile.errors import InputError
from reconcile.money import to_minor

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
SCOPE = Scope(NS, "statement.xml")
TEXTS = (
    "0",
    "000",
    "7",
    "0012",
    "100000",
    "9" * 16,
    "9" * 17,
    "9" * 18,
    "1" + "0" * 18,
    "0" * 30 + "5",
    "9" * 5000,
)


def _amount(text: str, currency: str) -> etree._Element:
    element = etree.Element(f"{{{NS}}}Amt", Ccy=currency)
    element.text = text
    return element


@pytest.mark.parametrize("currency", ["VND", "USD", "BHD", "usd"])
@pytest.mark.parametrize("text", TEXTS)
def test_a_plain_digit_amount_reads_as_to_minor_does(text: str, currency: str) -> None:
    try:
        expected: int | str = to_minor(text, currency)
    except InputError as exc:
        expected = exc.reason
    if len(text.lstrip("0")) > 18:  # refused by the digit count before to_minor is asked
        expected = f"{shown(text)} has more than 18 digits, the most an ISO 20022 amount has"
    try:
        got: int | str = read_amount(SCOPE, _amount(text, currency), "Ntry[1]/Amt")[0]
    except InputError as exc:
        got = exc.reason
    assert got == expected
