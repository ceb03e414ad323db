"""What a run reads from the input tables, as the Arrow tables of :class:`reconcile.ports.DayInputs`.

Only current data is read: gateway transactions of current files, the newest
version of each obligation, entries of current statements. The range is the
run's date minus :data:`~reconcile.ports.LOOKBACK_DAYS` (or less than its
oldest carried item) to plus :data:`~reconcile.ports.LOOKAHEAD_DAYS`, plus the
transactions that share a payment code, a batch, a refund's original or a
portal's recorded id with the day, wherever their dates fall. Each piece is one
SQLAlchemy Core statement read in bulk (:func:`adapters.db.bulk.fetch_arrow`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Select, and_, func, select, union

from adapters.db import reference
from adapters.db.bulk import fetch_arrow
from adapters.db.schema import (
    bank_entries,
    bank_entry_details,
    bank_statements,
    files,
    gateway_txns,
    obligations,
)
from reconcile.columns import BANK_ENTRIES, BANK_ENTRY_DETAILS, GATEWAY_TXNS, OBLIGATIONS
from reconcile.ports import (
    COVERAGE,
    FEE_SCHEDULE,
    LOOKAHEAD_DAYS,
    LOOKBACK_DAYS,
    MAX_CARRY_DAYS,
    PROVINCES,
    DayInputs,
    GatewayTerms,
)

_WITH_FILE = pa.schema([*GATEWAY_TXNS, ("file_id", pa.int64())])
_OBLIGATIONS_WITH_FILE = pa.schema([*OBLIGATIONS, ("file_id", pa.int64())])
_ENTRIES_WITH_FILE = pa.schema([*BANK_ENTRIES, ("file_id", pa.int64())])


def load_range(business_date: dt.date, carried: pa.Table) -> tuple[dt.date, dt.date]:
    """The first and last date of the history a run of ``business_date`` reads."""
    oldest = pc.min(carried.column("business_date")).as_py() if carried.num_rows else None
    start = min(business_date, oldest or business_date) - dt.timedelta(days=LOOKBACK_DAYS)
    start = max(start, business_date - dt.timedelta(days=MAX_CARRY_DAYS + LOOKBACK_DAYS))
    return start, business_date + dt.timedelta(days=LOOKAHEAD_DAYS)


def _current_txns() -> Select[tuple[object, ...]]:
    t = gateway_txns.c
    columns = [t[name] for name in GATEWAY_TXNS.names]
    return select(*columns, t.file_id).join(files, and_(files.c.id == t.file_id, files.c.current.is_(True)))


def read_txns(conn: Connection, day: dt.date, start: dt.date, end: dt.date) -> pa.Table:
    """Current transactions of the range, and those tied to the day's by code, refund or portal id."""
    t = gateway_txns.c
    in_range = _current_txns().where(t.paid_date.between(start, end))
    day_codes = select(t.payment_code).where(t.paid_date == day)
    originals = select(t.original_txn_id).where(
        t.paid_date.between(start, end), t.original_txn_id.is_not(None)
    )
    o = obligations.c
    recorded = select(o.portal_txn_id).where(o.portal_paid_date.between(start, end))
    day_batches = select(t.batch_id).where(t.paid_date == day)
    statement = union(
        in_range,
        _current_txns().where(t.payment_code.in_(day_codes)),
        _current_txns().where(t.batch_id.in_(day_batches)),
        _current_txns().where(t.txn_id.in_(originals)),
        _current_txns().where(t.txn_id.in_(recorded)),
    )
    return fetch_arrow(conn, statement, _WITH_FILE)


def read_obligations(conn: Connection, start: dt.date, end: dt.date, txns: pa.Table) -> pa.Table:
    """The obligations the transactions name, and those the portal says were paid in the range."""
    o = obligations.c
    t = gateway_txns.c
    columns = [o[name] for name in OBLIGATIONS.names]
    named = select(t.payment_code).where(t.paid_date.between(start, end))
    statement = union(
        select(*columns, o.file_id).where(o.portal_paid_date.between(start, end)),
        select(*columns, o.file_id).where(o.payment_code.in_(named)),
    )
    table = fetch_arrow(conn, statement, _OBLIGATIONS_WITH_FILE)
    codes = set(txns.column("payment_code").drop_null().to_pylist()) - set(
        table.column("payment_code").to_pylist()
    )
    if codes:  # codes named only by transactions outside the range (an old duplicate's obligation)
        extra = select(*columns, o.file_id).where(o.payment_code.in_(sorted(codes)))
        table = pa.concat_tables([table, fetch_arrow(conn, extra, _OBLIGATIONS_WITH_FILE)])
    return table


