"""Arrow tables in and out of the database at bulk speed.

Millions of payments a day cannot go through one SQLAlchemy object per row.
Into PostgreSQL they go by ``COPY ... FROM STDIN`` in the binary format,
built from the columns (:mod:`adapters.db.pgcopy`). Into SQLite a large load
is staged: the ADBC SQLite driver writes the Arrow columns, in C, into
private files of its own, which the service's connection then attaches and
copies from by ``INSERT ... SELECT`` (a large load in parts: the next part is
written while one is copied); a small one goes through the driver's
``executemany`` with plain tuples (binding them one by one costs more than
the staging file saves below :data:`STAGE_MIN_ROWS`). An upsert by key takes
the same paths into a private table (a temporary one on PostgreSQL, the staging
files on SQLite) and writes the target from it in SQL. Out of either database
rows come by the raw driver cursor, a chunk at a time, straight into Arrow
arrays, and a stored copy's bytes out of PostgreSQL in its binary format (not as
hex text). Every path runs on the caller's connection, inside its transaction.
"""

from __future__ import annotations

import io
import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Executable,
    Identity,
    MetaData,
    Select,
    Table,
    column,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import CompileError, MultipleResultsFound, NoResultFound

from adapters.db.engine import AFTER_TRANSACTION, PAGE_SIZE
from adapters.db.pgcopy import copy_chunks

CHUNK_ROWS = 100_000
#: below this many rows a SQLite load binds them one by one: a staging file costs ≈ 5 ms
STAGE_MIN_ROWS = 20_000
#: staging files one SQLite transaction may attach (SQLite allows ten attached databases)
STAGED_PER_TRANSACTION = 8
#: a staged load of at least twice this many rows is written in parts, at most
#: :data:`STAGE_PARTS` of them, so that the next part is written while one is copied
STAGE_PART_MIN_ROWS = 50_000
STAGE_PARTS = 4
_staged = itertools.count(1)


def bulk_insert(conn: Connection, table: Table, rows: pa.Table) -> int:
    """Insert every row of ``rows`` (columns named as ``table``'s) into ``table``; returns the count."""
    rows = _in_table_order(table, rows)
    if rows.num_rows == 0:
        return 0
    if conn.dialect.name == "postgresql":
        _copy_in(conn, table, rows)
    elif parts := _staging_parts(conn, rows):
        _through_staging(
            conn, rows, parts, lambda source: table.insert().from_select(rows.column_names, source)
        )
    else:
        _executemany(conn, table.insert(), rows)
    return int(rows.num_rows)


def bulk_upsert(conn: Connection, table: Table, rows: pa.Table, key: str) -> None:
    """Write ``rows`` into ``table`` by its unique column ``key``: a row whose key is stored
    replaces the stored row's other columns, and of rows sharing a key the last one wins.

    The rows go in by the bulk path (:func:`bulk_insert`), not into ``table`` but into a
    private table that the upsert then reads in SQL and that is gone at the transaction's
    end: on PostgreSQL a temporary table filled by ``COPY``; on SQLite the staging files
    themselves, each upserted from in turn as soon as it is written (a small load binds the
    upsert's values directly). Either way the rows are upserted in key order, so the key's
    index is written page by page instead of at random: on SQLite they are put in that order
    here (:func:`newest_by_key`), which makes a million obligations' upsert 1.0–1.1 s instead
    of 2.0–2.5 s in the file's order, and 4.4 s sorted by SQLite itself; PostgreSQL sorts them
    in the upsert (ten million: 68 s instead of 136 into an empty register, 76 instead of 186
    into a full one); sorting them here and copying them in that order is no faster there.
    """
    rows = _in_table_order(table, rows)
    if rows.num_rows == 0:
        return
    if conn.dialect.name == "postgresql":
        _copy_upsert(conn, table, rows, key)
        return
    rows = rows.take(newest_by_key(rows[key]))
    if parts := _staging_parts(conn, rows):
        names = rows.column_names
        _through_staging(conn, rows, parts, lambda source: _sqlite_upsert(table, names, key, source))
    else:
        _executemany(conn, _sqlite_upsert(table, rows.column_names, key, None), rows)


