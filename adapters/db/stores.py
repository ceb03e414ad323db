"""What a parsed file puts into the database: obligations, gateway transactions, bank statements.

Each function runs inside the caller's transaction, after the file's row is
written, and loads in bulk (:mod:`adapters.db.bulk`). Obligations are upserted
into ``obligations`` (``INSERT ... ON CONFLICT DO UPDATE`` from rows loaded by
``COPY`` or the SQLite staging path): the last row of a payment code wins, within
a file and across files; each export keeps its columnar copy, which runs read
and which is the trace of every version it carried
(:mod:`adapters.db.obligation_copies`). Bank statements are versioned by their
business identity.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, insert, select, update

from adapters.db import gateway_copies, obligation_copies
from adapters.db.bulk import bulk_insert, bulk_upsert, reserve_ids
from adapters.db.meta import in_lists
from adapters.db.schema import (
    bank_entries,
    bank_entry_details,
    bank_statements,
    gateway_txns,
    obligations,
)
from reconcile.columns import GATEWAY_TXNS, OBLIGATIONS
from reconcile.entry_columns import EntryColumns
from reconcile.records import BankStatement

#: Rows an ingest must have stored for the planner's statistics to be refreshed after it.
REFRESH_MIN_ROWS = 50_000
#: The tables a day's files fill by the hundred thousand rows.
_FILLED = (obligations, gateway_txns, bank_entries, bank_entry_details)
#: How long the refresh waits for a table another session is analysing or vacuuming.
ANALYZE_LOCK_TIMEOUT = "10s"


def refresh_statistics(engine: Engine) -> None:
    """On PostgreSQL, ``ANALYZE`` the tables a day's files fill, after a large ingest.

    PostgreSQL's advice after loading much data. Without a column's statistics the planner
    guesses what share of the rows a condition keeps, and for a list of 500 ids it guesses a
    large one: a run right after the night's ingest read the transactions it looks up by id,
    500 at a time, each list by a scan of every stored row (0.13 s a list at a million rows,
    more with every day kept) instead of through the ``txn_id`` index. Autovacuum analyses a
    grown table in time, but not before the run that follows the ingest. ``ANALYZE`` reads a
    sample of a fixed size, not the whole tables: 0.3-0.5 s at a million rows a day. SQLite's
    planner prefers an index without statistics, and is left alone.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        # a VACUUM or ANALYZE of another session holds a table's lock: not waited for long
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{ANALYZE_LOCK_TIMEOUT}'")
        conn.exec_driver_sql(f"ANALYZE {', '.join(t.name for t in _FILLED)}")


def _with_file_id(table: pa.Table, names: list[str], file_id: int) -> pa.Table:
    present = [name for name in names if name in table.column_names]
    selected = table.select(present)
    return selected.append_column("file_id", pa.repeat(pa.scalar(file_id, pa.int64()), selected.num_rows))


def store_obligations(conn: Connection, file_id: int, table: pa.Table) -> None:
    """Make the newest version of each payment code current in the register (the last row of
    a code wins, within the export and over earlier ones: :func:`~adapters.db.bulk.bulk_upsert`),
    and keep the export's columnar copy, every row in the file's order, as the trace of its
    versions (encoded while the register is written)."""
    rows = _with_file_id(table, OBLIGATIONS.names, file_id)
    with obligation_copies.storing_copy(conn, file_id, rows):
        bulk_upsert(conn, obligations, rows, key="payment_code")


def store_gateway_txns(conn: Connection, file_id: int, table: pa.Table) -> None:
    """Every transaction of the file, ``line`` included, and its columnar copy; current while the file is."""
    rows = _with_file_id(table, GATEWAY_TXNS.names, file_id)
    with gateway_copies.storing_copy(conn, file_id, rows):
        bulk_insert(conn, gateway_txns, rows)


@dataclass(slots=True)
class StatementsStored:
    """What storing a file's statements did."""

    stored: int = 0
    corrections: int = 0
    warnings: list[str] = field(default_factory=list)


def store_statements(
    conn: Connection,
    file_id: int,
    statements: tuple[BankStatement, ...],
    columns: EntryColumns | None = None,
) -> StatementsStored:
    """Store each statement as a new version of its identity, unless the same content is already current.

    ``columns`` are the statements' entries as columns when the caller has them already. The
    current versions of the file's identities are read in one query, and the statements kept
    are written in one statement, with ids drawn beforehand: a file of a few hundred
    statements takes two round trips, not two per statement. A statement that a later one of
    the same file corrects is written as history already.
    """
    outcome = StatementsStored()
    columns = columns if columns is not None else EntryColumns.of(statements)
    current = _current_statements(conn, [statement.identity for statement in statements])
    fresh = iter(reserve_ids(conn, bank_statements, len(statements)).to_pylist())
    rows: dict[int, dict[str, Any]] = {}  # by row id, in the file's order
    retired: list[int] = []
    kept: list[tuple[int, int]] = []  # (statement row id, index in the file)
    for index, statement in enumerate(statements):
        content = _digest(columns, index, statement)
        previous = current.get(statement.identity)
        # the text digest (slow) only for a statement stored before, whose digest is not the new one
        if previous is not None and (previous[2] == content or previous[2] == _digest_of_text(statement)):
            outcome.warnings.append(
                f"statement {statement.statement_id} of account {statement.account} "
                "is already stored with the same content; the stored one is kept"
            )
            continue
        version = 1
        if previous is not None:
            if previous[0] in rows:  # a statement of this file, corrected further down it
                rows[previous[0]]["current"] = False
            else:
                retired.append(previous[0])
            version = previous[1] + 1
            outcome.corrections += 1
        row_id = next(fresh)
        rows[row_id] = _statement_row(row_id, file_id, statement, version, previous, content)
        current[statement.identity] = (row_id, version, content)
        kept.append((row_id, index))
    if retired:
        conn.execute(update(bank_statements).where(bank_statements.c.id.in_(retired)).values(current=False))
    if rows:
        conn.execute(insert(bank_statements), list(rows.values()))
    outcome.stored = len(kept)
    _store_entries(conn, columns, kept)
    return outcome


