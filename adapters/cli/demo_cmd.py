"""``recon demo [--out DIR]``: the whole job end to end on a generated day, with no set-up.

It generates a realistic business day for the 54 connected provinces
(:func:`fixtures.generator.generate_world`, labelled problems included), serves
the files from the product's own SFTP server on 127.0.0.1 (a fresh host key,
pinned in the demo's in-memory settings, and a throwaway client key), keeps a
SQLite database inside DIR, then does what production does: initialise,
fetch and ingest over SFTP, reconcile the date, write the discrepancy report
(JSON, CSV, Excel) and every province's settlement statements, and print the
summary a treasury accountant reads first. ``recon.toml`` is not read: the
demo must run the same on every machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from adapters.bootstrap import Parts, bootstrap
from adapters.cli.demo_summary import print_summary
from adapters.cli.run_cmd import business_date as parse_date
from adapters.db.engine import create_engine_for, migrate, write_transaction
from adapters.db.reference import business_calendar, load_reference_data
from adapters.fetch import PROBLEMS, FetchSummary, fetch_sources
from adapters.settings import Settings, SourceSettings, settings_from_mapping
from adapters.sftp_server import LocalSftpServer, generate_client_key
from reconcile.errors import TransferError
from reconcile.runs import RunSummary
from usecases.reports import build_report, write_report
from usecases.runs import run_day
from usecases.statements import write_day_statements

#: The generated folders and the SFTP source that serves each, in fetch order.
SOURCES = (("portal", "/portal", "*.csv"), ("gateways", "/gateways", "*"), ("bank", "/bank", "*"))
STEPS = 7


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="the whole job end to end on a generated day (no set-up needed)",
        description="Generate a day for the 54 provinces, serve it over SFTP, fetch, reconcile, report.",
    )
    parser.add_argument("--out", type=Path, default=Path("demo-output"), metavar="DIR")
    parser.add_argument(
        "--date", type=parse_date, metavar="YYYY-MM-DD", help="default: the last business day"
    )
    parser.add_argument("--payments", type=int, default=20_000, metavar="N", help="payments in the day")
    parser.add_argument("--seed", type=int, default=2026, help="same seed, same files")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, _parts: Parts) -> int:
    step = Progress()
    out = args.out.resolve()
    fresh_output_dir(out)
    database_url = f"sqlite:///{out / 'recon.db'}"
    engine = create_engine_for(database_url)  # the demo's own database, not the configured one
    try:
        step(1, f"preparing the database in {out / 'recon.db'}")
        initialise(engine)
        day = args.date or last_business_day(engine)
        step(2, f"generating {args.payments:,} payments for {day} across the 54 provinces")
        world = generate(out / "generated", day, args.payments, args.seed)
        with served(world.out_dir) as (server, key_file):
            settings = demo_settings(world.config_text, server, key_file, database_url, out)
            parts = bootstrap(settings, engine=engine)
            step(3, f"fetching over SFTP from {server.host}:{server.port} (host key pinned) and ingesting")
            fetched = fetch_sources(parts.sources, parts.inboxes, engine, parts.formats)
        check_fetch(fetched)
        step(4, f"reconciling {day}")
        run = run_day(parts.run_store(), parts.arrivals(), day, reason="demo").summary
        reports = write_reports(parts, run, out / "reports", step)
        names = parts.provinces().names()
        step(7, "done")
    finally:
        engine.dispose()
    print_summary(run, reports, fetched, world.ground_truth_file, names)
    return 0


class Progress:
    """``[3/7]   5.2 s  fetching …``: one line per step, with the time since the start."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._open_line = False

    def __call__(self, number: int, text: str) -> None:
        self.finish_line()
        print(f"[{number}/{STEPS}] {time.monotonic() - self._started:6.1f} s  {text}", flush=True)

    def count(self, what: str, done: int, total: int) -> None:
        """``      54/54 provinces`` rewritten in place on a terminal; silent otherwise."""
        if sys.stdout.isatty():
            print(f"\r        {done:>4}/{total} {what}", end="", flush=True)
            self._open_line = True

    def finish_line(self) -> None:
        if self._open_line:
            print(flush=True)
            self._open_line = False


def fresh_output_dir(out: Path) -> None:
    """Create DIR, or clear what an earlier demo left in it (and nothing else)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("recon.db", "recon.db-wal", "recon.db-shm"):
        (out / name).unlink(missing_ok=True)
    for name in ("generated", "data", "reports", "statements"):
        shutil.rmtree(out / name, ignore_errors=True)


def initialise(engine: Engine) -> None:
    """What ``recon init`` does: the schema, then the reference data."""
    migrate(engine)
    with write_transaction(engine) as connection:
        load_reference_data(connection)


def last_business_day(engine: Engine) -> dt.date:
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    with engine.connect() as connection:
        return business_calendar(connection).previous(today)


def generate(folder: Path, day: dt.date, payments: int, seed: int) -> Any:
    from fixtures.generator import generate_world

    return generate_world(folder, business_date=day, n_payments=payments, seed=seed)


@contextmanager
def served(root: Path) -> Iterator[tuple[LocalSftpServer, Path]]:
    """The generated files on a local SFTP server, and a client key it accepts."""
    private, public = generate_client_key()
    with tempfile.TemporaryDirectory(prefix="recon-demo-") as keys:
        key_file = Path(keys) / "id_ed25519"
        key_file.touch(mode=0o600)
        key_file.write_text(private)
        with LocalSftpServer(root, authorized_keys=[public]) as server:
            yield server, key_file


def demo_settings(config_text: str, server: LocalSftpServer, key_file: Path, url: str, out: Path) -> Settings:
    """The generator's gateway declarations, plus the demo's database and SFTP sources."""
    declared = settings_from_mapping(tomllib.loads(config_text))
    sources = tuple(
        SourceSettings(
            name=name,
            host=server.host,
            port=server.port,
            username=server.username,
            key_file=str(key_file),
            host_key=server.host_key_line,
            remote_dir=remote_dir,
            pattern=pattern,
            settle_seconds=0.2,
        )
        for name, remote_dir, pattern in SOURCES
    )
    return Settings(
        database_url=url,
        gateways=declared.gateways,
        layouts=declared.layouts,
        sources=sources,
        data_dir=str(out / "data"),
    )


def check_fetch(fetched: FetchSummary) -> None:
    for result in fetched.sources:
        if result.failure:
            raise TransferError(f"the demo could not fetch from {result.source}: {result.failure}")
        refused = [i for i in result.ingested if i.status in PROBLEMS]
        if refused:
            first = refused[0]
            raise TransferError(f"the demo's file {first.path.name} was {first.status}: {first.error}")


def write_reports(parts: Parts, run: RunSummary, folder: Path, step: Progress) -> dict[str, Path]:
    """The discrepancy report in every format, and every province's statements."""
    store, directory = parts.run_store(), parts.provinces()
    report = build_report(store, store.get_run(run.id), work=parts.work_items())
    step(5, f"writing the discrepancy report of run {run.id} (JSON, CSV, Excel)")
    names = directory.names()
    written = {
        fmt: write_report(report, fmt, folder / f"discrepancies-{run.id}.{fmt}", names)
        for fmt in ("json", "csv", "xlsx")
    }
    step(6, "writing the settlement statements of the 54 provinces and the ministries (PDF, Excel, XML)")
    statements_dir = folder.parent / "statements"
    write_day_statements(
        store,
        directory,
        run.run.business_date,
        statements_dir,
        on_progress=lambda _code, done, total: step.count("provinces", done, total),
    )
    written["statements"] = statements_dir
    return written
