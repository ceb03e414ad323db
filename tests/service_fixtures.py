"""A configured service for the scheduler tests: a fresh database, a real SFTP source, a recon.toml.

The database is a SQLite file, or a new database on the PostgreSQL server the
test session has (``postgres_url`` fixture) or ``RECON_TEST_POSTGRES_URL`` names.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from adapters.db.engine import create_engine_for, migrate, write_transaction
from adapters.db.reference import load_reference_data
from adapters.settings import Settings, load_settings
from adapters.sftp_server import LocalSftpServer, generate_client_key

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


@dataclass
class Service:
    """A service directory: its configuration, database and the SFTP inbox it fetches from."""

    root: Path
    config: Path
    served: Path
    server: LocalSftpServer
    engine: Engine

    def settings(self) -> Settings:
        return load_settings(self.config)

    def serve_sample(self, sample: str, name: str) -> None:
        shutil.copyfile(SAMPLES / sample, self.served / name)


def write_config(
    service_root: Path, server: LocalSftpServer, key_file: Path, url: str, fetch_cron: str
) -> Path:
    config = service_root / "recon.toml"
    config.write_text(
        f"""
[database]
url = "{url}"

[storage]
data_dir = "{service_root / "data"}"

[schedule]
daily_run = "30 2 1 1 *"
publish = "0 6 1 1 *"

[[sources]]
name = "bank"
host = "{server.host}"
port = {server.port}
username = "recon"
key_file = "{key_file}"
host_key = "{server.host_key_line}"
remote_dir = "/"
pattern = "*.csv"
schedule = "{fetch_cron}"
settle_seconds = 0.2

[[publish]]
province = "01"
host = "{server.host}"
port = {server.port}
username = "recon"
key_file = "{key_file}"
host_key = "{server.host_key_line}"
remote_dir = "/outbox"
formats = ["pdf", "xml"]
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def fetch_cron() -> str:
    """The fetch job's schedule; tests override it."""
    return "0 * * * *"


def _postgres_server_url(request: pytest.FixtureRequest) -> str:
    try:
        return str(request.getfixturevalue("postgres_url"))  # the storage tests' server, when present
    except pytest.FixtureLookupError:
        pass
    url = os.environ.get("RECON_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("RECON_REQUIRE_POSTGRES") == "1":
            pytest.fail("RECON_REQUIRE_POSTGRES=1 but no PostgreSQL server is available")
        pytest.skip("no PostgreSQL server (set RECON_TEST_POSTGRES_URL)")
    return url


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server for one test, dropped afterwards."""
    name = f"recon_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'recon.db'}"
        return
    with fresh_postgres_database(_postgres_server_url(request)) as url:
        yield url


@pytest.fixture
def service(tmp_path: Path, fetch_cron: str, database_url: str) -> Iterator[Service]:
    served = tmp_path / "served"
    served.mkdir()
    (served / "outbox").mkdir()
    private, public = generate_client_key()
    key_file = tmp_path / "client_key"
    key_file.write_text(private)
    key_file.chmod(0o600)
    url = database_url
    engine = create_engine_for(url)
    migrate(engine)
    with write_transaction(engine) as connection:
        load_reference_data(connection)
    with LocalSftpServer(served, authorized_keys=[public]) as server:
        config = write_config(tmp_path, server, key_file, url, fetch_cron)
        try:
            yield Service(tmp_path, config, served, server, engine)
        finally:
            engine.dispose()
