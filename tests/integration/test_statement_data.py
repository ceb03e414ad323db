"""A small world ingested from real files and reconciled gives a province's statement with the right
numbers: the ones the run stored, never judged again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import Engine

from adapters.bootstrap import file_formats, gateway_terms
from adapters.db.provinces import SqlProvinceDirectory
from adapters.db.runs import SqlRunStore
from adapters.ingest import ingest_file
from adapters.settings import GatewaySettings, Settings
from reconcile.errors import NoRunError, NotFoundError
from reconcile.runs import reconcile_day
from reports.statement_model import BatchStatus
from reports.statements import validate_statement_xml
from reports.tabular import DiscrepancyReport
from usecases.reports import latest_report
from usecases.statements import load_statement, write_day_statements, write_province_statement

D = dt.date(2026, 11, 25)
NS = {"s": "urn:recon:settlement-statement:1"}
HANOI = "7111010000001"
HCMC = "7111790000001"
HEADER = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,"
    "status,paid_at,settlement_date,batch_id,original_txn_id"
)
VNPAY = [
    f"T1,HS-1,vnpay,01,{HANOI},1000000,1100,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-B1,",
    f"T2,HS-2,vnpay,01,{HANOI},500000,550,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNP-B1,",
    f"T3,HS-1,vnpay,01,{HANOI},200000,0,REFUND,2026-11-25T11:00:00+07:00,2026-11-26,VNP-B1,T1",
    f"T4,HS-3,vnpay,01,{HANOI},750000,800,SUCCESS,2026-11-25T12:00:00+07:00,2026-11-26,VNP-B2,",
    f"T5,HS-5,vnpay,01,{HANOI},400000,0,SUCCESS,2026-11-25T13:00:00+07:00,2026-11-26,VNP-B4,",
    f"T6,HS-6,vnpay,01,{HANOI},600000,0,SUCCESS,2026-11-25T14:00:00+07:00,2026-11-26,VNP-B5,",
    f"T7,HS-7,vnpay,79,{HCMC},300000,300,SUCCESS,2026-11-25T15:00:00+07:00,2026-11-26,VNP-B3,",
]
MOMO = [
    f"M1,HS-10,momo,01,{HANOI},250000,2500,SUCCESS,2026-11-25T08:00:00+07:00,2026-11-26,MOMO-M1,",
    f"M2,HS-11,momo,01,{HANOI},150000,1500,SUCCESS,2026-11-25T16:00:00+07:00,2026-11-26,MOMO-M1,",
]
LATER = [f"T10,HS-20,vnpay,01,{HANOI},100000,0,SUCCESS,2026-11-27T09:00:00+07:00,2026-11-30,VNP-B6,"]
MT940 = f"""\
:20:STMT-01-1126
:25:{HANOI}
:28C:1/1
:60F:C261125VND0,
:61:2611261126C1300000,NTRFNONREF//VCB001
:86:Thanh toan lo VNP-B1
:61:2611261126C700000,NTRFNONREF//VCB002
:86:VNP-B2 quyet toan
:61:2611261126C396000,NTRFNONREF//MOMO01
:86:MOMO settlement 26/11
:61:2611271127C600000,NTRFNONREF//VCB003
:86:VNP-B5
:62F:C261127VND2996000,
-
"""
SETTINGS = Settings(
    gateways={
        "vnpay": GatewaySettings("vnpay"),
        "momo": GatewaySettings("momo", fee_mode="net"),
    }
)


def _ingest(engine: Engine, directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    outcome = ingest_file(path, file_formats(SETTINGS), engine)
    assert outcome.error is None, outcome.error
    return outcome.status


@pytest.fixture
def world(migrated_engine: Engine, tmp_path: Path) -> Engine:
    """Reference data, two gateway files (one corrected), a later day's file, one MT940 statement."""
    database = migrated_engine
    wrong = [line.replace("1000000,1100", "999000,1100") for line in VNPAY]
    _ingest(database, tmp_path, "vnpay.csv", "\n".join([HEADER, *wrong]) + "\n")
    resent = tmp_path / "resent"  # the same gateway and file name again: a correction
    resent.mkdir()
    assert _ingest(database, resent, "vnpay.csv", "\n".join([HEADER, *VNPAY]) + "\n") == "correction"
    _ingest(database, tmp_path, "momo.csv", "\n".join([HEADER, *MOMO]) + "\n")
    _ingest(database, tmp_path, "later.csv", "\n".join([HEADER, *LATER]) + "\n")
    _ingest(database, tmp_path, "vcb.sta", MT940)
    store = SqlRunStore(database, gateway_terms(SETTINGS))
    reconcile_day(store, D)
    reconcile_day(store, dt.date(2026, 11, 27))
    return database


