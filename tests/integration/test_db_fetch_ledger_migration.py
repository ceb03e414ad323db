"""Migration 0011_ledger on SQLite and PostgreSQL: an existing fetch ledger keeps its rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from db_fixtures import migrate_to
from sqlalchemy import Engine, insert, select, text

from adapters.db.engine import migrate, write_transaction
from adapters.db.meta import metadata
from adapters.db.ops_tables import fetched_files

FETCHED = dt.datetime(2026, 11, 25, 1, 30, tzinfo=dt.UTC)


def _table_name(item: tuple[Any, ...]) -> str:
    subject = item[1]
    return str(getattr(subject, "name", None) or getattr(getattr(subject, "table", None), "name", item[2]))


def test_an_existing_fetch_ledger_is_migrated_with_its_rows_and_takes_claims(engine: Engine) -> None:
    migrate_to(engine, "0006_gateway_copies")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO fetched_files (source, remote_name, size, mtime, sha256, local_path, fetched_at,"
                " ingested_at, ingest_status) VALUES ('bank', 'a.csv', 5, 1764000000, :sha,"
                " 'recon-data/inbox/bank/a.csv', :at, :at, 'accepted')"
            ),
            {"sha": "a" * 64, "at": FETCHED},
        )

    migrate(engine)

    c = fetched_files.c
    with write_transaction(engine) as conn:
        conn.execute(
            insert(fetched_files).values(
                source="bank",
                remote_name="a.csv",
                size=6,
                mtime=1764000100,
                local_path="",
                fetched_at=FETCHED,
            )
        )
        columns = (c.remote_name, c.size, c.sha256, c.local_path, c.ingest_status, c.ingest_attempts)
        rows = conn.execute(select(*columns).order_by(c.id)).all()
    assert [tuple(r) for r in rows] == [
        ("a.csv", 5, "a" * 64, "recon-data/inbox/bank/a.csv", "accepted", 0),
        ("a.csv", 6, None, "", None, 0),  # a claim: its download not complete yet
    ]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    flat = [item for diff in differences for item in (diff if isinstance(diff, list) else [diff])]
    assert [item for item in flat if _table_name(item) == "fetched_files"] == []
