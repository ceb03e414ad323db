"""The mechanics shared by the columnar copies of input files (obligations, gateway transactions).

A copy is one LZ4-compressed Arrow IPC stream of a file's rows as stored, kept
beside the rows with the range of the dates a run selects them by, so a run
opens only the copies that can hold its day. What a copy means, and when a run
may trust it, is said by :mod:`adapters.db.obligation_copies` and
:mod:`adapters.db.gateway_copies`.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table, insert

_WRITE = pa.ipc.IpcWriteOptions(compression="lz4")


def conformed(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """``rows`` as reading them back gives them: every column of ``schema``, a missing one null, in order."""
    columns = [
        rows.column(field.name).cast(field.type)
        if field.name in rows.column_names
        else pa.nulls(rows.num_rows, field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def write_arrow_copy(
    conn: Connection, copies: Table, file_id: int, rows: pa.Table, schema: pa.Schema, date_column: str
) -> None:
    """Store ``rows`` (conformed to ``schema``) as file ``file_id``'s copy, with their dates' range."""
    table = conformed(rows, schema)
    dates = pc.min_max(table.column(date_column))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema, options=_WRITE) as writer:
        writer.write_table(table)
    conn.execute(
        insert(copies).values(
            file_id=file_id,
            first_paid_date=dates["min"].as_py(),
            last_paid_date=dates["max"].as_py(),
            arrow=sink.getvalue().to_pybytes(),
        )
    )


def read_arrow_copy(blob: bytes) -> pa.Table:
    """A stored copy's rows."""
    return pa.ipc.open_stream(pa.py_buffer(blob)).read_all()
