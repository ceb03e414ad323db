"""``recon ingest PATH... [--json]``: ingest local files, format detected (DESIGN.md §6, §7).

Without ``--json`` one line per file for people and a summary; with it one
JSON object per file per line, exactly the contract's keys. The exit code is
0 when no file was rejected and 1 when any was (duplicates and corrections
are not failures); the other files are ingested either way.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from adapters.bootstrap import Parts
from adapters.ingest import IngestOutcome, ingest_files
from reconcile.money import format_minor


def register(subparsers: Any) -> None:
    help_text = "ingest local files (format detected); exit 1 if any file was rejected"
    parser = subparsers.add_parser(
        "ingest",
        help=help_text,
        description=(
            "Ingest obligations exports, gateway settlement files and bank statements "
            "(camt.053/054, camt.052 intraday reports, MT940). The same bytes twice are "
            "ingested once; a later file "
            "with the same business identity (a bank statement's account, id and sequence; "
            "a gateway file's gateway and file name) is kept as a correction; a gateway "
            "transaction carried by several files counts once, the latest file's row "
            "used. Exit status: 0 if "
            "no file was rejected, 1 if some were (the others are still ingested)."
        ),
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files to ingest")
    parser.add_argument("--json", action="store_true", help="one JSON object per file per line (JSON Lines)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    printer = _print_json if args.json else _print_human
    outcomes = ingest_files(args.paths, parts.formats, parts.engine, on_progress=printer)
    if not args.json:
        counts = Counter(outcome.status for outcome in outcomes)
        summary = ", ".join(f"{counts[s]} {s}" for s in ("accepted", "correction", "duplicate", "rejected"))
        print(f"{len(outcomes)} file(s): {summary}")
    return 1 if any(outcome.status == "rejected" for outcome in outcomes) else 0


def _print_json(outcome: IngestOutcome) -> None:
    print(outcome.to_json(), flush=True)


def _print_human(outcome: IngestOutcome) -> None:
    if outcome.status == "rejected":
        print(f"{outcome.path}: rejected: {outcome.error}", flush=True)
        return
    totals = "; ".join(
        f"{ccy} credit {format_minor(sides['credit'], ccy)} debit {format_minor(sides['debit'], ccy)}"
        for ccy, sides in sorted(outcome.totals.items())
    )
    statements = f"{outcome.statements} statement(s), " if outcome.statements is not None else ""
    counted = f"{statements}{outcome.entries} entries"
    print(f"{outcome.path}: {outcome.status} ({outcome.format}): {counted}; {totals}", flush=True)
    for warning in outcome.warnings:
        print(f"  warning: {warning}")
