"""The values of MT940 fields: dates, balances, ``:61:`` statement lines, ``:86:`` texts.

Each reader takes a field's text and either returns exact values or raises
:class:`~reconcile.errors.InputError` saying what is wrong with it; the
caller adds the file and the line. The ``:61:`` layout is SWIFT's
``6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]`` then ``[34x]`` on the next line:
value date, optional entry date, mark (``C``, ``D``, ``RC``, ``RD``, and
``EC``/``ED`` for expected entries), optional funds code (the third letter
of the currency), amount, transaction type, the reference for the account
owner (16 characters: MT940's end-to-end reference), ``//`` and the bank's
reference, and the supplementary details. Dialects differ mostly in what
they leave out (no entry date, no reference, an amount without its comma)
or write their own way (``.`` as decimal mark, a blank transaction code such
as ``S   ``), so the readers accept every optional part as optional and
refuse only what cannot be read exactly.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from reconcile.errors import InputError

_AMOUNT_TEXT: Final = r"\d+(?:[,.]\d*)?"
_BALANCE: Final = re.compile(rf"(?P<mark>[CD])(?P<date>\d{{6}})(?P<ccy>[A-Z]{{3}})(?P<amount>{_AMOUNT_TEXT})")
_LINE_HEAD: Final = re.compile(
    r"(?P<value>\d{6})(?P<entry>\d{4}|\s{4})?\s*(?P<mark>RC|RD|EC|ED|C|D)(?P<funds>[A-Z])?\s?"
)
_AMOUNT: Final = re.compile(_AMOUNT_TEXT)
_TYPE: Final = re.compile(r"\s*(?P<type>[NFS][A-Z0-9 ]{3})")
#: SWIFT's width of the reference for the account owner (16x) and of the bank's reference.
_REFERENCE_WIDTH: Final = 16
#: A reference of one word may run past 16 characters (an ISO 20022 end-to-end id has 35).
_LONG_REFERENCE: Final = 35
_NO_REFERENCE: Final = frozenset({"", "NONREF", "NOTPROVIDED"})
_STRUCTURED: Final = re.compile(r"\s*(\d{3}\s*)?\?\d{2}")
_SUBFIELD: Final = re.compile(r"\?(\d{2})")
_SEPA_KEYWORDS: Final = "EREF|KREF|MREF|CRED|DEBT|COAM|OAMT|SVWZ|ABWA|ABWE|IBAN|BIC|PURP|RTRN"
_EREF_PLUS: Final = re.compile(rf"EREF\+(.*?)(?=(?:{_SEPA_KEYWORDS})\+|$)")
#: The codes of the ``/CODE/value`` layout of ``:86:`` (Dutch banks, Citi, HSBC, bunq...).
_SLASH_CODES: Final = (
    "EREF|REMI|CNTP|MARF|CSID|PREF|IBAN|BIC|NAME|ADDR|TRCD|RTRN|PURP|ISDT|IREF|ULTC|ULTD|ULTB"
    "|BENM|ORDP|SVCL|BUSP|CREF|OCMT|CHGS|EXCH|ACCW|ID|TRTP|RTYP|SVWZ|KREF|MREF|CRED|DEBT"
)
_SLASH_STRUCTURED: Final = re.compile(rf"\s*/(?:{_SLASH_CODES})/")
_SLASH_SUBFIELD: Final = re.compile(rf"/({_SLASH_CODES})/(.*?)(?=/(?:{_SLASH_CODES})/|$)")
#: ``/REMI/USTD//text`` (unstructured) or ``/REMI/STRD/CUR/ref`` (structured) in ING's layout.
_REMI_KIND: Final = re.compile(r"(?:USTD|STRD)/+")
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
        mark: ``C``, ``D``, ``RC`` (reversal of a credit, booked as a debit), ``RD``, or
            ``EC``/``ED`` (an expected credit or debit, not yet booked).
        funds_code: the optional letter after the mark (the third letter of the currency).
        amount: the amount as written (``1234,56`` or ``1234.56``), turned into minor units by the caller.
        transaction_type: ``NTRF``, ``NMSC``, ``FINT``... or ``None``.
        customer_ref: the reference for the account owner, before ``//`` (SWIFT's 16 characters;
            ``NONREF`` and blanks are ``None``).
        bank_ref: the bank's reference, after ``//`` (``NONREF`` and blanks are ``None``).
        supplementary: the line after the ``:61:`` line, if any, and text a bank wrote after a
            16-character owner reference without ``//`` (a counterparty name).
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
            "and a debit/credit mark (C, D, RC, RD, EC, ED)"
        )
    value_date = read_date(head["value"], ":61: value date")
    entry = (head["entry"] or "").strip()
    booking_date = _booking_date(value_date, entry) if entry else None
    amount, kind, rest = _amount_and_type(text, head.end())
    customer, _, bank = rest[kind.end() if kind else 0 :].partition("//")
    customer_ref, extra = _owner_reference(customer)
    bank_ref, bank_extra = _owner_reference(bank)
    texts = [extra, bank_extra, *(line.strip() for line in lines[1:])]
    supplementary = " ".join(piece for piece in texts if piece)
    return StatementLine(
        value_date=value_date,
        booking_date=booking_date,
        mark=head["mark"],
        funds_code=head["funds"],
        amount=amount,
        transaction_type=kind["type"].strip() if kind else None,
        customer_ref=customer_ref,
        bank_ref=bank_ref,
        supplementary=supplementary or None,
    )


def _owner_reference(text: str) -> tuple[str | None, str]:
    """A 16-character reference and the text a bank wrote after it (Rabobank: the counterparty).

    A single word is the reference however long, up to 35 characters (an
    ISO 20022 end-to-end id copied into MT940); a longer one is refused, so
    that no reference is cut short without a word.
    """
    stripped = text.strip()
    if stripped in _NO_REFERENCE:
        return None, ""
    if len(stripped) <= _REFERENCE_WIDTH or not any(char.isspace() for char in stripped):
        if len(stripped) > _LONG_REFERENCE:
            raise InputError(
                f":61: reference {stripped[:40]!r}... is longer than {_LONG_REFERENCE} characters"
            )
        return stripped, ""
    head, tail = text.lstrip()[:_REFERENCE_WIDTH].strip(), text.lstrip()[_REFERENCE_WIDTH:].strip()
    return (None if head in _NO_REFERENCE else head), tail


def _amount_and_type(text: str, start: int) -> tuple[str, re.Match[str] | None, str]:
    """The amount at ``start``, the transaction type after it, and the rest of the line from there.

    The amount is read greedily and must be followed by a transaction type
    (``NTRF``, ``NET ``, ``S   ``), or, when it has its decimal mark, by the
    bank's reference (``//``) or nothing: so ``3E+05,`` or ``300.000,`` is
    refused instead of read as 3 or 300. Only the type tells where an amount
    written without its comma (``C500NTRF``) ends.
    """
    amount = _AMOUNT.match(text, start)
    rest = text[amount.end() :] if amount else ""
    kind = _TYPE.match(rest)
    marked = amount is not None and not amount.group().isdigit()  # it has its decimal mark
    typeless = marked and rest.lstrip()[:2] in {"", "//"}
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


@dataclass(frozen=True, slots=True)
class Information:
    """What one entry's ``:86:`` fields say.

    Attributes:
        remittance: the whole text, subfield codes and all (``?NN`` purpose text joined).
        end_to_end_id: the SEPA ``EREF+`` or ``/EREF/`` value (``NOTPROVIDED`` is ``None``).
        purpose: the structured purpose text: ``/REMI/`` (without ING's ``USTD//``) or the
            German ``?20``–``?29``, ``?60``–``?63`` subfields; ``None`` for free text.
    """

    remittance: str | None
    end_to_end_id: str | None
    purpose: str | None


def read_information(fields: list[tuple[str, ...]]) -> Information:
    """The remittance text, end-to-end reference and purpose of one entry's ``:86:`` fields.

    German banks structure ``:86:`` in ``?NN`` subfields; the purpose text
    is ``?20``–``?29`` and ``?60``–``?63``, cut at fixed widths and so joined
    without separators. Dutch banks and others write ``/CODE/value``
    subfields (``/EREF/``, ``/REMI/``, ``/NAME/``) cut into lines wherever
    a line ends, so those lines are joined as they are. Other banks write
    free text wrapped at 65 columns.
    """
    texts, purposes = [], []
    for lines in fields:
        joined = "".join(lines)
        if _STRUCTURED.match(joined):
            texts.append(_purpose(joined))
            purposes.append(texts[-1])
        elif _SLASH_STRUCTURED.match(lines[0]):
            texts.append(joined.strip())  # cut wherever the line ran out (ABN AMRO: ``NOTPROV`` / ``IDED``)
            purposes.append(_slash_subfields(texts[-1]).get("REMI", ""))
        else:
            texts.append(_free_text(lines))
    remittance = " ".join(text for text in texts if text) or None
    purpose = " ".join(text for text in purposes if text) or None
    return Information(remittance, _end_to_end_id(remittance or ""), purpose)


def _purpose(structured: str) -> str:
    parts = _SUBFIELD.split(structured)
    codes, values = parts[1::2], parts[2::2]
    return "".join(
        value for code, value in zip(codes, values, strict=True) if int(code) in _PURPOSE_CODES
    ).strip()


def _slash_subfields(text: str) -> dict[str, str]:
    """``/CODE/value`` pairs, first of each code; a value ends at the next known code."""
    found: dict[str, str] = {}
    for code, value in _SLASH_SUBFIELD.findall(text):
        cleaned = value.strip().rstrip("/").strip()
        if code == "REMI":
            cleaned = _REMI_KIND.sub("", cleaned, count=1) if _REMI_KIND.match(cleaned) else cleaned
        found.setdefault(code, cleaned)
    return found


def _free_text(lines: tuple[str, ...]) -> str:
    text, previous = "", ""
    for line in lines:
        piece = line.strip()
        if piece:
            wrapped = len(previous) >= _WRAPPED_WIDTH and not previous[-1].isspace()
            # a wrapped line goes on where the line before was cut, its leading blank included
            text = text + line.rstrip() if wrapped and text else f"{text} {piece}".strip()
        previous = line
    return text


def _end_to_end_id(text: str) -> str | None:
    plus = _EREF_PLUS.search(text)
    reference = plus.group(1).strip() if plus else _slash_subfields(text).get("EREF", "")
    return None if reference in {"", "NOTPROVIDED"} else reference
