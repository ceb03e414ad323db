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

The table a file goes to holds every day ever ingested, so its totals are not
summed for every file: ``stored_totals`` keeps an upper bound of each, raised
by each file's own sum in the transaction that stores it (a register row a
later export replaces only lowers the true total). A file is checked against
the bound, and the column summed only when the bound leaves no room for it or
is not known yet (a database from before the bounds); the sum then replaces
the bound, so a refusal always names the true total.

A database that already holds more than the bound (rows stored before this
check existed) is not judged by it: refusing every later file would stop
the service, while the runs that the old rows break are only those of their
own dates.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Column, Connection, delete, func, insert, select, tuple_
from sqlalchemy.exc import OperationalError

from adapters.db import schema
from reconcile.bounds import INT64_MAX
from reconcile.errors import InputError
from reconcile.records import Parsed


def reserve_headroom(conn: Connection, parsed: Parsed, source: str) -> None:
    """Raise :class:`InputError` when storing ``parsed`` would take a stored total beyond ``int64``;
    otherwise reserve its room: raise the kept bounds of those totals by the file's own (the
    caller's transaction then stores the file, or rolls both back).

    A total is summed over its table only when its kept bound (``stored_totals``) leaves no
    room for the file or is not known yet: the table holds every day ever ingested.
    """
    additions = [(column, adding) for column, adding in _additions(parsed) if adding]
    if not additions:
        return
    growth = {_key(column): adding for column, adding in additions}
    t = schema.stored_totals.c
    kept = tuple_(t.table_name, t.column_name).in_(list(growth))
    rows = conn.execute(select(schema.stored_totals).where(kept))
    bounds = {(table, column): int(bound) for table, column, bound in rows}
    if any(key not in bounds or bounds[key] + adding > INT64_MAX for key, adding in growth.items()):
        bounds = _summed(conn, additions, source)
    conn.execute(delete(schema.stored_totals).where(kept))
    raised = [
        {"table_name": table, "column_name": column, "bound": min(bounds[table, column] + adding, INT64_MAX)}
        for (table, column), adding in growth.items()
    ]
    conn.execute(insert(schema.stored_totals), raised)


def _key(column: Column[int]) -> tuple[str, str]:
    return str(column.table.name), str(column.name)


def _summed(
    conn: Connection, additions: list[tuple[Column[int], int]], source: str
) -> dict[tuple[str, str], int]:
    """The stored totals, summed over the table (saturated at ``int64``'s largest value); raises
    :class:`InputError` when the file would take one beyond it."""
    query = select(*(func.coalesce(func.sum(column), 0) for column, _ in additions))
    try:
        totals = [int(total) for total in conn.execute(query).one()]  # one pass for all its sums
    except OperationalError as exc:  # SQLite's SUM refuses to leave int64
        if "integer overflow" not in str(exc):
            raise
        # already beyond, from before this check: see the module docstring
        return {_key(column): INT64_MAX for column, _ in additions}
    for (column, adding), stored in zip(additions, totals, strict=True):
        if stored <= INT64_MAX < stored + adding:
            raise InputError(
                f"its {column.name} ({adding}) would take the total of {column.table.name}.{column.name} "
                f"already stored ({stored}) beyond what a 64-bit integer holds (at most {INT64_MAX}), "
                "and every later run that adds them up would fail",
                source=source,
            )
    return {
        _key(column): min(stored, INT64_MAX) for (column, _), stored in zip(additions, totals, strict=True)
    }


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
