"""The edges of the bounds, the totals across files, and the catch-all, on SQLite and PostgreSQL.

A value exactly at a bound (an 18-digit amount, 1900-01-01 and 2199-12-31,
text as long as its column) is accepted and stored exactly; a file whose
own totals fit but which would take a stored total beyond ``int64`` is
rejected, so that no later run fails on a sum; and an exception that no
rule foresaw, while reading or while storing, is that file's rejection,
its transaction rolled back, while the other files of the call are stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from test_ingest_bad_input import (
    Contents,
    assert_accepted,
    companion,
    contents,
    file_rows,
    gateway_table,
    ingest_beside,
    settings,
    write,
)
from test_ingest_hostile import COMPANION, GW, OBL, STA, VI, XML, Hostile, run_completes

from adapters.bootstrap import file_formats
from adapters.db import schema
from adapters.db.engine import write_transaction
from adapters.formats.base import Parser
from adapters.formats.registry import FileFormats, parsers_for
from adapters.ingest import database_unavailable, ingest_files
from reconcile.records import Parsed

BIG = 999_999_999_999_999_999
SIX_BIG = Hostile("gateway", changes={"amount_vnd": str(BIG)}, rows=6, everywhere=True)


def stored(engine: Engine, column: object, where: object = None) -> list[object]:
    query = select(column)
    if where is not None:
        query = query.where(where)
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(column)).scalars())


EDGES = [
    pytest.param(
        GW(changes={"amount_vnd": str(BIG)}, rows=1, at=1),
        Contents(gateway_txns=1, gateway_vnd=BIG),
        (schema.gateway_txns.c.amount_vnd, [BIG]),
        id="gateway-amount-of-18-nines",
    ),
    pytest.param(
        GW(changes={"txn_id": "T" * 128}, rows=1, at=1),
        Contents(gateway_txns=1, gateway_vnd=75000),
        (schema.gateway_txns.c.txn_id, ["T" * 128]),
        id="gateway-txn-id-of-128-characters",
    ),
    pytest.param(
        GW(changes={"txn_id": "đ" * 128}, rows=1, at=1),
        Contents(gateway_txns=1, gateway_vnd=75000),
        (schema.gateway_txns.c.txn_id, ["đ" * 128]),
        id="gateway-txn-id-of-128-vietnamese-letters",
    ),
    pytest.param(
        GW(changes={"settlement_date": "2199-12-31"}, rows=1, at=1),
        Contents(gateway_txns=1, gateway_vnd=75000),
        (schema.gateway_txns.c.settlement_date, [dt.date(2199, 12, 31)]),
        id="gateway-settlement-on-2199-12-31",
    ),
    pytest.param(
        GW(edit=("\n", "\r")),
        Contents(gateway_txns=2, gateway_vnd=150000),
        (schema.gateway_txns.c.line, [2, 3]),
        id="gateway-file-with-cr-only-line-ends",
    ),
    pytest.param(
        VI(changes={"Số tiền": "999.999.999.999.999.999"}, rows=1, at=1),
        Contents(gateway_txns=1, gateway_vnd=BIG),
        (schema.gateway_txns.c.amount_vnd, [BIG]),
        id="layout-grouped-amount-of-18-nines",
    ),
    pytest.param(
        OBL(changes={"issued_at": "1900-01-01T00:00:00+07:00"}, rows=1, at=1),
        Contents(obligations=1, obligation_versions=1, obligations_vnd=75000),
        (schema.obligations.c.issued_date, [dt.date(1900, 1, 1)]),
        id="obligation-issued-on-1900-01-01",
    ),
    pytest.param(
        OBL(changes={"issued_at": "2199-12-31T23:59:59+07:00"}, rows=1, at=1),
        Contents(obligations=1, obligation_versions=1, obligations_vnd=75000),
        (schema.obligations.c.issued_date, [dt.date(2199, 12, 31)]),
        id="obligation-issued-on-2199-12-31",
    ),
    pytest.param(
        XML(
            changes={"amount": str(BIG), "detail": str(BIG)},
            rows=1,
            at=1,
            statement={"opening": "0", "closing": str(BIG)},
        ),
        Contents(bank_statements=1, bank_entries=1, bank_minor=BIG, bank_entry_details=1),
        (schema.bank_entries.c.amount, [BIG]),
        id="camt-amount-of-18-nines",
    ),
    pytest.param(
        STA(changes={"amount": f"{BIG},"}, rows=1, at=1, statement={"opening": "0,", "closing": f"{BIG},"}),
        Contents(bank_statements=1, bank_entries=1, bank_minor=BIG),
        (schema.bank_entries.c.amount, [BIG]),
        id="mt940-amount-of-18-nines",
    ),
]


@pytest.mark.parametrize(("edge", "adds", "expected"), EDGES)
def test_a_value_exactly_at_a_bound_is_accepted_and_stored_exactly(
    migrated_engine: Engine,
    tmp_path: Path,
    edge: Hostile,
    adds: Contents,
    expected: tuple[object, list[object]],
) -> None:
    good = companion(COMPANION[edge.format], tmp_path)
    name, data = edge.render()
    edge_file = write(tmp_path, name, data)

    outcome = ingest_beside(migrated_engine, good, edge_file)

    assert_accepted(migrated_engine, good, outcome, adds=adds)
    column, values = expected
    assert stored(migrated_engine, column) == values
    run_completes(migrated_engine)


@pytest.mark.parametrize(
    ("first", "second", "reason", "kept"),
    [
        pytest.param(
            SIX_BIG,
            Hostile(
                "gateway", changes={"amount_vnd": str(BIG), "txn_id": "H79-{n}"}, rows=6, everywhere=True
            ),
            "its amount_vnd (5999999999999999994) would take the total of gateway_txns.amount_vnd already "
            "stored (5999999999999999994) beyond what a 64-bit integer holds",
            Contents(gateway_txns=6, gateway_vnd=6 * BIG),
            id="gateway-amounts",
        ),
        pytest.param(
            Hostile("obligations", changes={"amount_vnd": str(BIG)}, rows=6, everywhere=True),
            Hostile(
                "obligations",
                changes={"amount_vnd": str(BIG), "payment_code": "HS-80-{n}"},
                rows=6,
                everywhere=True,
            ),
            "total of obligations.amount_vnd already stored (5999999999999999994) beyond",
            Contents(obligations=6, obligation_versions=6, obligations_vnd=6 * BIG),
            id="obligation-amounts",
        ),
        pytest.param(
            Hostile("camt", changes={"amount": str(BIG), "detail": str(BIG)}, rows=6, everywhere=True),
            Hostile(
                "camt",
                changes={"amount": str(BIG), "detail": str(BIG), "bank_ref": "KBNN-80-{n}"},
                rows=6,
                everywhere=True,
                statement={"stmt_id": "KBNN-79-20261126"},
            ),
            "total of bank_entries.amount already stored (5999999999999999994) beyond",
            Contents(bank_statements=1, bank_entries=6, bank_minor=6 * BIG, bank_entry_details=6),
            id="bank-credits",
        ),
    ],
)
def test_a_file_that_would_take_a_stored_total_beyond_int64_is_rejected_and_runs_still_work(
    migrated_engine: Engine, tmp_path: Path, first: Hostile, second: Hostile, reason: str, kept: Contents
) -> None:
    paths = []
    for number, hostile in enumerate((first, second), start=1):
        name, data = hostile.render()
        folder = tmp_path / str(number)
        folder.mkdir()
        paths.append(write(folder, name, data))

    accepted, rejected = ingest_files(paths, file_formats(settings()), migrated_engine)

    assert accepted.status == "accepted", accepted
    assert rejected.status == "rejected"
    assert rejected.error is not None
    assert re.match(re.escape(f"{paths[1].name}: its "), rejected.error), rejected.error
    assert reason in rejected.error
    assert contents(migrated_engine) == kept
    assert file_rows(migrated_engine) == {
        paths[0].name: ("accepted", None),
        paths[1].name: ("rejected", rejected.error),
    }
    run_completes(migrated_engine)


class FaultyParser:
    """A parser with a fault no rule foresaw: it claims ``*.faulty`` files and fails on them."""

    name = "faulty"

    def identify(self, path: Path, head: bytes) -> bool:
        return path.suffix == ".faulty"

    def parse(self, path: Path) -> Parsed:
        found: Parsed = {}["no such key"]
        return found


class UnstorableParser:
    """Claims ``*.unstorable`` files and returns a gateway table the database refuses (no amount)."""

    name = "unstorable"

    def identify(self, path: Path, head: bytes) -> bool:
        return path.suffix == ".unstorable"

    def parse(self, path: Path) -> Parsed:
        table = gateway_table(("U1", "HS-U1", 75000), ("U2", "HS-U2", 80000))
        amounts = pa.array([75000, None], pa.int64())
        table = table.set_column(table.schema.get_field_index("amount_vnd"), "amount_vnd", amounts)
        return Parsed(format="unstorable", table=table, identity="gateway:vnpay:2026-11-25..2026-11-26")


#: The parser, the start of the error, and a word the database's own reason must carry.
CATCH_ALL: Mapping[str, tuple[Parser, str, str]] = {
    "while-reading": (FaultyParser(), "could not read the file: unexpected KeyError ('no such key')", ""),
    # SQLAlchemy's IntegrityError on SQLite, psycopg's NotNullViolation from PostgreSQL's COPY
    "while-storing": (UnstorableParser(), "could not store the file: unexpected ", "amount_vnd"),
}


@pytest.mark.parametrize("moment", list(CATCH_ALL))
def test_an_unforeseen_exception_rejects_only_its_file_and_rolls_its_transaction_back(
    migrated_engine: Engine, tmp_path: Path, moment: str
) -> None:
    parser, reason, word = CATCH_ALL[moment]
    before = companion("obligations", tmp_path)
    after = companion("camt", tmp_path)
    bad = write(tmp_path, f"broken.{parser.name}", b"whatever the bytes\n")

    outcomes = ingest_files(
        [before.path, bad, after.path],
        FileFormats((parser, *parsers_for(settings().layouts))),
        migrated_engine,
    )

    assert [outcome.status for outcome in outcomes] == ["accepted", "rejected", "accepted"]
    error = outcomes[1].error
    assert error is not None
    assert error.startswith(f"{bad.name}: {reason}"), error
    assert word in error
    assert error.endswith("; nothing of it was stored")
    assert file_rows(migrated_engine) == {
        before.path.name: ("accepted", None),
        bad.name: ("rejected", error),
        after.path.name: ("accepted", None),
    }
    assert contents(migrated_engine) == before.contents + after.contents  # nothing of the bad file
    with migrated_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.files)).scalar_one() == 3
    run_completes(migrated_engine)


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (OperationalError("INSERT …", {}, Exception("database is locked")), True),
        (psycopg.OperationalError("connection to server lost"), True),
        (psycopg.InterfaceError("the connection is closed"), True),
        (IntegrityError("INSERT …", {}, Exception("NOT NULL constraint failed")), False),
        (psycopg.errors.NotNullViolation("null value in column"), False),
        (psycopg.errors.StringDataRightTruncation("value too long"), False),
        (KeyError("no such key"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_only_an_unreachable_or_busy_database_is_no_fault_of_the_file(
    error: Exception, unavailable: bool
) -> None:
    assert database_unavailable(error) is unavailable


def test_a_database_already_beyond_int64_from_before_the_check_still_takes_new_files(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    payoo = Hostile("gateway", changes={"amount_vnd": str(BIG), "gateway": "payoo"}, rows=6, everywhere=True)
    name, data = payoo.render()
    assert [
        o.status
        for o in ingest_files([write(tmp_path, name, data)], file_formats(settings()), migrated_engine)
    ] == ["accepted"]
    txns = schema.gateway_txns
    with write_transaction(migrated_engine) as conn:  # rows stored before the check existed
        rows = conn.execute(select(txns)).mappings().all()
        copies = [
            {**{k: v for k, v in row.items() if k != "id"}, "txn_id": f"OLD-{row['txn_id']}"} for row in rows
        ]
        conn.execute(insert(txns), copies)
    good = companion("gateway", tmp_path)

    (outcome,) = ingest_files([good.path], file_formats(settings()), migrated_engine)

    assert (outcome.status, outcome.error) == ("accepted", None)
    assert len(stored(migrated_engine, txns.c.txn_id)) == 6 + 6 + 3
