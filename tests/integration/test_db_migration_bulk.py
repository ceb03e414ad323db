"""Migration 0020_bulk: a file's rows load without a foreign key; the database refuses to delete a file.

The rows of a file reference it by construction (written after its row, with its
id, in one transaction); what the foreign key also did, refusing to delete a
referenced file, a trigger now does for every file. Down, the keys come back
and deleting a file is allowed again; up, the trigger is back.
"""

from __future__ import annotations

import pytest
from db_fixtures import migrate_to, revision_before
from sqlalchemy import Engine, delete, inspect, text
from sqlalchemy.exc import DBAPIError

from adapters.db import schema
from adapters.db.engine import migrate, write_transaction
from adapters.db.stores import store_gateway_txns
from tests.integration.test_db_gateway_copies import new_file, transactions

REVISION = "0020_bulk"
FILE_ROWS = ("gateway_txns", "obligation_history", "obligations")


def _keys_to_files(engine: Engine) -> dict[str, list[str]]:
    found = inspect(engine)
    return {
        table: [key["name"] for key in found.get_foreign_keys(table) if key["referred_table"] == "files"]
        for table in FILE_ROWS
    }


def _delete_file(engine: Engine, file_id: int) -> None:
    with write_transaction(engine) as conn:
        conn.execute(delete(schema.files).where(schema.files.c.id == file_id))


def _a_new_file_is_refused_deletion(engine: Engine, name: str) -> None:
    with write_transaction(engine) as conn:
        file_id = new_file(conn, name)
    with pytest.raises(DBAPIError, match="files are never deleted"):
        _delete_file(engine, file_id)


def test_a_file_with_rows_cannot_be_deleted_and_its_rows_stay(engine: Engine) -> None:
    migrate(engine)
    with write_transaction(engine) as conn:
        file_id = new_file(conn, "kept")
        store_gateway_txns(conn, file_id, transactions(3, "K"))

    with pytest.raises(DBAPIError, match="files are never deleted"):
        _delete_file(engine, file_id)

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM gateway_txns WHERE file_id = :id"), {"id": file_id})
        assert rows.scalar_one() == 3
    assert _keys_to_files(engine) == {table: [] for table in FILE_ROWS}


def test_a_file_without_rows_cannot_be_deleted_either(engine: Engine) -> None:
    migrate(engine)
    _a_new_file_is_refused_deletion(engine, "alone")


def test_down_the_keys_return_and_up_again_the_trigger(engine: Engine) -> None:
    migrate(engine)
    migrate_to(engine, revision_before(REVISION), down=True)
    assert _keys_to_files(engine) == {table: [f"fk_{table}_file_id_files"] for table in FILE_ROWS}
    with write_transaction(engine) as conn:
        file_id = new_file(conn, "unreferenced")
    _delete_file(engine, file_id)  # allowed before the revision: no row references it

    migrate(engine)
    assert _keys_to_files(engine) == {table: [] for table in FILE_ROWS}
    _a_new_file_is_refused_deletion(engine, "again")


def test_copies_are_stored_as_sent_on_postgresql(postgres_engine: Engine) -> None:
    migrate(postgres_engine)
    query = text(
        "SELECT attrelid::regclass::text, attstorage FROM pg_attribute WHERE attname = 'arrow' "
        "AND attrelid IN ('obligation_copies'::regclass, 'gateway_txn_copies'::regclass)"
    )
    with postgres_engine.connect() as conn:
        storage = {str(name): str(kind) for name, kind in conn.execute(query)}
    assert storage == {"obligation_copies": "e", "gateway_txn_copies": "e"}
