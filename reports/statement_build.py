"""A province's settlement statement, read off a run's stored result.

The run judged every batch of its date and linked every credit once
(:mod:`reconcile.verdict`); this module only copies what it stored into the
statement's shape: the province's batches per gateway, each with its
credits, credited total and status, and the province's discrepancy rows.
It links nothing and judges nothing, so the statement can never disagree
with the discrepancy report of the same run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from reconcile.ports import RunRecord
from reconcile.verdict import RunVerdict
from reports.statement_model import (
    BankCredit,
    BatchStatus,
    GatewaySection,
    SettlementStatement,
    StatementBatch,
    StatementDiscrepancy,
)


def statement_of_run(
    province_code: str,
    province_name: str,
    treasury_account: str,
    run: RunRecord,
    verdict: RunVerdict,
    discrepancies: pa.Table,
    payee_kind: str = "province",
) -> SettlementStatement:
    """The statement of ``province_code`` for ``run``'s date, from what ``run`` stored.

    For a central agency (``payee_kind="agency"``) the run stored its batches under the
    agency's code and its discrepancy rows with that ``agency_code`` (and no province).
    """
    batches = verdict.batches.filter(pc.equal(verdict.batches.column("province_code"), province_code))
    credits = _credits_by_batch(verdict.credits)
    sections: dict[str, list[StatementBatch]] = {}
    fee_modes: dict[str, str] = {}
    for row in batches.to_pylist():
        sections.setdefault(row["gateway"], []).append(_batch(row, credits.get(row["batch_id"], ())))
        fee_modes[row["gateway"]] = row["fee_mode"]
    column = "agency_code" if payee_kind == "agency" else "province_code"
    rows = discrepancies.filter(pc.fill_null(pc.equal(discrepancies.column(column), province_code), False))
    return SettlementStatement(
        province_code=province_code,
        province_name=province_name,
        treasury_account=treasury_account,
        business_date=run.business_date,
        gateways=tuple(
            GatewaySection(gateway, fee_modes[gateway], tuple(found))
            for gateway, found in sorted(sections.items())
        ),
        discrepancies=tuple(_discrepancy(row) for row in rows.to_pylist()),
        run_id=run.id,
        run_version=run.version,
        payee_kind=payee_kind,
    )


def _credits_by_batch(credits: pa.Table) -> dict[str, tuple[BankCredit, ...]]:
    found: dict[str, list[BankCredit]] = {}
    for row in credits.to_pylist():
        if row["batch_id"] is not None:
            credit = BankCredit(row["bank_ref"], row["booking_date"], row["amount_vnd"])
            found.setdefault(row["batch_id"], []).append(credit)
    return {batch_id: tuple(listed) for batch_id, listed in found.items()}


def _batch(row: Mapping[str, Any], credits: tuple[BankCredit, ...]) -> StatementBatch:
    return StatementBatch(
        batch_id=row["batch_id"],
        settlement_date=row["settlement_date"],
        transactions=row["transactions"],
        collected=row["collected_vnd"],
        refunded=row["refunded_vnd"],
        fees=row["fee_vnd"],
        expected_credit=row["expected_vnd"],
        credits=credits,
        credited=row["credited_vnd"],
        status=BatchStatus(row["status"]),
    )


def _discrepancy(row: Mapping[str, Any]) -> StatementDiscrepancy:
    values: dict[str, Any] = {name: row.get(name) for name in StatementDiscrepancy.__dataclass_fields__}
    return StatementDiscrepancy(**values)
