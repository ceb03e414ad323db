"""Two scheduler processes on one database: each fire time of a job runs exactly once."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time

import pytest
from service_fixtures import SAMPLES, Service
from sqlalchemy import select

from adapters.db.ops_tables import fetched_files, job_runs

WAIT_S = 120.0
LAUNCH = "import sys; from adapters.cli import main; sys.exit(main())"


@pytest.fixture
def fetch_cron() -> str:
    return "*/2 * * * * *"  # every two seconds


def start_scheduler_process(service: Service, name: str) -> subprocess.Popen[bytes]:
    log = (service.root / f"{name}.log").open("wb")
    try:
        return subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "--config", str(service.config), "scheduler"],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=service.root,
            env={**os.environ, "PYTHONWARNINGS": "error"},
        )
    finally:
        log.close()


def completed_fire_times(service: Service) -> list[tuple[object, str]]:
    query = select(job_runs.c.scheduled_for, job_runs.c.outcome).where(job_runs.c.job_id == "fetch:bank")
    with service.engine.connect() as connection:
        return [(r.scheduled_for, r.outcome) for r in connection.execute(query)]


def wait_until(condition, what: str, processes: list[subprocess.Popen[bytes]]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return
        assert all(p.poll() is None for p in processes), "a scheduler process died"
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.mark.slow
def test_two_scheduler_processes_run_each_fire_time_once_and_fetch_each_file_once(service: Service) -> None:
    service.serve_sample("gateway_canonical.csv", "vnptpay-2026-11-25.csv")
    processes = [start_scheduler_process(service, "a"), start_scheduler_process(service, "b")]
    try:
        ran = lambda n: len({t for t, outcome in completed_fire_times(service) if outcome != "running"}) >= n  # noqa: E731
        wait_until(lambda: ran(2), "two fire times", processes)
        service.serve_sample("obligations.csv", "portal-2026-11-25.csv")
        header, *rows = (SAMPLES / "gateway_canonical.csv").read_text().splitlines(keepends=True)
        (service.served / "vnptpay-2026-11-25-resent.csv").write_text("".join([header, *reversed(rows)]))
        runs_so_far = len(completed_fire_times(service))
        wait_until(
            lambda: len(completed_fire_times(service)) >= runs_so_far + 3, "three more fire times", processes
        )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=WAIT_S) for process in processes]
    logs = {name: (service.root / f"{name}.log").read_text() for name in ("a", "b")}
    assert codes == [0, 0], logs

    runs = completed_fire_times(service)
    per_fire_time = collections.Counter(t for t, outcome in runs if outcome != "skipped")
    assert per_fire_time, "no fetch ran"
    assert max(per_fire_time.values()) == 1, per_fire_time
    assert all(outcome in ("succeeded", "skipped") for _, outcome in runs), runs
    with service.engine.connect() as connection:
        names = list(connection.execute(select(fetched_files.c.remote_name)).scalars())
    assert sorted(names) == [
        "portal-2026-11-25.csv",
        "vnptpay-2026-11-25-resent.csv",
        "vnptpay-2026-11-25.csv",
    ]
