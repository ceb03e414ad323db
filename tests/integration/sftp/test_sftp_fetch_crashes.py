"""A fetch killed at any point, then resumed, loses and duplicates nothing (real SFTP, SQLite and PostgreSQL).

Each killed fetch is a separate process that SIGKILLs itself at a chosen step
(``killed_fetch.py``): between claiming a download and starting it, with the
download complete in its ``.part`` file, with the file in place but not
recorded, after recording it but before ingesting, after ingesting but before
marking the ledger, after marking: each once on the day's files, then at
random after the server replaced a file. The database after the kills and a resumed
fetch is compared, table by table, with the database of one clean fetch of the
same server.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from db_fixtures import _fresh_postgres_database
from killed_fetch import EVENTS
from service_fixtures import SAMPLES
from sftp_fixtures import ServedInbox, fetch_parts
from sqlalchemy import Engine, LargeBinary, Table, select

from adapters.db.engine import create_engine_for, migrate, write_transaction
from adapters.db.ops_tables import fetched_files
from adapters.db.reference import load_reference_data
from adapters.db.schema import bank_entries, bank_statements, files, metadata
from adapters.fetch import fetch_sources
from adapters.settings import Settings

KILLER = Path(__file__).with_name("killed_fetch.py")
DAY_MTIME = 1_764_100_000
#: Kills that each happen, in this order, on the day's four files (README.txt, portal, vcb, vnptpay):
#: claimed and never started; complete in its .part; in place, not recorded (README.txt each time);
#: README.txt recorded then portal recorded; README.txt rejected then portal ingested but not marked;
#: portal marked after its ingestion was found committed.
EVERY_STEP_ONCE = [
    ("claimed", 1),
    ("partial", 1),
    ("downloaded", 1),
    ("recorded", 2),
    ("ingested", 2),
    ("marked", 1),
]
GATEWAY = (SAMPLES / "gateway_canonical.csv").read_bytes()
CORRECTED = GATEWAY.replace(b",150000,1650,SUCCESS,", b",150000,1750,SUCCESS,", 1)
MT940 = b""":20:STMT-01-1126
:25:7111010000001
:28C:1/1
:60F:C261125VND0,
:61:2611261126C1800000,NTRFNONREF//VCB001
:86:Thanh toan lo VNPT-01-20261126
:62F:C261126VND1800000,
-
"""


@dataclasses.dataclass
class Fetcher:
    """Fetches one served inbox into one database and data folder, killed or not."""

    served: ServedInbox
    engine: Engine
    data_dir: Path

    def settings(self) -> Settings:
        source = self.served.source(settle_seconds=0.0)
        return Settings(sources=(source,), data_dir=str(self.data_dir))

    def fetch(self) -> None:
        summary = fetch_sources(*fetch_parts(self.settings(), self.engine))
        assert all(r.failure is None for r in summary.sources), summary

    def killed_at(self, event: str, at: int) -> int:
        """Run a fetch that kills itself the ``at``-th time ``event`` happens; returns its exit code."""
        spec = {
            "url": self.engine.url.render_as_string(hide_password=False),
            "data_dir": str(self.data_dir),
            "source": dataclasses.asdict(self.settings().sources[0]),
            "event": event,
            "at": at,
        }
        done = subprocess.run(
            [sys.executable, str(KILLER), json.dumps(spec)], capture_output=True, text=True, timeout=120
        )
        assert done.returncode in (0, -9), done.stderr
        return done.returncode


@contextlib.contextmanager
def another_database(engine: Engine, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A second migrated database on the same backend as ``engine``."""
    with contextlib.ExitStack() as stack:
        if engine.dialect.name == "sqlite":
            url = f"sqlite:///{tmp_path / 'reference.db'}"
        else:
            url = stack.enter_context(_fresh_postgres_database(request.getfixturevalue("postgres_url")))
        made = _migrated(url)
        try:
            yield made
        finally:
            made.dispose()


def _migrated(url: str) -> Engine:
    made = create_engine_for(url)
    migrate(made)
    with write_transaction(made) as conn:
        load_reference_data(conn)
    return made


def serve(served: ServedInbox, name: str, data: bytes, mtime: int) -> None:
    """A file as the sender leaves it, with a set time, so every run lists the same order."""
    (served.root / name).write_bytes(data)
    os.utime(served.root / name, (mtime, mtime))


def serve_day(served: ServedInbox) -> None:
    serve(served, "portal-2026-11-25.csv", (SAMPLES / "obligations.csv").read_bytes(), DAY_MTIME)
    serve(served, "vnptpay-2026-11-25.csv", GATEWAY, DAY_MTIME)
    serve(served, "vcb-2026-11-26.sta", MT940, DAY_MTIME)
    serve(served, "README.txt", b"not a settlement file\n", DAY_MTIME)  # rejected, every time alike


def serve_corrections(served: ServedInbox) -> None:
    """The gateway replaces its file under the same name; the bank re-sends its file renamed."""
    serve(served, "vnptpay-2026-11-25.csv", CORRECTED, DAY_MTIME + 3600)
    serve(served, "vcb-2026-11-26-resent.sta", MT940, DAY_MTIME + 3600)


