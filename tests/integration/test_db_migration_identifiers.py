"""Migration 0021_identifiers: identifier columns collate "C" on PostgreSQL; their rows stay as stored.

Up from 0020 with rows in place, the columns change collation and the rows
(awkward text included) read back the same; down, they take the database's
collation again. SQLite compares by bytes already and is not touched.
"""

from __future__ import annotations

import pytest
from db_fixtures import migrate_to
from sqlalchemy import Engine, select, text

from adapters.db import schema
from adapters.db.engine import write_transaction
from adapters.db.stores import store_gateway_txns
from tests.integration.test_db_gateway_copies import new_file, transactions

REVISION = "0021_identifiers"
BEFORE = "0020_bulk"

pytestmark = pytest.mark.postgres


def _collations(engine: Engine) -> dict[str, str | None]:
    query = text(
        "SELECT column_name, collation_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = 'gateway_txns' "
        "AND column_name IN ('txn_id', 'payment_code', 'batch_id', 'original_txn_id', 'gateway')"
    )
    with engine.connect() as conn:
        return {str(row.column_name): row.collation_name for row in conn.execute(query)}


def _stored(engine: Engine) -> list[tuple[object, ...]]:
    g = schema.gateway_txns.c
    with engine.connect() as conn:
        rows = conn.execute(select(g.txn_id, g.payment_code, g.batch_id).order_by(g.id))
        return [tuple(row) for row in rows]


def test_up_and_down_change_the_collation_and_keep_the_rows(postgres_engine: Engine) -> None:
    migrate_to(postgres_engine, BEFORE, down=False)
    with write_transaction(postgres_engine) as conn:
        store_gateway_txns(conn, new_file(conn, "before.csv"), transactions(12, "T"))
    stored = _stored(postgres_engine)
    assert set(_collations(postgres_engine).values()) == {None}  # the database's own

    migrate_to(postgres_engine, REVISION, down=False)
    assert _collations(postgres_engine) == {
        "txn_id": "C",
        "payment_code": "C",
        "batch_id": "C",
        "original_txn_id": "C",
        "gateway": None,  # a name, not a code: left as it was
    }
    assert _stored(postgres_engine) == stored
    with postgres_engine.connect() as conn:  # the key index still answers, under its new collation
        g = schema.gateway_txns.c
        found = conn.execute(select(g.payment_code).where(g.txn_id == "T4")).scalar_one()
    assert found == stored[4][1]

    migrate_to(postgres_engine, BEFORE, down=True)
    assert set(_collations(postgres_engine).values()) == {None}
    assert _stored(postgres_engine) == stored
