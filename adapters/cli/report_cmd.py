"""``recon report``: a run's discrepancy report as JSON, CSV or Excel (DESIGN.md §6, §7).

``recon report (--run ID | --date YYYY-MM-DD) --format json|csv|xlsx --out PATH
[--diff OTHER_RUN_ID]``; ``--date`` takes the latest result of that date: for
each province its latest version, so a one-province rerun replaces that
province's rows and leaves the others' (the ``run`` object then lists, under
``results``, which run gave which provinces).
``--diff`` adds what changed since the other run: items new, gone and changed.
The report is built and written by :mod:`usecases.reports`, as the web
application and the demo write it: each row with its live workflow ``status``
and ``assignee``. A date without a run is refused in one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from adapters.bootstrap import Parts
from adapters.cli.run_cmd import business_date
from adapters.db.engine import require_schema
from usecases.reports import FORMATS, build_report, latest_report, write_report


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="a run's discrepancy report (JSON, CSV or Excel)",
        description="Write the discrepancy report of a run, or of the latest run of a date.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--run", metavar="ID", help="the run's id, as `recon run` printed it")
    which.add_argument(
        "--date",
        type=business_date,
        metavar="YYYY-MM-DD",
        help="the latest result of this date (per province, its latest run)",
    )
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--out", required=True, type=Path, metavar="PATH")
    parser.add_argument("--diff", metavar="OTHER_RUN_ID", help="also show what changed since this run")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    require_schema(parts.engine)
    store, work = parts.run_store(), parts.work_items()
    if args.run:
        report = build_report(store, store.get_run(args.run), args.diff, work=work)
    else:
        report = latest_report(store, args.date, args.diff, work=work)
    names = parts.provinces().names()
    path = write_report(report, args.format, args.out, names)
    print(f"report {report.run['id']} ({args.format}): {path}")
    return 0
