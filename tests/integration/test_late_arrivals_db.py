"""Which files the database counts as late for an earlier date (``SqlArrivals``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from adapters.bootstrap import file_formats
from adapters.db.arrivals import SqlArrivals
from adapters.db.runs import SqlRunStore
from adapters.ingest import ingest_file
from adapters.settings import GatewaySettings, Settings
from reconcile.runs import reconcile_day
from usecases.ports import LateFiles

D = dt.date(2026, 11, 25)
HEADER = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,"
    "paid_at,settlement_date,batch_id,original_txn_id\n"
)
OBLIGATIONS = """\
payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd
HS-9,48,land_charge,A1,,500000,2026-11-20T09:00:00+07:00,paid,T9,2026-11-25T09:00:00+07:00,,
"""
FORMATS = file_formats(Settings(gateways={"vnpay": GatewaySettings("vnpay")}))


def gateway_file(directory: Path, name: str, txn: str, paid: str) -> Path:
    path = directory / name
    row = f"{txn},HS-{txn},vnpay,48,7111480000001,100000,0,SUCCESS,{paid}T10:00:00+07:00,{paid},B-{txn},\n"
    path.write_text(HEADER + row, encoding="utf-8")
    return path


def ingest(engine: Engine, path: Path) -> None:
    assert ingest_file(path, FORMATS, engine).status == "accepted"


def test_only_gateway_and_bank_files_after_a_dates_latest_run_are_late_for_it(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    arrivals = SqlArrivals(migrated_engine)
    ingest(migrated_engine, gateway_file(tmp_path, "on-time.csv", "T1", "2026-11-25"))
    reconcile_day(SqlRunStore(migrated_engine), D)
    assert arrivals.late_files(dt.date(2026, 11, 26), dt.date(2026, 8, 1)) == []

    (tmp_path / "register.csv").write_text(OBLIGATIONS, encoding="utf-8")
    ingest(migrated_engine, tmp_path / "register.csv")  # an obligations export: not a trigger
    ingest(migrated_engine, gateway_file(tmp_path, "never-run.csv", "T3", "2026-11-24"))  # a date without run
    ingest(migrated_engine, gateway_file(tmp_path, "late.csv", "T2", "2026-11-25"))

    assert arrivals.late_files(dt.date(2026, 11, 26), dt.date(2026, 8, 1)) == [LateFiles(D, ("late.csv",))]
    assert arrivals.late_files(D, dt.date(2026, 8, 1)) == []  # not earlier than the date being run
    assert arrivals.late_files(dt.date(2026, 11, 26), dt.date(2026, 11, 26)) == []  # beyond the horizon

    reconcile_day(SqlRunStore(migrated_engine), D, reason="late files: late.csv")
    assert arrivals.late_files(dt.date(2026, 11, 26), dt.date(2026, 8, 1)) == []
