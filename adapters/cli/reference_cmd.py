"""``recon reference check [--fixtures DIR]``: validate the reference files (DESIGN.md §3).

Lists every problem, one line each (``file, line N: reason``), and exits 1 when
there is any, 0 when the files are clean. It reads the files only: no
database, no configuration needed. The checks are in
:mod:`adapters.reference_check`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from adapters.bootstrap import Parts
from adapters.db.reference import fixtures_dir
from adapters.reference_check import check_reference_files


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reference",
        help="the reference data files: `reference check` validates them",
        description="Work with the reference data files (fixtures/*.csv, DESIGN.md §3).",
    )
    actions = parser.add_subparsers(dest="reference_command", required=True, metavar="ACTION")
    help_text = "validate the reference files: overlaps, gaps, unknown codes, bad rates and dates, duplicates"
    check = actions.add_parser("check", help=help_text, description=help_text.capitalize() + ".")
    check.add_argument(
        "--fixtures",
        metavar="DIR",
        type=Path,
        help="directory of the reference CSV files (default: the packaged fixtures/)",
    )
    check.set_defaults(handler=handle)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    directory = args.fixtures or fixtures_dir()
    issues = check_reference_files(directory)
    for issue in issues:
        print(issue, file=sys.stderr)
    if issues:
        print(f"reference data in {directory}: {len(issues)} problem(s)", file=sys.stderr)
        return 1
    print(f"reference data in {directory}: clean")
    return 0
