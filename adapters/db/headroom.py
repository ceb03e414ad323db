"""Room left under ``int64`` for the sums a later run computes over what is stored.

A file whose own totals fit ``int64`` can still break a later run: the run
adds up the amounts of every file it loads (a batch carried by two files, a
day's collections), and DuckDB hands a sum beyond ``int64`` back as an error
("Integer value out of bounds"). Every sum a run computes is a part of the
sum over the whole table (amounts, fees and charges are never negative), so
the service keeps that whole sum within ``int64``: a file that would take
it beyond is rejected. The bound holds by induction (every stored row came
through here), so SQLite's ``SUM``, which fails rather than overflow, never
sees an overflow either. A national year of payments sums to about 10¹⁵
đồng, three orders of magnitude below the bound: only a hostile file meets
it.

A database that already holds more than the bound (rows stored before this
check existed) is not judged by it: refusing every later file would stop
the service, while the runs that the old rows break are only those of their
own dates.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Column, Connection, func, select
from sqlalchemy.exc import OperationalError

from adapters.db import schema
from reconcile.bounds import INT64_MAX
from reconcile.errors import InputError
from reconcile.records import Parsed


def check_headroom(conn: Connection, parsed: Parsed, source: str) -> None:
    """Raise :class:`InputError` when storing ``parsed`` would take a stored total beyond ``int64``."""
    additions = [(column, adding) for column, adding in _additions(parsed) if adding]
    if not additions:
        return
    query = select(*(func.coalesce(func.sum(column), 0) for column, _ in additions))
    try:
        totals = conn.execute(query).one()  # one pass over the table for all its sums
    except OperationalError as exc:  # SQLite's SUM refuses to leave int64
        if "integer overflow" not in str(exc):
            raise
        return  # already beyond, from before this check: see the module docstring
    for (column, adding), stored in zip(additions, totals, strict=True):
        if int(stored) <= INT64_MAX < int(stored) + adding:
            raise InputError(
                f"its {column.name} ({adding}) would take the total of {column.table.name}.{column.name} "
                f"already stored ({stored}) beyond what a 64-bit integer holds (at most {INT64_MAX}), "
                "and every later run that adds them up would fail",
                source=source,
            )


def _additions(parsed: Parsed) -> Iterator[tuple[Column[int], int]]:
    """Each summed column of the table the file goes to, with the file's own sum of it."""
    table = parsed.table
    if table is None:
        entries = [entry for statement in parsed.statements for entry in statement.entries]
        yield schema.bank_entries.c.amount, sum(entry.amount for entry in entries)
        yield schema.bank_entries.c.charges, sum(entry.charges for entry in entries)
        return
    stored = schema.gateway_txns if "txn_id" in table.column_names else schema.obligations
    for name in ("amount_vnd", "fee_vnd", "taxable_value_vnd"):
        if name in table.column_names and name in stored.c:
            yield stored.c[name], _sum(table[name])


def _sum(column: pa.ChunkedArray) -> int:
    total = pc.sum(pc.cast(column, pa.decimal128(38, 0))).as_py()
    return int(total or 0)