def snapshot(engine: Engine) -> dict[str, Any]:
    """What a fetch leaves in the database, without surrogate keys, times or local paths."""
    f, ledger = files.c, fetched_files.c
    with engine.connect() as conn:
        shot: dict[str, Any] = {
            "files": conn.execute(
                select(f.path, f.sha256, f.status, f.identity, f.version, f.current, f.error).order_by(f.id)
            ).all(),
            "ledger": conn.execute(
                select(
                    ledger.source, ledger.remote_name, ledger.size, ledger.sha256, ledger.ingest_status
                ).order_by(ledger.id)
            ).all(),
        }
        for table in metadata.sorted_tables:
            if "file_id" in table.c:
                shot[table.name] = _content(conn, table, table.join(files, table.c.file_id == f.id))
        statement_files = bank_statements.join(files, bank_statements.c.file_id == f.id)
        shot["bank_entries"] = _content(
            conn,
            bank_entries,
            bank_entries.join(statement_files, bank_entries.c.statement_row_id == bank_statements.c.id),
        )
    return shot


def _content(conn: Any, table: Table, joined: Any) -> list[str]:
    columns = [
        c for c in table.c if c.name != "id" and not c.foreign_keys and not isinstance(c.type, LargeBinary)
    ]
    rows = conn.execute(select(files.c.sha256, *columns).select_from(joined)).all()
    return sorted(repr(tuple(row)) for row in rows)


def local_copies(data_dir: Path) -> list[str]:
    """Every file left in the inbox (version folders included), by name; lock file aside."""
    inbox = data_dir / "inbox"
    return sorted(p.name for p in inbox.rglob("*") if p.is_file() and p.name != ".fetch.lock")


def test_a_fetch_killed_at_random_points_then_resumed_leaves_what_one_clean_fetch_leaves(
    sftp_inbox: ServedInbox, migrated_engine: Engine, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    seed = random.randrange(1 << 32)
    chooser = random.Random(seed)
    crashed = Fetcher(sftp_inbox, migrated_engine, tmp_path / "crashed")
    kills: list[tuple[str, int, int]] = []

    def kill_at_each(chosen: list[tuple[str, int]]) -> None:
        for event, at in chosen:
            kills.append((event, at, crashed.killed_at(event, at)))

    serve_day(sftp_inbox)
    kill_at_each(EVERY_STEP_ONCE)
    crashed.fetch()
    serve_corrections(sftp_inbox)
    kill_at_each([(event, chooser.randint(1, 2)) for event in chooser.sample(EVENTS, 3)])
    crashed.fetch()

    with another_database(migrated_engine, request, tmp_path) as reference_engine:
        clean = Fetcher(sftp_inbox, reference_engine, tmp_path / "clean")
        for name in ("vnptpay-2026-11-25.csv", "vcb-2026-11-26-resent.sta"):
            (sftp_inbox.root / name).unlink()
        serve_day(sftp_inbox)
        clean.fetch()
        serve_corrections(sftp_inbox)
        clean.fetch()
        expected = snapshot(reference_engine)
        expected_copies = local_copies(clean.data_dir)

    context = f"seed {seed}, kills (event, at, exit code) {kills}"
    assert [code for *_, code in kills[: len(EVERY_STEP_ONCE)]] == [-9] * len(EVERY_STEP_ONCE), context
    assert snapshot(migrated_engine) == expected, context
    assert local_copies(crashed.data_dir) == expected_copies, context  # no .part left, no copy twice
    statuses = [row.ingest_status for row in expected["ledger"]]
    assert statuses.count("correction") == 1, statuses  # the replaced gateway file was ingested as such


@pytest.mark.parametrize("event", ["recorded", "partial"])
def test_a_file_replaced_on_the_server_after_a_killed_fetch_is_a_second_version_ingested_after_the_first(
    sftp_inbox: ServedInbox, migrated_engine: Engine, tmp_path: Path, event: str
) -> None:
    crashed = Fetcher(sftp_inbox, migrated_engine, tmp_path / "data")
    serve(sftp_inbox, "vnptpay-2026-11-25.csv", GATEWAY, DAY_MTIME)
    (crashed.data_dir / "inbox" / "bank").mkdir(parents=True)
    legacy = crashed.data_dir / "inbox" / "bank" / ".vnptpay-2026-11-25.csv.k2j4x9.part"
    legacy.write_bytes(GATEWAY[:100])  # left by a fetch of an earlier release, killed mid-download
    assert crashed.killed_at(event, 1) == -9
    serve(sftp_inbox, "vnptpay-2026-11-25.csv", CORRECTED, DAY_MTIME + 60)

    crashed.fetch()

    f = files.c
    with migrated_engine.connect() as conn:
        stored = conn.execute(select(f.path, f.sha256, f.status, f.current).order_by(f.id)).all()
    versions = [row.sha256 for row in stored]
    if event == "recorded":  # the first version was in the inbox before the server replaced it
        assert [row.status for row in stored] == ["accepted", "correction"]
        assert versions == [_sha(GATEWAY), _sha(CORRECTED)]
        assert [row.path for row in stored] == ["vnptpay-2026-11-25.csv"] * 2
    else:  # killed mid-download: the first version never arrived; the second is fetched whole
        assert [(row.sha256, row.status) for row in stored] == [(_sha(CORRECTED), "accepted")]
    assert not list((tmp_path / "data").rglob("*.part"))
    with migrated_engine.connect() as conn:
        ledger = conn.execute(select(fetched_files.c.sha256, fetched_files.c.ingest_status)).all()
    assert sorted(ledger) == sorted((row.sha256, row.status) for row in stored)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