def newest_by_key(keys: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The positions of the last row of each key, in key order (a null is no key: every row
    with one is kept, last, for the database to refuse)."""
    order = pc.sort_indices(keys)  # stable: a key's rows keep their order
    if len(order) < 2:
        return order
    ordered = pa.chunked_array([keys]).take(order) if isinstance(keys, pa.Array) else keys.take(order)
    # a row is its key's last when the next row's key differs
    last = pc.fill_null(pc.not_equal(ordered.slice(0, len(order) - 1), ordered.slice(1)), True)
    if pc.all(last).as_py():
        return order
    return order.filter(pa.concat_arrays([*last.chunks, pa.array([True])]))


def _in_table_order(table: Table, rows: pa.Table) -> pa.Table:
    unknown = set(rows.column_names) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"columns {sorted(unknown)} are not in table {table.name}")
    return rows.select([c.name for c in table.columns if c.name in rows.column_names])


def _sqlite_upsert(table: Table, names: list[str], key: str, source: Select[Any] | None) -> Executable:
    """``INSERT ... ON CONFLICT (key) DO UPDATE`` from ``source``, or of bound values without one."""
    statement = sqlite.insert(table)
    if source is not None:
        # a WHERE keeps SQLite from reading the upsert's ON as a join constraint of the SELECT
        statement = statement.from_select(names, source.where(true()))
    return _replacing(statement, names, key)


def _copy_upsert(conn: Connection, table: Table, rows: pa.Table, key: str) -> None:
    """``rows`` copied into a temporary table (no WAL, dropped at commit), then upserted from it.

    ``ON CONFLICT`` may not touch a row twice in one statement, so a key's rows are taken
    once, the last first, sorted by the key (which also writes the key's index page by page).
    """
    names = rows.column_names
    staging = Table(
        f"recon_upsert_{next(_staged)}",
        MetaData(),
        *(Column(name, table.c[name].type) for name in names),
        Column("recon_row", BigInteger, Identity(always=True)),  # the rows' order, given by COPY
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    staging.create(conn)
    _copy_in(conn, staging, rows)
    s = staging.c
    newest = (
        select(*(s[name] for name in names))
        .ext(postgresql.distinct_on(s[key]))
        .order_by(s[key], s.recon_row.desc())
    )
    conn.execute(_replacing(postgresql.insert(table).from_select(names, newest), names, key))


def _replacing(statement: postgresql.Insert | sqlite.Insert, names: list[str], key: str) -> Executable:
    """``statement`` made to replace the other columns of a row whose ``key`` is stored."""
    changed = {name: statement.excluded[name] for name in names if name != key}
    return statement.on_conflict_do_update(index_elements=[key], set_=changed)


def _quoted(conn: Connection, names: list[str]) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(name) for name in names)


def _copy_in(conn: Connection, table: Table, rows: pa.Table) -> None:
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({_quoted(conn, rows.column_names)}) FROM STDIN (FORMAT binary)"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(sql) as copy:
        for chunk in copy_chunks(table, rows, conn.dialect, CHUNK_ROWS):
            copy.write(chunk)


def _executemany(conn: Connection, statement: Executable, rows: pa.Table) -> None:
    sql = str(statement.compile(dialect=conn.dialect, column_keys=rows.column_names))  # type: ignore[attr-defined]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for batch in rows.to_batches(max_chunksize=CHUNK_ROWS):
            columns = [_sqlite_stored(column).to_pylist() for column in batch.columns]
            cursor.executemany(sql, zip(*columns, strict=True))  # type: ignore[arg-type]
    finally:
        cursor.close()


def _sqlite_stored(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``column`` as SQLAlchemy's SQLite types store it: text dates, UTC text timestamps, 0/1."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _sqlite_stored(column.cast(kind.value_type))
    if pa.types.is_timestamp(kind):
        # UTC wall time with microseconds, as SQLAlchemy writes it (strftime is ~10x slower)
        return column.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us")).cast(pa.string())
    if pa.types.is_date(kind):
        return column.cast(pa.string())
    if pa.types.is_boolean(kind):
        return column.cast(pa.int8())
    return column


def _staging_parts(conn: Connection, rows: pa.Table) -> int:
    """How many staging files a load is written in; none when it binds its rows instead.

    A load is staged when it is large enough and runs in a write transaction that detaches
    staging files at its end, with room for one more of them.
    """
    staged = conn.info.get(AFTER_TRANSACTION)
    if rows.num_rows < STAGE_MIN_ROWS or staged is None:
        return 0
    room = STAGED_PER_TRANSACTION - len(staged)
    return max(0, min(room, STAGE_PARTS, rows.num_rows // STAGE_PART_MIN_ROWS or 1))


def _through_staging(
    conn: Connection, rows: pa.Table, parts: int, statement: Callable[[Select[Any]], Executable]
) -> None:
    """``rows`` written by the ADBC driver into staging files, then copied in SQL by ``statement``
    (given the ``SELECT`` of a staging file's rows, in their order).

    Binding a million rows through ``executemany`` costs ≈ 4 µs a row in Python; ADBC binds them
    in C from the Arrow buffers, and SQLite copies them from the attached file without leaving
    C. A large load is cut into ``parts``, written one after the other by a second thread while
    this one copies the part before (both drivers let go of Python's lock while they work), and
    copied in order, so the rows' ids still follow their order.

    Two SQLite libraries in one process must never have the same file open at once (a close
    by one drops the other's POSIX locks, which SQLite documents as a way to corrupt a
    database): ADBC's library only ever opens staging files, and closes each before this
    connection attaches it; the database itself is opened by this connection's library alone.
    Each staging file is detached and removed once the transaction has ended, committed or not
    (a database attached in a transaction cannot be detached before its end); a part written
    but never attached (a copy before it failed) is removed at once.
    """
    size = -(-rows.num_rows // parts)
    pieces = [rows.slice(start, size) for start in range(0, rows.num_rows, size)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="recon-stage") as writer:
        written = [writer.submit(_write_staging, piece) for piece in pieces]
        taken = 0
        try:
            for future in written:
                path = future.result()
                taken += 1
                schema = _attach(conn, path)
                source = sql_table("rows", *(column(name) for name in rows.column_names), schema=schema)
                in_order = select(source).order_by(literal_column("rowid"))  # the rows' order gives their ids
                conn.execute(statement(in_order))
        finally:
            _discard(written[taken:])


def _attach(conn: Connection, path: Path) -> str:
    """Attach the staging file ``path`` to ``conn`` until its transaction ends (then detached and
    removed, with its folder); the schema it is attached as."""
    driver = conn.connection.dbapi_connection
    schema = f"recon_stage_{next(_staged)}"
    try:
        driver.execute("ATTACH DATABASE ? AS " + schema, (str(path),))  # type: ignore[union-attr]
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    conn.info[AFTER_TRANSACTION].append(_release(driver, schema, path.parent))
    return schema


def _write_staging(rows: pa.Table) -> Path:
    """A new private SQLite file, alone in a folder of its own, holding ``rows`` as table ``rows``, closed."""
    import adbc_driver_sqlite.dbapi as adbc_sqlite  # on first use: it imports pyarrow.dataset (≈ 0.25 s)

    staged = pa.table([_sqlite_stored(column) for column in rows.columns], names=rows.column_names)
    folder = Path(tempfile.mkdtemp(prefix="recon-stage-"))
    path = folder / "rows.db"
    try:
        with adbc_sqlite.connect(str(path), autocommit=True) as staging, staging.cursor() as cursor:
            cursor.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # as the database: fewer pages to write, read
            cursor.execute("PRAGMA journal_mode = OFF")  # a private, throw-away file
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.adbc_ingest("rows", staged, mode="create")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def _discard(written: list[Future[Path]]) -> None:
    """Parts not taken: the ones not begun are not written, the others removed once written."""
    for future in written:
        future.cancel()
    for future in written:
        if not future.cancelled() and future.exception() is None:
            shutil.rmtree(future.result().parent, ignore_errors=True)


def _release(driver: Any, schema: str, folder: Path) -> Callable[[], None]:
    def release() -> None:
        try:
            driver.execute(f"DETACH DATABASE {schema}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return release


def reserve_ids(conn: Connection, table: Table, count: int) -> pa.Array:
    """``count`` fresh values for ``table.id``, so parent and child rows can be loaded in bulk.

    PostgreSQL draws them from the column's sequence. On SQLite the caller must
    already hold the write lock (see :func:`adapters.db.engine.write_transaction`),
    so nobody else can take the ids between this call and the insert.
    """
    if count == 0:
        return pa.array([], pa.int64())
    if conn.dialect.name == "postgresql":
        result = conn.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%(t)s, 'id')) FROM generate_series(1, %(n)s)",
            {"t": table.name, "n": count},
        )
        return pa.array([row[0] for row in result], pa.int64())
    top = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return pa.array(range(top + 1, top + 1 + count), pa.int64())


def fetch_arrow(conn: Connection, statement: Executable, schema: pa.Schema) -> pa.Table:
    """Run ``statement`` and return its rows as an Arrow table with ``schema`` (by position).

    PostgreSQL sends the rows as CSV (``COPY (...) TO STDOUT``), which pyarrow
    parses in C; statements that cannot be rendered with literal values go
    through the cursor. SQLite is read through the ``sqlite3`` driver on purpose: a second SQLite
    library in the same process (the ADBC driver bundles its own) opening the database would
    share the file's POSIX locks without knowing it, which SQLite documents as a way to corrupt a
    database; the ADBC driver opens staging files only (:func:`_through_staging`).
    """
    if conn.dialect.name == "postgresql":
        table = _copy_out(conn, statement, schema)
        if table is not None:
            return table
    # read the driver's cursor directly: without stream_results SQLAlchemy has not pre-fetched any row
    result = conn.execute(statement)
    wire = pa.struct(
        [(f"c{i}", _wire_type(field.type, conn.dialect.name == "sqlite")) for i, field in enumerate(schema)]
    )
    batches = [_record_batch(rows, wire, schema) for rows in _row_chunks(result.cursor)]
    result.close()
    return pa.Table.from_batches(batches, schema=schema)


def fetch_bytes(conn: Connection, statement: Executable) -> bytes:
    """The one value of the one row ``statement`` returns, a byte string (a stored copy's part).

    PostgreSQL sends it in the binary format, as it is stored: in the text format the server
    writes it out as hex, twice its size, for the driver to decode (the 1M day's copies,
    143 MB: 1.06–1.22 s read as text, 0.41–0.44 s in binary).
    """
    if conn.dialect.name != "postgresql":
        value: bytes = conn.execute(statement).scalar_one()
        return value
    compiled = statement.compile(dialect=conn.dialect)  # type: ignore[attr-defined]
    cursor = conn.connection.dbapi_connection.cursor(binary=True)  # type: ignore[union-attr]
    try:
        rows = cursor.execute(str(compiled), compiled.params).fetchall()
    finally:
        cursor.close()
    if not rows:
        raise NoResultFound("no row where one was expected")
    if len(rows) > 1:
        raise MultipleResultsFound("several rows where one was expected")
    value = rows[0][0]
    return value


def _row_chunks(cursor: Any) -> Iterator[list[tuple[Any, ...]]]:
    while rows := cursor.fetchmany(CHUNK_ROWS):
        yield rows


def _wire_type(kind: pa.DataType, sqlite: bool) -> pa.DataType:
    """How the driver hands a value over: SQLite gives dates and timestamps as text, booleans as 0/1."""
    if sqlite and (pa.types.is_timestamp(kind) or pa.types.is_date(kind)):
        return pa.string()
    if sqlite and pa.types.is_boolean(kind):
        return pa.int8()
    return kind


def _record_batch(rows: list[tuple[Any, ...]], wire: pa.StructType, schema: pa.Schema) -> pa.RecordBatch:
    # the driver's tuples become one struct array in a single pass in C++; transposing them
    # into per-column Python tuples first (zip) cost three times as much at a million rows
    columns = pa.array(rows, wire).flatten()
    return pa.record_batch(
        [_from_wire(column, field.type) for column, field in zip(columns, schema, strict=True)], schema=schema
    )


def _from_wire(column: pa.Array, kind: pa.DataType) -> pa.Array:
    if column.type == kind:
        return column
    if pa.types.is_timestamp(kind):
        return column.cast(pa.timestamp(kind.unit)).cast(kind)  # the stored text is UTC
    return column.cast(kind)


def _copy_out(conn: Connection, statement: Executable, schema: pa.Schema) -> pa.Table | None:
    """``COPY (statement) TO STDOUT`` parsed by pyarrow, on the caller's connection and transaction."""
    try:
        sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]
    except (CompileError, AttributeError):
        return None
    buffer = io.BytesIO()
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
            for data in copy:
                buffer.write(data)
    finally:
        cursor.close()
    names = [f"c{i}" for i in range(len(schema))]
    if buffer.tell() == 0:
        return schema.empty_table()
    buffer.seek(0)
    table = pa_csv.read_csv(
        buffer,
        read_options=pa_csv.ReadOptions(column_names=names),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: field.type for name, field in zip(names, schema, strict=True)},
            strings_can_be_null=True,  # NULL is an unquoted empty field, '' a quoted one
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
    return table.rename_columns(schema.names).cast(schema)
