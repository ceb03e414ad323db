"""Small obligations exports and canonical gateway files for the ingestion tests, written with ``csv``;
and the obligation versions the stored exports keep."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine, select

from adapters.db import schema
from adapters.db.obligation_copies import export_versions

OBLIGATION_HEADER = [
    "payment_code",
    "province_code",
    "kind",
    "agency_code",
    "procedure_code",
    "amount_vnd",
    "issued_at",
    "portal_status",
    "portal_txn_id",
    "portal_paid_at",
    "asset_class",
    "taxable_value_vnd",
]
GATEWAY_HEADER = [
    "txn_id",
    "payment_code",
    "gateway",
    "province_code",
    "treasury_account",
    "amount_vnd",
    "fee_vnd",
    "status",
    "paid_at",
    "settlement_date",
    "batch_id",
    "original_txn_id",
]


def obligation(code: str, amount: int, *, province: str = "01", paid_txn: str | None = None) -> list[str]:
    paid = paid_txn is not None
    return [
        code,
        province,
        "fee",
        "AG-01",
        "CAP_PHEP_XAY_DUNG",
        str(amount),
        "2026-11-24T09:00:00+07:00",
        "paid" if paid else "unpaid",
        paid_txn or "",
        "2026-11-25T10:00:00+07:00" if paid else "",
        "",
        "",
    ]


def txn(
    txn_id: str,
    code: str,
    amount: int,
    *,
    status: str = "SUCCESS",
    gateway: str = "vnpay",
    province: str = "01",
    settlement_date: str = "2026-11-26",
    original: str = "",
) -> list[str]:
    return [
        txn_id,
        code,
        gateway,
        province,
        f"7111{province}0000001",
        str(amount),
        "1100",
        status,
        "2026-11-25T10:00:00+07:00",
        settlement_date,
        f"{gateway.upper()}-{province}-{settlement_date}",
        original,
    ]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def obligation_versions(engine: Engine) -> list[tuple[str, int, int]]:
    """Every version the stored exports carried, (payment code, amount, export's file id), by
    export and line: the rows of each export's copy, read back."""
    found: list[tuple[str, int, int]] = []
    with engine.connect() as conn:
        exports = select(schema.obligation_copies.c.file_id).distinct().order_by("file_id")
        for file_id in conn.execute(exports).scalars().all():
            rows = export_versions(conn, file_id)
            columns = (rows[name].to_pylist() for name in ("payment_code", "amount_vnd", "file_id"))
            found.extend(zip(*columns, strict=True))
    return found
