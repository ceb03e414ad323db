"""``recon run``, ``recon rerun`` and ``recon report`` as a user runs them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from reconcile.discrepancies import KEY_OF

OBLIGATIONS = """\
payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd
HS-1,48,land_charge,A1,,1234567,2026-11-24T09:00:00+07:00,paid,T1,2026-11-25T09:00:00+07:00,,
HS-2,48,land_charge,A1,,800000,2026-11-24T09:00:00+07:00,paid,T2,2026-11-25T10:00:00+07:00,,
HS-3,48,land_charge,A1,,100000,2026-11-24T09:00:00+07:00,paid,T-LOST,2026-11-25T11:00:00+07:00,,
"""
GATEWAY_CSV = """\
txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,settlement_date,batch_id,original_txn_id
T1,HS-1,vnpay,48,7111480000001,1234567,0,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-DN-1,
T2,HS-2,vnpay,48,7111480000001,765433,0,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNP-DN-1,
T9,=HYPERLINK("x"),vnpay,48,7111480000001,5000,0,SUCCESS,2026-11-25T12:00:00+07:00,2026-11-26,VNP-DN-1,
"""
MT940 = """\
:20:STMT-48-1126
:25:7111480000001
:28C:1/1
:60F:C261125VND0,
:61:2611261126C2005000,NTRFNONREF//VCB-DN-1
:86:VNP-DN-1
:62F:C261126VND2005000,
-
"""
DAY = "2026-11-25"


def recon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``recon init`` and ``recon ingest`` of one day's three records for Đà Nẵng."""
    directory = tmp_path_factory.mktemp("cli-run")
    path = directory / "recon.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{directory / "recon.db"}"\n\n'
        '[[gateways]]\nname = "vnpay"\nsettlement_days = 1\nfee_mode = "gross"\n',
        encoding="utf-8",
    )
    files = {"obligations.csv": OBLIGATIONS, "vnpay.csv": GATEWAY_CSV, "vcb.sta": MT940}
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    for command in (["init"], ["ingest", *(str(directory / name) for name in files)]):
        result = recon(path, *command)
        assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def first_run(config: Path) -> str:
    result = recon(config, "run", "--date", DAY)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[0]


def test_run_prints_the_run_id_and_a_summary(config: Path, first_run: str) -> None:
    assert first_run == "2026-11-25-v1"
    report = recon(config, "report", "--run", first_run, "--format", "json", "--out", "/dev/stdout")
    assert report.returncode == 0, report.stderr


def test_the_json_report_has_the_run_and_every_discrepancy_with_the_contract_keys(
    config: Path, first_run: str, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    assert recon(config, "report", "--run", first_run, "--format", "json", "--out", str(out)).returncode == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    run = document["run"]
    assert {"id", "business_date", "version", "status", "started_at", "finished_at", "counts"} <= set(run)
    assert (run["id"], run["business_date"], run["version"]) == (first_run, DAY, 1)
    found = {(row["category"], row[KEY_OF[row["category"]]]) for row in document["discrepancies"]}
    assert found == {("UNDERPAID", "T2"), ("ORPHAN_PAYMENT", "T9"), ("PAID_NOT_SETTLED", "HS-3")}
    underpaid = next(row for row in document["discrepancies"] if row["category"] == "UNDERPAID")
    assert underpaid == {
        "category": "UNDERPAID",
        "severity": "high",
        "status": "open",
        "province_code": "48",
        "business_date": DAY,
        "payment_code": "HS-2",
        "txn_id": "T2",
        "gateway": "vnpay",
        "batch_id": "VNP-DN-1",
        "bank_ref": None,
        "expected_vnd": 800000,
        "actual_vnd": 765433,
        "difference_vnd": -34567,
        "age_days": 0,
        "detail": "paid less than the amount due",
        "agency_code": None,  # a province's row: no central agency
        "assignee": None,  # nobody has taken it up
    }


def test_the_same_run_gives_byte_identical_json_and_csv(config: Path, first_run: str, tmp_path: Path) -> None:
    for fmt in ("json", "csv"):
        one, two = tmp_path / f"one.{fmt}", tmp_path / f"two.{fmt}"
        assert recon(config, "report", "--run", first_run, "--format", fmt, "--out", str(one)).returncode == 0
        assert recon(config, "report", "--date", DAY, "--format", fmt, "--out", str(two)).returncode == 0
        assert one.read_bytes() == two.read_bytes()


def test_the_csv_has_the_same_rows_safe_from_formula_injection(
    config: Path, first_run: str, tmp_path: Path
) -> None:
    out = tmp_path / "report.csv"
    assert recon(config, "report", "--run", first_run, "--format", "csv", "--out", str(out)).returncode == 0
    with out.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["category"] for row in rows] == ["ORPHAN_PAYMENT", "PAID_NOT_SETTLED", "UNDERPAID"]
    orphan = rows[0]
    assert orphan["payment_code"] == '\'=HYPERLINK("x")'
    assert rows[2]["difference_vnd"] == "-34567"
    assert rows[0]["expected_vnd"] == ""


def test_the_excel_report_is_written(config: Path, first_run: str, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = recon(config, "report", "--run", first_run, "--format", "xlsx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(openpyxl.load_workbook(out).sheetnames) >= 1


def test_a_rerun_needs_a_reason_and_makes_a_new_version_whose_diff_is_empty(
    config: Path, first_run: str, tmp_path: Path
) -> None:
    refused = recon(config, "rerun", "--date", DAY)
    assert refused.returncode != 0
    assert "--reason" in refused.stderr
    rerun = recon(config, "rerun", "--date", DAY, "--reason", "checking the VNPay file")
    assert rerun.returncode == 0, rerun.stderr
    second = rerun.stdout.splitlines()[0]
    assert second == "2026-11-25-v2"
    out = tmp_path / "diff.json"
    result = recon(
        config, "report", "--run", second, "--diff", first_run, "--format", "json", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["diff"] == {"against": first_run, "items": []}
    assert document["run"]["reason"] == "checking the VNPay file"


def test_a_run_limited_to_a_province_reports_only_it(config: Path) -> None:
    result = recon(config, "run", "--date", DAY, "--province", "01")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2026-11-25-01-v1"
    assert "  discrepancies 0" in result.stdout


def test_errors_end_with_one_line_and_a_non_zero_exit(config: Path, tmp_path: Path) -> None:
    unknown_run = recon(
        config, "report", "--run", "1999-01-01-v1", "--format", "json", "--out", str(tmp_path / "x")
    )
    assert unknown_run.returncode != 0
    assert unknown_run.stderr.strip().count("\n") == 0
    assert "1999-01-01-v1" in unknown_run.stderr
    unknown_province = recon(config, "run", "--date", DAY, "--province", "99")
    assert unknown_province.returncode != 0
    assert "99" in unknown_province.stderr
    no_run = recon(config, "report", "--date", "2001-01-01", "--format", "csv", "--out", str(tmp_path / "y"))
    assert no_run.returncode != 0
