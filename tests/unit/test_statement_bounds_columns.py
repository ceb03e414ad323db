"""The bank entries' bounds checked on the file's columns: the same verdict as the walk entry by entry."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.formats.camt import CamtParser
from adapters.formats.mt940 import Mt940Parser
from adapters.formats.statement_bounds import check_statements, entries_within, entry_columns
from reconcile import bounds
from reconcile.entry_columns import EntryColumns
from reconcile.errors import InputError
from reconcile.records import BankEntry, BankStatement, Direction, TxDetail

DAY = dt.date(2026, 11, 27)

texts = st.one_of(
    st.none(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["VNPTPAY-1", "x" * 128, "x" * 129, "tab\tline\nend", "nul\x00", "del\x7f", "c1\x85"]),
)
amounts = st.one_of(
    st.integers(0, 10**12),
    st.sampled_from([bounds.AMOUNT_LIMIT - 1, bounds.AMOUNT_LIMIT, 4 * 10**18, bounds.INT64_MAX, 2**64]),
)
days = st.one_of(
    st.none(),
    st.sampled_from([DAY, bounds.FIRST_DATE, bounds.LAST_DATE, dt.date(1899, 12, 31), dt.date(2200, 1, 1)]),
)
details = st.builds(
    TxDetail,
    end_to_end_id=texts,
    amount=st.one_of(st.none(), amounts, amounts.map(lambda amount: -amount)),
    remittance=texts,
    references=st.lists(st.text(max_size=4) | st.just("ref\x01"), max_size=2).map(tuple),
)
entries = st.builds(
    BankEntry,
    amount=amounts,
    currency=st.sampled_from(["VND", "USD", "VND1", "V\x01D"]),
    direction=st.sampled_from(list(Direction)),
    booking_date=days,
    value_date=days,
    status=st.sampled_from(["BOOK", "PDNG", "BOOKBOOKX"]),
    bank_ref=texts,
    end_to_end_id=texts,
    remittance=texts,
    details=st.lists(details, max_size=2).map(tuple),
    charges=st.one_of(st.just(0), amounts),
    position=texts,
)


def statement(*listed: BankEntry, statement_id: str = "S-1") -> BankStatement:
    return BankStatement(statement_id, "1", "7111010000001", "VND", None, (), tuple(listed))


Verdict = tuple[str, str | None] | None  # (reason, where) of the refusal; None: accepted


def verdict(statements: tuple[BankStatement, ...], columns: EntryColumns | None) -> Verdict:
    try:
        check_statements(statements, "bank.xml", columns)
    except InputError as exc:
        return exc.reason, exc.where
    return None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(entries, max_size=6), min_size=1, max_size=3))
def test_the_columns_give_the_walk_s_verdict_whatever_the_entries(groups: list[list[BankEntry]]) -> None:
    """Accepted alike, or refused with the same reason at the same entry."""
    statements = tuple(statement(*group, statement_id=f"S-{n}") for n, group in enumerate(groups))
    assert verdict(statements, entry_columns(statements)) == verdict(statements, None)


def good(number: int, **changes: object) -> BankEntry:
    fields: dict[str, object] = {
        "amount": 100_000 + number,
        "currency": "VND",
        "direction": Direction.CREDIT,
        "booking_date": DAY,
        "value_date": DAY,
        "bank_ref": f"BR{number:010d}",
        "remittance": f"VNPTPAY-20261127-01-{number:06d} lệ phí",
        "details": (TxDetail(f"E2E-{number}", 100_000 + number, "quyết toán", ("AcctSvcrRef-1",)),),
        "position": f"Stmt[1]/Ntry[{number + 1}]",
    }
    fields.update(changes)
    return BankEntry(**fields)  # type: ignore[arg-type]


def test_entries_within_their_bounds_are_passed_without_a_walk() -> None:
    statements = (statement(*(good(n) for n in range(2_000))),)
    assert entries_within(EntryColumns.of(statements), statements)


@pytest.mark.parametrize(
    "changes",
    [
        {"bank_ref": "x" * 129},
        {"status": "BOOKBOOKX"},
        {"end_to_end_id": "e" * 129},
        {"details": (TxDetail("e" * 129, 1, None),)},
        {"amount": bounds.AMOUNT_LIMIT},
        {"charges": bounds.AMOUNT_LIMIT},
        {"details": (TxDetail(None, -bounds.AMOUNT_LIMIT, None),)},
        {"remittance": "nul\x00"},
        {"remittance": "c1\x85"},
        {"position": "Stmt[1]/Ntry[2346]\x7f"},
        {"details": (TxDetail(None, 1, "bell\x07"),)},
        {"details": (TxDetail("e2e\x1b", 1, None),)},
        {"details": (TxDetail(None, 1, None, ("ok", "ref\x01")),)},
        {"booking_date": dt.date(1899, 12, 31)},
        {"value_date": dt.date(2200, 1, 1)},
    ],
    ids=repr,
)
def test_each_rule_broken_by_one_entry_among_thousands_sends_the_file_to_the_walk(
    changes: dict[str, object],
) -> None:
    listed = [good(n) for n in range(3_000)]
    listed[2_345] = good(2_345, **changes)
    statements = (statement(*listed),)
    assert not entries_within(EntryColumns.of(statements), statements)
    reason, where = verdict(statements, entry_columns(statements)) or ("accepted", None)
    assert (where or "").startswith("Stmt[1]/Ntry[2346]"), reason


def test_a_running_total_beyond_int64_is_named_at_the_entry_that_takes_it_there() -> None:
    big = bounds.AMOUNT_LIMIT - 1
    listed = [good(n, amount=big, details=()) for n in range(12)]
    statements = (statement(*listed[:5], statement_id="S-1"), statement(*listed[5:], statement_id="S-2"))
    assert not entries_within(EntryColumns.of(statements), statements)
    reason, where = verdict(statements, entry_columns(statements)) or ("accepted", None)
    assert "beyond what a 64-bit integer holds" in reason
    assert where == "Stmt[1]/Ntry[10]"  # the tenth credit of 10**18 - 1 in VND, in the second statement


def test_totals_in_different_currencies_and_sides_are_kept_apart() -> None:
    big = bounds.AMOUNT_LIMIT - 1
    listed = [
        good(n, amount=big, details=(), currency=currency, direction=direction)
        for n, (currency, direction) in enumerate(
            [(c, d) for c in ("VND", "USD") for d in Direction for _ in range(4)]
        )
    ]
    statements = (statement(*listed),)
    assert entries_within(EntryColumns.of(statements), statements)
    assert verdict(statements, entry_columns(statements)) is None


def test_an_amount_beyond_64_bits_has_no_column_and_is_named_by_the_walk() -> None:
    statements = (statement(good(0), good(1, charges=2**64)),)
    assert entry_columns(statements) is None
    reason, where = verdict(statements, entry_columns(statements)) or ("accepted", None)
    assert "charges" in reason
    assert where == "Stmt[1]/Ntry[2]"


def test_the_real_statements_keep_every_bound_and_their_columns_hold_their_values(realdata: Path) -> None:
    files = sorted((realdata / "camt053").glob("*.xml")) + sorted((realdata / "mt940").glob("*"))
    checked = 0
    for path in files:
        parser = CamtParser() if path.suffix == ".xml" else Mt940Parser()
        try:
            statements = parser.parse(path).statements
        except InputError:
            continue  # a file the parser refuses has no statements to check
        columns = EntryColumns.of(statements)
        assert entries_within(columns, statements), path.name
        listed = [entry for s in statements for entry in s.entries]
        assert columns.entries["amount"].to_pylist() == [entry.amount for entry in listed]
        assert columns.entries["direction"].to_pylist() == [entry.direction.value for entry in listed]
        found = [d for entry in listed for d in entry.details]
        references = [json.dumps(list(d.references), ensure_ascii=False) for d in found]
        assert columns.details["references"].to_pylist() == references
        checked += 1
    assert checked >= 20
