"""``recon run`` and ``recon rerun``: reconcile a business date (DESIGN.md §7).

``recon run --date 2026-11-25 [--province 01]...`` reconciles the date and
prints the run id and a short summary; ``recon rerun`` does the same as a
new version and requires ``--reason``. Both leave nothing behind if they fail,
and both are recorded in the audit log (``cli:OSUSER``, the run id, date,
provinces and reason).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from adapters.cli.audit_cmd import cli_actor
from adapters.db import audit
from adapters.db.engine import create_engine_for, require_schema
from adapters.db.reference import province_codes
from adapters.db.runs import SqlRunStore
from adapters.settings import Settings
from reconcile.errors import ConfigError
from reconcile.runs import reconcile_day

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


def handle(args: argparse.Namespace, settings: Settings) -> int:
    if args.reason is not None and not args.reason.strip():
        raise ConfigError("--reason must say why the date is run again")
    engine = create_engine_for(settings.database_url)
    try:
        require_schema(engine)
        if args.province:
            with engine.connect() as conn:
                unknown = sorted(set(args.province) - set(province_codes(conn)))
            if unknown:
                raise ConfigError(f"unknown province code(s): {', '.join(unknown)}")
        summary = reconcile_day(
            SqlRunStore(engine, settings),
            args.date,
            args.province,
            reason=args.reason,
            on_step=terminal_progress(f"run {args.date}"),
        )
        details = {"date": args.date.isoformat(), "provinces": args.province, "reason": args.reason}
        audit.record(engine, cli_actor(), args.command, summary.id, details)
    finally:
        engine.dispose()
    print(summary.id)
    for line in summary.lines():
        print(line)
    return 0
