"""``recon fetch [--source NAME]``: pull new files from the SFTP sources and ingest them.

One line per source (what was fetched, what waits, how ingestion went); on
stderr the names skipped or refused as warnings, what was cleaned up after an
interrupted fetch, and each file rejected, skipped or failed with its reason. Exit 0 when every source was
reached and no file was refused, rejected, skipped or failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from adapters.bootstrap import Parts
from adapters.db.engine import require_schema
from adapters.fetch import PROBLEMS, SourceResult, fetch_sources
from reconcile.errors import ConfigError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fetch",
        help="pull new files from the SFTP sources and ingest them",
        description="Fetch new files from every configured SFTP source (or one) and ingest them.",
    )
    parser.add_argument("--source", metavar="NAME", help="only this source (a [[sources]] name)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    if not parts.sources:
        raise ConfigError("no SFTP sources configured: add [[sources]] to recon.toml")
    require_schema(parts.engine)
    summary = fetch_sources(parts.sources, parts.inboxes, parts.engine, parts.formats, source=args.source)
    for result in summary.sources:
        print(describe(result))
        for line in (*result.warnings, *result.errors):
            print(f"  warning: {line}", file=sys.stderr)
        for problem in (i for i in result.ingested if i.status in PROBLEMS):
            print(f"  {problem.status}: {problem.path.name}: {problem.error}", file=sys.stderr)
        if result.failure:
            print(f"  failed: {result.failure}", file=sys.stderr)
    return 0 if summary.ok else 1


def describe(result: SourceResult) -> str:
    """``bank: 3 fetched, 2 already fetched, 1 still being written; ingested 3 accepted``."""
    parts = [f"{len(result.fetched)} fetched", f"{result.already} already fetched"]
    if result.growing:
        parts.append(f"{len(result.growing)} still being written")
    if result.errors:
        parts.append(f"{len(result.errors)} refused by the server")
    statuses = Counter(i.status for i in result.ingested)
    ingested = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) or "nothing new"
    state = "FAILED" if result.failure else "ok"
    return f"{result.source}: {state}; {', '.join(parts)}; ingested {ingested}"
