"""The schema: migrations from empty, idempotent, matching the metadata; reference data loaded."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, Table, func, insert, inspect, select, text
from sqlalchemy.dialects import postgresql

from adapters.db import schema
from adapters.db.engine import (
    alembic_config,
    create_engine_for,
    head_revision,
    migrate,
    require_schema,
    write_transaction,
)
from adapters.db.meta import metadata
from adapters.db.reference import (
    business_calendar,
    fee_schedule_table,
    fixtures_dir,
    load_reference_data,
    province_merges,
    provinces_table,
    tax_rates_table,
)
from reconcile.errors import StorageError

INPUT_TABLES = {
    "files",
    "obligations",
    "obligation_history",
    "gateway_txns",
    "bank_statements",
    "bank_entries",
    "bank_entry_details",
    "provinces",
    "province_merges",
    "registration_tax_rates",
    "fee_schedule",
    "holidays",
}


REFERENCE_TABLES = (
    schema.provinces,
    schema.province_merges,
    schema.registration_tax_rates,
    schema.fee_schedule,
    schema.holidays,
)


def _table_name(item: tuple[Any, ...]) -> str:
    """The table an autogenerate difference is about (("add_index", Index), ("modify_type", s, t, ...))."""
    subject = item[1]
    if isinstance(subject, Table):
        return str(subject.name)
    if hasattr(subject, "table"):
        return str(subject.table.name)
    return str(item[2])


def _csv_rows(name: str) -> list[dict[str, str]]:
    with (fixtures_dir() / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_an_empty_database_is_refused_until_recon_init_has_run(engine: Engine) -> None:
    with pytest.raises(StorageError, match=r"database not initialised: run `recon init`"):
        require_schema(engine)


def test_migrations_create_every_input_table_from_an_empty_database(engine: Engine) -> None:
    before, after = migrate(engine)
    assert before is None
    assert after == head_revision()
    assert set(inspect(engine).get_table_names()) >= INPUT_TABLES
    require_schema(engine)


def test_migrating_again_changes_nothing(engine: Engine) -> None:
    migrate(engine)
    tables = sorted(inspect(engine).get_table_names())
    before, after = migrate(engine)
    assert before == after == head_revision()
    assert sorted(inspect(engine).get_table_names()) == tables


def test_the_migrated_input_tables_match_the_metadata(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )

    flat = [item for diff in differences for item in (diff if isinstance(diff, list) else [diff])]
    assert [item for item in flat if _table_name(item) in INPUT_TABLES] == []


def _identifier_columns() -> set[tuple[str, str]]:
    """The (table, column) pairs the metadata declares with :func:`adapters.db.meta.identifier`."""
    return {
        (table.name, column.name)
        for table in metadata.tables.values()
        for column in table.columns
        if getattr(column.type.dialect_impl(postgresql.dialect()), "collation", None) == "C"
    }


@pytest.mark.postgres
def test_identifier_columns_collate_by_their_bytes_on_postgresql(postgres_engine: Engine) -> None:
    migrate(postgres_engine)
    query = text(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND collation_name = 'C'"
    )
    with postgres_engine.connect() as conn:
        collated = {(row.table_name, row.column_name) for row in conn.execute(query)}
        codes = ["a-1", "B2", "a1", "A-1", "b2"]
        conn.execute(insert(schema.obligations), [_obligation(code) for code in codes])
        ordered = conn.execute(select(schema.obligations.c.payment_code).order_by("payment_code")).scalars()
        assert list(ordered) == sorted(codes, key=str.encode)

    assert ("obligations", "payment_code") in collated
    assert ("gateway_txns", "txn_id") in collated
    assert collated == _identifier_columns()


def _obligation(code: str) -> dict[str, object]:
    return {"payment_code": code, "kind": "fee", "amount_vnd": 1, "portal_status": "unpaid", "file_id": 1}


def _pages(engine: Engine) -> tuple[int, str]:
    with engine.connect() as conn:
        size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        return size, conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()


def test_a_new_sqlite_database_has_large_pages_and_an_existing_one_keeps_its_own(tmp_path: Path) -> None:
    new = create_engine_for(f"sqlite:///{tmp_path / 'new.db'}")
    migrate(new)
    with sqlite3.connect(tmp_path / "old.db") as created_elsewhere:  # SQLite's default pages
        created_elsewhere.execute("PRAGMA page_size = 4096")
        created_elsewhere.execute("CREATE TABLE notes (text TEXT)")
    old = create_engine_for(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(old)

    assert _pages(new) == (65_536, "wal")
    assert _pages(old) == (4096, "wal")  # a database keeps the page size it was made with
    require_schema(old)
    new.dispose()
    old.dispose()


def test_reference_data_loads_every_province_and_the_active_ones(migrated_engine: Engine) -> None:
    rows = _csv_rows("provinces.csv")
    with migrated_engine.connect() as conn:
        provinces = provinces_table(conn)
    assert provinces.num_rows == len(rows) == 63
    assert sum(provinces["active"].to_pylist()) == sum(r["active"] == "true" for r in rows) == 54
    assert (
        dict(zip(provinces["code"].to_pylist(), provinces["name"].to_pylist(), strict=True))["01"] == "Hà Nội"
    )


def test_loading_the_reference_data_again_leaves_the_same_rows(migrated_engine: Engine) -> None:
    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        with migrated_engine.connect() as conn:
            return {
                table.name: sorted(tuple(row) for row in conn.execute(select(table)))
                for table in REFERENCE_TABLES
            }

    first = snapshot()
    with write_transaction(migrated_engine) as conn:
        counts = load_reference_data(conn)
    assert snapshot() == first
    assert counts["provinces"] == len(first["provinces"])


def test_rates_fees_holidays_and_merges_come_back_exactly_as_the_files_say(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as conn:
        rates = tax_rates_table(conn)
        fees = fee_schedule_table(conn)
        online = fee_schedule_table(conn, channel="online")
        calendar = business_calendar(conn)
        merges = province_merges(conn)
        holidays = conn.execute(select(func.count()).select_from(schema.holidays)).scalar_one()
    expected_rates = sorted(
        (r["province_code"], r["asset_class"], r["valid_from"], r["rate"])
        for r in _csv_rows("registration_tax_rates.csv")
    )
    stored_rates = sorted(
        (row["province_code"], row["asset_class"], row["valid_from"].isoformat(), row["rate"])
        for row in rates.to_pylist()
    )
    assert [r[:3] for r in stored_rates] == [r[:3] for r in expected_rates]
    assert [Decimal(r[3]) for r in stored_rates] == [Decimal(r[3]) for r in expected_rates]
    assert fees.num_rows == len(_csv_rows("fee_schedule.csv"))
    assert fees.schema.field("amount_vnd").type == "int64"
    assert holidays == len(calendar.holidays) + len(calendar.working_days) == len(_csv_rows("holidays.csv"))
    assert online.num_rows == sum(r["channel"] == "online" for r in _csv_rows("fee_schedule.csv"))
    assert set(online.column("channel").to_pylist()) == {"online"}
    assert merges == {r["old_code"]: r["new_code"] for r in _csv_rows("province_merges.csv")}


def test_a_swapped_saturday_is_a_business_day_and_its_swapped_monday_is_not(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as conn:
        calendar = business_calendar(conn)
    assert calendar.is_business_day(dt.date(2026, 8, 22))  # làm bù, a Saturday
    assert not calendar.is_business_day(dt.date(2026, 8, 31))  # nghỉ hoán đổi, a Monday
    assert calendar.add(dt.date(2026, 8, 28), 1) == dt.date(2026, 9, 3)


def test_a_database_at_0006_keeps_its_fees_as_online_and_its_holidays_as_holidays(engine: Engine) -> None:
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0006_gateway_copies")
        conn.execute(
            text(
                "INSERT INTO fee_schedule (province_code, procedure_code, valid_from, kind, amount_vnd)"
                " VALUES ('79', 'CAP_SO_DO', '2022-01-01', 'charge', 100000)"
            )
        )
        conn.execute(text("INSERT INTO holidays (date, name) VALUES ('2026-09-02', 'Quốc khánh')"))
        conn.commit()
    migrate(engine)
    with engine.connect() as conn:
        fees = fee_schedule_table(conn, channel="online").to_pylist()
        calendar = business_calendar(conn)
    assert [(f["province_code"], f["amount_vnd"], f["channel"]) for f in fees] == [("79", 100000, "online")]
    assert calendar.holidays == {dt.date(2026, 9, 2)}
    with write_transaction(engine) as conn:  # online and counter rows of one key now coexist
        load_reference_data(conn)
