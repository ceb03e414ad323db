"""Migration 0009_bank_refs: a database with bank entries gains the owner reference and purpose columns.

The entries stored before it keep every value and have neither reference
(NULL), on SQLite and PostgreSQL; migrating down and up again loses nothing
else.
"""

from __future__ import annotations

import datetime as dt

from db_fixtures import migrate_to, revision_before
from sqlalchemy import Engine, MetaData, Table, insert, inspect, select

from adapters.db.engine import head_revision, migrate

REVISION = "0009_bank_refs"


BEFORE = revision_before(REVISION)


def _store_an_entry(engine: Engine) -> None:
    tables = MetaData()
    files, statements, entries = (
        Table(name, tables, autoload_with=engine) for name in ("files", "bank_statements", "bank_entries")
    )
    day = dt.date(2026, 11, 25)
    with engine.begin() as conn:
        file_id = conn.execute(
            insert(files)
            .values(
                sha256="a" * 64,
                path="kbnn.sta",
                format="mt940",
                status="accepted",
                version=1,
                current=True,
                ingested_at=dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC),
            )
            .returning(files.c.id)
        ).scalar_one()
        statement_id = conn.execute(
            insert(statements)
            .values(
                file_id=file_id,
                identity="statement:7111010000001:S1:1",
                statement_id="S1",
                account="7111010000001",
                current=True,
                version=1,
                content_sha256="b" * 64,
            )
            .returning(statements.c.id)
        ).scalar_one()
        conn.execute(
            insert(entries).values(
                statement_row_id=statement_id,
                account="7111010000001",
                currency="VND",
                direction="CRDT",
                amount=500_000,
                booking_date=day,
                value_date=day,
                reversal=False,
                status="BOOK",
                bank_ref="VCB001",
                end_to_end_id="VNP-B1",
                remittance="EREF+VNP-B1",
                charges=0,
                position="line 5",
            )
        )


def _entries(engine: Engine) -> list[dict[str, object]]:
    table = Table("bank_entries", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table))]


def test_entries_stored_before_the_migration_keep_their_values_and_have_no_owner_reference(
    engine: Engine,
) -> None:
    migrate_to(engine, BEFORE)
    _store_an_entry(engine)
    [before] = _entries(engine)

    migrate_to(engine, REVISION)

    [after] = _entries(engine)
    assert (after.pop("owner_ref"), after.pop("purpose")) == (None, None)
    assert after == before
    assert migrate(engine) == (REVISION, head_revision())


def test_the_migration_goes_down_and_up_again(engine: Engine) -> None:
    migrate_to(engine, BEFORE)
    _store_an_entry(engine)
    migrate_to(engine, REVISION)

    migrate_to(engine, BEFORE, down=True)
    columns = {column["name"] for column in inspect(engine).get_columns("bank_entries")}
    assert {"owner_ref", "purpose"}.isdisjoint(columns)
    assert [row["bank_ref"] for row in _entries(engine)] == ["VCB001"]

    migrate(engine)
    assert {"owner_ref", "purpose"} <= {
        column["name"] for column in inspect(engine).get_columns("bank_entries")
    }
