"""Which gateway transactions count: files by (gateway, file name), transactions by (gateway, txn_id).

DESIGN.md §4: gateways send several files a day and every one adds its
transactions; a file with the same gateway and file name as a current one is
a correction of it (its rows replace that file's, and the rows it no longer
carries are withdrawn); a transaction carried again by another file counts
once, the latest file's row being the one used.

Nothing is deleted or rewritten. A correction makes the earlier file not
current. A transaction carried again is recorded in
``gateway_txn_supersessions``: when file N is stored, every row of a current
file with one of N's (gateway, txn_id) is superseded by N. So the row a run
reads for a transaction is the one of the latest current file carrying it,
whatever is corrected later (withdrawing a transaction from N brings back the
earlier file's row, which N only hid). Each function runs in the ingesting
transaction, after N's rows are stored (but :func:`any_stored_between`, before),
with SQL over whole sets of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from adapters.db.meta import Id
from adapters.db.schema import files, gateway_txn_supersessions, gateway_txns

#: The columns whose values make a transaction's content (``line`` and ``paid_date`` follow from them).
CONTENT = (
    "payment_code",
    "province_code",
    "treasury_account",
    "amount_vnd",
    "fee_vnd",
    "status",
    "paid_at",
    "settlement_date",
    "batch_id",
    "original_txn_id",
)


def identity_gateways(identity: str) -> frozenset[str]:
    """The gateways an identity names (``gateway:a+b:…`` → {a, b})."""
    parts = identity.split(":", 2)
    return frozenset(parts[1].split("+")) if len(parts) == 3 and parts[0] == "gateway" else frozenset()


@dataclass(frozen=True, slots=True)
class EarlierFile:
    """A current gateway file that a new one of the same gateway and name corrects."""

    id: int
    path: str
    version: int
    ingested_at: dt.datetime
    gateways: frozenset[str]


def same_name_files(conn: Connection, gateways: Iterable[str], name: str) -> list[EarlierFile]:
    """Current gateway files named ``name`` that carry one of ``gateways``, oldest first.

    A file without transactions names no gateway: it corrects every current gateway
    file of its name (a gateway re-sending a file to say it holds nothing after all).
    """
    wanted = frozenset(gateways)
    f = files.c
    query = (
        select(f.id, f.path, f.version, f.identity, f.ingested_at)
        .where(f.current.is_(True), f.path == name, f.identity.like("gateway:%"))
        .order_by(f.ingested_at, f.id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found = [
        EarlierFile(row.id, row.path, row.version or 1, row.ingested_at, identity_gateways(row.identity))
        for row in conn.execute(query)
    ]
    return [e for e in found if e.gateways & wanted or not wanted]


def retire_files(conn: Connection, earlier: list[EarlierFile]) -> None:
    conn.execute(update(files).where(files.c.id.in_([e.id for e in earlier])).values(current=False))


def _same_key(row: Any, other: Any) -> ColumnElement[bool]:
    return and_(row.txn_id == other.txn_id, row.gateway == other.gateway)


def correction_warning(conn: Connection, file_id: int, earlier: list[EarlierFile]) -> str:
    """What the new file ``file_id`` did to the rows of the files it corrects."""
    old, new = gateway_txns.alias("old"), gateway_txns.alias("new")
    carried = exists().where(_same_key(new.c, old.c), new.c.file_id == file_id)
    replaced_rows = func.coalesce(func.sum(case((carried, 1), else_=0)), 0)
    query = select(func.count(), replaced_rows).where(old.c.file_id.in_([e.id for e in earlier]))
    total, replaced = (int(value) for value in conn.execute(query).one())
    names = ", ".join(f"{e.path} (version {e.version}, {e.ingested_at:%Y-%m-%d %H:%M} UTC)" for e in earlier)
    return (
        f"correction of {names}: of its {total} transaction(s), {replaced} replaced by this file's "
        f"and {total - replaced} withdrawn (no longer in the file)"
    )


@dataclass(frozen=True, slots=True)
class CarriedAgain:
    """How many of a new file's transactions current files already carried, by whether they changed."""

    same: int = 0
    changed: int = 0
    warnings: tuple[str, ...] = ()


