"""Which keys one column names that another lacks: a hash anti-join in DuckDB.

A run's loading asks this twice of a day's columns (the payment codes its
transactions name against the obligations read; the transaction ids the day
names against the transactions read), a million keys against a million. A
hash set of the present keys probed by pyarrow's ``is_in`` takes 0.37 s for
that on one core; DuckDB's anti-join 0.09 s, reading the Arrow columns in place.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

_ABSENT = """
SELECT DISTINCT named.key FROM named ANTI JOIN present ON named.key = present.key
WHERE named.key IS NOT NULL ORDER BY named.key
"""


def absent_keys(named: pa.Array | pa.ChunkedArray, present: pa.Array | pa.ChunkedArray) -> list[str]:
    """The distinct values of ``named`` that ``present`` lacks, in ascending order; nulls are no key."""
    if len(named) == 0:
        return []
    con = duckdb.connect()
    try:
        con.register("named", _keys(named))
        con.register("present", _keys(present))
        keys: list[str] = con.sql(_ABSENT).to_arrow_table().column("key").to_pylist()
        return keys
    finally:
        con.close()


def _keys(column: pa.Array | pa.ChunkedArray) -> pa.Table:
    """``column`` as a one-column table, its chunks as they are (no copy)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    return pa.table({"key": pa.chunked_array(chunks, column.type)})
