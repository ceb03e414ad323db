"""What a run reads from the input tables, as the Arrow tables of :class:`reconcile.ports.DayInputs`.

Only current data is read, over the range the core decides
(:func:`reconcile.history.history_range`): gateway transactions of current files that no
later current file supersedes (one row per gateway and ``txn_id``), the newest
version of each obligation, entries of current statements. The range is the
run's date minus :data:`~reconcile.history.LOOKBACK_DAYS` (or less than its
oldest carried item) to plus :data:`~reconcile.history.LOOKAHEAD_DAYS`, plus the
transactions outside it that the range names by id (a refund's original, the
payment the portal recorded), wherever their dates fall. A second payment of
an obligation more than ``LOOKBACK_DAYS`` after a first one the portal did
not record is therefore not seen as a duplicate: the price of reading a day
without scanning the whole history. Each piece is one
SQLAlchemy Core statement read in bulk (:func:`adapters.db.bulk.fetch_arrow`), or a columnar
copy of the rows (gateway files, obligations exports) where the rows agree with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Column, Connection, Select, and_, func, select

from adapters.db import reference
from adapters.db.arrow_copies import compact
from adapters.db.bulk import fetch_arrow
from adapters.db.gateway_copies import TXNS_WITH_FILE, read_copies
from adapters.db.gateway_identity import current_rows
from adapters.db.meta import in_lists
from adapters.db.obligation_copies import OBLIGATIONS_WITH_FILE, read_paid_on
from adapters.db.schema import (
    bank_entries,
    bank_entry_details,
    bank_statements,
    files,
    gateway_txns,
    obligations,
)
from adapters.db.user_tables import discrepancy_actions
from reconcile.columns import BANK_ENTRIES, BANK_ENTRY_DETAILS, GATEWAY_TXNS, OBLIGATIONS
from reconcile.gateways import GatewayTerms
from reconcile.history import HistoryRange, history_range
from reconcile.keysets import absent_keys
from reconcile.manual import ManualPairings, pairing_of
from reconcile.ports import AGENCIES, COVERAGE, FEE_SCHEDULE, PROVINCES, DayInputs

_WITH_FILE = TXNS_WITH_FILE
_OBLIGATIONS_WITH_FILE = OBLIGATIONS_WITH_FILE
_ENTRIES_WITH_FILE = pa.schema([*BANK_ENTRIES, ("file_id", pa.int64())])


def _current_txns() -> Select[tuple[object, ...]]:
    t = gateway_txns.c
    columns = [t[name] for name in GATEWAY_TXNS.names]
    return select(*columns, t.file_id).join(files, current_rows(t))


def read_txns(conn: Connection, start: dt.date, end: dt.date) -> pa.Table:
    """Current transactions paid in the range, from the files' columnar copies.

    Files without a copy are read from their rows. The result is in the order
    an indexed read of the rows gives: by ``paid_date``, then as stored.
    """
    copied, without = read_copies(conn, start, end)
    parts = [copied]
    if without:
        t = gateway_txns.c
        statement = _current_txns().where(t.paid_date.between(start, end), t.file_id.in_(without))
        parts.insert(0, compact(fetch_arrow(conn, statement, _WITH_FILE)))  # stored before the copies
    table = pa.concat_tables(parts)
    if _ascending(table.column("paid_date")):
        return table  # the usual day: a stable sort would give the same rows, at the cost of a copy
    return table.take(pc.sort_indices(table, [("paid_date", "ascending")]))  # a stable sort


def _ascending(dates: pa.ChunkedArray) -> bool:
    """Whether ``dates`` never decrease (a null anywhere: not known to, so no)."""
    if len(dates) < 2:
        return True
    steps = pc.greater_equal(dates.slice(1), dates.slice(0, len(dates) - 1))
    return pc.all(steps, skip_nulls=False).as_py() is True


def read_tied_txns(
    conn: Connection, txns: pa.Table, obligations_table: pa.Table, paired: Sequence[str] = ()
) -> pa.Table:
    """Transactions outside the range the range's data names by id: refunds' originals, portal records,
    transactions a manual match pairs (``paired``).

    Only the ids not already loaded are asked for, a few hundred at a time,
    so the cost follows the (few) ties, not the day's size.
    """
    named = pa.chunked_array(  # the columns' chunks side by side, not copied into one array (≈ 0.3 GB at 10M)
        [
            *pc.drop_null(txns.column("original_txn_id")).chunks,
            *obligations_table.column("portal_txn_id").chunks,
            pa.array(list(paired), pa.string()),
        ],
        pa.string(),
    )
    return _read_by_key(conn, gateway_txns.c.txn_id, absent_keys(named, txns.column("txn_id")))


def _read_by_key(conn: Connection, column: Column[str], keys: list[str]) -> pa.Table:
    parts = [
        compact(fetch_arrow(conn, _current_txns().where(column.in_(chunk)), _WITH_FILE))
        for chunk in in_lists(keys)
    ]
    return pa.concat_tables(parts) if parts else compact(_WITH_FILE.empty_table())


def read_obligations(conn: Connection, day: dt.date) -> pa.Table:
    """The obligations the portal says were paid on ``day``, from the exports' columnar copies."""
    return read_paid_on(conn, day)


