"""Through the ``recon`` command: batches named only in an MT940 owner reference or ``/EREF/`` are settled.

Three VNPay batches of 500,000 đồng each for Đà Nẵng settle the next day in
three credits of the same amount, so no amount tells them apart. The
Vietnamese bank's MT940 names two batches only as the ``:61:`` reference for
the account owner and the third only in ``:86:`` ``/EREF/``; a rejected file
with a mistyped ``:20:`` beside them stops nothing. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from service_fixtures import database_url  # noqa: F401  (pytest finds fixtures by name)

ACCOUNT = "7111480000001"
OBLIGATIONS = """\
payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd
HS-1,48,land_charge,A1,,500000,2026-11-24T09:00:00+07:00,paid,T1,2026-11-25T09:00:00+07:00,,
HS-2,48,land_charge,A1,,500000,2026-11-24T09:00:00+07:00,paid,T2,2026-11-25T10:00:00+07:00,,
HS-3,48,land_charge,A1,,500000,2026-11-24T09:00:00+07:00,paid,T3,2026-11-25T11:00:00+07:00,,
"""
GATEWAY = f"""\
txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,settlement_date,batch_id,original_txn_id
T1,HS-1,vnpay,48,{ACCOUNT},500000,0,SUCCESS,2026-11-25T09:00:00+07:00,2026-11-26,VNP-DN-1,
T2,HS-2,vnpay,48,{ACCOUNT},500000,0,SUCCESS,2026-11-25T10:00:00+07:00,2026-11-26,VNP-DN-2,
T3,HS-3,vnpay,48,{ACCOUNT},500000,0,SUCCESS,2026-11-25T11:00:00+07:00,2026-11-26,VNP-DN-3,
"""
MT940 = f"""\
:20:STMT-48-1126
:25:{ACCOUNT}
:28C:00001/
001
:60F:C261125VND0,
:61:2611261126CD500000,NTRFVNP-DN-1//VCB-DN-1
:86:CHUYEN TIEN QUYET TOAN
:61:2611261126C500000.00NTRFVNP-DN-2//VCB-DN-2
:86:CHUYEN TIEN QUYET TOAN
:61:2611261126C500000,NTRFEREF//VCB-DN-3
:86:/EREF/VNP-DN-3//REMI/USTD//CHUYEN TIEN QUYET TOAN/
:62F:C261126VND1500000,
-
"""
MISTYPED = MT940.replace(":20:STMT-48-1126", ":2O:STMT-48-1127")


def recon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def test_recon_run_settles_batches_named_in_the_owner_reference_or_eref(
    tmp_path: Path,
    database_url: str,  # noqa: F811
) -> None:
    config = tmp_path / "recon.toml"
    config.write_text(
        f'[database]\nurl = "{database_url}"\n\n'
        '[[gateways]]\nname = "vnpay"\nsettlement_days = 1\nfee_mode = "gross"\n',
        encoding="utf-8",
    )
    files = {"obligations.csv": OBLIGATIONS, "vnpay.csv": GATEWAY, "vcb.sta": MT940, "vcb-bad.sta": MISTYPED}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert recon(config, "init").returncode == 0

    ingested = recon(config, "ingest", "--json", *(str(tmp_path / name) for name in files))

    outcomes = {Path(doc["path"]).name: doc for doc in map(json.loads, ingested.stdout.splitlines())}
    assert outcomes["vcb.sta"]["status"] == "accepted"
    assert outcomes["vcb.sta"]["totals"] == {"VND": {"credit": 1_500_000, "debit": 0}}
    assert outcomes["vcb-bad.sta"]["status"] == "rejected"
    assert outcomes["vcb-bad.sta"]["error"].startswith("vcb-bad.sta, line 1: ")
    assert ":2O:" in outcomes["vcb-bad.sta"]["error"]

    for day in ("2026-11-25", "2026-11-26"):
        run = recon(config, "run", "--date", day)
        assert run.returncode == 0, run.stderr
        report = recon(config, "report", "--date", day, "--format", "json", "--out", str(tmp_path / "r.json"))
        assert report.returncode == 0, report.stderr
        document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
        assert document["discrepancies"] == [], document["discrepancies"]
