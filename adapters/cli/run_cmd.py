"""``recon run`` and ``recon rerun``: reconcile a business date (DESIGN.md §7).

``recon run --date 2026-11-25 [--province 01]...`` reconciles the date and
prints the run id and a short summary; ``recon rerun`` does the same as a
new version and requires ``--reason``. Both leave nothing behind if they fail,
and both are recorded in the audit log (``cli:OSUSER``, the run id, date,
provinces and reason). Before ``recon run`` reconciles its date it brings
earlier dates up to date when files touching them arrived after their runs
(:mod:`usecases.runs`): each such date is run again as a new version whose
reason names the files, and the summary ends with one line per date
(``late files: 2026-11-24 re-run as 2026-11-24-v2 (vnpay-late.csv)``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from adapters.bootstrap import Parts
from adapters.cli.audit_cmd import cli_actor
from adapters.db import audit
from adapters.db.engine import require_schema
from adapters.db.reference import province_codes
from reconcile.errors import ConfigError
from reconcile.runs import reconcile_day
from usecases.runs import DayRun, run_day

_PROVINCE = re.compile(r"\d{2}")


def business_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def province(text: str) -> str:
    if not _PROVINCE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a 2-digit province code")
    return text


def terminal_progress(what: str) -> Callable[[str], None] | None:
    """``run 2026-11-25: matching (1.2 s)`` on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return None
    started = time.monotonic()

    def show(step: str) -> None:
        print(f"{what}: {step} ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)

    return show


def register(subparsers: Any) -> None:
    for name, help_text in (
        ("run", "reconcile a business date; prints the run id and a summary"),
        ("rerun", "reconcile a business date again as a new version (the old one stays)"),
    ):
        parser = subparsers.add_parser(name, help=help_text, description=help_text.capitalize() + ".")
        parser.add_argument("--date", required=True, type=business_date, metavar="YYYY-MM-DD")
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            type=province,
            metavar="CODE",
            help="limit the run to this province (repeatable; default: all)",
        )
        parser.add_argument("--reason", required=name == "rerun", metavar="TEXT", help="why it is run again")
        parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    if args.reason is not None and not args.reason.strip():
        raise ConfigError("--reason must say why the date is run again")
    engine = parts.engine
    require_schema(engine)
    if args.province:
        with engine.connect() as conn:
            unknown = sorted(set(args.province) - set(province_codes(conn)))
        if unknown:
            raise ConfigError(f"unknown province code(s): {', '.join(unknown)}")
    store, progress = parts.run_store(), terminal_progress(f"run {args.date}")
    if args.command == "rerun":
        done = DayRun(reconcile_day(store, args.date, args.province, reason=args.reason, on_step=progress))
    else:
        done = run_day(
            store, parts.arrivals(), args.date, args.province, reason=args.reason, on_step=progress
        )
    for caught in done.caught_up:
        late = caught.summary.run
        details = {
            "date": late.business_date.isoformat(),
            "provinces": list(late.provinces),
            "reason": late.reason,
        }
        audit.record(engine, cli_actor(), "rerun", caught.summary.id, details)
    details = {"date": args.date.isoformat(), "provinces": args.province, "reason": args.reason}
    audit.record(engine, cli_actor(), args.command, done.id, details)
    print(done.id)
    for line in done.lines():
        print(line)
    return 0
