"""What a parsed file puts into the database: obligations, gateway transactions, bank statements.

Each function runs inside the caller's transaction, after the file's row is
written, and loads in bulk (:mod:`adapters.db.bulk`). Obligations go to the
append-only ``obligation_history`` by ``COPY``/``executemany`` and from there,
in SQL, into ``obligations`` (``INSERT ... ON CONFLICT DO UPDATE``): the last
row of a payment code wins, within a file and across files; each export also
keeps a columnar copy for runs (:mod:`adapters.db.obligation_copies`). Bank statements
are versioned one by one by their business identity.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Executable, Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.db.bulk import bulk_insert, reserve_ids
from adapters.db.gateway_copies import write_copy
from adapters.db.obligation_copies import write_copy as write_obligation_copy
from adapters.db.schema import (
    bank_entries,
    bank_entry_details,
    bank_statements,
    gateway_txns,
    obligation_history,
    obligations,
)
from reconcile.columns import GATEWAY_TXNS, OBLIGATIONS
from reconcile.records import BankStatement


def _with_file_id(table: pa.Table, names: list[str], file_id: int) -> pa.Table:
    present = [name for name in names if name in table.column_names]
    selected = table.select(present)
    return selected.append_column("file_id", pa.repeat(pa.scalar(file_id, pa.int64()), selected.num_rows))


def store_obligations(conn: Connection, file_id: int, table: pa.Table) -> None:
    """Append every row to the history, make the newest version of each payment code current,
    and keep the export's columnar copy (in the file's order).

    On SQLite the history rows are appended in payment-code order (a stable sort: a code's
    rows keep their file order, so the last still wins), and the register, upserted from them
    in the order of their ids, has its key's index written page by page instead of at random:
    at a million rows the upsert takes 1.0–1.1 s instead of 2.0–2.5, the sort 0.7–0.8. Sorting
    inside SQLite instead makes the upsert slower (2.6 → 4.4 s). PostgreSQL sorts in its upsert,
    see below.
    """
    rows = _with_file_id(table, OBLIGATIONS.names, file_id)
    history = rows if conn.dialect.name == "postgresql" else rows.take(pc.sort_indices(rows["payment_code"]))
    # ingestion holds the write lock, so this file's history rows are exactly those past `before`
    before = conn.execute(select(func.coalesce(func.max(obligation_history.c.id), 0))).scalar_one()
    bulk_insert(conn, obligation_history, history)
    del history  # the sorted copy is not needed once its rows are in; its memory goes back now
    conn.execute(_upsert_from_history(conn, rows.column_names, file_id, before))
    write_obligation_copy(conn, file_id, rows)


def _upsert_from_history(conn: Connection, names: list[str], file_id: int, before: int) -> Executable:
    """The file's history rows into the register, the newest version of each payment code."""
    h = obligation_history.c
    source = select(*(h[name] for name in names)).where(h.id > before, h.file_id == file_id)
    if conn.dialect.name == "postgresql":
        # Sorted by payment code, the primary key's index is written page by page instead of
        # at random (at 10M rows: 136 → 68 s into an empty register, 186 → 76 s into a full
        # one). ON CONFLICT may not touch a row twice in one statement, so repeated codes
        # (which the parser refuses) are taken once, newest first, in the same sort.
        newest = source.ext(postgresql.distinct_on(h.payment_code)).order_by(h.payment_code, h.id.desc())
        pg = postgresql.insert(obligations).from_select(names, newest)
        return pg.on_conflict_do_update(index_elements=["payment_code"], set_=_excluded(pg, names))
    lite = sqlite.insert(obligations).from_select(names, source.order_by(h.id))
    return lite.on_conflict_do_update(index_elements=["payment_code"], set_=_excluded(lite, names))


def _excluded(statement: postgresql.Insert | sqlite.Insert, names: list[str]) -> dict[str, Any]:
    return {name: statement.excluded[name] for name in names if name != "payment_code"}


def store_gateway_txns(conn: Connection, file_id: int, table: pa.Table) -> None:
    """Every transaction of the file, ``line`` included, and its columnar copy; current while the file is."""
    rows = _with_file_id(table, GATEWAY_TXNS.names, file_id)
    bulk_insert(conn, gateway_txns, rows)
    write_copy(conn, file_id, rows)


