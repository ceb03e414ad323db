"""Discrepancy categories, severities and statuses (DESIGN.md §5), and the report row.

The categories are a contract: checks outside the code rely on their names.
Add categories, never rename one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import pyarrow as pa


class Category(StrEnum):
    """What does not add up, and the key it is reported under."""

    ORPHAN_PAYMENT = "ORPHAN_PAYMENT"
    UNDERPAID = "UNDERPAID"
    OVERPAID = "OVERPAID"
    DUPLICATE_PAYMENT = "DUPLICATE_PAYMENT"
    WRONG_PROVINCE = "WRONG_PROVINCE"
    PAID_NOT_SETTLED = "PAID_NOT_SETTLED"
    SETTLED_NOT_RECORDED = "SETTLED_NOT_RECORDED"
    MISSING_BANK_CREDIT = "MISSING_BANK_CREDIT"
    SETTLEMENT_AMOUNT_MISMATCH = "SETTLEMENT_AMOUNT_MISMATCH"
    LATE_SETTLEMENT = "LATE_SETTLEMENT"
    UNEXPECTED_BANK_CREDIT = "UNEXPECTED_BANK_CREDIT"
    UNMATCHED_REFUND = "UNMATCHED_REFUND"
    TAX_RATE_MISMATCH = "TAX_RATE_MISMATCH"
    FEE_SCHEDULE_MISMATCH = "FEE_SCHEDULE_MISMATCH"


#: The column that holds each category's key.
KEY_OF: Final[dict[Category, str]] = {
    Category.ORPHAN_PAYMENT: "txn_id",
    Category.UNDERPAID: "txn_id",
    Category.OVERPAID: "txn_id",
    Category.DUPLICATE_PAYMENT: "txn_id",
    Category.WRONG_PROVINCE: "txn_id",
    Category.PAID_NOT_SETTLED: "payment_code",
    Category.SETTLED_NOT_RECORDED: "txn_id",
    Category.MISSING_BANK_CREDIT: "batch_id",
    Category.SETTLEMENT_AMOUNT_MISMATCH: "batch_id",
    Category.LATE_SETTLEMENT: "batch_id",
    Category.UNEXPECTED_BANK_CREDIT: "bank_ref",
    Category.UNMATCHED_REFUND: "txn_id",
    Category.TAX_RATE_MISMATCH: "payment_code",
    Category.FEE_SCHEDULE_MISMATCH: "payment_code",
}


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Status(StrEnum):
    """``pending``: inside its window, may close itself; ``open``: a break to work on."""

    PENDING = "pending"
    OPEN = "open"
    RESOLVED = "resolved"
    WRITTEN_OFF = "written_off"


#: One reported discrepancy: the columns of the JSON/CSV/Excel report (DESIGN.md §6).
DISCREPANCIES: Final = pa.schema(
    [
        ("category", pa.string()),
        ("severity", pa.string()),
        ("status", pa.string()),
        ("province_code", pa.string()),
        ("business_date", pa.date32()),
        ("payment_code", pa.string()),
        ("txn_id", pa.string()),
        ("gateway", pa.string()),
        ("batch_id", pa.string()),
        ("bank_ref", pa.string()),
        ("expected_vnd", pa.int64()),
        ("actual_vnd", pa.int64()),
        ("difference_vnd", pa.int64()),
        ("age_days", pa.int64()),
        ("detail", pa.string()),
        # A central agency's row (DESIGN.md §4): the agency's code, and ``province_code`` is empty.
        ("agency_code", pa.string()),
    ]
)
