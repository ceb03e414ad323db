"""SQLite's WAL checkpointed by a thread of its own while files are ingested.

Inside :func:`background_checkpoints` a write transaction's commit leaves the WAL
alone, and the block ends with everything it committed copied into the database
file itself. That file is read here on its own, without the WAL beside it: what
it holds is what a checkpoint has copied.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from db_ingest_files import GATEWAY_HEADER, OBLIGATION_HEADER, obligation, txn, write_csv
from sqlalchemy import Connection, Engine

from adapters.bootstrap import file_formats
from adapters.db.engine import WAL_AUTOCHECKPOINT, background_checkpoints, write_transaction
from adapters.db.files import FileFacts, record_file
from adapters.ingest import ingest_files
from adapters.settings import GatewaySettings, Settings


def autocheckpoint(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def record(conn: Connection, name: str) -> None:
    record_file(conn, FileFacts(sha256=name * 8, path=name, format="test", status="accepted"))


def in_database_file(engine: Engine, tmp_path: Path) -> set[str]:
    """The paths in ``files`` as the database file alone holds them (the WAL left out)."""
    database = Path(str(engine.url.database))
    alone = tmp_path / f"alone-{len(list(tmp_path.glob('alone-*')))}.db"
    shutil.copyfile(database, alone)
    with sqlite3.connect(alone) as copy:
        return {path for (path,) in copy.execute("SELECT path FROM files")}


def test_a_commit_inside_the_block_leaves_the_wal_to_the_thread_which_copies_it_by_the_end(
    migrated_sqlite_engine: Engine, tmp_path: Path
) -> None:
    engine = migrated_sqlite_engine
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the schema into the file
    with write_transaction(engine) as conn:
        assert autocheckpoint(conn) == WAL_AUTOCHECKPOINT
        record(conn, "before")
    assert "before" not in in_database_file(engine, tmp_path)  # a small commit stays in the WAL

    with background_checkpoints(engine), write_transaction(engine) as conn:
        assert autocheckpoint(conn) == 0
        record(conn, "inside")

    assert {"before", "inside"} <= in_database_file(engine, tmp_path)
    with write_transaction(engine) as conn:
        assert autocheckpoint(conn) == WAL_AUTOCHECKPOINT


def test_a_block_inside_another_leaves_the_outer_ones_thread_at_work(
    migrated_sqlite_engine: Engine, tmp_path: Path
) -> None:
    engine = migrated_sqlite_engine
    with background_checkpoints(engine):
        with background_checkpoints(engine):
            pass
        with write_transaction(engine) as conn:
            assert autocheckpoint(conn) == 0
            record(conn, "after-inner")
    assert "after-inner" in in_database_file(engine, tmp_path)


def test_ingest_returns_once_the_files_it_stored_are_in_the_database_file(
    migrated_sqlite_engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    export = write_csv(folder / "obligations.csv", OBLIGATION_HEADER, [obligation("HS-1", 150000)])
    settlement = write_csv(folder / "vnpay-1.csv", GATEWAY_HEADER, [txn("T1", "HS-1", 150000)])
    formats = file_formats(Settings(gateways={"vnpay": GatewaySettings(name="vnpay")}))

    outcomes = ingest_files([export, settlement], formats, migrated_sqlite_engine)

    assert [outcome.status for outcome in outcomes] == ["accepted", "accepted"]
    assert {"obligations.csv", "vnpay-1.csv"} <= in_database_file(migrated_sqlite_engine, tmp_path)