def _digest_of_text(statement: BankStatement) -> str:
    """The digest statements were stored with before they were digested by their columns (the
    text of the record): a statement stored then, sent again, is still known as the same."""
    return hashlib.sha256(repr(statement).encode()).hexdigest()


def _current_statements(conn: Connection, identities: list[str]) -> dict[str, tuple[int, int, str]]:
    """The current version (row id, version, content digest) of each of ``identities`` stored."""
    s = bank_statements.c
    found: dict[str, tuple[int, int, str]] = {}
    for wanted in in_lists(sorted(set(identities))):
        query = select(s.identity, s.id, s.version, s.content_sha256).where(
            s.identity.in_(wanted), s.current.is_(True)
        )
        for row in conn.execute(query):
            found[row.identity] = (row.id, row.version, row.content_sha256)
    return found


def _statement_row(
    row_id: int,
    file_id: int,
    statement: BankStatement,
    version: int,
    previous: tuple[int, int, str] | None,
    content: str,
) -> dict[str, Any]:
    opening, closing = statement.opening, statement.closing
    return {
        "id": row_id,
        "file_id": file_id,
        "identity": statement.identity,
        "statement_id": statement.statement_id,
        "sequence": statement.sequence,
        "account": statement.account,
        "currency": statement.currency,
        "from_date": statement.from_date,
        "to_date": statement.to_date,
        "opening_amount": opening.amount if opening else None,
        "closing_amount": closing.amount if closing else None,
        "created_at": statement.created_at,
        "current": True,
        "version": version,
        "supersedes_id": previous[0] if previous else None,
        "content_sha256": content,
    }


def _digest(columns: EntryColumns, index: int, statement: BankStatement) -> str:
    """The statement's content: its own fields, and its entries and details as they are stored.

    Whatever comes before the statement in its file, the same content gives the
    same digest: a detail points to its entry by the entry's place in the statement,
    and the statement's rows are copied out of the file's columns before they are
    serialized (the IPC writer writes a slice's buffers as they lie in the file's
    columns: their bytes, and so the digest, changed with the slice's place).
    The record's text, digested before, took 0.5 s for 100 000 entries with a
    detail each; these columns are read for the store anyway.
    """
    first, end = columns.starts[index], columns.starts[index + 1]
    start, stop = columns.detail_starts[index], columns.detail_starts[index + 1]
    details = columns.details.slice(start, stop - start)
    details = details.set_column(0, "entry", pc.subtract(details["entry"], first))
    content = hashlib.sha256(repr(replace(statement, entries=())).encode())
    for part, whole in (
        (columns.entries.slice(first, end - first), columns.entries),
        (details, columns.details),
    ):
        content.update(_ipc(_on_its_own(part, whole)))
    return content.hexdigest()


def _on_its_own(rows: pa.Table, whole: pa.Table) -> pa.Table:
    """``rows`` (a slice of ``whole``) in buffers of their own, one chunk, laid out as if no
    other row had ever been beside them; all of ``whole`` is so already (a file of one statement)."""
    if rows.num_rows == whole.num_rows:
        return rows
    return rows.take(pa.array(np.arange(rows.num_rows, dtype=np.int64))).combine_chunks()


def _store_entries(conn: Connection, columns: EntryColumns, kept: list[tuple[int, int]]) -> None:
    """The entries and details of the statements ``kept`` (row id, index in the file)."""
    spans = [(row_id, columns.starts[index], columns.starts[index + 1]) for row_id, index in kept]
    positions = np.concatenate([np.arange(first, end) for _, first, end in spans] or [np.arange(0)])
    statement_row_ids = np.concatenate(
        [np.full(end - first, row_id) for row_id, first, end in spans] or [np.arange(0)]
    )
    ids = reserve_ids(conn, bank_entries, len(positions)).to_numpy()
    entries = columns.entries.take(positions).append_column("id", pa.array(ids, pa.int64()))
    bulk_insert(
        conn,
        bank_entries,
        entries.append_column("statement_row_id", pa.array(statement_row_ids, pa.int64())),
    )
    id_at = np.full(columns.entries.num_rows, -1, np.int64)  # each kept entry's id, by its place in the file
    id_at[positions] = ids
    entry_ids = id_at[columns.details["entry"].to_numpy()]
    details = columns.details.drop_columns(["entry"])
    details = details.append_column("entry_id", pa.array(entry_ids, pa.int64()))
    bulk_insert(conn, bank_entry_details, details.filter(pa.array(entry_ids >= 0)))


def _ipc(table: pa.Table) -> pa.Buffer:
    """``table`` as an uncompressed Arrow IPC stream: the bytes a statement's digest is taken over.

    Not :mod:`adapters.db.arrow_copies`' writer: stored digests depend on this format, which
    must not follow a change of the copies' compression.
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()
