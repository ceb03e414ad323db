"""``make bench`` works and says what it promises (a benchmark run at a tiny N; nothing here is timed)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_the_benchmark_reports_each_stage_the_ratio_to_its_baseline_and_one_last_line(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fixtures.bench", "--n", "3000", "--keep", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    lines = done.stdout.strip().splitlines()
    stages = {m.group(1) for line in lines if (m := re.match(r"stage=(\w+) seconds=[\d.]+ ", line))}
    assert stages == {"baseline", "parse", "store", "persist", "match", "report"}
    assert re.fullmatch(r"check: discrepancies=(\d+) labelled=\1 missed=0 unlabelled=0", lines[-3])
    assert re.fullmatch(r"ratio: total/baseline=[\d.]+ \(baseline_s=[\d.]+\)", lines[-2])
    assert re.fullmatch(r"bench: n=3000 total_s=[\d.]+ peak_rss_mb=\d+", lines[-1])
    assert (tmp_path / "baseline" / "pairs.parquet").stat().st_size > 0
