"""``recon run`` and ``recon rerun``: reconcile a business date (DESIGN.md §7).

``recon run --date 2026-11-25 [--province 01]... [--agency BCA]...`` reconciles
the date and prints the run id and a short summary; ``recon rerun`` does the same
as a new version and requires ``--reason``. ``--province`` and ``--agency`` limit
the run to those payees (a province, or a central agency of ``agencies.csv``):
it is then a new version of those payees only, and the date's latest result is
still each payee's latest version (:mod:`reconcile.results`). ``--province`` also
takes an agency's code, as ``recon statement --province`` does, since that is what
an operator types. Unknown codes, and agencies that are not active, are refused
with one line. Both leave nothing behind if they fail,
and both are recorded in the audit log (``cli:OSUSER``, the run id, date,
provinces, agencies and reason). Before ``recon run`` reconciles its date it brings
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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from adapters.bootstrap import Parts
from adapters.cli.audit_cmd import cli_actor
from adapters.db import audit
from adapters.db.engine import require_schema
from adapters.db.reference import AGENCY_CODE, agency_codes, province_codes
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
    """A 2-digit province code, or a central agency's code (which ``--province`` also takes)."""
    if not (_PROVINCE.fullmatch(text) or AGENCY_CODE.fullmatch(text)):
        raise argparse.ArgumentTypeError(f"{text!r} is not a 2-digit province code nor an agency code")
    return text


def agency(text: str) -> str:
    if not AGENCY_CODE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a central agency's code (e.g. BCA)")
    return text


def payee_scope(
    provinces: Mapping[str, bool],
    agencies: Mapping[str, bool],
    asked: Sequence[str],
    asked_agencies: Sequence[str],
) -> tuple[list[str], list[str]]:
    """The provinces and the agencies a run is limited to, from ``--province`` and ``--agency``.

    ``provinces`` and ``agencies`` are the known codes and whether each is active. A
    ``--province`` code that names no province but an agency is that agency. Unknown
    provinces, unknown agencies and inactive agencies are refused (:class:`ConfigError`).
    """
    as_agency = [code for code in asked if code not in provinces and code in agencies]
    unknown = sorted(set(asked) - set(provinces) - set(as_agency))
    if unknown:
        raise ConfigError(f"unknown province code(s): {', '.join(unknown)}")
    wanted = sorted({*asked_agencies, *as_agency})
    refused = [
        f"{code} ({'inactive' if code in agencies else 'unknown'})"
        for code in wanted
        if not agencies.get(code)
    ]
    if refused:
        raise ConfigError(f"unknown or inactive agency code(s): {', '.join(refused)}")
    return sorted({code for code in asked if code in provinces}), wanted


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
            help="limit the run to this province (repeatable; default: all); "
            "a central agency's code is taken as --agency",
        )
        parser.add_argument(
            "--agency",
            action="append",
            default=[],
            type=agency,
            metavar="CODE",
            help="limit the run to this active central agency of agencies.csv, e.g. BCA "
            "(repeatable; combinable with --province)",
        )
        parser.add_argument("--reason", required=name == "rerun", metavar="TEXT", help="why it is run again")
        parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    if args.reason is not None and not args.reason.strip():
        raise ConfigError("--reason must say why the date is run again")
    engine = parts.engine
    require_schema(engine)
    provinces, agencies = args.province, args.agency
    if provinces or agencies:
        with engine.connect() as conn:
            provinces, agencies = payee_scope(province_codes(conn), agency_codes(conn), provinces, agencies)
    scope = [*provinces, *agencies]
    store, progress = parts.run_store(), terminal_progress(f"run {args.date}")
    if args.command == "rerun":
        done = DayRun(reconcile_day(store, args.date, scope, reason=args.reason, on_step=progress))
    else:
        done = run_day(store, parts.arrivals(), args.date, scope, reason=args.reason, on_step=progress)
    for caught in done.caught_up:
        late = caught.summary.run
        details = {
            "date": late.business_date.isoformat(),
            "provinces": list(late.provinces),
            "reason": late.reason,
        }
        audit.record(engine, cli_actor(), "rerun", caught.summary.id, details)
    named = {"agencies": agencies} if agencies else {}
    details = {"date": args.date.isoformat(), "provinces": provinces, **named, "reason": args.reason}
    audit.record(engine, cli_actor(), args.command, done.id, details)
    print(done.id)
    for line in done.lines():
        print(line)
    return 0
