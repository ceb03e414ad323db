"""A run reads a day's obligations from the exports' columnar copies: exactly the register's current rows."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from sqlalchemy import Connection, Engine, delete, select

from adapters.db import arrow_copies, schema
from adapters.db.bulk import fetch_arrow
from adapters.db.engine import write_transaction
from adapters.db.files import FileFacts, record_file
from adapters.db.obligation_copies import OBLIGATIONS_WITH_FILE, export_versions, paid_by_export
from adapters.db.run_inputs import read_obligations
from adapters.db.stores import store_obligations
from reconcile.columns import OBLIGATIONS
from tests.integration.test_db_gateway_copies import decoded

DAY = dt.date(2026, 11, 26)


def exported(codes: list[str], *, paid_on: dt.date, amount: int = 50_000) -> pa.Table:
    """Obligations for ``codes``; every third one unpaid, the rest paid on ``paid_on``, with awkward text."""
    tricky = ["plain", 'quote " inside', "comma, and\nnewline", "Hà Nội ₫"]
    paid_at = dt.datetime.combine(paid_on, dt.time(23, 59, 59, 999999), tzinfo=dt.UTC) - dt.timedelta(hours=7)
    paid = [i % 3 != 0 for i in range(len(codes))]
    ts = OBLIGATIONS.field("issued_at").type
    return pa.table(
        {
            "payment_code": codes,
            "province_code": ["01"] * len(codes),
            "kind": ["fee"] * len(codes),
            "agency_code": [tricky[i % len(tricky)] for i in range(len(codes))],
            "procedure_code": [None if i % 2 else "CAP_SO_DO" for i in range(len(codes))],
            "amount_vnd": pa.array([amount + i for i in range(len(codes))], pa.int64()),
            "issued_at": pa.array([paid_at - dt.timedelta(days=3)] * len(codes), ts),
            "issued_date": pa.array([paid_on - dt.timedelta(days=3)] * len(codes), pa.date32()),
            "portal_status": ["paid" if p else "unpaid" for p in paid],
            "portal_txn_id": [f"T-{code}" if p else None for code, p in zip(codes, paid, strict=True)],
            "portal_paid_at": pa.array([paid_at if p else None for p in paid], ts),
            "portal_paid_date": pa.array([paid_on if p else None for p in paid], pa.date32()),
            "asset_class": pa.nulls(len(codes), pa.string()),
            "taxable_value_vnd": pa.nulls(len(codes), pa.int64()),
        },
        schema=OBLIGATIONS,
    )


def store(conn: Connection, name: str, table: pa.Table) -> int:
    facts = FileFacts(
        sha256=name.ljust(64, "0"), path=name, format="obligations", status="accepted", current=True
    )
    file_id = record_file(conn, facts)
    store_obligations(conn, file_id, table)
    return file_id


def from_rows(conn: Connection) -> pa.Table:
    """The register's current rows paid on the day (the way runs read before the copies)."""
    o = schema.obligations.c
    columns = [*(o[name] for name in OBLIGATIONS.names), o.file_id]
    return fetch_arrow(conn, select(*columns).where(o.portal_paid_date == DAY), OBLIGATIONS_WITH_FILE)


def by_code(table: pa.Table) -> pa.Table:
    return table.sort_by("payment_code")


def test_the_copies_give_a_run_the_current_obligations_of_its_day(migrated_engine: Engine) -> None:
    with write_transaction(migrated_engine) as conn:
        first = store(conn, "first", exported([f"A{i:03d}" for i in range(60)], paid_on=DAY))
        other_day = store(
            conn, "other", exported([f"B{i:03d}" for i in range(30)], paid_on=DAY + dt.timedelta(1))
        )
    with migrated_engine.connect() as conn:
        copied, rows = read_obligations(conn, DAY), from_rows(conn)
    assert rows.num_rows == 40
    assert set(copied.column("file_id").to_pylist()) == {first} != {other_day}
    assert decoded(by_code(copied)).equals(by_code(rows))


def test_codes_a_later_export_updated_are_read_as_the_register_holds_them(migrated_engine: Engine) -> None:
    with write_transaction(migrated_engine) as conn:
        store(conn, "first", exported([f"A{i:03d}" for i in range(60)], paid_on=DAY))
        # a later export moves five of them to the next day and changes the amount of five more
        store(conn, "moved", exported([f"A{i:03d}" for i in range(1, 6)], paid_on=DAY + dt.timedelta(1)))
        store(conn, "changed", exported([f"A{i:03d}" for i in range(10, 15)], paid_on=DAY, amount=70_000))
    with migrated_engine.connect() as conn:
        copied, rows = read_obligations(conn, DAY), from_rows(conn)
    assert decoded(by_code(copied)).equals(by_code(rows))
    assert "A002" not in copied.column("payment_code").to_pylist()
    changed = by_code(copied).filter(pa.compute.equal(by_code(copied).column("payment_code"), "A011"))
    assert changed.column("amount_vnd").to_pylist() == [70_001]


