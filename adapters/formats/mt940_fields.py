"""The values of MT940 fields: dates, balances, ``:61:`` statement lines, ``:86:`` texts.

Each reader takes a field's text and either returns exact values or raises
:class:`~reconcile.errors.InputError` saying what is wrong with it; the
caller adds the file and the line. Dialects differ mostly in what they
leave out (no entry date, no transaction type, no reference, an amount
without its comma), so the readers accept every optional part as optional
and refuse only what cannot be read exactly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from reconcile.errors import InputError

_BALANCE: Final = re.compile(r"(?P<mark>[CD])(?P<date>\d{6})(?P<ccy>[A-Z]{3})(?P<amount>\d+(?:,\d*)?)")
_LINE_HEAD: Final = re.compile(
    r"(?P<value>\d{6})(?P<entry>\d{4}|\s{4})?\s*(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?"
)
_AMOUNT: Final = re.compile(r"\d+(?:,\d*)?")
_TYPE: Final = re.compile(r"\s*(?P<type>[NFS][A-Z0-9]{3}|[NFS][A-Z0-9]{2} )")
_STRUCTURED: Final = re.compile(r"\s*(\d{3}\s*)?\?\d{2}")
_SUBFIELD: Final = re.compile(r"\?(\d{2})")
_SEPA_KEYWORDS: Final = "EREF|KREF|MREF|CRED|DEBT|COAM|OAMT|SVWZ|ABWA|ABWE|IBAN|BIC|PURP|RTRN"
_EREF_PLUS: Final = re.compile(rf"EREF\+(.*?)(?=(?:{_SEPA_KEYWORDS})\+|$)")
_EREF_SLASH: Final = re.compile(r"/EREF/([^/]*)")
#: Purpose text (Verwendungszweck) subfields of the German ``?NN`` layout.
_PURPOSE_CODES: Final = frozenset([*range(20, 30), *range(60, 64)])
#: A line this long was wrapped by the bank's 65-column limit, not ended by the writer.
_WRAPPED_WIDTH: Final = 64


@dataclass(frozen=True, slots=True)
class BalanceField:
    """``:60F:``, ``:62F:``... read: mark, date, currency, amount text (``1234,56``)."""

    mark: str
    date: dt.date
    currency: str
    amount: str


@dataclass(frozen=True, slots=True)
class StatementLine:
    """A ``:61:`` line.

    Attributes:
        mark: ``C``, ``D``, ``RC`` (reversal of a credit, booked as a debit) or ``RD``.
        amount: the amount as written (``1234,56``), turned into minor units by the caller.
        transaction_type: ``NTRF``, ``NMSC``, ``FINT``... or ``None``.
        customer_ref: the account owner's reference, before ``//``.
        bank_ref: the bank's reference, after ``//`` (``NONREF`` and blanks are ``None``).
        supplementary: the line after the ``:61:`` line, if any.
    """

    value_date: dt.date
    booking_date: dt.date | None
    mark: str
    funds_code: str | None
    amount: str
    transaction_type: str | None
    customer_ref: str | None
    bank_ref: str | None
    supplementary: str | None


def read_date(text: str, what: str) -> dt.date:
    """A ``YYMMDD`` date; SWIFT years 80–99 are 1980–1999, 00–79 are 2000–2079."""
    try:
        year = int(text[:2])
        return dt.date(year + (1900 if year > 79 else 2000), int(text[2:4]), int(text[4:6]))
    except ValueError as exc:
        raise InputError(f"{what} {text!r} is not a valid YYMMDD date") from exc


def read_balance(tag: str, value: str) -> BalanceField:
    match = _BALANCE.fullmatch(value.replace(" ", ""))
    if not match:
        raise InputError(
            f":{tag}: {value!r} is not a balance (mark C/D, YYMMDD date, currency, amount such as 1234,56)"
        )
    date = read_date(match["date"], f":{tag}: date")
    return BalanceField(match["mark"], date, match["ccy"], match["amount"])


def read_statement_line(lines: tuple[str, ...]) -> StatementLine:
    """The ``:61:`` field: its first line and the optional supplementary-details line."""
    text = lines[0].rstrip()
    head = _LINE_HEAD.match(text)
    if not head:
        raise InputError(
            f":61: {text!r} does not start with a value date YYMMDD, an optional entry date MMDD "
            "and a debit/credit mark (C, D, RC, RD)"
        )
    value_date = read_date(head["value"], ":61: value date")
    entry = (head["entry"] or "").strip()
    booking_date = _booking_date(value_date, entry) if entry else None
    amount, kind, rest = _amount_and_type(text, head.end())
    customer, _, bank = rest[kind.end() if kind else 0 :].partition("//")
    supplementary = " ".join(line.strip() for line in lines[1:] if line.strip())
    return StatementLine(
        value_date=value_date,
        booking_date=booking_date,
        mark=head["mark"],
        funds_code=head["funds"],
        amount=amount,
        transaction_type=kind["type"].strip() if kind else None,
        customer_ref=customer.strip() or None,
        bank_ref=None if bank.strip() in {"", "NONREF"} else bank.strip(),
        supplementary=supplementary or None,
    )


def _amount_and_type(text: str, start: int) -> tuple[str, re.Match[str] | None, str]:
    """The amount at ``start``, the transaction type after it, and the rest of the line from there.

    The amount is read greedily and must be followed by a transaction type
    (``NTRF``, ``NET ``), or, when it has its decimal comma, by the bank's
    reference (``//``) or nothing: so ``3E+05,`` or ``300.000,`` is refused
    instead of read as 3 or 300. Only the type tells where an amount
    written without its comma (``C500NTRF``) ends.
    """
    amount = _AMOUNT.match(text, start)
    rest = text[amount.end() :] if amount else ""
    kind = _TYPE.match(rest)
    typeless = amount is not None and "," in amount.group() and rest.lstrip()[:2] in {"", "//"}
    if amount is None or not (kind or typeless):
        raise InputError(
            f":61: amount in {text!r} is not readable (digits with one decimal comma, "
            "then a transaction type such as NTRF)"
        )
    return amount.group(), kind, rest


def _booking_date(value_date: dt.date, mmdd: str) -> dt.date:
    """The entry date MMDD in the year that puts it nearest the value date (December/January)."""
    candidates = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            candidates.append(dt.date(year, int(mmdd[:2]), int(mmdd[2:])))
        except ValueError:
            continue
    if not candidates:
        raise InputError(f":61: entry date {mmdd!r} is not a valid MMDD date")
    return min(candidates, key=lambda day: abs((day - value_date).days))


def read_information(fields: list[tuple[str, ...]]) -> tuple[str | None, str | None]:
    """The remittance text and end-to-end reference of one entry's ``:86:`` fields.

    German banks structure ``:86:`` in ``?NN`` subfields; the purpose text
    is ``?20``–``?29`` and ``?60``–``?63``, cut at fixed widths and so joined
    without separators. Other banks write free text wrapped at 65 columns.
    An ``EREF+`` (SEPA keyword) or ``/EREF/`` value is the end-to-end reference.
    """
    texts = []
    for lines in fields:
        joined = "".join(lines)
        texts.append(_purpose(joined) if _STRUCTURED.match(joined) else _free_text(lines))
    remittance = " ".join(text for text in texts if text) or None
    return remittance, _end_to_end_id(remittance or "")


def _purpose(structured: str) -> str:
    parts = _SUBFIELD.split(structured)
    codes, values = parts[1::2], parts[2::2]
    return "".join(
        value for code, value in zip(codes, values, strict=True) if int(code) in _PURPOSE_CODES
    ).strip()


def _free_text(lines: tuple[str, ...]) -> str:
    text, previous = "", ""
    for line in lines:
        piece = line.strip()
        if piece:
            wrapped = len(previous) >= _WRAPPED_WIDTH and not previous[-1].isspace()
            text = text + piece if wrapped and text else f"{text} {piece}".strip()
        previous = line
    return text


def _end_to_end_id(text: str) -> str | None:
    match = _EREF_PLUS.search(text) or _EREF_SLASH.search(text)
    reference = match.group(1).strip() if match else ""
    return None if reference in {"", "NOTPROVIDED"} else reference
