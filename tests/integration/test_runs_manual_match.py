"""Approved manual matches read from the database and honoured by a rerun (SQLite and PostgreSQL).

Hà Nội's day: T9 carries a mistyped payment code (``ORPHAN_PAYMENT``) while the
portal shows HS-9 paid by an id no gateway knows (``PAID_NOT_SETTLED``); the batch's
credit arrives the next day with no reference, beside a second credit of the same
amount, so the batch is ``MISSING_BANK_CREDIT`` on the 25th and both credits are
``UNEXPECTED_BANK_CREDIT`` on the 26th. The workflow records the requests and
approvals through the workflow's use case (:mod:`usecases.workflow`), and
:func:`usecases.runs.rerun_after_decision` runs both dates again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from adapters.bootstrap import file_formats, gateway_terms
from adapters.db.runs import SqlRunStore
from adapters.db.user_tables import discrepancy_actions
from adapters.db.workflow import SqlWorkItems
from adapters.ingest import ingest_file
from adapters.settings import GatewaySettings, Settings
from reconcile.runs import item_key, reconcile_day
from usecases import workflow
from usecases.runs import rerun_after_decision

D = dt.date(2026, 11, 25)
NEXT = dt.date(2026, 11, 26)
HANOI = "7111010000001"
SETTINGS = Settings(gateways={"vnpay": GatewaySettings("vnpay")})
FILES = {
    "obligations.csv": """\
payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd
HS-1,01,land_charge,A1,,1000000,2026-11-24T09:00:00+07:00,paid,T1,2026-11-25T09:00:00+07:00,,
HS-9,01,land_charge,A1,,500000,2026-11-24T09:00:00+07:00,paid,GW-9,2026-11-25T10:00:00+07:00,,
""",
    "vnpay.csv": f"""\
txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,settlement_date,batch_id,original_txn_id
T1,HS-1,vnpay,01,{HANOI},1000000,0,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-B1,
T9,HS-9X,vnpay,01,{HANOI},500000,0,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNP-B1,
""",
    "vcb.sta": f"""\
:20:STMT-01-1126
:25:{HANOI}
:28C:1/1
:60F:C261125VND0,
:61:2611261126C1500000,NTRFNONREF//VCB001
:86:CHUYEN TIEN
:61:2611261126C1500000,NTRFNONREF//VCB002
:86:CHUYEN TIEN
:62F:C261126VND3000000,
-
""",
}
PAIRED = {
    "MISSING_BANK_CREDIT:VNP-B1": "UNEXPECTED_BANK_CREDIT:VCB001",
    "ORPHAN_PAYMENT:T9": "PAID_NOT_SETTLED:HS-9",
}


@pytest.fixture
def store(migrated_engine: Engine, tmp_path: Path) -> SqlRunStore:
    for name, text in FILES.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        outcome = ingest_file(path, file_formats(SETTINGS), migrated_engine)
        assert outcome.error is None, outcome.error
    run_store = SqlRunStore(migrated_engine, gateway_terms(SETTINGS))
    reconcile_day(run_store, D)
    reconcile_day(run_store, NEXT)
    return run_store


def keys(store: SqlRunStore, run_id: str) -> set[str]:
    return {item_key(row) for row in store.discrepancies(run_id).to_pylist()}


def request_and_decide(engine: Engine, approve: bool) -> None:
    for item, other in PAIRED.items():
        row = {"item_key": item, "province_code": "01"}
        work = SqlWorkItems(engine)
        workflow.request(work, row, "thu", "manual_match", "the same payment", match_key=other)
        with engine.connect() as conn:
            request_id = conn.execute(
                select(discrepancy_actions.c.id).where(discrepancy_actions.c.item_key == item)
            ).scalar_one()
        workflow.decide(work, row, "vien", request_id, approve)


def test_before_any_decision_the_four_items_are_reported(store: SqlRunStore) -> None:
    assert {"MISSING_BANK_CREDIT:VNP-B1", "ORPHAN_PAYMENT:T9", "PAID_NOT_SETTLED:HS-9"} <= keys(
        store, store.latest_run(D).id
    )
    # the 26th reports its own two credits and carries the 25th's open items
    assert keys(store, store.latest_run(NEXT).id) == {
        "UNEXPECTED_BANK_CREDIT:VCB001",
        "UNEXPECTED_BANK_CREDIT:VCB002",
        "MISSING_BANK_CREDIT:VNP-B1",
        "ORPHAN_PAYMENT:T9",
        "PAID_NOT_SETTLED:HS-9",
    }


def test_rejected_requests_pair_nothing(store: SqlRunStore, migrated_engine: Engine) -> None:
    request_and_decide(migrated_engine, approve=False)
    manual = store.load_inputs(D, ()).manual
    assert (dict(manual.credits), dict(manual.payments)) == ({}, {})


def test_approved_matches_take_effect_on_both_dates_after_the_rerun(
    store: SqlRunStore, migrated_engine: Engine
) -> None:
    request_and_decide(migrated_engine, approve=True)
    manual = store.load_inputs(D, ()).manual
    assert dict(manual.credits) == {"VCB001": "VNP-B1"}
    assert dict(manual.payments) == {"T9": "HS-9"}
    before = store.latest_run(D)
    day, next_day = rerun_after_decision(store, [(D, "01"), (NEXT, "01")], "vien")
    assert (day.run.business_date, next_day.run.business_date) == (D, NEXT)
    assert {day.run.reason, next_day.run.reason} == {"manual match approved by vien"}
    assert day.run.fingerprint != before.fingerprint  # the pairings are part of what the run read
    assert keys(store, day.id) == set()
    (batch,) = store.verdict(day.id).batches.to_pylist()
    assert (batch["status"], batch["credited_vnd"]) == ("matched", 1_500_000)
    # the 26th, run after the 25th, carries nothing of the pair and no longer reports the credit
    assert keys(store, next_day.id) == {"UNEXPECTED_BANK_CREDIT:VCB002"}
    assert day.run.counts["txns_matched"] == 2