def with_named_obligations(conn: Connection, table: pa.Table, named: pa.Array | pa.ChunkedArray) -> pa.Table:
    """``table`` plus the obligations of the payment codes ``named`` that it lacks."""
    missing = absent_keys(named, table.column("payment_code"))
    code = obligations.c.payment_code
    parts = [
        compact(
            fetch_arrow(
                conn,
                select(*_obligation_columns()).where(code.in_(chunk)),
                _OBLIGATIONS_WITH_FILE,
            )
        )
        for chunk in in_lists(missing)
    ]
    return pa.concat_tables([table, *parts])


def _obligation_columns() -> list[Column[object]]:
    o = obligations.c
    return [*(o[name] for name in OBLIGATIONS.names), o.file_id]


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


def read_coverage(conn: Connection, dates: HistoryRange, in_range: pa.Table) -> tuple[pa.Table, pa.Table]:
    """How far the data reaches: per account (statements' ``to_date``), per gateway (``paid_date``).

    A gateway's reach is its latest current transaction paid from ``dates.start`` on:
    the latest of ``in_range`` (the current transactions paid in the run's range, already
    read) and of those paid after the range, the only rows read here.
    """
    s = bank_statements.c
    bank = fetch_arrow(
        conn,
        select(s.account, func.max(s.to_date)).where(s.current.is_(True)).group_by(s.account),
        COVERAGE,
    )
    later = _current_txns().where(gateway_txns.c.paid_date > dates.end).subquery()
    beyond = fetch_arrow(
        conn, select(later.c.gateway, func.max(later.c.paid_date)).group_by(later.c.gateway), COVERAGE
    )
    reached = in_range.select(["gateway", "paid_date"]).unify_dictionaries()  # one dictionary to group by
    inside = reached.group_by("gateway").aggregate([("paid_date", "max")])
    inside = inside.select(["gateway", "paid_date_max"]).rename_columns(COVERAGE.names).cast(COVERAGE)
    both = pa.concat_tables([inside, beyond]).group_by("name").aggregate([("covered_to", "max")])
    gateways = both.select(["name", "covered_to_max"]).rename_columns(COVERAGE.names).cast(COVERAGE)
    return bank, gateways.sort_by("name")


