"""Arrow reads from SQLite at C speed (ADBC), in step with the caller's SQLAlchemy transaction.

The standard ``sqlite3`` driver makes one Python object per value (about
six CPU seconds per million gateway rows, measured here); the ADBC SQLite
driver hands back Arrow columns directly, about four times faster. It needs its own connection to
the same file, opened at the first read of a SQLAlchemy transaction and closed
when that transaction ends: one read transaction (one snapshot) for all the
reads of one SQLAlchemy transaction. A transaction that has written
anything reads through ``sqlite3`` instead, since the companion cannot see
uncommitted rows; so does an in-memory database, or a statement that cannot
be rendered with literal values.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine, Executable, event
from sqlalchemy.exc import CompileError

adbc_sqlite: Any
try:
    import adbc_driver_sqlite.dbapi as adbc_sqlite
except ImportError:  # optional: reads fall back to the sqlite3 driver
    adbc_sqlite = None

_COMPANION = "recon_adbc_companion"
_CHANGES_AT_BEGIN = "recon_changes_at_begin"
#: One batch for the whole result: ADBC infers a column's type from its first batch.
_BATCH_ROWS = str(100_000_000)


def attach(engine: Engine) -> None:
    """Keep the companion connection's transactions in step with ``engine``'s (called once per engine)."""
    if adbc_sqlite is None or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.connection.info[_CHANGES_AT_BEGIN] = conn.connection.dbapi_connection.total_changes  # type: ignore[union-attr]

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Connection) -> None:
        _close_companion(conn.connection.info)  # the next read opens one with a fresh snapshot

    @event.listens_for(engine.pool, "reset")
    def _on_reset(_dbapi: Any, record: Any, reset_state: Any) -> None:
        _close_companion(record.info)

    @event.listens_for(engine.pool, "close")
    @event.listens_for(engine.pool, "detach")
    def _on_close(_dbapi: Any, record: Any) -> None:
        _close_companion(record.info)


def _close_companion(info: dict[str, Any]) -> None:
    companion = info.pop(_COMPANION, None)
    if companion is not None:
        companion.close()


def read_table(conn: Connection, statement: Executable) -> pa.Table | None:
    """The rows of ``statement`` as read by ADBC, or ``None`` where it cannot be used."""
    if not conn.in_transaction():
        conn.begin()  # the companion's snapshot lives as long as this transaction
    info = conn.connection.info
    database = conn.engine.url.database
    if adbc_sqlite is None or database in (None, "", ":memory:") or _CHANGES_AT_BEGIN not in info:
        return None
    if conn.connection.dbapi_connection.total_changes != info[_CHANGES_AT_BEGIN]:  # type: ignore[union-attr]
        return None  # this transaction wrote: only its own connection sees those rows
    try:
        sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]
    except (CompileError, AttributeError):
        return None
    companion = info.get(_COMPANION)
    if companion is None:
        companion = info[_COMPANION] = adbc_sqlite.connect(str(database))
    cursor = companion.cursor()
    try:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": _BATCH_ROWS})
        cursor.execute(sql)
        table: pa.Table = cursor.fetch_arrow_table()
    finally:
        cursor.close()
    return table
