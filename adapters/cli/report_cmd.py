"""``recon report``: a run's discrepancy report as JSON, CSV or Excel (DESIGN.md §6, §7).

``recon report (--run ID | --date YYYY-MM-DD) --format json|csv|xlsx --out PATH
[--diff OTHER_RUN_ID]``; ``--date`` takes the latest run of that date.
``--diff`` adds what changed since the other run: items new, gone and changed.
Excel is written by :mod:`reports.xlsx`.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from adapters.cli.run_cmd import business_date
from adapters.db.engine import create_engine_for, require_schema
from adapters.db.runs import SqlRunStore
from adapters.settings import Settings
from reconcile.errors import ConfigError
from reconcile.ports import RunRecord
from reconcile.runs import diff_runs
from reports.tabular import DiscrepancyReport, sort_key, write_csv, write_json

FORMATS = ("json", "csv", "xlsx")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="a run's discrepancy report (JSON, CSV or Excel)",
        description="Write the discrepancy report of a run, or of the latest run of a date.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--run", metavar="ID", help="the run's id, as `recon run` printed it")
    which.add_argument("--date", type=business_date, metavar="YYYY-MM-DD", help="the latest run of this date")
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--out", required=True, type=Path, metavar="PATH")
    parser.add_argument("--diff", metavar="OTHER_RUN_ID", help="also show what changed since this run")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine_for(settings.database_url)
    try:
        require_schema(engine)
        store = SqlRunStore(engine, settings)
        run = store.get_run(args.run) if args.run else store.latest_run(args.date)
        report = build_report(store, run, args.diff)
    finally:
        engine.dispose()
    path = write_report(report, args.format, args.out)
    print(f"report {run.id} ({args.format}): {path}")
    return 0


def build_report(store: SqlRunStore, run: RunRecord, diff_against: str | None = None) -> DiscrepancyReport:
    """The run's report, with the diff against ``diff_against`` if given."""
    rows = store.discrepancies(run.id)
    if diff_against is None:
        return DiscrepancyReport(run.as_dict(), rows)
    diff = diff_runs(store.discrepancies(store.get_run(diff_against).id), rows)
    return DiscrepancyReport(run.as_dict(), rows, diff_against=diff_against, diff=diff.rows())


def write_report(report: DiscrepancyReport, fmt: str, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        return write_json(report, out)
    if fmt == "csv":
        return write_csv(report, out)
    try:
        xlsx = importlib.import_module("reports.xlsx")
    except ModuleNotFoundError as exc:
        if exc.name != "reports.xlsx":
            raise
        raise ConfigError(
            "Excel reports are not available in this installation (reports.xlsx missing)"
        ) from exc
    if report.diff is not None:
        raise ConfigError("--diff is written in the json and csv formats, not xlsx")
    import pandas as pd  # only Excel needs it; keeps `recon` quick to start

    rows = sorted(report.discrepancies.to_pylist(), key=sort_key)
    frame = pd.DataFrame(rows, columns=list(report.discrepancies.column_names))
    xlsx.write_report_xlsx(report.run, frame, out)
    return out
