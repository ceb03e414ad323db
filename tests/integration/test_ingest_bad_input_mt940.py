"""Bad MT940 statements through ingestion, each beside a good MT940 statement of another account.

The bad file starts as a good statement for Hồ Chí Minh City's treasury
account (one credit of 300,000 đồng on line 5), written by the product's
MT940 writer, with one thing broken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from test_ingest_bad_input import (
    SQLITE,
    Contents,
    assert_accepted,
    assert_rejected,
    bank_statement,
    companion,
    ingest_beside,
    on_backends,
    sqlite_only,
    write,
)

from adapters.db import schema
from adapters.formats.mt940_writer import render_mt940

BAD_NAME = "kbnn_hcm_20261125.sta"
STATEMENT = "KBNN7920261125"
CREDIT = 300000
ITS_ROWS = Contents(bank_statements=1, bank_entries=1, bank_minor=CREDIT)
Lines = list[str]


def mt940_lines() -> Lines:
    """``:20:``, ``:25:``, ``:28C:``, ``:60F:``, ``:61:`` (line 5), ``:86:``, ``:62F:``, ``-``."""
    lines = render_mt940([bank_statement(STATEMENT, [CREDIT], account="7111790000001")]).split("\r\n")
    assert lines[4].startswith(":61:2611251125C300000,")
    return lines


def joined(lines: Lines, encoding: str = "utf-8") -> bytes:
    return "\r\n".join(lines).encode(encoding)


def replaced(old: str, new: str) -> Callable[[Lines], Lines]:
    return lambda lines: [line.replace(old, new) for line in lines]


def without(tag: str) -> Callable[[Lines], Lines]:
    return lambda lines: [line for line in lines if not line.startswith(tag)]


REJECTED = [
    pytest.param(
        without(":62F:"),
        "line 1",
        f"MT940 statement {STATEMENT} has no closing balance (:62F:)",
        id="no-closing-balance",
    ),
    pytest.param(
        lambda lines: lines[:5],
        "line 1",
        f"MT940 statement {STATEMENT} has no closing balance (:62F:)",
        id="truncated-after-an-entry",
    ),
    pytest.param(
        without(":60F:"),
        "line 1",
        f"MT940 statement {STATEMENT} has no opening balance (:60F:)",
        id="no-opening-balance",
    ),
    pytest.param(
        replaced("C300000,", "C300.000,"),
        "line 5",
        "amount in '2611251125C300.000,NTRFNONREF//KBNN7920261125-1' is not readable",
        id="amount-grouped-with-dots",
    ),
    pytest.param(
        replaced("C300000,", "C300000,5"),
        "line 5",
        "more decimal digits than VND allows",
        id="fractional-vnd",
    ),
    pytest.param(
        replaced("C300000,", "C-300000,"),
        "line 5",
        "amount in '2611251125C-300000,NTRFNONREF//KBNN7920261125-1' is not readable",
        id="negative-amount",
    ),
    pytest.param(
        replaced(":61:261125", ":61:260230"),
        "line 5",
        ":61: value date '260230' is not a valid YYMMDD date",
        id="impossible-value-date",
    ),
    pytest.param(
        replaced(":62F:C261125", ":62F:C261131"),
        "line 7",
        ":62F: date '261131' is not a valid YYMMDD date",
        id="impossible-balance-date",
    ),
    pytest.param(
        replaced("1125C300000,", "1125X300000,"),
        "line 5",
        "debit/credit mark (C, D, RC, RD, EC, ED)",
        id="no-debit-credit-mark",
    ),
    pytest.param(
        replaced(":62F:C261125VND", ":62F:C261125USD"),
        "line 7",
        "closing balance currency USD differs from the statement currency VND",
        id="closing-balance-in-another-currency",
    ),
    pytest.param(
        replaced("C300000,", "C3E+05,"),
        "line 5",
        "is not readable",
        id="exponent-amount",
    ),
    pytest.param(
        lambda lines: [*lines[:8], ":2O:KBNN7920261126", *lines[1:8]],
        "line 9",
        "starts with :2O:, which is no MT940 field",
        id="second-statement-with-a-mistyped-20",
    ),
    pytest.param(
        lambda lines: [*lines[:8], *lines[1:8]],
        "line 9",
        "field :25: stands outside any statement: no :20: opens it",
        id="second-statement-without-its-20",
    ),
    pytest.param(
        replaced("C300000,", "C300.000"),
        "line 5",
        "amount '300.000' has 3 digits after '.', more than VND has",
        id="amount-with-a-dot-that-may-group-thousands",
    ),
]


@pytest.mark.parametrize(
    ("engine", "change", "where", "reason"),
    on_backends(
        REJECTED,
        postgres={"no-closing-balance", "truncated-after-an-entry", "second-statement-with-a-mistyped-20"},
    ),
    indirect=["engine"],
)
def test_a_bad_mt940_statement_is_rejected_and_the_good_one_is_kept(
    migrated_engine: Engine,
    tmp_path: Path,
    change: Callable[[Lines], Lines],
    where: str,
    reason: str,
) -> None:
    good = companion("mt940", tmp_path)
    bad = write(tmp_path, BAD_NAME, joined(change(mt940_lines())))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_rejected(migrated_engine, good, outcome, where=where, reason=reason)


def test_binary_bytes_after_a_statement_tag_are_rejected(migrated_engine: Engine, tmp_path: Path) -> None:
    good = companion("mt940", tmp_path)
    bad = write(tmp_path, BAD_NAME, b":20:" + STATEMENT.encode() + b"\r\n" + bytes(range(256)) * 8)

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_rejected(migrated_engine, good, outcome, where=None, reason="binary content")


# Accepted: odd but readable


def its_entries(engine: Engine) -> list[tuple[int, str, dt.date | None, dt.date | None]]:
    e = schema.bank_entries.c
    query = (
        select(e.amount, e.currency, e.booking_date, e.value_date)
        .where(e.account == "7111790000001")
        .order_by(e.id)
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


DAY = dt.date(2026, 11, 25)


def test_a_utf16_statement_is_read_to_the_dong(migrated_engine: Engine, tmp_path: Path) -> None:
    good = companion("mt940", tmp_path)
    bad = write(tmp_path, BAD_NAME, joined(mt940_lines(), "utf-16"))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS)
    assert its_entries(migrated_engine) == [(CREDIT, "VND", DAY, DAY)]


def test_a_balance_that_does_not_add_up_is_accepted_with_a_warning(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    good = companion("mt940", tmp_path)
    bad = write(tmp_path, BAD_NAME, joined(replaced("VND1300000,", "VND1300001,")(mt940_lines())))

    outcome = ingest_beside(migrated_engine, good, bad)

    warning = (
        f"line 1: balance continuity broken for account 7111790000001 statement {STATEMENT}: "
        "opening 1000000 + entries 300000 ≠ closing 1300001 (difference -1 minor units of VND)"
    )
    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS, warnings=(warning,))


@sqlite_only
def test_a_value_date_before_the_entry_date_is_accepted_with_a_warning(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    good = companion("mt940", tmp_path)
    bad = write(tmp_path, BAD_NAME, joined(replaced(":61:2611251125", ":61:2611241125")(mt940_lines())))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert its_entries(migrated_engine) == [(CREDIT, "VND", DAY, DAY - dt.timedelta(days=1))]
    warning = "line 5: value date 2026-11-24 is before booking date 2026-11-25"
    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS, warnings=(warning,))


@sqlite_only
def test_balances_in_two_currencies_are_named_in_the_message(migrated_engine: Engine, tmp_path: Path) -> None:
    good = companion("mt940", tmp_path)
    bad = write(tmp_path, BAD_NAME, joined(replaced(":62F:C261125VND", ":62F:C261125USD")(mt940_lines())))

    outcome = ingest_beside(migrated_engine, good, bad)

    message = outcome.error or " ".join(outcome.warnings)
    assert outcome.status in ("accepted", "rejected")
    assert message.startswith(f"{BAD_NAME}, line ")
    assert "USD" in message
    assert "VND" in message


@pytest.mark.parametrize(
    ("engine", "dialect"),
    [
        pytest.param("sqlite", "funds-code-and-dot", id="sqlite-funds-code-and-dot"),
        pytest.param(
            "postgresql", "funds-code-and-dot", id="postgresql-funds-code-and-dot", marks=pytest.mark.postgres
        ),
        pytest.param("sqlite", "wrapped-sequence-and-lf", id="sqlite-wrapped-sequence-and-lf"),
    ],
    indirect=["engine"],
)
def test_a_statement_in_a_banks_dialect_is_stored_to_the_dong(
    migrated_engine: Engine, tmp_path: Path, dialect: str
) -> None:
    lines = mt940_lines()
    if dialect == "funds-code-and-dot":
        lines = [
            line.replace("1125C300000,", "1125CD300000.00").replace("VND1000000,", "VND1000000.00")
            for line in lines
        ]
    else:
        lines = [*lines[:2], lines[2][:-1], lines[2][-1:], *lines[3:]]
    good = companion("mt940", tmp_path)
    bad = write(
        tmp_path, BAD_NAME, "\n".join(lines).encode() if dialect != "funds-code-and-dot" else joined(lines)
    )

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS)
    assert its_entries(migrated_engine) == [(CREDIT, "VND", DAY, DAY)]
    s = schema.bank_statements.c
    with migrated_engine.connect() as conn:
        sequence = conn.execute(select(s.sequence).where(s.account == "7111790000001")).scalar_one()
    assert sequence == "1"


@pytest.mark.parametrize(
    "engine", [SQLITE, pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_statement_without_entries_totals_zero_in_its_currency(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    lines = [line for line in mt940_lines() if not line.startswith((":61:", ":86:"))]
    lines = [line.replace("VND1300000,", "VND1000000,") for line in lines]
    good = companion("mt940", tmp_path)
    bad = write(tmp_path, BAD_NAME, joined(lines))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert (outcome.status, outcome.statements, outcome.entries) == ("accepted", 1, 0)
    assert outcome.totals == {"VND": {"credit": 0, "debit": 0}}
    assert_accepted(migrated_engine, good, outcome, adds=Contents(bank_statements=1))
