"""``recon statement`` as a user runs it: a file in the asked format, or one line saying why not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from reports import labels
from reports.statements import validate_statement_xml

GATEWAY_CSV = """\
txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,settlement_date,batch_id,original_txn_id
T1,HS-1,vnpay,48,7111480000001,1234567,0,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-DN-1,
T2,HS-2,vnpay,48,7111480000001,765433,0,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNP-DN-1,
"""
MT940 = """\
:20:STMT-48-1126
:25:7111480000001
:28C:1/1
:60F:C261125VND0,
:61:2611261126C2000000,NTRFNONREF//VCB-DN-1
:86:VNP-DN-1
:62F:C261126VND2000000,
-
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``recon init``, ``recon ingest`` of a gateway file and a bank statement, ``recon run``."""
    directory = tmp_path_factory.mktemp("cli-statement")
    path = directory / "recon.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{directory / "recon.db"}"\n', encoding="utf-8")
    for name, text in (("vnpay.csv", GATEWAY_CSV), ("vcb.sta", MT940)):
        (directory / name).write_text(text, encoding="utf-8")
    for command in (
        ["init"],
        ["ingest", str(directory / "vnpay.csv"), str(directory / "vcb.sta")],
        ["run", "--date", "2026-11-25"],
    ):
        result = recon(path, *command)
        assert result.returncode == 0, result.stderr
    return path


def recon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_a_pdf_statement_is_written_with_the_province_name_and_amounts(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "dn.pdf"
    result = recon(
        config, "statement", "--province", "48", "--date", "2026-11-25", "--format", "pdf", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert "BẢNG ĐỐI CHIẾU QUYẾT TOÁN — Đà Nẵng" in text
    assert "2.000.000 ₫" in text
    assert "Lần đối chiếu: 2026-11-25-v1" in text  # the run's discrepancies are on it
    assert labels.category("ORPHAN_PAYMENT") in text  # no obligations were ingested (named in Vietnamese)


def test_an_xml_statement_validates_against_the_schema(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "dn.xml"
    result = recon(
        config, "statement", "--province", "48", "--date", "2026-11-25", "--format", "xml", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    validate_statement_xml(out)
    assert b"<Credited>2000000</Credited>" in out.read_bytes()


def test_an_excel_statement_lands_in_a_directory_under_its_standard_name(
    config: Path, tmp_path: Path
) -> None:
    result = recon(
        config,
        "statement",
        "--province",
        "48",
        "--date",
        "2026-11-25",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    workbook = openpyxl.load_workbook(tmp_path / "statement-48-2026-11-25.xlsx")
    rows = list(workbook["Lô quyết toán"].iter_rows(values_only=True))
    assert rows[1][2] == "VNP-DN-1"
    assert rows[1][5] == 2_000_000


def test_an_unknown_province_ends_with_one_line_and_a_non_zero_exit(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    result = recon(
        config, "statement", "--province", "99", "--date", "2026-11-25", "--format", "pdf", "--out", str(out)
    )
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "province" in result.stderr
    assert "'99'" in result.stderr
    assert not out.exists()


def test_the_excel_report_names_the_provinces_as_the_web_download_does(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = recon(config, "report", "--date", "2026-11-25", "--format", "xlsx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(openpyxl.load_workbook(out)["Theo tỉnh"].iter_rows(values_only=True))
    assert ("48", "Đà Nẵng") in {row[:2] for row in rows}


@pytest.mark.parametrize(
    "command",
    [
        ["statement", "--province", "48", "--date", "2026-11-26", "--format", "pdf"],
        ["report", "--date", "2026-11-26", "--format", "json"],
    ],
)
def test_a_date_no_run_has_reconciled_is_refused_in_one_line(
    config: Path, tmp_path: Path, command: list[str]
) -> None:
    out = tmp_path / "out.file"
    result = recon(config, *command, "--out", str(out))
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "no run of 2026-11-26" in result.stderr
    assert not out.exists()


def test_a_bad_date_or_format_is_refused_by_the_command_line(config: Path, tmp_path: Path) -> None:
    bad_date = recon(
        config,
        "statement",
        "--province",
        "48",
        "--date",
        "25/11/2026",
        "--format",
        "pdf",
        "--out",
        str(tmp_path / "a"),
    )
    bad_format = recon(
        config,
        "statement",
        "--province",
        "48",
        "--date",
        "2026-11-25",
        "--format",
        "docx",
        "--out",
        str(tmp_path / "b"),
    )
    assert bad_date.returncode == 2
    assert "is not a date" in bad_date.stderr
    assert bad_format.returncode == 2
    assert "invalid choice" in bad_format.stderr