def _batches(statement):
    return {batch.batch_id: batch for batch in statement.batches}


def test_the_statement_lists_the_provinces_batches_of_the_day_from_current_files(world) -> None:
    statement = load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "01", D)
    assert statement.province_name == "Hà Nội"
    assert statement.treasury_account == HANOI
    assert [section.gateway for section in statement.gateways] == ["momo", "vnpay"]
    assert sorted(_batches(statement)) == ["MOMO-M1", "VNP-B1", "VNP-B2", "VNP-B4", "VNP-B5"]
    b1 = _batches(statement)["VNP-B1"]
    assert (b1.transactions, b1.collected, b1.refunded, b1.fees) == (3, 1_500_000, 200_000, 1_650)


def test_each_batch_is_credited_and_judged_as_the_run_would(world) -> None:
    batches = _batches(load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "01", D))
    assert batches["VNP-B1"].status is BatchStatus.MATCHED
    assert [c.bank_ref for c in batches["VNP-B1"].credits] == ["VCB001"]
    assert batches["VNP-B2"].status is BatchStatus.MISMATCH
    assert batches["VNP-B2"].difference == -50_000
    assert batches["VNP-B4"].status is BatchStatus.MISSING
    assert batches["VNP-B5"].status is BatchStatus.LATE
    assert batches["VNP-B5"].credits[0].booking_date == dt.date(2026, 11, 27)
    momo = batches["MOMO-M1"]
    assert momo.expected_credit == 400_000 - 4_000  # net: fees are deducted
    assert momo.status is BatchStatus.MATCHED  # linked by amount alone, inside its window


def test_the_statement_totals_are_exact_to_the_dong(world) -> None:
    totals = load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "01", D).totals
    assert totals.batches == 5
    assert totals.collected == 3_650_000
    assert totals.refunded == 200_000
    assert totals.fees == 6_450
    assert totals.expected == 3_446_000
    assert totals.credited == 2_996_000
    assert totals.difference == -450_000


def test_a_batch_whose_window_the_bank_data_does_not_yet_cover_is_pending(world) -> None:
    statement = load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "01", dt.date(2026, 11, 27))
    assert [(b.batch_id, b.status) for b in statement.batches] == [("VNP-B6", BatchStatus.PENDING)]


def test_another_province_sees_only_its_own_batches(world) -> None:
    statement = load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "79", D)
    assert [b.batch_id for b in statement.batches] == ["VNP-B3"]
    assert statement.province_name == "Hồ Chí Minh"


def test_an_unknown_province_is_not_found(world) -> None:
    with pytest.raises(NotFoundError, match="'99'"):
        load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "99", D)


def test_every_active_province_gets_a_statement_that_validates(world, tmp_path: Path) -> None:
    written = write_day_statements(
        SqlRunStore(world), SqlProvinceDirectory(world), D, tmp_path / "out", formats=("xml",)
    )
    assert len(written) == 54 + 4  # the connected provinces and the four active ministries
    assert {"BCA", "BNG", "BTP", "BCT"} <= set(written)
    for paths in written.values():
        validate_statement_xml(paths[0])
    root = etree.parse(str(written["01"][0])).getroot()
    assert root.findtext("s:Totals/s:Credited", namespaces=NS) == "2996000"
    assert root.findtext("s:Province/s:Name", namespaces=NS) == "Hà Nội"


