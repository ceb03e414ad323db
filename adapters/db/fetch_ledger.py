"""What was fetched from each SFTP source, in ``fetched_files`` (see :mod:`adapters.fetch`).

A remote file version is known by (source, name, size, time): the same four
again is not downloaded again; a changed size or time under a known name is
a new version, with its own row and its own local copy
(``<inbox>/<row id>/<remote name>``, see :func:`version_path`), so no version
ever overwrites another and each keeps its remote name as its file name.

A row goes through these states, each written before the step that depends on it:

1. *claimed*: inserted before the download starts, ``sha256`` NULL;
2. *downloaded*: the bytes are complete at ``local_path``; ``sha256`` set;
3. *ingested*: ``ingested_at`` and ``ingest_status`` set after ingestion finished
   (or, for a file whose ingestion kept failing, after it was given up).

So a process killed at any point leaves a state the next fetch completes: a
claim whose bytes are in place is recorded as downloaded, a claim without
them is released (the file is fetched again if the server still has it), and
a downloaded file is ingested. A file whose ingestion committed just before
the process died is recognised by its stored bytes (:meth:`SqlFetchLedger.stored_status`),
so it is marked with what ingestion said, never ingested twice nor marked as
something the database does not hold.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.db.engine import write_transaction
from adapters.db.ops_tables import fetched_files
from adapters.db.schema import files
from adapters.fetch_ports import Claim, PendingIngest, RemoteFile

#: Ledger statuses that mean the file's bytes are in the database.
_STORED = ("accepted", "correction", "duplicate")


def version_path(inbox: Path, row_id: int, remote_name: str) -> Path:
    """Where one fetched version lives locally: a folder per ledger row, the remote name inside."""
    return inbox / str(row_id) / remote_name


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

    def claim(self, source: str, remote: RemoteFile, inbox: Path) -> Claim | None:
        """Claim a remote version for download; ``None`` when another fetch claimed it first."""
        try:
            with write_transaction(self._engine) as connection:
                row_id = connection.execute(
                    insert(fetched_files)
                    .values(
                        source=source,
                        remote_name=remote.name,
                        size=remote.size,
                        mtime=remote.mtime,
                        sha256=None,
                        local_path="",
                        fetched_at=dt.datetime.now(dt.UTC),
                    )
                    .returning(fetched_files.c.id)
                ).scalar_one()
                path = version_path(inbox, row_id, remote.name)
                connection.execute(
                    update(fetched_files).where(fetched_files.c.id == row_id).values(local_path=str(path))
                )
        except IntegrityError:
            return None
        return Claim(row_id, source, remote, path)

    def complete(self, claim: Claim, sha256: str) -> None:
        """The claimed version's bytes are complete at ``claim.path``."""
        with write_transaction(self._engine) as connection:
            connection.execute(
                update(fetched_files).where(fetched_files.c.id == claim.id).values(sha256=sha256)
            )

    def release(self, claim: Claim) -> None:
        """Forget a claim whose download did not complete (fetched again if the server still has it)."""
        row = fetched_files.c
        with write_transaction(self._engine) as connection:
            connection.execute(delete(fetched_files).where(and_(row.id == claim.id, row.sha256.is_(None))))

    def unfinished(self, source: str) -> list[Claim]:
        """Claims whose download was never recorded as complete (the process died meanwhile)."""
        row = fetched_files.c
        query = (
            select(row.id, row.remote_name, row.size, row.mtime, row.local_path)
            .where(and_(row.source == source, row.sha256.is_(None)))
            .order_by(row.id)
        )
        with self._engine.connect() as connection:
            return [
                Claim(r.id, source, RemoteFile(r.remote_name, r.size, r.mtime), Path(r.local_path))
                for r in connection.execute(query)
            ]

    def pending(self, source: str) -> list[PendingIngest]:
        """Downloaded files whose ingestion has not finished, in the order they were fetched."""
        row = fetched_files.c
        query = (
            select(row.id, row.remote_name, row.local_path, row.sha256, row.fetched_at, row.ingest_attempts)
            .where(and_(row.source == source, row.sha256.is_not(None), row.ingested_at.is_(None)))
            .order_by(row.id)
        )
        with self._engine.connect() as connection:
            return [
                PendingIngest(
                    r.id, source, r.remote_name, Path(r.local_path), r.sha256, r.fetched_at, r.ingest_attempts
                )
                for r in connection.execute(query)
            ]

    def ingested_before(self, pending: PendingIngest) -> bool:
        """Whether another fetched file with these bytes, from any source, is already in the database."""
        row = fetched_files.c
        query = select(row.id).where(
            and_(row.sha256 == pending.sha256, row.id != pending.id, row.ingest_status.in_(_STORED))
        )
        with self._engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def stored_status(self, pending: PendingIngest) -> str | None:
        """The status these bytes were stored with after this file was fetched, if they were.

        That is this file's own ingestion, committed by a process that died before it
        could mark the ledger (or the same bytes ingested by hand meanwhile).
        """
        query = select(files.c.status, files.c.ingested_at).where(files.c.sha256 == pending.sha256)
        with self._engine.connect() as connection:
            stored = connection.execute(query).first()
        if stored is None or stored.status == "rejected" or stored.ingested_at < pending.fetched_at:
            return None
        return str(stored.status)

    def mark_ingested(self, pending: PendingIngest, status: str, error: str | None) -> None:
        with write_transaction(self._engine) as connection:
            connection.execute(
                update(fetched_files)
                .where(fetched_files.c.id == pending.id)
                .values(ingested_at=dt.datetime.now(dt.UTC), ingest_status=status, error=error)
            )

    def note_failure(self, pending: PendingIngest, error: str, give_up_after: int) -> bool:
        """Count a failed ingestion; after ``give_up_after`` of them the file is marked ``failed``."""
        attempts = pending.attempts + 1
        values: dict[str, object] = {"ingest_attempts": attempts, "error": error}
        if attempts >= give_up_after:
            values |= {"ingested_at": dt.datetime.now(dt.UTC), "ingest_status": "failed"}
        with write_transaction(self._engine) as connection:
            connection.execute(update(fetched_files).where(fetched_files.c.id == pending.id).values(**values))
        return attempts >= give_up_after
