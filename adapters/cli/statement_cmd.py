"""``recon statement``: a province's settlement statement for a business date (DESIGN.md §7).

``recon statement --province 01 --date 2026-11-25 --format pdf --out hn.pdf``
reads the database, renders the statement and prints where it went;
``--agency BCA`` instead of ``--province`` writes a central agency's (a
ministry's) statement. An unknown province or agency ends with one line and a
non-zero exit code.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from adapters.bootstrap import Parts
from adapters.cli.run_cmd import business_date
from adapters.db.engine import require_schema
from reports.statements import FORMATS
from usecases.statements import write_province_statement


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


def handle(args: argparse.Namespace, parts: Parts) -> int:
    require_schema(parts.engine)
    code = args.province or args.agency
    path = write_province_statement(
        parts.run_store(), parts.provinces(), code, args.date, args.format, args.out
    )
    print(f"statement {code} {args.date.isoformat()} ({args.format}): {path}")
    return 0
