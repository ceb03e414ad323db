"""A batch whose MT940 credit names it only in ``:61:`` or ``/EREF/`` is linked, on SQLite and PostgreSQL.

Three VNPay batches of 500,000 đồng each settle to Hà Nội's treasury
account on the same day, so the amount alone cannot tell which credit is
which: the run must read the batch id where the bank put it. Two credits
name their batch only as the reference for the account owner (``:61:``
before ``//``), the third only in the structured ``:86:`` ``/EREF/``
subfield (ING's layout, with ``EREF`` as the placeholder owner reference,
wrapped at 65 columns); the remittance texts name none.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from adapters.bootstrap import file_formats, gateway_terms
from adapters.db import schema
from adapters.db.runs import SqlRunStore
from adapters.ingest import ingest_file
from adapters.settings import GatewaySettings, Settings
from reconcile.runs import item_key, reconcile_day

D = dt.date(2026, 11, 25)
HANOI = "7111010000001"
SETTINGS = Settings(gateways={"vnpay": GatewaySettings("vnpay")})

OBLIGATIONS = """\
payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd
HS-1,01,land_charge,A1,,500000,2026-11-24T09:00:00+07:00,paid,T1,2026-11-25T09:00:00+07:00,,
HS-2,01,land_charge,A1,,500000,2026-11-24T09:00:00+07:00,paid,T2,2026-11-25T10:00:00+07:00,,
HS-3,01,land_charge,A1,,500000,2026-11-24T09:00:00+07:00,paid,T3,2026-11-25T11:00:00+07:00,,
"""
GATEWAY = f"""\
txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,settlement_date,batch_id,original_txn_id
T1,HS-1,vnpay,01,{HANOI},500000,0,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-B1,
T2,HS-2,vnpay,01,{HANOI},500000,0,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNP-B2,
T3,HS-3,vnpay,01,{HANOI},500000,0,SUCCESS,2026-11-25T11:00:00+07:00,2026-11-26,VNP-B3,
"""
MT940 = f"""\
:20:STMT-01-1126
:25:{HANOI}
:28C:1/1
:60F:C261125VND0,
:61:2611261126C500000,NTRFVNP-B1//VCB001
:86:CHUYEN TIEN THANH TOAN
:61:2611261126C500000,NTRFVNP-B2//VCB002
:86:CHUYEN TIEN THANH TOAN
:61:2611261126C500000,NTRFEREF//VCB003
/TRCD/00100/
:86:/CNTP/VN12VNPAY0001/VNPAYVNX/VNPAY///REMI/USTD//THANH TOAN///EREF/VN
P-B3/
:62F:C261126VND1500000,
-
"""


def ingest(engine: Engine, directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    outcome = ingest_file(path, file_formats(SETTINGS), engine)
    assert outcome.error is None, outcome.error


@pytest.fixture
def store(migrated_engine: Engine, tmp_path: Path) -> SqlRunStore:
    ingest(migrated_engine, tmp_path, "obligations.csv", OBLIGATIONS)
    ingest(migrated_engine, tmp_path, "vnpay.csv", GATEWAY)
    ingest(migrated_engine, tmp_path, "vcb.sta", MT940)
    return SqlRunStore(migrated_engine, gateway_terms(SETTINGS))


def test_the_references_of_each_credit_are_stored(store: SqlRunStore) -> None:
    e = schema.bank_entries.c
    query = select(e.bank_ref, e.owner_ref, e.end_to_end_id, e.purpose).order_by(e.id)
    with store.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(query)]

    assert rows == [
        ("VCB001", "VNP-B1", "VNP-B1", None),
        ("VCB002", "VNP-B2", "VNP-B2", None),
        ("VCB003", "EREF", "VNP-B3", "THANH TOAN"),
    ]


def test_batches_named_only_in_the_owner_reference_or_eref_are_linked_to_their_credits(
    store: SqlRunStore,
) -> None:
    summary = reconcile_day(store, D)
    booked_day = reconcile_day(store, D + dt.timedelta(days=1))

    assert {item_key(row) for row in store.discrepancies(summary.id).to_pylist()} == set()
    assert {item_key(row) for row in store.discrepancies(booked_day.id).to_pylist()} == set()
    counts = store.get_run(summary.id).counts
    assert counts["batches_examined"] == 3
    assert counts["batches_credited"] == 3
    assert counts["amount_settled_vnd"] == 1_500_000


def test_credits_whose_owner_references_name_no_batch_are_not_guessed_by_amount(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    ingest(migrated_engine, tmp_path, "obligations.csv", OBLIGATIONS)
    ingest(migrated_engine, tmp_path, "vnpay.csv", GATEWAY)
    unnamed = MT940.replace("NTRFVNP-B1//", "NTRFNONREF//").replace("NTRFVNP-B2//", "NTRFNONREF//")
    ingest(migrated_engine, tmp_path, "vcb.sta", unnamed)
    store = SqlRunStore(migrated_engine, gateway_terms(SETTINGS))

    summary = reconcile_day(store, D)
    booked_day = reconcile_day(store, D + dt.timedelta(days=1))

    # what the runs reported before they read the owner reference: two equal credits, two batches
    assert {item_key(row) for row in store.discrepancies(summary.id).to_pylist()} == {
        "MISSING_BANK_CREDIT:VNP-B1",
        "MISSING_BANK_CREDIT:VNP-B2",
    }
    assert {item_key(row) for row in store.discrepancies(booked_day.id).to_pylist()} >= {
        "UNEXPECTED_BANK_CREDIT:VCB001",
        "UNEXPECTED_BANK_CREDIT:VCB002",
    }
