"""``recon statement``: a province's settlement statement for a business date (DESIGN.md §7).

``recon statement --province 01 --date 2026-11-25 --format pdf --out hn.pdf``
reads the database, renders the statement and prints where it went;
``--agency BCA`` instead of ``--province`` writes a central agency's (a
ministry's) statement. An unknown province or agency ends with one line and a
non-zero exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from adapters.db.engine import create_engine_for, require_schema
from adapters.settings import Settings
from adapters.statement_files import write_province_statement
from reports.statements import FORMATS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "statement",
        help="a province's settlement statement (PDF, Excel or XML)",
        description="Write the settlement statement of one province for one business date.",
    )
    payee = parser.add_mutually_exclusive_group(required=True)
    payee.add_argument("--province", metavar="CODE", help="2-digit province code, e.g. 01")
    payee.add_argument("--agency", metavar="CODE", help="a central agency's code in agencies.csv, e.g. BCA")
    parser.add_argument("--date", required=True, type=business_date, metavar="YYYY-MM-DD")
    parser.add_argument("--format", required=True, choices=FORMATS, help="pdf, xlsx or xml")
    parser.add_argument(
        "--out", required=True, type=Path, metavar="PATH", help="file (or directory) to write"
    )
    parser.set_defaults(handler=handle)


def business_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def handle(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine_for(settings.database_url)
    try:
        require_schema(engine)
        code = args.province or args.agency
        path = write_province_statement(engine, settings, code, args.date, args.format, args.out)
    finally:
        engine.dispose()
    print(f"statement {code} {args.date.isoformat()} ({args.format}): {path}")
    return 0
