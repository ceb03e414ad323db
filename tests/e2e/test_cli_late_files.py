"""Late files are never silently lost: ``recon run`` and the daily job bring earlier dates up to date.

A gateway file and a bank statement carrying payments and bookings of
2026-11-25 arrive after that date's run. The next ``recon run`` (here of
2026-11-26) first runs 2026-11-25 again as a new version whose reason names
the two files, and says so; the late orphan is then reported under its own
date. The scheduler's daily run does the same and its job history records
it. On SQLite and PostgreSQL, through the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine
from test_cli_rerun_concurrent import configured

import scheduler
from adapters.bootstrap import bootstrap
from adapters.settings import load_settings

LATE_GATEWAY = """\
txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,settlement_date,batch_id,original_txn_id
T-LATE,HS-NOWHERE,vnpay,48,7111480000001,250000,0,SUCCESS,2026-11-25T16:00:00+07:00,2026-11-26,VNP-DN-LATE,
"""
LATE_BANK = """\
:20:STMT-48-1125-LATE
:25:7111480000001
:28C:7/1
:60F:C261124VND0,
:61:2611251125C777000,NTRFNONREF//VCB-STRAY-1
:86:CHUYEN TIEN KHONG RO NGUON
:62F:C261125VND777000,
-
"""
THE_DAY, NEXT_DAY = "2026-11-25", "2026-11-26"
LATE_FILES = "late files: vnpay-late.csv, vcb-late.sta"


def recon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def ok(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def report(config: Path, tmp_path: Path, *which: str) -> dict:  # type: ignore[type-arg]
    out = tmp_path / f"report-{'-'.join(which)}.json"
    ok(recon(config, "report", *which, "--format", "json", "--out", str(out)))
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def arrive_late(config: Path, directory: Path) -> None:
    (directory / "vnpay-late.csv").write_text(LATE_GATEWAY, encoding="utf-8")
    (directory / "vcb-late.sta").write_text(LATE_BANK, encoding="utf-8")
    ok(recon(config, "ingest", str(directory / "vnpay-late.csv"), str(directory / "vcb-late.sta")))


def test_recon_run_reruns_the_earlier_date_late_files_touched_and_says_why(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    config = configured(migrated_engine, tmp_path)
    assert ok(recon(config, "run", "--date", THE_DAY))[0] == f"{THE_DAY}-v1"
    before = report(config, tmp_path, "--date", THE_DAY)
    arrive_late(config, tmp_path)

    lines = ok(recon(config, "run", "--date", NEXT_DAY))

    assert lines[0] == f"{NEXT_DAY}-v1"
    assert f"late files: {THE_DAY} re-run as {THE_DAY}-v2 (vnpay-late.csv, vcb-late.sta)" in lines
    after = report(config, tmp_path, "--date", THE_DAY)
    assert after["run"]["id"] == f"{THE_DAY}-v2"
    assert after["run"]["reason"] == LATE_FILES
    found = {(row["category"], row["txn_id"] or row["bank_ref"]) for row in after["discrepancies"]}
    assert ("ORPHAN_PAYMENT", "T-LATE") in found  # reported under its own date
    assert not any("T-LATE" in json.dumps(row) for row in before["discrepancies"])
    assert any(row["bank_ref"] == "VCB-STRAY-1" for row in after["discrepancies"])
    # nothing new arrived since: the next run re-runs nothing
    again = ok(recon(config, "run", "--date", NEXT_DAY))
    assert again[0] == f"{NEXT_DAY}-v2"
    assert not [line for line in again if line.startswith("late files:")]
    # the catch-up is in the audit log, as a rerun with its reason
    assert ok(recon(config, "audit", "verify"))


def test_the_daily_job_reruns_the_earlier_date_and_its_history_records_it(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    config = configured(migrated_engine, tmp_path)
    ok(recon(config, "run", "--date", THE_DAY))
    arrive_late(config, tmp_path)
    with bootstrap(load_settings(config)) as parts:
        spec = {s.id: s for s in scheduler.job_specs(parts)}["daily_run"]
        fire = dt.datetime(2026, 11, 27, 2, 30, tzinfo=scheduler.TIMEZONE)  # runs 2026-11-26
        job = scheduler.run_now(parts, spec, scheduled_for=fire)

    assert job is not None
    assert job.outcome == "succeeded", job
    assert job.detail["run_id"] == f"{NEXT_DAY}-v1"
    assert job.detail["caught_up"] == [
        {"business_date": THE_DAY, "run_id": f"{THE_DAY}-v2", "files": ["vnpay-late.csv", "vcb-late.sta"]}
    ]
    history = "\n".join(ok(recon(config, "scheduler", "--history", "--job", "daily_run")))
    assert f"'run_id': '{THE_DAY}-v2'" in history
    assert "vnpay-late.csv" in history
    assert report(config, tmp_path, "--date", THE_DAY)["run"]["reason"] == LATE_FILES
