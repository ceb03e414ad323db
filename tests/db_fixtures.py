"""Database fixtures for every test that touches storage (a pytest plugin, see tests/conftest.py).

- ``engine``: an empty database, once on SQLite (a file in ``tmp_path``) and
  once on PostgreSQL (a fresh database on the session's server); a test that
  asks for it runs on both, with ids ``[sqlite]`` and ``[postgresql]``.
- ``migrated_engine``: the same, migrated to head and with the packaged
  reference data loaded (what ``recon init`` leaves behind).
- ``postgres_engine``: an empty PostgreSQL database only, for what only it does.
- ``postgres_url``: the session's PostgreSQL server, database ``recon_test``.
  ``RECON_TEST_POSTGRES_URL`` names an existing server; otherwise the session
  starts a throwaway cluster with ``initdb``/``pg_ctl`` (as the ``postgres``
  user when run as root) and stops it at the end. Where neither is possible
  the PostgreSQL tests are skipped with the reason, unless
  ``RECON_REQUIRE_POSTGRES=1`` (CI), which turns the skip into a failure.

Use them by name from any test module: ``def test_x(migrated_engine): ...``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from adapters.db.engine import create_engine_for, migrate, write_transaction
from adapters.db.reference import load_reference_data


def _unavailable(reason: str) -> None:
    if os.environ.get("RECON_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (RECON_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_postgres(command: list[str]) -> list[str]:
    """Run a server tool as ``postgres`` when we are root (``initdb`` refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def _throwaway_cluster() -> Iterator[str]:
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        _unavailable("no initdb under /usr/lib/postgresql/*/bin and RECON_TEST_POSTGRES_URL is not set")
    bindir = Path(binaries[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="recon-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            _unavailable("running as root and there is no 'postgres' user to run initdb as")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, port = root / "data", _free_port()
    server_options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    )
    try:
        subprocess.run(
            _as_postgres(
                [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
        )
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log")]
        subprocess.run(
            _as_postgres([*pg_ctl, "-w", "-t", "60", "-o", server_options, "start"]),
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"the throwaway cluster did not start: {exc.stderr!r} {log[-500:]}")
    try:
        _create_database(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", "recon_test")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/recon_test"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def _create_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _drop_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database URL for the whole session (see the module docstring)."""
    given = os.environ.get("RECON_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with _throwaway_cluster() as url:
        yield url


@contextlib.contextmanager
def _fresh_postgres_database(server_url: str) -> Iterator[str]:
    name = f"recon_t_{uuid.uuid4().hex[:12]}"
    _create_database(server_url, name)
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(server_url, name)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on each backend; disposed (and dropped, on PostgreSQL) afterwards."""
    if request.param == "sqlite":
        made = create_engine_for(f"sqlite:///{tmp_path / 'recon.db'}")
        yield made
        made.dispose()
        return
    server_url = request.getfixturevalue("postgres_url")
    with _fresh_postgres_database(server_url) as url:
        made = create_engine_for(url)
        try:
            yield made
        finally:
            made.dispose()


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """An empty PostgreSQL database of its own, for tests of what only PostgreSQL does."""
    with _fresh_postgres_database(postgres_url) as url:
        made = create_engine_for(url)
        try:
            yield made
        finally:
            made.dispose()


@pytest.fixture
def migrated_engine(engine: Engine) -> Engine:
    """``engine`` after ``recon init``: schema at head, reference data loaded."""
    migrate(engine)
    with write_transaction(engine) as conn:
        load_reference_data(conn)
    return engine
