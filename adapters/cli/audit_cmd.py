"""``recon audit verify``: check the audit log's hash chain (DESIGN.md §7).

Exit 0 and one line with the number of entries and the head (``seq`` and
hash, worth writing down elsewhere: it pins everything up to it) when the
chain is intact; exit 1 naming the first broken entry and what is wrong
with it otherwise (see :mod:`adapters.db.audit`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from adapters.bootstrap import Parts
from adapters.db import audit
from adapters.db.engine import require_schema


def cli_actor() -> str:
    """Who runs the command line, as the audit log names them: ``cli:OSUSER``."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        name = f"uid{os.getuid()}"
    return f"cli:{name}"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audit", help="the audit log", description="Work with the hash-chained audit log."
    )
    actions = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify",
        help="check the hash chain; non-zero naming the first broken entry",
        description="Check the audit log's hash chain: exit 0 when intact, 1 naming the first broken entry.",
    )
    verify.set_defaults(handler=handle_verify)


def handle_verify(args: argparse.Namespace, parts: Parts) -> int:
    engine = parts.engine
    require_schema(engine)
    with engine.connect() as conn:
        found = audit.verify(conn)
    if found.broken is not None:
        print(f"recon audit verify: broken at entry {found.broken_seq}: {found.broken}", file=sys.stderr)
        print(f"the first {found.entries} entries are intact (head {found.head_seq} {found.head_hash})")
        return 1
    print(f"audit log intact: {found.entries} entries, head {found.head_seq} {found.head_hash}")
    return 0
