"""Engines, migrations and write transactions for SQLite and PostgreSQL.

SQLite is tuned for one writer and many readers: WAL, foreign keys on, a
busy timeout, and transactions begun by us (``BEGIN``, or ``BEGIN IMMEDIATE``
for :func:`write_transaction`) rather than by the driver, so a whole ingestion
is one transaction and two writers queue instead of failing half-way. During a
run of large writes (:func:`background_checkpoints`), the WAL is copied back
into the database by a thread of its own instead of by each committing writer.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect

from reconcile.errors import StorageError

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
#: SQLite page cache while a write transaction runs, in KiB (64 MB otherwise): a day's bulk load
#: inserts a million random keys into indexes larger than 64 MB
WRITE_CACHE_KIB = 262_144
READ_CACHE_KIB = 65_536
#: the page size of a database this service creates, in bytes (SQLite's largest; its default is 4 096):
#: a day's load writes a few large pages instead of many small ones, 20 % less time storing a
#: million payments (docs/bench.md). A database keeps the page size it was created with.
PAGE_SIZE = 65_536
_BEGIN_OPTION = "recon_sqlite_begin"
#: the key in a SQLite connection's ``info`` holding what must run once its write transaction has
#: ended, committed or not (see :func:`write_transaction`); absent outside one
AFTER_TRANSACTION = "recon_after_transaction"
#: the engines whose WAL a thread of its own checkpoints (see :func:`background_checkpoints`)
_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, _Checkpointer] = weakref.WeakKeyDictionary()
_CHECKPOINTERS_LOCK = threading.Lock()


def create_engine_for(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///recon.db``, ``postgresql+psycopg://...``)."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # bulk loads update several indexes at once: a page cache of 64 MB keeps them off the disk
        cursor.execute(f"PRAGMA cache_size = -{READ_CACHE_KIB}")
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before WAL is set: a new file's header fixes it
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that will write; on SQLite it takes the write lock up front.

    A deferred SQLite transaction that reads first and writes later fails at
    once if another writer committed in between; ``BEGIN IMMEDIATE`` waits
    for the lock (``busy_timeout``) instead. On SQLite, what the transaction
    registers under :data:`AFTER_TRANSACTION` in ``connection.info`` runs once
    it has ended (a bulk load's staging file, which can only be detached then).
    """
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                yield connection
            return
        connection = connection.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        driver = connection.connection.driver_connection  # outside SQLAlchemy's autobegin
        driver.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")  # type: ignore[union-attr]
        checkpointer = _CHECKPOINTERS.get(engine)
        if checkpointer is not None:  # the commit leaves the WAL to the checkpointer's thread
            driver.execute("PRAGMA wal_autocheckpoint = 0")  # type: ignore[union-attr]
        ended: list[Callable[[], None]] = []
        connection.info[AFTER_TRANSACTION] = ended
        try:
            with connection.begin():
                yield connection
        finally:
            del connection.info[AFTER_TRANSACTION]
            with ExitStack() as steps:  # every step runs, the last registered first
                if checkpointer is not None:
                    steps.callback(checkpointer.request)
                    steps.callback(driver.execute, f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")  # type: ignore[union-attr]
                steps.callback(driver.execute, f"PRAGMA cache_size = -{READ_CACHE_KIB}")  # type: ignore[union-attr]
                for step in ended:
                    steps.callback(step)


#: SQLite's own default: a committing writer checkpoints the WAL once it holds this many pages
WAL_AUTOCHECKPOINT = 1000


@contextmanager
def background_checkpoints(engine: Engine) -> Iterator[None]:
    """While the block runs, a SQLite database's WAL is checkpointed by a thread of its own.

    Each commit of a :func:`write_transaction` in WAL mode appends the changed pages to the
    WAL; once it holds :data:`WAL_AUTOCHECKPOINT` pages, the committing writer itself copies
    them back into the database and waits for the disk (``fsync``) before it goes on. Inside
    this block a write transaction's commit leaves that to a second thread, which checkpoints
    (``PASSIVE``: it never blocks a reader or a writer) while the next file is read and stored;
    the block ends once a last checkpoint has copied everything committed in it, so what it
    committed is as durable as before. The generated day of a million payments (19 files) was
    stored in 15.7 s instead of 18.8 (medians of three alternating runs, ``docs/bench.md``).
    Any other database, or a block entered while another runs for the same engine (two fetches
    at once), changes nothing; a checkpoint that fails is logged, and SQLite's next one takes
    it up.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        yield
        return
    with _CHECKPOINTERS_LOCK:
        checkpointer = None if engine in _CHECKPOINTERS else _Checkpointer(engine)
        if checkpointer is not None:
            _CHECKPOINTERS[engine] = checkpointer
    if checkpointer is None:  # another block's thread is at work for this engine
        yield
        return
    try:
        yield
    finally:
        with _CHECKPOINTERS_LOCK:
            del _CHECKPOINTERS[engine]
        checkpointer.close()


class _Checkpointer:
    """A thread with a connection of its own, checkpointing the WAL each time it is asked to."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wanted = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="recon-checkpoint", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Checkpoint soon (a request made while one runs is served by the next)."""
        self._wanted.set()

    def close(self) -> None:
        """One last checkpoint, then the thread ends; returns once it has."""
        self._closing = True
        self._wanted.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            with self._engine.connect() as connection:
                driver = connection.connection.driver_connection
                while True:
                    self._wanted.wait()
                    self._wanted.clear()
                    closing = self._closing
                    try:
                        driver.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
                    except Exception:
                        logger.warning("a background WAL checkpoint failed", exc_info=True)
                    if closing:
                        return
        except Exception:  # no connection: the writers' next commits checkpoint as usual
            logger.warning("the background WAL checkpointer could not start", exc_info=True)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> tuple[str | None, str | None]:
    """Upgrade the schema to the newest packaged revision; returns (before, after)."""
    with engine.connect() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(alembic_config(connection), "head")
        connection.commit()
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after


@functools.cache
def head_revision() -> str | None:
    """The newest revision the package ships (read once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def require_schema(engine: Engine) -> None:
    """Raise :class:`StorageError` unless the database has been initialised by ``recon init``."""
    try:
        with engine.connect() as connection:
            present = inspect(connection).has_table("files")
            current = MigrationContext.configure(connection).get_current_revision() if present else None
    except Exception as exc:  # the driver's own errors: say where, keep the cause
        raise StorageError(f"cannot open the database {engine.url!r}: {exc}") from exc
    if current is None:
        raise StorageError("database not initialised: run `recon init`")
    if current != head_revision():
        raise StorageError(f"database schema is at {current}, not {head_revision()}: run `recon init`")
