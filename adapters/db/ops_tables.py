"""The operations tables: what was fetched, which jobs ran, and who holds a job's lock.

- ``fetched_files`` remembers every file taken from an SFTP source (source,
  remote name, size, time, SHA-256, where its local copy is), so a file is
  never fetched or ingested twice, and whether its ingestion finished (a crash
  in between is resumed). A row is written before its download starts (its
  SHA-256 NULL until the download is complete), so a download cut short is
  known to the next fetch; see :mod:`adapters.db.fetch_ledger`.
- ``job_runs`` is the scheduler's history: one row per job execution, with
  its outcome and what it touched (JSON in ``detail``).
- ``job_locks`` holds a row per job while a process runs it (``fetch:bank``),
  and a row per fire time a process claimed (``fetch:bank@2026-11-26T01:30:00Z``),
  so two scheduler processes never run a job at once nor twice for one fire
  time. A lock is taken with one atomic statement and expires, so a crashed
  holder cannot block the job forever.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)

from adapters.db.meta import Id, UtcDateTime, metadata

fetched_files = Table(
    "fetched_files",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(128), nullable=False),
    Column("remote_name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mtime", BigInteger, nullable=False),  # seconds since the epoch, as the server said
    Column("sha256", String(64)),  # NULL while the download is in progress (claimed, not complete)
    Column("local_path", Text, nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
    Column("ingested_at", UtcDateTime),  # NULL until ingestion finished
    # accepted | duplicate | correction | rejected | skipped | failed
    Column("ingest_status", String(16)),
    Column("error", Text),
    Column("ingest_attempts", Integer, nullable=False, server_default="0"),  # ingestions that raised
    UniqueConstraint("source", "remote_name", "size", "mtime"),
    Index(None, "sha256"),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("job_id", String(128), nullable=False),
    Column("holder", String(128), nullable=False),  # host:pid:token of the process that ran it
    Column("scheduled_for", UtcDateTime),  # the fire time it ran for; NULL when started by hand
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("outcome", String(16), nullable=False),  # running | succeeded | failed | skipped
    Column("detail", Text, nullable=False, server_default="{}"),  # JSON: what it touched, or the error
    Index(None, "job_id", "started_at"),
)

job_locks = Table(
    "job_locks",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("acquired_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

#: APScheduler 3's job store (``SQLAlchemyJobStore``), created by the migration rather
#: than by each scheduler at start, where two processes starting at once would race.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
