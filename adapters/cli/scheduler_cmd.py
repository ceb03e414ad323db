"""``recon scheduler``: run the scheduled jobs in the foreground; or show their history.

- ``recon scheduler`` starts the jobs (see :mod:`scheduler`) and runs until
  interrupted (Ctrl-C, SIGTERM), then waits for running jobs to finish;
- ``recon scheduler --history [--limit N] [--job ID]`` prints the latest job runs;
- ``recon scheduler --run JOB`` runs one job now, under the same lock.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

import scheduler
from adapters.bootstrap import Parts
from adapters.db.engine import require_schema
from adapters.db.jobs import JobRun, job_history
from reconcile.errors import NotFoundError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scheduler",
        help="run the scheduled jobs in the foreground (or show their history)",
        description="Fetch, run and publish on the cron schedules of recon.toml (Asia/Ho_Chi_Minh).",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--history", action="store_true", help="print the latest job runs and exit")
    mode.add_argument("--run", metavar="JOB", help="run one job now (e.g. daily_run, fetch:NAME) and exit")
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="history rows (default 20)")
    parser.add_argument("--job", metavar="ID", help="history of this job only")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    engine = parts.engine
    require_schema(engine)
    if args.history:
        print_history(job_history(engine, limit=args.limit, job_id=args.job))
        return 0
    if args.run:
        return run_once(parts, args.run)
    return run_foreground(parts)


def run_once(parts: Parts, job_id: str) -> int:
    specs = {spec.id: spec for spec in scheduler.job_specs(parts)}
    if job_id not in specs:
        raise NotFoundError("job", job_id)
    run = scheduler.run_now(parts, specs[job_id])
    if run is None:
        return 1
    print_history([run])
    return 0 if run.outcome == "succeeded" else 1


def run_foreground(parts: Parts) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    running = scheduler.start_scheduler(parts)
    try:
        for job in running.get_jobs():
            print(f"{job.id}: next at {job.next_run_time:%Y-%m-%d %H:%M:%S %z}", flush=True)
        print("scheduler running; Ctrl-C to stop", flush=True)
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop_scheduler(running)
    print("scheduler stopped", flush=True)
    return 0


def print_history(runs: list[JobRun]) -> None:
    if not runs:
        print("no job has run yet")
        return
    print(f"{'started (UTC)':<20} {'job':<24} {'outcome':<10} {'for':<20} detail")
    for run in runs:
        scheduled = f"{run.scheduled_for:%Y-%m-%d %H:%M:%S}" if run.scheduled_for else "by hand"
        detail = ", ".join(f"{k}={v}" for k, v in sorted(run.detail.items()) if v not in (None, [], {}))
        print(
            f"{run.started_at:%Y-%m-%d %H:%M:%S}  {run.job_id:<24} {run.outcome:<10} {scheduled:<20} {detail}"
        )