def fingerprint(
    conn: Connection, *tables: pa.Table, carried_from: str | None, manual: ManualPairings | None = None
) -> str:
    """SHA-256 over the input files the run read (their own SHA-256s), the run it carried from and
    the manual matches it honoured (none: nothing added, so a run without them keeps its digest)."""
    ids: set[int] = set()
    for table in tables:
        ids.update(pc.unique(table.column("file_id")).drop_null().to_pylist())  # a few ids, not a row each
    digests = sorted(conn.execute(select(files.c.sha256).where(files.c.id.in_(sorted(ids)))).scalars())
    pairs = []
    if manual:
        pairs = sorted(
            [f"manual-credit:{ref}:{batch}" for ref, batch in manual.credits.items()]
            + [f"manual-payment:{txn}:{code}" for txn, code in manual.payments.items()]
        )
    text = "\n".join([*digests, f"carried:{carried_from or ''}", *pairs])
    return hashlib.sha256(text.encode()).hexdigest()


def read_manual_pairings(conn: Connection) -> ManualPairings:
    """The approved manual matches (:mod:`reconcile.manual`), older approvals first.

    A manual match is a ``request_manual_match`` row of ``discrepancy_actions`` naming its
    item (``item_key``) and the other item (``match_key``), approved by an ``approve`` row whose
    ``request_id`` is the request's id (the web's four-eyes workflow). A rejected or still
    pending request pairs nothing; a pair the core cannot honour is skipped.
    """
    request = discrepancy_actions.alias("request")
    approval = discrepancy_actions.alias("approval")
    statement = (
        select(request.c.item_key, request.c.match_key)
        .join(approval, and_(approval.c.request_id == request.c.id, approval.c.kind == "approve"))
        .where(request.c.kind == "request_manual_match", request.c.match_key.is_not(None))
        .order_by(approval.c.created_at, approval.c.id)
    )
    found = (pairing_of(item_key, match_key) for item_key, match_key in conn.execute(statement))
    return ManualPairings.of(pairing for pairing in found if pairing is not None)


def load_day_inputs(
    conn: Connection,
    business_date: dt.date,
    carried: pa.Table,
    carried_from: str | None,
    gateways: Mapping[str, GatewayTerms],
    decisions: Mapping[str, str],
) -> DayInputs:
    """Everything a run of ``business_date`` looks at, read in one connection."""
    calendar = reference.business_calendar(conn)
    manual = read_manual_pairings(conn)
    dates = history_range(business_date, carried, calendar, gateways)
    txns = in_range = read_txns(conn, dates.start, dates.end)
    on_day = pc.filter(txns.column("payment_code"), pc.equal(txns.column("paid_date"), business_date))
    paired_codes = pa.array(list(manual.payments.values()), pa.string())
    named = pa.chunked_array(
        [*on_day.chunks, *carried.column("payment_code").chunks, paired_codes], pa.string()
    )
    obligations_table = with_named_obligations(conn, read_obligations(conn, business_date), named)
    tied = read_tied_txns(conn, txns, obligations_table, list(manual.payments))
    if tied.num_rows:
        txns = pa.concat_tables([txns, tied])
        obligations_table = with_named_obligations(conn, obligations_table, tied.column("payment_code"))
    entries, details = read_entries(conn, dates.start, dates.entries_end)
    bank, gateway = read_coverage(conn, dates, in_range)
    provinces = reference.provinces_table(conn).select(PROVINCES.names).cast(PROVINCES)
    return DayInputs(
        business_date=business_date,
        obligations=obligations_table.drop_columns(["file_id"]),
        txns=txns.drop_columns(["file_id"]),
        entries=entries.drop_columns(["file_id"]),
        details=details,
        provinces=provinces,
        tax_rates=reference.tax_rates_table(conn),
        fee_schedule=reference.fee_schedule_table(conn, channel="online").select(FEE_SCHEDULE.names),
        bank_coverage=bank,
        gateway_coverage=gateway,
        carried=carried,
        calendar=calendar,
        gateways=gateways,
        fingerprint=fingerprint(
            conn, txns, obligations_table, entries, carried_from=carried_from, manual=manual
        ),
        merges=reference.province_merges(conn),
        decisions=decisions,
        agencies=reference.agencies_table(conn).select(AGENCIES.names).cast(AGENCIES),
        manual=manual,
    )
