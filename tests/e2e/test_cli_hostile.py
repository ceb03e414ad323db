"""``recon ingest --json`` then ``recon run`` on the hostile files the issue reported, as a user runs them.

Each of these used to end ``recon ingest`` with a traceback (the good file
of the same call never stored) or to break ``recon run`` of its date later.
Now each is one contract line saying ``rejected`` with its line and reason,
the good file is ``accepted``, and the run of the date succeeds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RECON = Path(sys.executable).with_name("recon")
CONTRACT_KEYS = {"path", "sha256", "format", "status", "statements", "entries", "totals", "warnings", "error"}
OBLIGATIONS_HEADER = (
    "payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,"
    "portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd\n"
)
GATEWAY_HEADER = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,"
    "paid_at,settlement_date,batch_id,original_txn_id\n"
)
PAID = "2026-11-25T10:00:00+07:00"
GOOD = {
    "obligations.csv": OBLIGATIONS_HEADER
    + f"HS-1,01,fee,AG-01,P1,150000,2026-11-24T09:00:00+07:00,paid,T1,{PAID},,\n"
}
#: file → its bytes, and the line and reason its rejection must give
HOSTILE = {
    "paid-9999.csv": (
        GATEWAY_HEADER
        + "T1,HS-1,vnpay,01,7111010000001,150000,0,SUCCESS,9999-12-31T23:59:59-12:00,2026-11-26,B1,\n",
        "line 2: paid_at '9999-12-31T23:59:59-12:00' is outside 1900-01-01..2199-12-31",
    ),
    "issued-10000.csv": (
        OBLIGATIONS_HEADER + "HS-2,01,fee,AG-01,P1,1000,9999-12-31T23:59:59-12:00,unpaid,,,,\n",
        "line 2: issued_at '9999-12-31T23:59:59-12:00' is outside 1900-01-01..2199-12-31",
    ),
    "twelve-nines.csv": (
        GATEWAY_HEADER
        + "".join(
            f"T{n},HS-1,vnpay,01,7111010000001,999999999999999999,0,SUCCESS,{PAID},2026-11-26,B1,\n"
            for n in range(12)
        ),
        "line 11: the file's total of amount_vnd (11999999999999999988) is beyond what a 64-bit",
    ),
    "nul.csv": (
        GATEWAY_HEADER + f"T\x001,HS-1,vnpay,01,7111010000001,150000,0,SUCCESS,{PAID},2026-11-26,B1,\n",
        "line 2: column 'txn_id' contains the control character U+0000",
    ),
    "long-id.csv": (
        GATEWAY_HEADER + f"{'T' * 200},HS-1,vnpay,01,7111010000001,150000,0,SUCCESS,{PAID},2026-11-26,B1,\n",
        "line 2: txn_id is 200 characters long, longer than the 128 the database column gateway_txns.txn_id",
    ),
    "camt-20-digits.xml": (
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
        "<BkToCstmrStmt><Stmt><Id>S1</Id><Acct><Id><Othr><Id>7111010000001</Id></Othr></Id></Acct>"
        '<Ntry><Amt Ccy="VND">12345678901234567890</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>'
        "</Stmt></BkToCstmrStmt></Document>\n",
        "Stmt[1]/Ntry[1]/Amt (line 1): '12345678901234567890' has more than 18 digits",
    ),
}


def recon(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RECON), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_hostile_files_are_rejected_in_the_json_lines_and_the_run_of_the_day_succeeds(tmp_path: Path) -> None:
    assert recon(tmp_path, "init").returncode == 0
    files = {**GOOD, **{name: data for name, (data, _) in HOSTILE.items()}}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")

    ingest = recon(tmp_path, "ingest", "--json", *files)
    run = recon(tmp_path, "run", "--date", "2026-11-25")

    assert ingest.returncode == 1, ingest.stderr  # some files were rejected
    assert "Traceback" not in ingest.stderr
    lines = [json.loads(line) for line in ingest.stdout.splitlines()]
    assert [set(line) for line in lines] == [CONTRACT_KEYS] * len(files)
    assert lines[0]["status"] == "accepted"
    for line, (name, (_, error)) in zip(lines[1:], HOSTILE.items(), strict=True):
        assert (line["path"], line["status"], line["entries"], line["totals"]) == (name, "rejected", 0, {})
        assert line["error"].startswith(f"{name}, {error}"), line["error"]
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "2026-11-25-v1"
