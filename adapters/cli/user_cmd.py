"""``recon user add NAME --role treasury|ops|province|agency|admin [--province CODE] [--agency CODE]
[--password-stdin]``
and ``recon user deactivate NAME``.

``add`` adds a web login (DESIGN.md §1, §7). The password is asked twice on the
terminal (never echoed), or read as the first line of standard input with
``--password-stdin`` (for scripts). A province user must name its province,
an agency user (a ministry's login) its agency with ``--agency``; no other
role may name either. An unknown province, a taken name or a short password
ends with one line and a non-zero exit code. ``deactivate`` switches a
login off and ends its sessions at once. Both are recorded in the audit log
as ``cli:OSUSER``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from adapters.bootstrap import Parts
from adapters.cli.audit_cmd import cli_actor
from adapters.db.engine import require_schema
from adapters.db.user_tables import ROLES
from adapters.db.users import SqlUserStore, check_role
from adapters.web.auth import hash_password
from reconcile.errors import ConfigError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "user", help="web users", description="Manage the web application's users."
    )
    actions = parser.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a web user", description="Add a web user.")
    add.add_argument("name", metavar="NAME", help="the login name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--province", metavar="CODE", help="the province a province user is bound to")
    add.add_argument(
        "--agency", metavar="CODE", help="the central agency (agencies.csv) an agency user is bound to"
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input, not a prompt"
    )
    add.set_defaults(handler=handle)
    off = actions.add_parser(
        "deactivate",
        help="switch a web user off and end their sessions",
        description="Switch a web user off and end their sessions at once (users are never deleted).",
    )
    off.add_argument("name", metavar="NAME", help="the login name")
    off.set_defaults(handler=handle_deactivate)


def handle(args: argparse.Namespace, parts: Parts) -> int:
    check_role(args.role, args.province, args.agency)  # before asking for a password
    password = _read_password(args.password_stdin)
    password_hash = hash_password(password)
    engine = parts.engine
    require_schema(engine)
    user = SqlUserStore(engine).add(
        args.name, password_hash, args.role, args.province, actor=cli_actor(), agency_code=args.agency
    )
    where = f" for province {user.province_code}" if user.province_code else ""
    where += f" for agency {user.agency_code}" if user.agency_code else ""
    print(f"user {user.username} added ({user.role}{where})")
    return 0


def handle_deactivate(args: argparse.Namespace, parts: Parts) -> int:
    engine = parts.engine
    require_schema(engine)
    ended = SqlUserStore(engine).deactivate(args.name, cli_actor())
    print(f"user {args.name} deactivated; {ended} session(s) ended")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ConfigError("the two passwords differ")
    return first
