"""A columnar copy of each gateway file's transactions, for runs to read in bulk.

A run reads every current transaction of several days: a million rows on a
busy day. Out of SQLite that costs seconds whatever the query, because the
driver builds a Python object for every value; the same rows kept as one Arrow
IPC stream per file (LZ4-compressed, next to its rows, in the same
transaction) come back in a fraction of a second. The rows in
``gateway_txns`` stay the record (DESIGN.md §8): a file's transactions are
never changed once written, so its copy cannot drift from them, and a file
without a copy (stored before copies existed) is read from its rows.

A transaction that a later current file carries again is history in the
earlier file (:mod:`adapters.db.gateway_identity`): reading a file's copy
leaves out its superseded transactions, one vectorised filter per file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, and_, select

from adapters.db.arrow_copies import compact, kept, read_part, storing_arrow_copy
from adapters.db.bulk import fetch_arrow
from adapters.db.gateway_identity import superseded_rows
from adapters.db.schema import files, gateway_txn_copies
from reconcile.columns import GATEWAY_TXNS

#: The transactions as a run reads them: the canonical columns and the file they came from.
TXNS_WITH_FILE = pa.schema([*GATEWAY_TXNS, ("file_id", pa.int64())])
_SUPERSEDED = pa.schema([("file_id", pa.int64()), ("txn_id", pa.string())])


@contextmanager
def storing_copy(conn: Connection, file_id: int, rows: pa.Table) -> Iterator[None]:
    """Keep ``rows`` (one file's transactions, as stored) as the file's copy, once the block that
    stores them has run (encoded meanwhile, see ``storing_arrow_copy``)."""
    with storing_arrow_copy(conn, gateway_txn_copies, file_id, rows, TXNS_WITH_FILE, "paid_date"):
        yield


def read_copies(conn: Connection, start: dt.date, end: dt.date) -> tuple[pa.Table, list[int]]:
    """Current files' transactions paid from ``start`` to ``end``, from their copies, less superseded ones.

    Also returns the current files that have rows but no copy: the caller reads those from the rows.
    """
    c = gateway_txn_copies.c
    current = and_(files.c.id == c.file_id, files.c.current.is_(True))
    found = conn.execute(
        select(c.file_id, c.part, c.arrow.is_(None))
        .join(files, current)
        .where(c.arrow.is_(None) | and_(c.first_paid_date <= end, c.last_paid_date >= start))
        .order_by(c.file_id, c.part)
    ).all()
    hidden = _superseded(conn, start, end)
    parts = [  # one part in memory at a time, filtered to the range, compacted
        compact(
            _paid_between(read_part(conn, gateway_txn_copies, file_id, part), start, end, hidden.get(file_id))
        )
        for file_id, part, missing in found
        if not missing
    ]
    without = [file_id for file_id, _, missing in found if missing]
    table = pa.concat_tables(parts) if parts else compact(TXNS_WITH_FILE.empty_table())
    return table, without


def _superseded(conn: Connection, start: dt.date, end: dt.date) -> dict[int, pa.Array]:
    """The superseded ``txn_id``s paid in the range, per file."""
    rows = fetch_arrow(conn, superseded_rows(start, end), _SUPERSEDED)
    if rows.num_rows == 0:
        return {}
    grouped = rows.group_by("file_id").aggregate([("txn_id", "list")])
    ids = grouped.column("file_id").to_pylist()
    lists = grouped.column("txn_id_list").combine_chunks()
    return {file_id: lists[index].values for index, file_id in enumerate(ids)}


def _paid_between(table: pa.Table, start: dt.date, end: dt.date, hidden: pa.Array | None) -> pa.Table:
    paid = table.column("paid_date")
    keep = pc.and_(pc.greater_equal(paid, pa.scalar(start)), pc.less_equal(paid, pa.scalar(end)))
    if hidden is not None:
        keep = pc.and_(keep, pc.invert(pc.is_in(table.column("txn_id"), value_set=hidden)))
    return kept(table, keep)
