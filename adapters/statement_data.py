"""Build a province's settlement statement for a business date from the database.

The statement (:class:`reports.statement_model.SettlementStatement`) lists
the gateway settlement batches due to the province's treasury account whose
business date is D (the latest ``paid_date`` of their transactions, as the
run counts it), from the transactions a run counts (current files, each
transaction once); the bank credits that settle them
(:mod:`adapters.statement_credits`); and the province's discrepancies in the
latest run of D that covered it.

A batch's status follows the run's rules: no credit, or a credit that
differs, is a break only once the account's statements reach the end of the
batch's window (else ``pending``); a credit booked after the window is
``late``. When a run flagged the batch, its verdict wins, so the statement
and the discrepancy report never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Select, case, func, select

from adapters.db.gateway_identity import current_rows
from adapters.db.reference import business_calendar
from adapters.db.schema import bank_statements, files, gateway_txns, provinces
from adapters.settings import GatewaySettings
from adapters.statement_credits import BatchTarget, link_credits, load_entries
from adapters.statement_runs import RunDiscrepancies, load_run_discrepancies
from reconcile.calendar import BusinessCalendar
from reconcile.errors import NotFoundError
from reconcile.ports import LOOKAHEAD_DAYS, LOOKBACK_DAYS
from reports.statement_model import (
    BankCredit,
    BatchStatus,
    GatewaySection,
    SettlementStatement,
    StatementBatch,
    expected_credit,
)

GatewayTermsOf = Callable[[str], GatewaySettings]


@dataclass(frozen=True, slots=True)
class _BatchSums:
    gateway: str
    batch_id: str
    settlement_date: dt.date | None
    transactions: int
    collected: int
    refunded: int
    fees: int


def build_statement(
    conn: Connection,
    province_code: str,
    business_date: dt.date,
    terms_of: GatewayTermsOf | None = None,
) -> SettlementStatement:
    """The statement of ``province_code`` for ``business_date``; unknown province: NotFoundError.

    ``terms_of`` gives a gateway's settlement window and fee mode
    (``Settings.gateway``); without it every gateway settles in 1 business day, gross.
    The latest run of the date that covered the province gives the discrepancies and
    the verdict on each batch it flagged.
    """
    terms = terms_of or (lambda name: GatewaySettings(name=name))
    name, account = _province(conn, province_code)
    run = load_run_discrepancies(conn, province_code, business_date)
    sections = _sections(conn, account, business_date, terms, run)
    return SettlementStatement(
        province_code=province_code,
        province_name=name,
        treasury_account=account,
        business_date=business_date,
        gateways=tuple(
            GatewaySection(gateway, terms(gateway).fee_mode, tuple(batches))
            for gateway, batches in sorted(sections.items())
        ),
        discrepancies=run.discrepancies,
        run_id=run.run_id,
        run_version=run.version,
    )


def _sections(
    conn: Connection,
    account: str,
    business_date: dt.date,
    terms: GatewayTermsOf,
    run: RunDiscrepancies,
) -> dict[str, list[StatementBatch]]:
    """The day's batches to ``account`` per gateway, each with its credits and status."""
    sums = _batch_sums(conn, account, business_date)
    calendar = business_calendar(conn)
    targets = {s.batch_id: _target(s, terms(s.gateway), business_date, calendar) for s in sums}
    entries = load_entries(
        conn,
        account,
        business_date - dt.timedelta(days=LOOKBACK_DAYS),
        business_date + dt.timedelta(days=LOOKAHEAD_DAYS),
    )
    credits = link_credits(entries, list(targets.values()), _txn_batches(conn, account, business_date))
    covered_to = _covered_to(conn, account)
    sections: dict[str, list[StatementBatch]] = {}
    for s in sums:
        target = targets[s.batch_id]
        status = _status(credits[s.batch_id], target, covered_to, run.batch_verdict(s.batch_id))
        batch = StatementBatch(
            s.batch_id,
            s.settlement_date,
            s.transactions,
            s.collected,
            s.refunded,
            s.fees,
            target.expected,
            credits[s.batch_id],
            status,
        )
        sections.setdefault(s.gateway, []).append(batch)
    return sections