@dataclass(slots=True)
class StatementsStored:
    """What storing a file's statements did."""

    stored: int = 0
    corrections: int = 0
    warnings: list[str] = field(default_factory=list)


def store_statements(
    conn: Connection, file_id: int, statements: tuple[BankStatement, ...]
) -> StatementsStored:
    """Store each statement as a new version of its identity, unless the same content is already current."""
    outcome = StatementsStored()
    kept: list[tuple[int, BankStatement]] = []
    for statement in statements:
        content = hashlib.sha256(repr(statement).encode()).hexdigest()
        previous = _current_statement(conn, statement.identity)
        if previous is not None and previous[2] == content:
            outcome.warnings.append(
                f"statement {statement.statement_id} of account {statement.account} "
                "is already stored with the same content; the stored one is kept"
            )
            continue
        version = 1
        if previous is not None:
            conn.execute(
                update(bank_statements).where(bank_statements.c.id == previous[0]).values(current=False)
            )
            version = previous[1] + 1
            outcome.corrections += 1
        row_id = _insert_statement(conn, file_id, statement, version, previous, content)
        kept.append((row_id, statement))
    outcome.stored = len(kept)
    _store_entries(conn, kept)
    return outcome


def _current_statement(conn: Connection, identity: str) -> tuple[int, int, str] | None:
    s = bank_statements.c
    query = select(s.id, s.version, s.content_sha256).where(s.identity == identity, s.current.is_(True))
    row = conn.execute(query).first()
    return None if row is None else (row.id, row.version, row.content_sha256)


def _insert_statement(
    conn: Connection,
    file_id: int,
    statement: BankStatement,
    version: int,
    previous: tuple[int, int, str] | None,
    content: str,
) -> int:
    opening, closing = statement.opening, statement.closing
    values = {
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
    row_id: int = conn.execute(
        insert(bank_statements).values(**values).returning(bank_statements.c.id)
    ).scalar_one()
    return row_id


def _store_entries(conn: Connection, kept: list[tuple[int, BankStatement]]) -> None:
    entries = [entry for _, statement in kept for entry in statement.entries]
    ids = reserve_ids(conn, bank_entries, len(entries)).to_pylist()
    columns: dict[str, list[object]] = {
        "id": ids,
        "statement_row_id": [row_id for row_id, statement in kept for _ in statement.entries],
        "account": [statement.account for _, statement in kept for _ in statement.entries],
        "direction": [entry.direction.value for entry in entries],
    }
    for name in _ENTRY_FIELDS:
        columns[name] = list(map(attrgetter(name), entries))
    _bulk(conn, bank_entries, columns)
    details = [
        (entry_id, detail) for entry_id, entry in zip(ids, entries, strict=True) for detail in entry.details
    ]
    _bulk(
        conn,
        bank_entry_details,
        {
            "entry_id": [entry_id for entry_id, _ in details],
            "end_to_end_id": [detail.end_to_end_id for _, detail in details],
            "amount": [detail.amount for _, detail in details],
            "remittance": [detail.remittance for _, detail in details],
            "references": [_references(detail.references) for _, detail in details],
        },
    )


#: The entry's own fields stored as they are, each read for all entries at once.
_ENTRY_FIELDS = (
    "currency",
    "amount",
    "booking_date",
    "value_date",
    "reversal",
    "status",
    "bank_ref",
    "end_to_end_id",
    "remittance",
    "charges",
    "position",
    "owner_ref",
    "purpose",
)


def _references(references: tuple[str, ...]) -> str:
    """A detail's references as a JSON list (most details have none: ``[]`` without the encoder)."""
    return json.dumps(list(references), ensure_ascii=False) if references else "[]"


def _bulk(conn: Connection, table: Table, columns: dict[str, list[object]]) -> None:
    arrays = {name: pa.array(values, _arrow_type(table, name)) for name, values in columns.items()}
    bulk_insert(conn, table, pa.table(arrays))


def _arrow_type(table: Table, name: str) -> pa.DataType:
    python_type = table.c[name].type.python_type
    return {int: pa.int64(), str: pa.string(), bool: pa.bool_()}.get(python_type, pa.date32())
