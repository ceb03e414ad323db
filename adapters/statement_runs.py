"""The run behind a statement: its discrepancies for the province, and its verdict on each batch.

A statement shows the latest run of its date that covered the province (a
run for all provinces, or one limited to a list that names it). The run's
rows are the same the discrepancy report lists, so a province sees in its
statement exactly what the treasury sees in the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from reconcile.discrepancies import Category, Status
from reconcile.errors import NotFoundError
from reconcile.ports import RunStore
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


def load_run_discrepancies(
    runs: RunStore | None, province_code: str, business_date: dt.date
) -> RunDiscrepancies:
    """The latest run of ``business_date`` if it covered ``province_code``; empty otherwise."""
    if runs is None:
        return RunDiscrepancies()
    try:
        run = runs.latest_run(business_date)
    except NotFoundError:
        return RunDiscrepancies()
    if run.provinces and province_code not in run.provinces:
        return RunDiscrepancies()
    rows = runs.discrepancies(run.id).to_pylist()
    mine = tuple(_discrepancy(row) for row in rows if row.get("province_code") == province_code)
    return RunDiscrepancies(run.id, run.version, mine)


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