def read_entries(conn: Connection, start: dt.date, end: dt.date) -> tuple[pa.Table, pa.Table]:
    """Entries of current statements booked in the range, and their ``TxDtls``."""
    e, s, d = bank_entries.c, bank_statements.c, bank_entry_details.c
    current = and_(s.id == e.statement_row_id, s.current.is_(True))
    columns = [e.id, *(e[name] for name in BANK_ENTRIES.names if name != "entry_id"), s.file_id]
    entries = fetch_arrow(
        conn,
        select(*columns).join(bank_statements, current).where(e.booking_date.between(start, end)),
        _ENTRIES_WITH_FILE,
    )
    in_range = select(e.id).join(bank_statements, current).where(e.booking_date.between(start, end))
    details = fetch_arrow(
        conn,
        select(d.entry_id, d.end_to_end_id, d.amount, d.remittance).where(d.entry_id.in_(in_range)),
        BANK_ENTRY_DETAILS,
    )
    return entries, details


def read_coverage(conn: Connection, start: dt.date, end: dt.date) -> tuple[pa.Table, pa.Table]:
    """How far the data reaches: per account (statements' ``to_date``), per gateway (``paid_date``)."""
    s = bank_statements.c
    bank = fetch_arrow(
        conn,
        select(s.account, func.max(s.to_date)).where(s.current.is_(True)).group_by(s.account),
        COVERAGE,
    )
    current = _current_txns().where(gateway_txns.c.paid_date.between(start, end)).subquery()
    gateways = fetch_arrow(
        conn, select(current.c.gateway, func.max(current.c.paid_date)).group_by(current.c.gateway), COVERAGE
    )
    return bank, gateways


def fingerprint(conn: Connection, *tables: pa.Table, carried_from: str | None) -> str:
    """SHA-256 over the input files the run read (their own SHA-256s) and the run it carried from."""
    ids: set[int] = set()
    for table in tables:
        ids |= set(table.column("file_id").drop_null().to_pylist())
    digests = sorted(conn.execute(select(files.c.sha256).where(files.c.id.in_(sorted(ids)))).scalars())
    text = "\n".join([*digests, f"carried:{carried_from or ''}"])
    return hashlib.sha256(text.encode()).hexdigest()


def load_day_inputs(
    conn: Connection,
    business_date: dt.date,
    carried: pa.Table,
    carried_from: str | None,
    gateways: Mapping[str, GatewayTerms],
    decisions: Mapping[str, str],
) -> DayInputs:
    """Everything a run of ``business_date`` looks at, read in one connection."""
    start, end = load_range(business_date, carried)
    txns = read_txns(conn, business_date, start, end)
    obligations_table = read_obligations(conn, start, end, txns)
    entries, details = read_entries(conn, start, end)
    bank, gateway = read_coverage(conn, start, end)
    provinces = reference.provinces_table(conn).select(PROVINCES.names).cast(PROVINCES)
    return DayInputs(
        business_date=business_date,
        obligations=obligations_table.drop_columns(["file_id"]),
        txns=txns.drop_columns(["file_id"]),
        entries=entries.drop_columns(["file_id"]),
        details=details,
        provinces=provinces,
        tax_rates=reference.tax_rates_table(conn),
        fee_schedule=reference.fee_schedule_table(conn).select(FEE_SCHEDULE.names),
        bank_coverage=bank,
        gateway_coverage=gateway,
        carried=carried,
        calendar=reference.business_calendar(conn),
        gateways=gateways,
        fingerprint=fingerprint(conn, txns, obligations_table, entries, carried_from=carried_from),
        merges=reference.province_merges(conn),
        decisions=decisions,
    )
