"""The register of ingested files: deduplication by SHA-256, versions, corrections.

A file's row is written in the same transaction as its content, so a file is
either fully stored or not at all. Duplicates (same bytes) add no row: they
are answered from the stored one. A rejected file keeps its row (its bytes
and reason are worth showing), and the same bytes offered again are read
again, because the reason may have gone away (a gateway now configured,
reference data now loaded): the row is then updated in place, to rejected
again or to accepted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from adapters.db.schema import files

#: Key of the PostgreSQL advisory lock that makes ingestion one writer at a time.
INGEST_LOCK_KEY = 0x5245434F4E  # "RECON"
#: The statuses of a file whose content was stored (a duplicate or a rejected file stores none).
STORED_STATUSES = ("accepted", "correction")

Totals = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A row of ``files`` as ingestion needs it."""

    id: int
    sha256: str
    path: str
    format: str | None
    status: str
    identity: str | None
    version: int | None
    error: str | None
    warnings: tuple[str, ...]
    statements: int | None
    entries: int | None
    totals: Totals
    ingested_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What is known of a file when it is recorded."""

    sha256: str
    path: str
    format: str | None
    status: str
    identity: str | None = None
    version: int | None = None
    supersedes_id: int | None = None
    current: bool = False
    error: str | None = None
    warnings: tuple[str, ...] = ()
    statements: int | None = None
    entries: int | None = None
    totals: Totals | None = None


def lock_ingestion(conn: Connection) -> None:
    """Serialise ingestion on PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` already does)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": INGEST_LOCK_KEY})


def find_by_sha256(conn: Connection, sha256: str) -> StoredFile | None:
    row = conn.execute(select(files).where(files.c.sha256 == sha256)).mappings().first()
    return None if row is None else _stored(row)


def _stored(row: Any) -> StoredFile:
    return StoredFile(
        id=row["id"],
        sha256=row["sha256"],
        path=row["path"],
        format=row["format"],
        status=row["status"],
        identity=row["identity"],
        version=row["version"],
        error=row["error"],
        warnings=tuple(json.loads(row["warnings"] or "[]")),
        statements=row["statements"],
        entries=row["entries"],
        totals=json.loads(row["totals"] or "{}"),
        ingested_at=row["ingested_at"],
    )


def record_file(conn: Connection, facts: FileFacts, *, replacing: int | None = None) -> int:
    """Insert the file's row, or rewrite row ``replacing`` (a rejected earlier attempt); returns its id."""
    values = {
        "sha256": facts.sha256,
        "path": facts.path,
        "format": facts.format,
        "status": facts.status,
        "identity": facts.identity,
        "version": facts.version,
        "supersedes_id": facts.supersedes_id,
        "current": facts.current,
        "ingested_at": dt.datetime.now(dt.UTC),
        "error": facts.error,
        "warnings": json.dumps(list(facts.warnings), ensure_ascii=False),
        "statements": facts.statements,
        "entries": facts.entries,
        "totals": json.dumps(facts.totals or {}, ensure_ascii=False, sort_keys=True),
    }
    if replacing is not None:
        conn.execute(update(files).where(files.c.id == replacing).values(**values))
        return replacing
    file_id: int = conn.execute(insert(files).values(**values).returning(files.c.id)).scalar_one()
    return file_id


def amend_file(conn: Connection, file_id: int, *, status: str, warnings: tuple[str, ...]) -> None:
    """Correct the verdict recorded before the content was stored (bank files learn it per statement)."""
    conn.execute(
        update(files)
        .where(files.c.id == file_id)
        .values(status=status, warnings=json.dumps(list(warnings), ensure_ascii=False))
    )
