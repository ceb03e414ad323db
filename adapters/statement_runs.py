"""The run behind a statement: its discrepancies for the province, and its verdict on each batch.

A statement shows the latest run of its date that covered the province (a
run for all provinces, or one limited to a list that names it), read in the
statement's own transaction. The run's rows are the ones the discrepancy
report lists, so a province sees in its statement what the treasury sees
in the report.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, select

from adapters.db.run_tables import discrepancies, runs
from reconcile.discrepancies import DISCREPANCIES, Category, Status
from reports.statement_model import BatchStatus, StatementDiscrepancy

#: Batch-level categories and the batch status each means (pending rows stay pending).
_VERDICTS: Final = {
    Category.MISSING_BANK_CREDIT: BatchStatus.MISSING,
    Category.SETTLEMENT_AMOUNT_MISMATCH: BatchStatus.MISMATCH,
    Category.LATE_SETTLEMENT: BatchStatus.LATE,
}


@dataclass(frozen=True, slots=True)
class RunDiscrepancies:
    """What a run says of one province: ``run_id`` is ``None`` when no run covered it."""

    run_id: str | None = None
    version: int | None = None
    discrepancies: tuple[StatementDiscrepancy, ...] = ()

    def batch_verdict(self, batch_id: str) -> BatchStatus | None:
        """The run's status for the batch if it flagged it, else ``None``."""
        for row in self.discrepancies:
            if row.batch_id != batch_id or row.category not in _VERDICTS:
                continue
            if row.status == Status.PENDING:
                return BatchStatus.PENDING
            return _VERDICTS[Category(row.category)]
        return None


def load_run_discrepancies(conn: Connection, province_code: str, business_date: dt.date) -> RunDiscrepancies:
    """The latest run of ``business_date`` that covered ``province_code``; empty if there is none."""
    r = runs.c
    candidates = conn.execute(
        select(r.id, r.version, r.scope, r.provinces)
        .where(r.business_date == business_date)
        .order_by(r.finished_at.desc(), r.version.desc(), r.id.desc())
    )
    for run in candidates:
        if run.scope == "" or province_code in json.loads(run.provinces):
            return RunDiscrepancies(run.id, run.version, _rows(conn, run.id, province_code))
    return RunDiscrepancies()


def _rows(conn: Connection, run_id: str, province_code: str) -> tuple[StatementDiscrepancy, ...]:
    d = discrepancies.c
    query = (
        select(*(d[name] for name in DISCREPANCIES.names))
        .where(d.run_id == run_id, d.province_code == province_code)
        .order_by(d.position)
    )
    return tuple(_discrepancy(dict(row)) for row in conn.execute(query).mappings())


def _discrepancy(row: Mapping[str, Any]) -> StatementDiscrepancy:
    return StatementDiscrepancy(
        category=row["category"],
        severity=row["severity"],
        status=row["status"],
        business_date=row.get("business_date"),
        payment_code=row.get("payment_code"),
        txn_id=row.get("txn_id"),
        gateway=row.get("gateway"),
        batch_id=row.get("batch_id"),
        bank_ref=row.get("bank_ref"),
        expected_vnd=row.get("expected_vnd"),
        actual_vnd=row.get("actual_vnd"),
        difference_vnd=row.get("difference_vnd"),
        age_days=row.get("age_days"),
        detail=row.get("detail"),
    )
