"""``recon demo`` in an empty folder: exit 0, the reports and statements, the whole ground truth found."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconcile.discrepancies import KEY_OF, Category

LAUNCH = "import sys; from adapters.cli import main; sys.exit(main())"


@pytest.mark.slow
def test_the_demo_runs_in_an_empty_folder_and_reports_every_planted_problem(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", LAUNCH, "demo", "--out", "tmp"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONWARNINGS": "error"},
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    out = tmp_path / "tmp"

    [report_json] = (out / "reports").glob("discrepancies-*.json")
    assert report_json.with_suffix(".csv").is_file()
    assert report_json.with_suffix(".xlsx").read_bytes().startswith(b"PK")
    statements = sorted(p.suffix for p in (out / "statements").iterdir())
    payees = 54 + 4  # the connected provinces and the demo's four ministries
    assert statements == [".pdf"] * payees + [".xlsx"] * payees + [".xml"] * payees
    ministry = json.loads(report_json.read_text(encoding="utf-8"))["discrepancies"]
    assert any(row["agency_code"] == "BCA" and row["province_code"] is None for row in ministry)
    assert (out / "statements" / f"statement-BCA-{report_json.stem.split('-', 1)[1][:10]}.xml").is_file()

    report = json.loads(report_json.read_text(encoding="utf-8"))
    reported = {(row["category"], row[KEY_OF[Category(row["category"])]]) for row in report["discrepancies"]}
    planted = {
        (p["category"], p["key"]) for p in json.loads((out / "generated" / "ground_truth.json").read_text())
    }
    assert planted, "the generator planted no problem"
    assert planted <= reported, sorted(planted - reported)[:10]

    assert f"all {len(planted)} reported" in finished.stdout
    assert "central agencies (ministries) with breaks: BCA 1" in finished.stdout
    assert "[7/7]" in finished.stdout
    assert "₫" in finished.stdout
