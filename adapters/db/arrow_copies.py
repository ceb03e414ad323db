"""The mechanics shared by the columnar copies of input files (obligations, gateway transactions).

A copy is one LZ4-compressed Arrow IPC stream of a file's rows as stored (its
:data:`LOW_VARIETY` text columns as dictionaries, as a run holds them), kept
beside the rows with the range of the dates a run selects them by, so a run
opens only the copies that can hold its day. A copy is stored in parts of at most
:data:`PART_ROWS` rows (``part`` 0, 1, ...), each with its own range, and read a
part at a time. What a copy means, and when a run may trust it, is said by
:mod:`adapters.db.obligation_copies` and :mod:`adapters.db.gateway_copies`.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table, insert, select

from adapters.db.bulk import fetch_bytes

_WRITE = pa.ipc.IpcWriteOptions(compression="lz4")
#: Rows per stored part of a copy: ~70 MB of LZ4 Arrow for a million obligations.
PART_ROWS = 1_000_000

#: Text columns with few distinct values (a province, a status, a batch): held by a run as
#: dictionaries, each value once and an index per row, ≈ 1 GB less at 10M payments.
LOW_VARIETY = frozenset(
    {
        "province_code",
        "kind",
        "agency_code",
        "procedure_code",
        "portal_status",
        "asset_class",
        "gateway",
        "treasury_account",
        "status",
        "batch_id",
    }
)


def conformed(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """``rows`` as reading them back gives them: every column of ``schema``, a missing one null, in order."""
    columns = [
        rows.column(field.name).cast(field.type)
        if field.name in rows.column_names
        else pa.nulls(rows.num_rows, field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


@contextmanager
def storing_arrow_copy(
    conn: Connection, copies: Table, file_id: int, rows: pa.Table, schema: pa.Schema, date_column: str
) -> Iterator[None]:
    """Store ``rows`` (conformed to ``schema``) as file ``file_id``'s copy once the block has run
    without error, in parts with their dates' ranges.

    The block stores the file's rows; meanwhile a second thread encodes the copy's first part
    (pyarrow lets go of Python's lock while it casts and compresses), so the encoding takes no
    time of its own: at a million obligations ≈ 0.6 s, hidden behind the register's upsert. A
    part holds at most :data:`PART_ROWS` rows, so no stored value nears PostgreSQL's 1 GB limit
    on a field (sent as hex text, twice its size), and a reader holds one part at a time; the
    parts after the first are encoded as they are stored, so at most one waits in memory.
    """
    parts = _parts(rows, schema, date_column)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="recon-copy") as encoder:
        first = encoder.submit(next, parts)
        yield
        values = first.result()
    # part 0 is the column's default: the first part is written as a whole copy was before 0019
    # (inline: no RETURNING asks for the defaulted key)
    conn.execute(insert(copies).values(file_id=file_id, **values).inline())
    for part, values in enumerate(parts, start=1):
        conn.execute(insert(copies).values(file_id=file_id, part=part, **values).inline())


def _parts(rows: pa.Table, schema: pa.Schema, date_column: str) -> Iterator[dict[str, Any]]:
    """Each part's columns but its keys, encoded when asked for (an empty file has one, empty)."""
    table = conformed(rows, schema)
    for start in range(0, table.num_rows, PART_ROWS) if table.num_rows else range(1):
        piece = compact(table.slice(start, PART_ROWS))  # as a run holds them: read back, nothing to encode
        dates = pc.min_max(piece.column(date_column))
        yield {
            "first_paid_date": dates["min"].as_py(),
            "last_paid_date": dates["max"].as_py(),
            "arrow": _stream(piece),
        }


def _stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_WRITE) as writer:
        writer.write_table(table)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def read_part(conn: Connection, copies: Table, file_id: int, part: int) -> pa.Table:
    """One stored part's rows (fetched alone, so a reader holds one part's bytes at a time)."""
    c = copies.c
    return read_arrow_copy(fetch_bytes(conn, select(c.arrow).where(c.file_id == file_id, c.part == part)))


def compact(table: pa.Table) -> pa.Table:
    """``table`` with its :data:`LOW_VARIETY` text columns dictionary-encoded (already encoded: kept).

    Every part of a run's inputs goes through here as it is read, so the parts share one
    schema; a reader of the values (DuckDB, ``to_pylist``) sees the same strings.
    """
    for index, field in enumerate(table.schema):
        if field.name in LOW_VARIETY and pa.types.is_string(field.type):
            table = table.set_column(index, field.name, pc.dictionary_encode(table.column(index)))
    return table


def kept(table: pa.Table, keep: pa.Array | pa.ChunkedArray) -> pa.Table:
    """The rows of ``table`` that ``keep`` marks true (a null keeps none): ``table`` itself when it
    marks every row, as for most parts of a run's range, which then are not copied."""
    if pc.all(keep, skip_nulls=False).as_py() is True:
        return table
    return table.filter(keep)


def read_arrow_copy(blob: bytes) -> pa.Table:
    """A stored copy's (or part's) rows: its :data:`LOW_VARIETY` text columns as dictionaries,
    unless it was stored before copies held them so (pass it through :func:`compact`)."""
    return pa.ipc.open_stream(pa.py_buffer(blob)).read_all()
