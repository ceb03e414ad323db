"""``recon token add NAME --role treasury|ops|province|agency [--province CODE] [--agency CODE]``
and ``recon token revoke NAME``.

API tokens let a province's or ministry's own system read
``GET /api/v1/discrepancies`` (``Authorization: Bearer TOKEN``), scoped
exactly as a login of the same role and province. ``add`` prints the token
once, on standard output alone so a script can capture it; only its
SHA-256 is stored, so a lost token is revoked and replaced, never shown
again. Both are recorded in the audit log.
"""

from __future__ import annotations

import argparse
from typing import Any

from adapters.bootstrap import Parts
from adapters.cli.audit_cmd import cli_actor
from adapters.db.engine import require_schema
from adapters.db.tokens import TOKEN_ROLES, SqlTokenStore


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "token", help="API tokens for other systems", description="Manage the JSON API's tokens."
    )
    actions = parser.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add", help="make a token (printed once)", description="Make an API token; it is printed once."
    )
    add.add_argument("name", metavar="NAME", help="a name for the system that will use it")
    add.add_argument("--role", required=True, choices=TOKEN_ROLES)
    add.add_argument("--province", metavar="CODE", help="the province a province token is bound to")
    add.add_argument(
        "--agency", metavar="CODE", help="the central agency (agencies.csv) an agency token is bound to"
    )
    add.set_defaults(handler=handle_add)
    revoke = actions.add_parser("revoke", help="revoke a token", description="Revoke an API token.")
    revoke.add_argument("name", metavar="NAME")
    revoke.set_defaults(handler=handle_revoke)


def handle_add(args: argparse.Namespace, parts: Parts) -> int:
    engine = parts.engine
    require_schema(engine)
    token, _ = SqlTokenStore(engine).add(args.name, args.role, args.province, cli_actor(), args.agency)
    print(token)
    return 0


def handle_revoke(args: argparse.Namespace, parts: Parts) -> int:
    engine = parts.engine
    require_schema(engine)
    SqlTokenStore(engine).revoke(args.name, cli_actor())
    print(f"token {args.name} revoked")
    return 0
