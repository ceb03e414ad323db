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
from web_world import build_world, sign_in

from adapters.settings import GatewaySettings, Settings
from adapters.web.app import create_app


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
    engine = build_world(web_settings, tmp_path_factory.mktemp("inbox"))
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