def test_an_export_without_a_copy_is_read_from_the_register(migrated_engine: Engine) -> None:
    with write_transaction(migrated_engine) as conn:
        old = store(conn, "old", exported([f"A{i:03d}" for i in range(20)], paid_on=DAY))
        conn.execute(delete(schema.obligation_copies).where(schema.obligation_copies.c.file_id == old))
        store(conn, "new", exported([f"C{i:03d}" for i in range(20)], paid_on=DAY))
    with migrated_engine.connect() as conn:
        copied, rows = read_obligations(conn, DAY), from_rows(conn)
    assert rows.num_rows == 26
    assert decoded(by_code(copied)).equals(by_code(rows))


def test_a_copy_stored_in_parts_reads_as_one_and_is_checked_as_one(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow_copies, "PART_ROWS", 7)
    codes = [f"A{i:03d}" for i in range(60)]
    # rows 40-59 are paid on the next day: the last parts hold nothing of DAY
    table = pa.concat_tables(
        [exported(codes[:40], paid_on=DAY), exported(codes[40:], paid_on=DAY + dt.timedelta(1))]
    )
    with write_transaction(migrated_engine) as conn:
        first = store(conn, "first", table)
        store(conn, "changed", exported([f"A{i:03d}" for i in range(20, 23)], paid_on=DAY, amount=70_000))
    with migrated_engine.connect() as conn:
        c = schema.obligation_copies.c
        parts = conn.execute(select(c.part).where(c.file_id == first).order_by(c.part)).scalars().all()
        copied, rows = read_obligations(conn, DAY), from_rows(conn)
    assert parts == list(range(9))  # 60 rows in parts of 7
    assert rows.num_rows > 0
    assert decoded(by_code(copied)).equals(by_code(rows))
    changed = by_code(copied).filter(pa.compute.equal(by_code(copied).column("payment_code"), "A021"))
    assert changed.column("amount_vnd").to_pylist() == [70_001]


def test_the_register_holds_the_newest_version_of_each_code_whatever_the_order(
    migrated_engine: Engine,
) -> None:
    """Codes out of order, and repeated within an export (the parser refuses that, storing does
    not rely on it) and across exports: the last version of each is the register's row."""
    codes = ["Z9", "A1", "M5", "A1", "B2", "Z9"]
    export = exported(codes, paid_on=DAY)
    later = exported(["M5", "C3"], paid_on=DAY, amount=90_000)
    with write_transaction(migrated_engine) as conn:
        first = store(conn, "repeats", export)
        second = store(conn, "later", later)
    o = schema.obligations.c
    with migrated_engine.connect() as conn:
        register = {
            row.payment_code: (row.amount_vnd, row.file_id)
            for row in conn.execute(select(o.payment_code, o.amount_vnd, o.file_id))
        }
        kept = export_versions(conn, first)
    versions = list(zip(kept["payment_code"].to_pylist(), kept["amount_vnd"].to_pylist(), strict=True))
    assert versions == list(zip(codes, range(50_000, 50_006), strict=True))  # every row kept, in order
    assert register == {
        "A1": (50_003, first),
        "B2": (50_004, first),
        "Z9": (50_005, first),
        "M5": (90_000, second),
        "C3": (90_001, second),
    }


def test_a_run_counts_its_day_by_export_from_the_register_s_index_alone(
    migrated_sqlite_engine: Engine,
) -> None:
    """The count that decides which copies a run trusts reads no row of the register (SQLite's plan)."""
    with write_transaction(migrated_sqlite_engine) as conn:
        first = store(conn, "first", exported([f"A{i:03d}" for i in range(30)], paid_on=DAY))
        second = store(conn, "second", exported([f"B{i:03d}" for i in range(9)], paid_on=DAY))
    statement = paid_by_export(DAY)
    with migrated_sqlite_engine.connect() as conn:
        counted = {file_id: count for file_id, count in conn.execute(statement)}
        compiled = statement.compile(migrated_sqlite_engine, compile_kwargs={"literal_binds": True})
        plan = " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert counted == {first: 20, second: 6}
    assert "USING COVERING INDEX ix_obligations_portal_paid_date_file_id" in plan
