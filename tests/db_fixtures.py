"""Database fixtures for every test that touches storage (a pytest plugin, see tests/conftest.py).

- ``engine``: an empty database, once on SQLite (a file in ``tmp_path``) and
  once on PostgreSQL (a fresh database on the session's server); a test that
  asks for it runs on both, with ids ``[sqlite]`` and ``[postgresql]``.
- ``migrated_engine``: the same, migrated to head and with the packaged
  reference data loaded (what ``recon init`` leaves behind).
- ``migrated_sqlite_engine``: a migrated SQLite database with the reference data,
  whatever backend the test runs on (one backend only, or a second database).
- ``postgres_engine``: an empty PostgreSQL database only, for what only it does.
- ``postgres_url``: the session's PostgreSQL server, database ``recon_test``.
  ``RECON_TEST_POSTGRES_URL`` names an existing server; otherwise the session
  starts a throwaway cluster with ``initdb``/``pg_ctl`` (as the ``postgres``
  user when run as root) and stops it at the end. Where neither is possible
  the PostgreSQL tests are skipped with the reason, unless
  ``RECON_REQUIRE_POSTGRES=1`` (CI), which turns the skip into a failure.

Use them by name from any test module: ``def test_x(migrated_engine): ...``.
:func:`migrate_to` moves a database's schema up or down to a given revision.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, make_url

from adapters.db.engine import alembic_config, create_engine_for, migrate, write_transaction
from adapters.db.reference import load_reference_data
from fixtures.pgcluster import ClusterUnavailable, create_database, drop_database, throwaway_cluster


def _unavailable(reason: str) -> None:
    if os.environ.get("RECON_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (RECON_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@contextlib.contextmanager
def _throwaway_cluster() -> Iterator[str]:
    try:
        with throwaway_cluster() as server_url:
            create_database(server_url, "recon_test")
            yield make_url(server_url).set(database="recon_test").render_as_string(hide_password=False)
    except ClusterUnavailable as exc:
        _unavailable(f"{exc} and RECON_TEST_POSTGRES_URL is not set")


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
    create_database(server_url, name)
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(server_url, name)


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


@pytest.fixture
def migrated_sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite database of its own after ``recon init``, on either backend's run of a test."""
    made = create_engine_for(f"sqlite:///{tmp_path / 'migrated-sqlite.db'}")
    migrate(made)
    with write_transaction(made) as conn:
        load_reference_data(conn)
    yield made
    made.dispose()


def revision_before(revision: str) -> str:
    """The revision that ``revision`` migrates up from."""
    down = ScriptDirectory.from_config(alembic_config()).get_revision(revision).down_revision
    assert isinstance(down, str)
    return down


def migrate_to(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade ``engine``'s schema to ``revision``, or downgrade it there with ``down``."""
    with engine.connect() as conn:
        (command.downgrade if down else command.upgrade)(alembic_config(conn), revision)
        conn.commit()
