"""``recon init`` then ``recon ingest`` as a user runs them, in a fresh directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RECON = Path(sys.executable).with_name("recon")
CONTRACT_KEYS = {"path", "sha256", "format", "status", "statements", "entries", "totals", "warnings", "error"}
OBLIGATIONS = (
    "payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,"
    "portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd\n"
    "HS-1,01,fee,AG-01,CAP_PHEP_XAY_DUNG,150000,2026-11-24T09:00:00+07:00,paid,T1,2026-11-25T10:00:00+07:00,,\n"
)
GATEWAY = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,"
    "paid_at,settlement_date,batch_id,original_txn_id\n"
    "T1,HS-1,vnpay,01,7111010000001,150000,1650,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNPAY-01-1126,\n"
)


def recon(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RECON), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    if not RECON.exists():
        pytest.fail(f"the recon console script is not installed beside {sys.executable}")
    init = recon(tmp_path, "init")
    assert init.returncode == 0, init.stderr
    return tmp_path


def test_init_twice_creates_the_database_once_and_reloads_the_reference_data(workdir: Path) -> None:
    again = recon(workdir, "init")

    assert again.returncode == 0, again.stderr
    assert "schema already at" in again.stdout
    assert "provinces 63" in again.stdout
    assert (workdir / "recon.db").is_file()


def test_ingest_json_prints_one_contract_object_per_file_and_exits_1_on_a_rejection(workdir: Path) -> None:
    (workdir / "obligations.csv").write_text(OBLIGATIONS, encoding="utf-8")
    (workdir / "vnpay.csv").write_text(GATEWAY, encoding="utf-8")
    (workdir / "junk.bin").write_bytes(b"\x00\x01 not a statement")

    result = recon(workdir, "ingest", "--json", "obligations.csv", "vnpay.csv", "junk.bin")

    assert result.returncode == 1, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(line) for line in lines] == [CONTRACT_KEYS] * 3
    assert [line["status"] for line in lines] == ["accepted", "accepted", "rejected"]
    assert lines[1]["totals"] == {"VND": {"credit": 150000, "debit": 0}}
    assert lines[1]["statements"] is None
    assert lines[1]["entries"] == 1
    assert "junk.bin" in lines[2]["error"]


def test_ingest_for_people_says_what_happened_and_exits_0_without_rejections(workdir: Path) -> None:
    (workdir / "vnpay.csv").write_text(GATEWAY, encoding="utf-8")
    first = recon(workdir, "ingest", "vnpay.csv")
    second = recon(workdir, "ingest", "vnpay.csv")

    assert (first.returncode, second.returncode) == (0, 0)
    assert "vnpay.csv: accepted" in first.stdout
    assert "vnpay.csv: duplicate" in second.stdout
    assert (
        second.stdout.strip().splitlines()[-1]
        == "1 file(s): 0 accepted, 0 correction, 1 duplicate, 0 rejected"
    )


def test_ingest_before_init_fails_with_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "vnpay.csv").write_text(GATEWAY, encoding="utf-8")

    result = recon(tmp_path, "ingest", "vnpay.csv")

    assert result.returncode != 0
    assert result.stderr.strip() == "recon ingest: database not initialised: run `recon init`"
