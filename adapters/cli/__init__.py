"""The ``recon`` command line (DESIGN.md §7).

Each command lives in its own module with ``register(subparsers)``, which
adds its sub-parser and sets ``handler`` to a function taking the parsed
arguments and the service's parts (:func:`adapters.bootstrap.bootstrap`: one
engine for the whole command, disposed at its end) and returning an exit code. Errors the
service raises on purpose end the process with one line and a non-zero
exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from adapters.bootstrap import bootstrap
from adapters.settings import load_settings
from adapters.sftp import quiet_read_ahead_failures
from reconcile.errors import ReconError

#: Command modules, in the order ``recon --help`` lists them.
COMMAND_MODULES = (
    "adapters.cli.init_cmd",
    "adapters.cli.reference_cmd",
    "adapters.cli.ingest_cmd",
    "adapters.cli.fetch_cmd",
    "adapters.cli.run_cmd",
    "adapters.cli.report_cmd",
    "adapters.cli.statement_cmd",
    "adapters.cli.serve_cmd",
    "adapters.cli.scheduler_cmd",
    "adapters.cli.demo_cmd",
    "adapters.cli.user_cmd",
    "adapters.cli.token_cmd",
    "adapters.cli.audit_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recon",
        description=(
            "Reconcile National Public Service Portal payments: the portal's obligations, "
            "the gateways' settlements and the State Treasury bank statements."
        ),
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="configuration file (default: ./recon.toml if present, else built-in defaults)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet_read_ahead_failures()
    try:
        with bootstrap(load_settings(args.config)) as parts:
            code: int = args.handler(args, parts)
    except ReconError as exc:
        print(f"recon {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"recon {args.command}: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
