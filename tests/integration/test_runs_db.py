"""Runs on a real database (SQLite and PostgreSQL): ingested files in, stored reports out.

A small day is written as the files the service receives (the portal's
obligations export, a canonical gateway settlement file, an MT940 statement
of Hà Nội's treasury account), ingested, and reconciled through
:class:`~adapters.db.runs.SqlRunStore`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Connection, Engine, Table, func, select

import adapters.db.runs as sql_runs
from adapters.bootstrap import file_formats, gateway_terms
from adapters.db.bulk import bulk_insert
from adapters.db.run_tables import discrepancies, runs
from adapters.db.runs import SqlRunStore
from adapters.ingest import ingest_file
from adapters.settings import GatewaySettings, Settings
from reconcile.errors import NotFoundError
from reconcile.matching import reconcile_inputs
from reconcile.runs import diff_runs, item_key, reconcile_day

D = dt.date(2026, 11, 25)
NEXT = dt.date(2026, 11, 26)
HANOI = "7111010000001"
SETTINGS = Settings(gateways={"vnpay": GatewaySettings("vnpay")})

OBLIGATIONS = """\
payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd
HS-1,01,land_charge,A1,,1000000,2026-11-24T09:00:00+07:00,paid,T1,2026-11-25T09:00:00+07:00,,
HS-2,01,land_charge,A1,,500000,2026-11-24T09:00:00+07:00,paid,T2,2026-11-25T10:00:00+07:00,,
HS-3,01,land_charge,A1,,300000,2026-11-24T09:00:00+07:00,unpaid,,,,
"""
GATEWAY_HEADER = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,"
    "status,paid_at,settlement_date,batch_id,original_txn_id"
)


def gateway_file(t2_amount: int) -> str:
    return "\n".join(
        [
            GATEWAY_HEADER,
            f"T1,HS-1,vnpay,01,{HANOI},1000000,0,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-B1,",
            f"T2,HS-2,vnpay,01,{HANOI},{t2_amount},0,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNP-B1,",
            f"T3,HS-3,vnpay,01,{HANOI},300000,0,SUCCESS,2026-11-25T11:00:00+07:00,2026-11-26,VNP-B1,",
        ]
    )


MT940 = f"""\
:20:STMT-01-1126
:25:{HANOI}
:28C:1/1
:60F:C261125VND0,
:61:2611261126C1800000,NTRFNONREF//VCB001
:86:Thanh toan lo VNP-B1
:61:2611261126C12345,NTRFNONREF//VCB999
:86:CHUYEN TIEN
:62F:C261126VND1812345,
-
"""


def ingest(engine: Engine, directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    outcome = ingest_file(path, file_formats(SETTINGS), engine)
    assert outcome.error is None, outcome.error
    return outcome.status


@pytest.fixture
def store(migrated_engine: Engine, tmp_path: Path) -> SqlRunStore:
    ingest(migrated_engine, tmp_path, "obligations.csv", OBLIGATIONS)
    ingest(migrated_engine, tmp_path, "vnpay.csv", gateway_file(500_000) + "\n")
    ingest(migrated_engine, tmp_path, "vcb.sta", MT940)
    return SqlRunStore(migrated_engine, gateway_terms(SETTINGS))


def keys(store: SqlRunStore, run_id: str) -> set[str]:
    return {item_key(row) for row in store.discrepancies(run_id).to_pylist()}


def test_a_run_reads_the_ingested_day_and_stores_its_report(store: SqlRunStore) -> None:
    summary = reconcile_day(store, D)
    assert keys(store, summary.id) == {"SETTLED_NOT_RECORDED:T3"}  # VCB999 is booked on NEXT: NEXT's
    stored = store.get_run(summary.id)
    assert (stored.id, stored.version, stored.status, stored.provinces) == (
        "2026-11-25-v1",
        1,
        "completed",
        (),
    )
    assert stored.counts["txns_examined"] == 3
    assert stored.counts["amount_settled_vnd"] == 1_800_000
    assert len(stored.fingerprint) == 64


def test_the_stored_rows_are_the_rows_the_core_produced(store: SqlRunStore) -> None:
    summary = reconcile_day(store, D)
    produced = reconcile_inputs(store.load_inputs(D, ())).discrepancies
    assert store.discrepancies(summary.id).equals(produced)


def test_a_rerun_is_a_new_version_and_the_old_one_stays_readable(store: SqlRunStore) -> None:
    first = reconcile_day(store, D)
    second = reconcile_day(store, D, reason="checking")
    assert store.latest_run(D).id == second.id == "2026-11-25-v2"
    assert store.get_run(first.id).version == 1
    assert store.discrepancies(first.id).equals(store.discrepancies(second.id))
    assert store.get_run(second.id).fingerprint == store.get_run(first.id).fingerprint


def test_a_corrected_gateway_file_changes_the_rerun(store: SqlRunStore, tmp_path: Path) -> None:
    first = reconcile_day(store, D)
    resent = tmp_path / "resent"  # the same name again: a correction of vnpay.csv
    resent.mkdir()
    assert ingest(store.engine, resent, "vnpay.csv", gateway_file(450_000) + "\n") == "correction"
    second = reconcile_day(store, D, reason="corrected VNPay file")
    assert keys(store, second.id) == {
        "SETTLED_NOT_RECORDED:T3",
        "UNDERPAID:T2",
        "SETTLEMENT_AMOUNT_MISMATCH:VNP-B1",
    }
    diff = diff_runs(store.discrepancies(first.id), store.discrepancies(second.id))
    assert [item_key(row) for row in diff.new] == ["SETTLEMENT_AMOUNT_MISMATCH:VNP-B1", "UNDERPAID:T2"]
    assert store.get_run(second.id).fingerprint != store.get_run(first.id).fingerprint


def test_open_items_are_carried_into_the_next_days_run(store: SqlRunStore) -> None:
    reconcile_day(store, D)
    later = reconcile_day(store, NEXT)
    rows = {item_key(row): row for row in store.discrepancies(later.id).to_pylist()}
    assert set(rows) == {"SETTLED_NOT_RECORDED:T3", "UNEXPECTED_BANK_CREDIT:VCB999"}
    assert rows["SETTLED_NOT_RECORDED:T3"]["age_days"] == 1
    assert rows["SETTLED_NOT_RECORDED:T3"]["business_date"] == D
    # the stray credit booked on NEXT is NEXT's own problem, reported for the first time
    assert (
        rows["UNEXPECTED_BANK_CREDIT:VCB999"]["business_date"],
        rows["UNEXPECTED_BANK_CREDIT:VCB999"]["age_days"],
    ) == (NEXT, 0)


def test_a_run_that_fails_while_saving_leaves_the_database_as_it_was(
    store: SqlRunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = reconcile_day(store, D)

    def insert_then_fail(conn: Connection, table: Table, rows: pa.Table) -> int:
        bulk_insert(conn, table, rows)
        raise RuntimeError("disk full")

    monkeypatch.setattr(sql_runs, "bulk_insert", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        reconcile_day(store, D, reason="will fail")
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(runs)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(discrepancies)).scalar() == 1
    assert store.latest_run(D).id == first.id
    monkeypatch.undo()
    assert reconcile_day(store, D, reason="after the failure").run.version == 2


def test_an_unknown_run_is_not_found(store: SqlRunStore) -> None:
    with pytest.raises(NotFoundError):
        store.get_run("1999-01-01-v1")
    with pytest.raises(NotFoundError):
        store.latest_run(D)


def test_items_are_carried_from_the_latest_earlier_run_that_covered_every_province(
    store: SqlRunStore,
) -> None:
    reconcile_day(store, D)
    reconcile_day(store, D, ["79"])  # a later run of the same date for another province only
    later = reconcile_day(store, NEXT)
    assert "SETTLED_NOT_RECORDED:T3" in keys(store, later.id)


def test_runs_that_forecast_the_same_version_are_stored_as_consecutive_versions(store: SqlRunStore) -> None:
    """Two runs computed side by side both forecast v2; the second to be saved becomes v3."""
    reconcile_day(store, D)
    first = reconcile_day(store, D, reason="first").run
    forecast = dataclasses.replace(first, reason="second", finished_at=first.finished_at - dt.timedelta(1))

    saved = store.save_run(forecast, store.discrepancies(first.id))

    assert (saved.id, saved.version, saved.reason) == ("2026-11-25-v3", 3, "second")
    assert saved.finished_at == first.finished_at  # never seems to finish before the version it follows
    assert store.latest_run(D).id == saved.id
    assert keys(store, saved.id) == keys(store, first.id)