def test_the_pdf_of_a_stored_statement_reads_back_in_vietnamese(world, tmp_path: Path) -> None:
    path = write_province_statement(SqlRunStore(world), SqlProvinceDirectory(world), "01", D, "pdf", tmp_path)
    assert path.name == "statement-01-2026-11-25.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "BẢNG ĐỐI CHIẾU QUYẾT TOÁN — Hà Nội" in text
    assert "2.996.000 ₫" in text
    assert "Ghi có muộn" in text


def test_the_statement_carries_the_runs_discrepancies_and_agrees_with_it(world) -> None:
    statement = load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "01", D)
    assert statement.run_id == SqlRunStore(world, gateway_terms(SETTINGS)).latest_run(D).id
    assert statement.discrepancies
    assert {d.category for d in statement.discrepancies} >= {
        "SETTLEMENT_AMOUNT_MISMATCH",
        "MISSING_BANK_CREDIT",
        "LATE_SETTLEMENT",
    }
    # No obligations were ingested: every payment is an orphan, reported under its transaction.
    assert {d.txn_id for d in statement.discrepancies if d.category == "ORPHAN_PAYMENT"} >= {"T1", "M1"}
    batch_level = {"SETTLEMENT_AMOUNT_MISMATCH", "MISSING_BANK_CREDIT", "LATE_SETTLEMENT"}
    flagged = {d.batch_id: d.category for d in statement.discrepancies if d.category in batch_level}
    assert flagged == {
        "VNP-B2": "SETTLEMENT_AMOUNT_MISMATCH",
        "VNP-B4": "MISSING_BANK_CREDIT",
        "VNP-B5": "LATE_SETTLEMENT",
    }
    other = load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "79", D)
    assert all(d.batch_id != "VNP-B2" for d in other.discrepancies)


def test_a_date_no_run_has_reconciled_is_refused(world, tmp_path: Path) -> None:
    with pytest.raises(NoRunError, match="no run of 2026-11-26"):
        load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "01", dt.date(2026, 11, 26))
    with pytest.raises(NoRunError):
        write_day_statements(
            SqlRunStore(world),
            SqlProvinceDirectory(world),
            dt.date(2026, 11, 26),
            tmp_path / "none",
            formats=("xml",),
        )
    assert not (tmp_path / "none").exists()


def test_a_province_rerun_is_that_provinces_latest_result_and_leaves_the_others_theirs(world) -> None:
    store = SqlRunStore(world, gateway_terms(SETTINGS))
    national = store.latest_run(D)
    scoped = reconcile_day(store, D, ["79"], reason="corrected file")
    assert load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "79", D).run_id == scoped.id
    assert load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "01", D).run_id == national.id


def test_each_statement_batch_is_the_runs_stored_verdict(world) -> None:
    store = SqlRunStore(world, gateway_terms(SETTINGS))
    stored = store.verdict(store.latest_run(D).id).batches.to_pylist()
    statement = load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "01", D)
    shown = {b.batch_id: (b.status.value, b.credited, b.expected_credit) for b in statement.batches}
    assert shown == {
        row["batch_id"]: (row["status"], row["credited_vnd"], row["expected_vnd"])
        for row in stored
        if row["province_code"] == "01"
    }


def test_the_report_of_a_date_keeps_the_other_provinces_rows_after_a_one_province_rerun(world) -> None:
    store = SqlRunStore(world, gateway_terms(SETTINGS))
    before = latest_report(store, D)
    scoped = reconcile_day(store, D, ["79"], reason="corrected file")
    after = latest_report(store, D)

    def rows(report, code):
        return [r for r in report.rows() if r["province_code"] == code]

    assert rows(after, "01") == rows(before, "01") != []
    assert rows(after, "79") == rows(DiscrepancyReport({}, store.discrepancies(scoped.id)), "79") != []
    assert after.run["id"] == before.run["id"]  # the base is still the national run
    assert after.run["results"] == [
        {"run": scoped.id, "provinces": ["79"]},
        {"run": before.run["id"], "provinces": None},
    ]
    assert after.run["counts"]["discrepancies"] == after.discrepancies.num_rows
