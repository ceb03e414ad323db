"""A columnar copy of each obligations export, so a run reads a day's obligations in bulk.

A run reads the obligations the portal says were paid on its day: a million
rows on a busy day. Out of SQLite that costs seconds whatever the query (the
driver builds a Python object for every value), as it does for gateway
transactions (:mod:`adapters.db.gateway_copies`). The rows of an export are
kept, in the same transaction, as one LZ4-compressed Arrow IPC stream, with
the range of its ``portal_paid_date`` so a run opens only the exports that can
hold its day (in parts of a million rows, :mod:`adapters.db.arrow_copies`; a part
counts for its export as a whole).

``obligations`` stays the record: the newest version of each payment code is
the row a later export wrote there. The copy is also the trace of every version:
an export's rows are kept there as they came, in the file's order, and nowhere
else (:func:`export_versions`). An export's rows in its copy are current
unless a later export carried the same payment code again, so a run trusts a
copy only as far as the register agrees: per export, the number of its rows
paid on the day must equal the register's count of current rows of that
export paid on the day (one indexed count). Every current row of an export is
one of the export's own rows, so equal counts mean the same rows. An export
where the counts differ (some of its payment codes were updated by a later
export), or that has no copy (stored before copies existed), is read from the
register's rows instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Select, func, select

from adapters.db.arrow_copies import compact, kept, read_part, storing_arrow_copy
from adapters.db.bulk import fetch_arrow
from adapters.db.schema import obligation_copies, obligations
from reconcile.columns import OBLIGATIONS

#: The obligations as a run reads them: the canonical columns and the export they came from.
OBLIGATIONS_WITH_FILE = pa.schema([*OBLIGATIONS, ("file_id", pa.int64())])


@contextmanager
def storing_copy(conn: Connection, file_id: int, rows: pa.Table) -> Iterator[None]:
    """Keep ``rows`` (one export's obligations, as stored, ``file_id`` included) as the export's
    copy, once the block that stores them has run (encoded meanwhile, see ``storing_arrow_copy``)."""
    schema, dates = OBLIGATIONS_WITH_FILE, "portal_paid_date"
    with storing_arrow_copy(conn, obligation_copies, file_id, rows, schema, dates):
        yield


def read_paid_on(conn: Connection, day: dt.date) -> pa.Table:
    """The current obligations paid on ``day``: from the exports' copies where the register agrees."""
    o = obligations.c
    expected = {int(file_id): int(count) for file_id, count in conn.execute(paid_by_export(day))}
    if not expected:
        return compact(OBLIGATIONS_WITH_FILE.empty_table())
    c = obligation_copies.c
    found = conn.execute(
        select(c.file_id, c.part)
        .where(
            c.file_id.in_(sorted(expected)),
            c.arrow.is_not(None),
            c.first_paid_date <= day,
            c.last_paid_date >= day,
        )
        .order_by(c.file_id, c.part)
    ).all()
    by_file: dict[int, list[pa.Table]] = {}
    for file_id, part in found:  # one part in memory at a time, filtered to the day
        piece = compact(_paid_on(read_part(conn, obligation_copies, file_id, part), day))
        by_file.setdefault(file_id, []).append(piece)
    parts, trusted = [], set()
    for file_id, pieces in by_file.items():
        if sum(piece.num_rows for piece in pieces) == expected[file_id]:
            parts.extend(pieces)
            trusted.add(file_id)
    rest = sorted(set(expected) - trusted)
    if rest:
        columns = [*(o[name] for name in OBLIGATIONS.names), o.file_id]
        statement = select(*columns).where(o.portal_paid_date == day, o.file_id.in_(rest))
        parts.append(compact(fetch_arrow(conn, statement, OBLIGATIONS_WITH_FILE)))
    return pa.concat_tables(parts)


def paid_by_export(day: dt.date) -> Select[Any]:
    """How many current obligations paid on ``day`` each export holds, read from the index alone."""
    o = obligations.c
    return select(o.file_id, func.count()).where(o.portal_paid_date == day).group_by(o.file_id)


def export_versions(conn: Connection, file_id: int) -> pa.Table:
    """Every row of export ``file_id`` as it was stored, in the file's order: the versions it
    carried, whether or not a later export has replaced them in the register since. Empty for
    an export stored before copies existed (revision 0017): its versions are the rows of
    ``obligation_history`` with its ``file_id``."""
    c = obligation_copies.c
    parts = conn.execute(
        select(c.part).where(c.file_id == file_id, c.arrow.is_not(None)).order_by(c.part)
    ).scalars()
    return pa.concat_tables(
        [compact(OBLIGATIONS_WITH_FILE.empty_table())]
        + [compact(read_part(conn, obligation_copies, file_id, part)) for part in parts]
    )


def _paid_on(table: pa.Table, day: dt.date) -> pa.Table:
    return kept(table, pc.equal(table.column("portal_paid_date"), pa.scalar(day)))
