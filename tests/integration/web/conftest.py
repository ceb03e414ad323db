"""A small reconciled world for the web application, and signed-in test clients.

The day of :mod:`web_world` (Hà Nội and Hồ Chí Minh, 2026-11-25), ingested
and reconciled with the service's own code on a migrated SQLite database,
with one user of each role added as ``recon user add`` adds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient
from web_world import DAY, PASSWORD, USERS, sign_in, write_world_files

from adapters.db.engine import create_engine_for, migrate, write_transaction
from adapters.db.reference import fixtures_dir, load_reference_data
from adapters.db.runs import SqlRunStore
from adapters.db.users import SqlUserStore
from adapters.ingest import ingest_file
from adapters.settings import GatewaySettings, Settings
from adapters.web.app import create_app
from adapters.web.auth import hash_password
from reconcile.runs import reconcile_day


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    directory = tmp_path_factory.mktemp("web")
    return Settings(
        database_url=f"sqlite:///{directory / 'recon.db'}",
        gateways={"vnpay": GatewaySettings("vnpay")},
        data_dir=str(directory / "data"),
    )


@pytest.fixture(scope="session")
def world(web_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The migrated, ingested and reconciled database, with one user of each kind."""
    engine = create_engine_for(web_settings.database_url)
    migrate(engine)
    with write_transaction(engine) as conn:
        load_reference_data(conn, fixtures_dir())
    inbox = tmp_path_factory.mktemp("inbox")
    for path in write_world_files(inbox):
        outcome = ingest_file(path, web_settings, engine)
        assert outcome.error is None, outcome.error
    reconcile_day(SqlRunStore(engine, web_settings), DAY)
    users = SqlUserStore(engine)
    password_hash = hash_password(PASSWORD)  # one hash for all: scrypt is slow on purpose
    for name, (role, province) in USERS.items():
        users.add(name, password_hash, role, province)
    yield engine
    engine.dispose()


@pytest.fixture
def app_client(world: Engine, web_settings: Settings) -> Iterator[TestClient]:
    """A client with no session."""
    with TestClient(create_app(web_settings, world), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def signed_in(world: Engine, web_settings: Settings) -> Iterator[Callable[[str], TestClient]]:
    """``signed_in("hanoi")``: a client with that user's session."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(create_app(web_settings, world), base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        sign_in(client, username)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
