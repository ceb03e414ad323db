"""``recon init``: create or migrate the database, then load the reference data.

Safe to run again at any time: migrations already applied are skipped and
the reference tables are reloaded from the packaged ``fixtures/*.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from adapters.bootstrap import Parts
from adapters.db.engine import migrate, write_transaction
from adapters.db.reference import fixtures_dir, load_reference_data


def register(subparsers: Any) -> None:
    help_text = "create or migrate the database and load the reference data (safe to repeat)"
    parser = subparsers.add_parser("init", help=help_text, description=help_text.capitalize() + ".")
    parser.add_argument(
        "--fixtures",
        metavar="DIR",
        type=Path,
        help="directory of the reference CSV files (default: the packaged fixtures/)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    engine = parts.engine
    before, after = migrate(engine)
    directory = args.fixtures or fixtures_dir()
    with write_transaction(engine) as conn:
        counts = load_reference_data(conn, directory)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"database {where}: schema already at {after}")
    else:
        print(f"database {where}: schema migrated from {before or 'empty'} to {after}")
    loaded = ", ".join(f"{table} {count}" for table, count in counts.items()) or "none found"
    print(f"reference data from {directory}: {loaded}")
    return 0