def any_stored_between(conn: Connection, first: str, last: str) -> bool:
    """Whether any stored transaction, of any file, has a ``txn_id`` from ``first`` to ``last``
    (in the order of their bytes, which the ``txn_id`` index keeps): one look into the index.

    Asked before a new file's rows are stored, with the least and the greatest of their ids: if
    no stored id lies in that range, no stored row shares an id with the file, and
    :func:`supersede_carried` would look each of its rows up to find nothing (at a million
    payments a day, 2 s of PostgreSQL's store). A gateway's ids mostly grow with time (dated,
    or from a sequence), so a day's file seldom spans the ids of another; one that does, as a
    file carrying an earlier transaction again must, is looked up row by row.
    """
    t = gateway_txns.c
    return bool(conn.execute(select(exists().where(t.txn_id.between(first, last)))).scalar())


def supersede_carried(conn: Connection, file_id: int, after_row_id: int) -> CarriedAgain:
    """Supersede the rows of current files that carry one of file ``file_id``'s transactions.

    The file's rows are the ids past ``after_row_id`` (ingestion holds the write
    lock), read by the primary key, not by a scan for ``file_id``.
    """
    old, new = gateway_txns.alias("old"), gateway_txns.alias("new")
    changed = or_(*(old.c[name].is_distinct_from(new.c[name]) for name in CONTENT))
    same_key = and_(old.c.txn_id == _looked_up(conn, new.c.txn_id), old.c.gateway == new.c.gateway)
    pairs = (
        select(old.c.file_id, old.c.txn_id, old.c.gateway, old.c.paid_date, changed.label("changed"))
        .select_from(new)
        .join(old, same_key)
        .join(files, and_(files.c.id == old.c.file_id, files.c.current.is_(True)))
        .where(new.c.id > after_row_id, new.c.file_id == file_id, old.c.file_id != file_id)
    )
    s = gateway_txn_supersessions.c
    source = pairs.add_columns(literal(file_id, Id).label("by_file_id"))
    columns = ["file_id", "txn_id", "gateway", "paid_date", "changed", "by_file_id"]
    with _rows_looked_up_one_by_one(conn):
        conn.execute(insert(gateway_txn_supersessions).from_select([s[c] for c in columns], source))
    return _carried_again(conn, file_id)


def _looked_up(conn: Connection, key: ColumnElement[Any]) -> ColumnElement[Any]:
    """The new file's ``key``, as the value each of its rows looks up in the stored rows' index.

    On SQLite the key's own index is hidden from the planner (``+new.txn_id``), which otherwise
    scans every stored row and looks each up among the new file's: a cost that grows with the
    days stored (0.34 s for the last file of a 1M day, each later day more). Hidden, the join
    reads the new file's rows by their ids and looks each up in the ``txn_id`` index (0.07 s),
    whatever is stored. PostgreSQL hashes one side and is not told.
    """
    if conn.dialect.name != "sqlite":
        return key
    return UnaryExpression(key, operator=operators.custom_op("+"), type_=key.type)


#: PostgreSQL's planner settings while a new file's rows look up the stored ones (see below).
_LOOKUPS = {"enable_hashjoin": "off", "enable_mergejoin": "off", "jit": "off"}


