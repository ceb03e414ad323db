"""The bounds of :mod:`reconcile.bounds` applied to parsed bank statements (camt and MT940 alike).

The bank parsers read amounts with :func:`reconcile.money.to_minor`, which
already refuses more than 18 digits and non-ASCII digits; what is left is
checked here, once, on the records every bank format produces: text
without control characters and within its database column (lengths from
:mod:`adapters.db.schema`), dates within 1900-01-01..2199-12-31 (a
statement's creation time by its local date in Asia/Ho_Chi_Minh), and, per
currency, credits, debits and charges whose sums fit ``int64``. The first
problem raises :class:`~reconcile.errors.InputError` naming the entry's
element or line, else the statement.

The entries' rules are checked first on the file's columns
(:class:`~reconcile.entry_columns.EntryColumns`), a few passes in C over
every entry: a file that keeps them all, nearly every file, is not walked
entry by entry. Only a file that breaks one is, to find and name the first
problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from adapters.db import schema
from adapters.formats.csvbounds import column_limits
from reconcile import bounds
from reconcile.columns import LOCAL_TZ
from reconcile.entry_columns import EntryColumns
from reconcile.errors import InputError
from reconcile.records import BankEntry, BankStatement, Direction

Check = tuple[str | None, str | None]  # (where, reason)


def check_statements(
    statements: tuple[BankStatement, ...], source: str, columns: EntryColumns | None = None
) -> None:
    """Raise on the first value of ``statements`` that cannot be stored or summed exactly.

    ``columns`` are the statements' entries as columns, if they were read out already.
    """
    walk = columns is None or not entries_within(columns, statements)
    totals: dict[tuple[str, str], int] = {}
    for index, statement in enumerate(statements, start=1):
        position = f"statement {statement.statement_id[:40]!r} (number {index} in the file)"
        for where, reason in _statement_problems(statement, position, totals, walk=walk):
            if reason is not None:
                raise InputError(reason, source=source, where=where)


def entry_columns(statements: tuple[BankStatement, ...]) -> EntryColumns | None:
    """The statements' entries as columns; ``None`` when a value has no column type (an integer
    beyond 64 bits, text that is no Unicode), which the walk entry by entry then names."""
    try:
        return EntryColumns.of(statements)
    except (OverflowError, UnicodeError, pa.ArrowException):
        return None


def entries_within(columns: EntryColumns, statements: tuple[BankStatement, ...]) -> bool:
    """Whether every entry keeps the rules of :func:`_entry_within` and no running total can leave
    ``int64``: the same rules, checked a column at a time over the whole file."""
    entries, details = columns.entries, columns.details
    for name, length in zip(_LIMITED, _LENGTHS, strict=True):
        if _longest(entries[name]) > length:
            return False
    if _longest(details["end_to_end_id"]) > _DETAIL_END_TO_END:
        return False
    for amounts in (entries["amount"], entries["charges"], details["amount"]):
        low, high = _bounds_of(amounts)
        if low is not None and (low <= -bounds.AMOUNT_LIMIT or high >= bounds.AMOUNT_LIMIT):
            return False
    texts = [entries[name] for name in (*_LIMITED, "remittance")]
    texts += [details["end_to_end_id"], details["remittance"]]
    if any(pc.any(pc.match_substring_regex(text, bounds.CONTROL_PATTERN)).as_py() for text in texts):
        return False
    # from the records: the column holds them as JSON, which writes a C0 control as an escape
    references = [ref for s in statements for e in s.entries for d in e.details for ref in d.references]
    if references and bounds.CONTROL.search("\n".join(references)):  # LF is no control
        return False
    for name in ("booking_date", "value_date"):
        first, last = _bounds_of(entries[name])
        if first is not None and (first < bounds.FIRST_DATE or last > bounds.LAST_DATE):
            return False
    return _totals_fit(entries)


def _longest(texts: pa.ChunkedArray) -> int:
    """The most characters a value of ``texts`` has (0 with none)."""
    return int(pc.max(pc.utf8_length(texts)).as_py() or 0)


def _bounds_of(values: pa.ChunkedArray) -> tuple[Any, Any]:
    """The least and the greatest of ``values``, nulls aside; ``(None, None)`` with none."""
    found = pc.min_max(values)
    return found["min"].as_py(), found["max"].as_py()


def _totals_fit(entries: pa.Table) -> bool:
    """Whether every sum :func:`_add_to_totals` keeps for the file stays within ``int64`` at every step.

    Certain when, per currency and side, the sizes of the amounts added sum to no more.
    """
    credit = pc.equal(entries["direction"], Direction.CREDIT.value)
    for currency in pc.unique(entries["currency"]).drop_null().to_pylist():
        same = pc.equal(entries["currency"], currency)
        for picked, name in (
            (pc.and_(same, credit), "amount"),
            (pc.and_(same, pc.invert(credit)), "amount"),
            (same, "charges"),
        ):
            sizes = pc.abs(pc.filter(entries[name], picked))
            largest = pc.max(sizes).as_py() or 0
            if largest * len(sizes) > bounds.INT64_MAX and sum(sizes.to_pylist()) > bounds.INT64_MAX:
                return False
    return True


def _statement_problems(
    statement: BankStatement, position: str, totals: dict[tuple[str, str], int], *, walk: bool
) -> Iterator[Check]:
    for name in ("statement_id", "sequence", "account", "currency"):
        value = getattr(statement, name)
        if value is not None:
            limit = _STATEMENT_LIMITS[name]
            yield position, bounds.text_problem(value, name, limit[1], limit[0])
    for name in ("from_date", "to_date"):
        day = getattr(statement, name)
        if day is not None:
            yield position, bounds.date_problem(day, name)
    if statement.created_at is not None:
        yield position, bounds.moment_problem(statement.created_at, LOCAL_TZ, "creation time")
    for balance in statement.balances:
        label = f"balance {balance.kind}"
        yield position, bounds.amount_problem(balance.amount, label)
        yield position, bounds.text_problem(balance.currency, f"{label} currency", 3)
        if balance.date is not None:
            yield position, bounds.date_problem(balance.date, f"{label} date")
    if not walk:
        return  # every entry keeps the rules (entries_within)
    for number, entry in enumerate(statement.entries, start=1):
        where = entry.position or f"{position}, entry {number}"
        if not _entry_within(entry):  # only then is the entry's first problem looked for
            for reason in _entry_problems(entry):
                yield where, reason
        yield where, _add_to_totals(entry, totals)


def _entry_within(entry: BankEntry) -> bool:
    """Whether :func:`_entry_problems` would find nothing: the same rules, in a few comparisons.

    Most entries are fine, so they are passed in one pass; an entry that is not
    is walked again by :func:`_entry_problems`, which names its first problem.
    """
    texts = [entry.currency, entry.status, entry.bank_ref, entry.end_to_end_id, entry.position]
    for value, length in zip(texts, _LENGTHS, strict=True):
        if value is not None and len(value) > length:
            return False
    texts.append(entry.remittance)
    for detail in entry.details:
        if detail.end_to_end_id is not None and len(detail.end_to_end_id) > _DETAIL_END_TO_END:
            return False
        if detail.amount is not None and abs(detail.amount) >= bounds.AMOUNT_LIMIT:
            return False
        texts.append(detail.end_to_end_id)
        texts.append(detail.remittance)
        texts.extend(detail.references)
    if bounds.CONTROL.search("\n".join([text for text in texts if text is not None])):  # LF is no control
        return False
    if abs(entry.amount) >= bounds.AMOUNT_LIMIT or abs(entry.charges) >= bounds.AMOUNT_LIMIT:
        return False
    booked, valued = entry.booking_date, entry.value_date
    return (booked is None or bounds.FIRST_DATE <= booked <= bounds.LAST_DATE) and (
        valued is None or bounds.FIRST_DATE <= valued <= bounds.LAST_DATE
    )


_LIMITED = ("currency", "status", "bank_ref", "end_to_end_id", "position")
_STATEMENT_LIMITS = column_limits(schema.bank_statements)
_ENTRY_LIMITS = column_limits(schema.bank_entries)
_DETAIL_LIMITS = column_limits(schema.bank_entry_details)
_LENGTHS = tuple(_ENTRY_LIMITS[name][1] for name in _LIMITED)
_DETAIL_END_TO_END = _DETAIL_LIMITS["end_to_end_id"][1]


def _entry_problems(entry: BankEntry) -> Iterator[str | None]:
    for name in _LIMITED:
        value = getattr(entry, name)
        if value is not None:
            yield bounds.text_problem(value, name, _ENTRY_LIMITS[name][1], _ENTRY_LIMITS[name][0])
    if entry.remittance is not None:
        yield bounds.text_problem(entry.remittance, "remittance")
    yield bounds.amount_problem(entry.amount)
    yield bounds.amount_problem(entry.charges, "charges")
    for name in ("booking_date", "value_date"):
        day = getattr(entry, name)
        if day is not None:
            yield bounds.date_problem(day, name)
    for detail in entry.details:
        if detail.end_to_end_id is not None:
            limit = _DETAIL_LIMITS["end_to_end_id"]
            yield bounds.text_problem(detail.end_to_end_id, "TxDtls end_to_end_id", limit[1], limit[0])
        for text in (detail.remittance, *detail.references):
            if text is not None:
                yield bounds.text_problem(text, "TxDtls text")
        if detail.amount is not None:
            yield bounds.amount_problem(detail.amount, "TxDtls amount")


def _add_to_totals(entry: BankEntry, totals: dict[tuple[str, str], int]) -> str | None:
    """Add what the ingest output and a run sum per currency (credits, debits, charges) to the
    file's running ``totals``; why the first that leaves ``int64`` cannot be summed, else ``None``."""
    side = "credit" if entry.direction is Direction.CREDIT else "debit"
    problem = _add(totals, (entry.currency, side), entry.amount)
    if entry.charges and problem is None:
        problem = _add(totals, (entry.currency, "charges"), entry.charges)
    return problem


def _add(totals: dict[tuple[str, str], int], key: tuple[str, str], amount: int) -> str | None:
    total = totals[key] = totals.get(key, 0) + amount
    if abs(total) <= bounds.INT64_MAX:
        return None  # most totals: no label written
    return bounds.total_problem(total, f"the file's {key[1]} total in {key[0]}")
