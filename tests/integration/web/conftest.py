"""A small reconciled world for the web application, and signed-in test clients.

The day of :mod:`web_world` (Hà Nội and Hồ Chí Minh, 2026-11-25), ingested
and reconciled with the service's own code on a migrated SQLite database,
with one user of each role added as ``recon user add`` adds them.
``api_world`` is the same day plus a large synthetic one (:mod:`api_world`)
on SQLite and on PostgreSQL, built once per test module and backend;
``client("thu")`` gives a client signed in to it, ``client(None)`` one without.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from api_world import build_api_world, settings_for
from db_fixtures import _fresh_postgres_database
from sqlalchemy import Engine
from starlette.testclient import TestClient
from web_world import build_world, sign_in

from adapters.settings import GatewaySettings, Settings
from adapters.web.app import create_app
from adapters.web.auth import secret_key


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
    with TestClient(
        create_app(world, secret_key(web_settings.data_dir)), base_url="http://testserver"
    ) as client:
        yield client


@pytest.fixture
def signed_in(world: Engine, web_settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """``signed_in("hanoi")``: a client with that user's session (``approval_threshold_vnd=`` for its app)."""
    clients: list[TestClient] = []

    def make(username: str, *, approval_threshold_vnd: int | None = None) -> TestClient:
        app = create_app(
            world, secret_key(web_settings.data_dir), approval_threshold_vnd=approval_threshold_vnd
        )
        client = TestClient(app, base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        sign_in(client, username)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def api_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Settings]]:
    directory = tmp_path_factory.mktemp("api")
    if request.param == "sqlite":
        settings = settings_for(f"sqlite:///{directory / 'recon.db'}", directory)
        engine = build_api_world(settings, directory)
        yield engine, settings
        engine.dispose()
        return
    with _fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        settings = settings_for(url, directory)
        engine = build_api_world(settings, directory)
        yield engine, settings
        engine.dispose()


@pytest.fixture
def client(api_world: tuple[Engine, Settings]) -> Iterator[Callable[[str | None], TestClient]]:
    """``client("thu")``: a signed-in client; ``client(None)``: no session."""
    engine, settings = api_world
    made: list[TestClient] = []

    def make(username: str | None) -> TestClient:
        test_client = TestClient(
            create_app(engine, secret_key(settings.data_dir)), base_url="http://testserver"
        )
        test_client.__enter__()
        made.append(test_client)
        if username is not None:
            sign_in(test_client, username)
        return test_client

    yield make
    for test_client in made:
        test_client.__exit__(None, None, None)
