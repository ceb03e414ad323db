"""Writing :class:`~reconcile.records.BankStatement` records as SWIFT MT940 text.

The inverse of :mod:`adapters.formats.mt940`, for generated treasury
statements (Kho bạc Nhà nước account statements) and for tests: what this
writes, the parser reads back to the same records, to the minor unit.
The ``:86:`` text is written in the German ``?NN`` layout (purpose text in
``?20``–``?29``, ``?60``–``?63``) so that no line of it can be mistaken for
a tag; an end-to-end reference goes in front as the SEPA keyword
``EREF+``, the way banks write it, so the remittance read back is
``EREF+<id> SVWZ+<text>``, unless the reference for the account owner in
``:61:`` (``owner_ref``, MT940's own end-to-end reference) already says it.
Entry charges and ``TxDtls`` are not written: MT940 has no field for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from reconcile.money import format_minor
from reconcile.records import Balance, BankEntry, BankStatement, Direction

_OPENING_TAGS: Final = {"OPBD": "60F", "PRCD": "60M"}
_OTHER_TAGS: Final = {"CLBD": "62F", "CLAV": "64", "FWAV": "65"}
_MARKS: Final = {
    (Direction.CREDIT, False): "C",
    (Direction.DEBIT, False): "D",
    (Direction.DEBIT, True): "RC",  # reversal of a credit is booked as a debit
    (Direction.CREDIT, True): "RD",
}
_PURPOSE_CODES: Final = (*range(20, 30), *range(60, 64))
_SUBFIELD_WIDTH: Final = 27
#: SWIFT's 16x, stretched to the 35 characters of an ISO 20022 end-to-end id, as the parser reads it.
_OWNER_REF_WIDTH: Final = 35
_GVC: Final = {Direction.CREDIT: "166", Direction.DEBIT: "177"}


def write_mt940(statements: Sequence[BankStatement], path: Path) -> None:
    """Write ``statements`` to ``path`` as one MT940 file (UTF-8, CRLF lines)."""
    path.write_bytes(render_mt940(statements).encode("utf-8"))


def render_mt940(statements: Sequence[BankStatement]) -> str:
    """The MT940 text of ``statements``, one message each, ended by ``-``.

    Raises :class:`ValueError` for what MT940 cannot carry: a statement
    without opening or closing balance, a balance kind with no MT940 tag, a
    date outside 1980–2079, or remittance text with ``?`` or line breaks.
    """
    lines: list[str] = []
    for statement in statements:
        lines.extend(_statement_lines(statement))
    return "\r\n".join(lines) + "\r\n"


def _statement_lines(statement: BankStatement) -> list[str]:
    if statement.opening is None or statement.closing is None:
        raise ValueError(f"statement {statement.statement_id} needs an opening and a closing balance")
    lines = [f":20:{statement.statement_id}", f":25:{statement.account}"]
    if statement.sequence is not None:
        lines.append(f":28C:{statement.sequence}")
    lines += [_balance_line(b, _OPENING_TAGS[b.kind]) for b in statement.balances if b.kind in _OPENING_TAGS]
    for entry in statement.entries:
        lines.append(f":61:{_statement_line(entry)}")
        lines.extend(_information_lines(entry))
    for balance in statement.balances:
        if balance.kind in _OPENING_TAGS:
            continue
        if balance.kind not in _OTHER_TAGS:
            raise ValueError(f"balance kind {balance.kind} has no MT940 tag")
        lines.append(_balance_line(balance, _OTHER_TAGS[balance.kind]))
    return [*lines, "-"]


def _balance_line(balance: Balance, tag: str) -> str:
    if balance.date is None:
        raise ValueError(f"balance {balance.kind} has no date")
    mark = "D" if balance.amount < 0 else "C"
    amount = _amount(abs(balance.amount), balance.currency)
    return f":{tag}:{mark}{_yymmdd(balance.date)}{balance.currency}{amount}"


def _statement_line(entry: BankEntry) -> str:
    value_date = entry.value_date or entry.booking_date
    if value_date is None:
        raise ValueError(f"entry {entry.bank_ref or entry.position} has neither value nor booking date")
    booking = entry.booking_date.strftime("%m%d") if entry.booking_date else ""
    mark = _MARKS[(entry.direction, entry.reversal)]
    reference = f"//{entry.bank_ref}" if entry.bank_ref else ""
    owner = entry.owner_ref or "NONREF"
    if len(owner) > _OWNER_REF_WIDTH or "//" in owner or any(char.isspace() for char in owner):
        raise ValueError(f"owner ref {owner!r} is not one word of at most {_OWNER_REF_WIDTH} characters")
    amount = _amount(entry.amount, entry.currency)
    return f"{_yymmdd(value_date)}{booking}{mark}{amount}NTRF{owner}{reference}"


def _information_lines(entry: BankEntry) -> list[str]:
    text = entry.remittance or ""
    named = entry.end_to_end_id and entry.end_to_end_id != entry.owner_ref
    if named and f"EREF+{entry.end_to_end_id}" not in text:
        text = f"EREF+{entry.end_to_end_id}" + (f" SVWZ+{text}" if text else "")
    if not text:
        return []
    if "?" in text or "\n" in text or "\r" in text:
        raise ValueError(f"remittance text {text!r} holds '?' or a line break, which :86: cannot carry")
    chunks = [text[i : i + _SUBFIELD_WIDTH] for i in range(0, len(text), _SUBFIELD_WIDTH)]
    if len(chunks) > len(_PURPOSE_CODES):
        raise ValueError(f"remittance text is longer than :86: holds ({len(text)} characters)")
    subfields = [f"?{code}{chunk}" for code, chunk in zip(_PURPOSE_CODES, chunks, strict=False)]
    return [f":86:{_GVC[entry.direction]}{subfields[0]}", *subfields[1:]]


def _yymmdd(date: dt.date) -> str:
    if not 1980 <= date.year <= 2079:
        raise ValueError(f"MT940 dates cover 1980-2079 only, not {date}")
    return f"{date:%y%m%d}"


def _amount(minor: int, currency: str) -> str:
    """SWIFT amount: decimal comma, always present (``1234,56``, ``150000,``)."""
    text = format_minor(minor, currency).replace(".", ",")
    return text if "," in text else f"{text},"
