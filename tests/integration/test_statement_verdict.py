"""Where the statement once judged again and disagreed with the run, it now shows the run's verdict.

Real MT940 files are ingested into SQLite and PostgreSQL and reconciled; the
province's statement (read back from its XML) must say what the run stored
and what the discrepancy report lists: the same booking delivered in two
statements counts once, and a reversal without a reference cancels the
credit it reverses.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lxml import etree
from sqlalchemy import Engine

from adapters.bootstrap import file_formats, gateway_terms
from adapters.db.provinces import SqlProvinceDirectory
from adapters.db.runs import SqlRunStore
from adapters.ingest import ingest_file
from adapters.settings import GatewaySettings, Settings
from reconcile.runs import reconcile_day
from reports.statements import render_statement
from usecases.statements import load_statement

D = dt.date(2026, 11, 25)
HANOI = "7111010000001"
NS = {"s": "urn:recon:settlement-statement:1"}
SETTINGS = Settings(gateways={"vnpay": GatewaySettings("vnpay")})
GATEWAY = "\n".join(
    [
        "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,"
        "status,paid_at,settlement_date,batch_id,original_txn_id",
        f"T1,HS-1,vnpay,01,{HANOI},1000000,0,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-B1,",
        f"T2,HS-2,vnpay,01,{HANOI},300000,0,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNP-B1,",
    ]
)


def _mt940(statement_id: str, lines: list[str], closing: str) -> str:
    body = "\n".join(lines)
    return f":20:{statement_id}\n:25:{HANOI}\n:28C:1/1\n:60F:C261125VND0,\n{body}\n:62F:{closing}\n-\n"


BATCH_LEVEL = {"MISSING_BANK_CREDIT", "SETTLEMENT_AMOUNT_MISMATCH", "LATE_SETTLEMENT"}
CREDIT = [":61:2611261126C1300000,NTRFNONREF//VCB001", ":86:Thanh toan lo VNP-B1"]


def _reconciled(engine: Engine, directory: Path, *statements: str) -> SqlRunStore:
    files = [("vnpay.csv", GATEWAY), *((f"bank-{i}.sta", text) for i, text in enumerate(statements))]
    for name, text in files:
        path = directory / name
        path.write_text(text + "\n", encoding="utf-8")
        outcome = ingest_file(path, file_formats(SETTINGS), engine)
        assert outcome.error is None, outcome.error
    store = SqlRunStore(engine, gateway_terms(SETTINGS))
    reconcile_day(store, D)
    return store


def _xml_batch(engine: Engine) -> tuple[str, int, list[str]]:
    root = etree.fromstring(
        render_statement(load_statement(SqlRunStore(engine), SqlProvinceDirectory(engine), "01", D), "xml")
    )
    (batch,) = root.findall("s:Gateway/s:Batch", NS)
    refs = [credit.findtext("s:BankRef", namespaces=NS) for credit in batch.findall("s:BankCredit", NS)]
    return batch.findtext("s:Status", namespaces=NS), int(batch.findtext("s:Credited", namespaces=NS)), refs


def test_a_booking_delivered_in_two_statements_is_one_credit_in_the_run_and_the_statement(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    intraday = _mt940("STMT-INTRADAY", CREDIT, "C261126VND1300000,")
    daily = _mt940("STMT-DAILY", CREDIT, "C261126VND1300000,")
    store = _reconciled(migrated_engine, tmp_path, intraday, daily)
    run = store.latest_run(D)
    batch_rows = [r for r in store.discrepancies(run.id).to_pylist() if r["category"] in BATCH_LEVEL]
    assert batch_rows == []
    assert _xml_batch(migrated_engine) == ("matched", 1_300_000, ["VCB001"])


def test_a_reversal_without_a_reference_leaves_the_batch_missing_with_nothing_credited(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    reversal = [":61:2611261126RC1300000,NTRFNONREF//VCB002", ":86:HOAN GIAO DICH"]
    statement = _mt940("STMT-RC", [*CREDIT, *reversal], "C261126VND0,")
    store = _reconciled(migrated_engine, tmp_path, statement)
    run = store.latest_run(D)
    (row,) = [r for r in store.discrepancies(run.id).to_pylist() if r["category"] in BATCH_LEVEL]
    assert (row["category"], row["actual_vnd"]) == ("MISSING_BANK_CREDIT", 0)
    status, credited, refs = _xml_batch(migrated_engine)
    assert (status, credited) == ("missing", 0)
    assert refs == ["VCB001", "VCB002"]  # the credit and the reversal that cancels it
    (stored,) = store.verdict(run.id).batches.to_pylist()
    assert (stored["status"], stored["credited_vnd"]) == ("missing", 0)