def _province(conn: Connection, code: str) -> tuple[str, str]:
    p = provinces.c
    row = conn.execute(select(p.name, p.treasury_account).where(p.code == code)).first()
    if row is None:
        raise NotFoundError("province", code)
    return row.name, row.treasury_account


def _batch_ids(account: str, business_date: dt.date) -> Select[tuple[str | None]]:
    """Batches to the account with a transaction paid on D (their business date is at least D)."""
    t = gateway_txns.c
    return (
        select(t.batch_id)
        .join_from(gateway_txns, files, current_rows(t))
        .where(t.paid_date == business_date, t.treasury_account == account)
        .where(t.batch_id.is_not(None))
        .distinct()
    )


def _batch_sums(conn: Connection, account: str, business_date: dt.date) -> list[_BatchSums]:
    t = gateway_txns.c

    def total(status: str) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((t.status == status, t.amount_vnd), else_=0)), 0)

    query = (
        select(
            t.gateway,
            t.batch_id,
            func.min(t.settlement_date).label("settlement_date"),
            func.count().label("transactions"),
            total("SUCCESS").label("collected"),
            total("REFUND").label("refunded"),
            func.coalesce(func.sum(t.fee_vnd), 0).label("fees"),
        )
        .join_from(gateway_txns, files, current_rows(t))
        .where(t.treasury_account == account)
        .where(t.batch_id.in_(_batch_ids(account, business_date)))
        .group_by(t.gateway, t.batch_id)
        .having(func.max(t.paid_date) == business_date)
        .order_by(t.gateway, t.batch_id)
    )
    return [
        _BatchSums(
            row.gateway,
            row.batch_id,
            row.settlement_date,
            int(row.transactions),
            int(row.collected),
            int(row.refunded),
            int(row.fees),
        )
        for row in conn.execute(query)
    ]


def _txn_batches(conn: Connection, account: str, business_date: dt.date) -> dict[str, str]:
    """``txn_id → batch_id`` for the statement's batches, to read batch-booked ``TxDtls``."""
    t = gateway_txns.c
    query = (
        select(t.txn_id, t.batch_id)
        .join_from(gateway_txns, files, current_rows(t))
        .where(t.batch_id.in_(_batch_ids(account, business_date)))
    )
    return {row.txn_id: row.batch_id for row in conn.execute(query)}


def _target(
    sums: _BatchSums, terms: GatewaySettings, day: dt.date, calendar: BusinessCalendar
) -> BatchTarget:
    expected = expected_credit(sums.collected, sums.refunded, sums.fees, terms.fee_mode)
    return BatchTarget(sums.batch_id, expected, day, calendar.add(day, terms.settlement_days))


def _covered_to(conn: Connection, account: str) -> dt.date | None:
    """How far the account's current statements reach: windows are judged against the data."""
    s = bank_statements.c
    query = select(func.max(s.to_date)).where(s.account == account, s.current.is_(True))
    covered: dt.date | None = conn.execute(query).scalar()
    return covered


def _status(
    credits: tuple[BankCredit, ...],
    target: BatchTarget,
    covered_to: dt.date | None,
    verdict: BatchStatus | None,
) -> BatchStatus:
    if verdict is not None:
        return verdict
    credited = sum(credit.amount for credit in credits)
    covered = covered_to is not None and covered_to >= target.window_end
    # A batch whose refunds cancel its collections is settled by no credit at all.
    if credited == target.expected and (credits or target.expected == 0):
        last = max((c.booking_date for c in credits if c.booking_date), default=None)
        return BatchStatus.LATE if last is not None and last > target.window_end else BatchStatus.MATCHED
    if not covered:
        return BatchStatus.PENDING
    return BatchStatus.MISSING if credited == 0 else BatchStatus.MISMATCH