@contextmanager
def _rows_looked_up_one_by_one(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, the join of a new file's rows to the stored ones made by index lookups.

    The file's rows were stored in this transaction, so the planner's statistics do not know
    them: it takes them for a few thousand and hashes them against every current row, read
    in full. That cost grows with the days stored: at one day of a million payments the last
    file's join took 0.90 s (839 000 rows read); looked up in the ``txn_id`` index one by one,
    0.25 s, whatever is stored. The estimate of such a plan also sets off JIT compilation,
    which costs more than it saves here. The settings hold for the one statement: set local
    to the transaction, and put back after it. SQLite: see :func:`_looked_up`.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    names = list(_LOOKUPS)
    before = conn.execute(select(*(func.current_setting(name) for name in names))).one()
    _set_locally(conn, _LOOKUPS)
    yield  # a failure rolls the transaction back, and these settings with it
    _set_locally(conn, dict(zip(names, before, strict=True)))


def _set_locally(conn: Connection, settings: dict[str, str]) -> None:
    conn.execute(select(*(func.set_config(name, value, True) for name, value in settings.items())))


def superseded(row: Any) -> ColumnElement[bool]:
    """Whether the ``gateway_txns`` row ``row`` is superseded by a current file's (it is history)."""
    s = gateway_txn_supersessions.c
    by = files.alias("by_file")
    return exists().where(
        s.file_id == row.file_id,
        s.txn_id == row.txn_id,
        s.gateway == row.gateway,
        by.c.id == s.by_file_id,
        by.c.current.is_(True),
    )


def _was_counted(file_id: int) -> Select[Any]:
    """The rows ``file_id`` just superseded that were counted until then (no other current file hid them)."""
    s = gateway_txn_supersessions.alias("s")
    other = gateway_txn_supersessions.alias("other")
    by = files.alias("by_file")
    hidden_before = exists().where(
        other.c.file_id == s.c.file_id,
        other.c.txn_id == s.c.txn_id,
        other.c.by_file_id != file_id,
        by.c.id == other.c.by_file_id,
        by.c.current.is_(True),
    )
    return select(s.c.file_id, s.c.txn_id, s.c.changed).where(s.c.by_file_id == file_id, ~hidden_before)


def _carried_again(conn: Connection, file_id: int) -> CarriedAgain:
    visible = _was_counted(file_id).subquery()
    query = select(visible.c.changed, func.count()).group_by(visible.c.changed)
    counts = {bool(flag): int(n) for flag, n in conn.execute(query)}
    same, different = counts.get(False, 0), counts.get(True, 0)
    warnings = []
    if same:
        txn_id, path, _ = conn.execute(_example(visible, changed=False)).one()
        warnings.append(
            f"{same} transaction(s) already carried by other files with the same content "
            f"(e.g. {txn_id} in {path}): each counts once"
        )
    if different:
        txn_id, path, old_file = conn.execute(_example(visible, changed=True)).one()
        differences = ", ".join(_differences(conn, txn_id, old_file, file_id))
        warnings.append(
            f"{different} transaction(s) carried by other files with different content "
            f"(e.g. {txn_id} in {path}: {differences}): this file's rows are used, "
            "the earlier ones are kept as history"
        )
    return CarriedAgain(same, different, tuple(warnings))


def _example(visible: Any, *, changed: bool) -> Select[Any]:
    return (
        select(visible.c.txn_id, files.c.path, files.c.id)
        .join(files, files.c.id == visible.c.file_id)
        .where(visible.c.changed == changed)
        .order_by(visible.c.txn_id, files.c.id)
        .limit(1)
    )


def _differences(conn: Connection, txn_id: str, old_file: int, new_file: int) -> list[str]:
    """``amount_vnd 900000 → 1000000``, for each content column that differs (one example row)."""
    t = gateway_txns.c
    query = select(t.file_id, *(t[name] for name in CONTENT)).where(
        t.txn_id == txn_id, t.file_id.in_([old_file, new_file])
    )
    rows = {row.file_id: row for row in conn.execute(query)}
    before, after = rows[old_file], rows[new_file]
    return [
        f"{name} {getattr(before, name)} → {getattr(after, name)}"
        for name in CONTENT
        if getattr(before, name) != getattr(after, name)
    ]


def current_rows(row: Any) -> ColumnElement[bool]:
    """The ``gateway_txns`` rows a run counts: of a current file, not superseded (join ``files``)."""
    return and_(files.c.id == row.file_id, files.c.current.is_(True), ~superseded(row))


def last_row_id(conn: Connection) -> int:
    """The highest ``gateway_txns`` id so far: a file stored next gets the ids past it."""
    return int(conn.execute(select(func.coalesce(func.max(gateway_txns.c.id), 0))).scalar_one())


def superseded_rows(start: dt.date, end: dt.date) -> Select[Any]:
    """(file_id, txn_id) of the rows paid from ``start`` to ``end`` that current files supersede."""
    s = gateway_txn_supersessions.c
    return (
        select(s.file_id, s.txn_id)
        .join(files, and_(files.c.id == s.by_file_id, files.c.current.is_(True)))
        .where(s.paid_date.between(start, end))
        .distinct()
    )
