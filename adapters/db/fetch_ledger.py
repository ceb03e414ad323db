"""What was fetched from each SFTP source, in ``fetched_files`` (see :mod:`adapters.fetch`).

A remote file is known by (source, name, size, time): the same four again
is not downloaded again, a changed size or time is a new file. Ingestion is
marked separately, after it finished, so a fetch that died between download
and ingestion is completed by the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, and_, insert, select, update

from adapters.db.engine import write_transaction
from adapters.db.ops_tables import fetched_files
from adapters.sftp import Downloaded, RemoteFile


@dataclass(frozen=True, slots=True)
class PendingIngest:
    """A fetched file whose ingestion has not finished."""

    id: int
    source: str
    path: Path
    sha256: str


class SqlFetchLedger:
    """The :class:`adapters.fetch.FetchLedger` port over ``fetched_files``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def seen(self, source: str, remote: RemoteFile) -> bool:
        row = fetched_files.c
        query = select(row.id).where(
            and_(
                row.source == source,
                row.remote_name == remote.name,
                row.size == remote.size,
                row.mtime == remote.mtime,
            )
        )
        with self._engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def record(self, source: str, downloaded: Downloaded) -> None:
        remote = downloaded.remote
        with write_transaction(self._engine) as connection:
            connection.execute(
                insert(fetched_files).values(
                    source=source,
                    remote_name=remote.name,
                    size=remote.size,
                    mtime=remote.mtime,
                    sha256=downloaded.sha256,
                    local_path=str(downloaded.path),
                    fetched_at=dt.datetime.now(dt.UTC),
                )
            )

    def pending(self, source: str) -> list[PendingIngest]:
        row = fetched_files.c
        query = (
            select(row.id, row.source, row.local_path, row.sha256)
            .where(and_(row.source == source, row.ingested_at.is_(None)))
            .order_by(row.id)
        )
        with self._engine.connect() as connection:
            return [
                PendingIngest(r.id, r.source, Path(r.local_path), r.sha256) for r in connection.execute(query)
            ]

    def remote_name(self, local_path: Path) -> str | None:
        """The name the file fetched to ``local_path`` had on its server (its identity), if fetched."""
        row = fetched_files.c
        query = select(row.remote_name).where(row.local_path == str(local_path)).order_by(row.id.desc())
        with self._engine.connect() as connection:
            name: str | None = connection.execute(query.limit(1)).scalar()
            return name

    def ingested_before(self, sha256: str) -> bool:
        """Whether these bytes were already ingested, from any source."""
        row = fetched_files.c
        query = select(row.id).where(and_(row.sha256 == sha256, row.ingested_at.is_not(None)))
        with self._engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def mark_ingested(self, pending: PendingIngest, status: str, error: str | None) -> None:
        with write_transaction(self._engine) as connection:
            connection.execute(
                update(fetched_files)
                .where(fetched_files.c.id == pending.id)
                .values(ingested_at=dt.datetime.now(dt.UTC), ingest_status=status, error=error)
            )
