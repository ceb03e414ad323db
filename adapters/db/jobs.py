"""Job locks and job history in the database, shared by every scheduler process.

A lock is a row in ``job_locks``. Taking it is one transaction of two
atomic statements that behave the same on SQLite and PostgreSQL: an
``UPDATE … WHERE expires_at < now`` takes over an expired lock, else an
``INSERT … ON CONFLICT DO NOTHING`` creates it; the row each returns says who
won (``RETURNING``: drivers do not all report a row count for these).
Two processes racing for a lock cannot both win: the primary key lets one
insert through, and PostgreSQL re-checks the ``UPDATE``'s condition after
a concurrent one commits (SQLite serialises writers outright).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.db.engine import write_transaction
from adapters.db.ops_tables import job_locks, job_runs

logger = logging.getLogger(__name__)
#: How long a running job's lock lasts if its process dies without giving it back.
DEFAULT_TTL = dt.timedelta(hours=6)
#: How long a fire time stays claimed after its run, so no process runs it again.
CLAIM_RETENTION = dt.timedelta(days=7)


def new_holder() -> str:
    """A name for one job execution: host, process and a random token."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def acquire_lock(engine: Engine, name: str, holder: str, ttl: dt.timedelta) -> bool:
    """Take lock ``name`` for ``ttl`` unless someone else holds an unexpired one."""
    now = _now()
    values = {"holder": holder, "acquired_at": now, "expires_at": now + ttl}
    with write_transaction(engine) as connection:
        taken = connection.execute(
            update(job_locks)
            .where(and_(job_locks.c.name == name, job_locks.c.expires_at < now))
            .values(**values)
            .returning(job_locks.c.name)
        )
        if taken.first() is not None:
            return True
        insert_row = _insert_if_absent(connection).values(name=name, **values)
        created = connection.execute(insert_row.returning(job_locks.c.name))
        return created.first() is not None


def _insert_if_absent(connection: Connection) -> Any:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(job_locks).on_conflict_do_nothing(index_elements=["name"])
    if dialect == "sqlite":
        return sqlite.insert(job_locks).on_conflict_do_nothing(index_elements=["name"])
    raise NotImplementedError(f"job locks on {dialect} are not supported")


def release_lock(engine: Engine, name: str, holder: str) -> None:
    """Give lock ``name`` back, if ``holder`` still holds it."""
    with write_transaction(engine) as connection:
        connection.execute(
            delete(job_locks).where(and_(job_locks.c.name == name, job_locks.c.holder == holder))
        )


def extend_lock(engine: Engine, name: str, holder: str, until: dt.datetime) -> None:
    """Keep lock ``name`` (held by ``holder``) until ``until``: a claimed fire time stays claimed."""
    with write_transaction(engine) as connection:
        connection.execute(
            update(job_locks)
            .where(and_(job_locks.c.name == name, job_locks.c.holder == holder))
            .values(expires_at=until)
        )


def forget_expired_locks(engine: Engine, older_than: dt.timedelta) -> int:
    """Delete locks expired for longer than ``older_than``; returns how many."""
    with write_transaction(engine) as connection:
        result = connection.execute(delete(job_locks).where(job_locks.c.expires_at < _now() - older_than))
        return int(result.rowcount)


@dataclass(frozen=True, slots=True)
class JobRun:
    """One row of the job history."""

    id: int
    job_id: str
    holder: str
    scheduled_for: dt.datetime | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str  # running | succeeded | failed | skipped
    detail: Mapping[str, Any]


def start_job_run(engine: Engine, job_id: str, holder: str, scheduled_for: dt.datetime | None) -> int:
    with write_transaction(engine) as connection:
        result = connection.execute(
            insert(job_runs)
            .values(
                job_id=job_id,
                holder=holder,
                scheduled_for=scheduled_for,
                started_at=_now(),
                outcome="running",
                detail="{}",
            )
            .returning(job_runs.c.id)
        )
        return int(result.scalar_one())


def finish_job_run(engine: Engine, run_id: int, outcome: str, detail: Mapping[str, Any]) -> None:
    with write_transaction(engine) as connection:
        connection.execute(
            update(job_runs)
            .where(job_runs.c.id == run_id)
            .values(
                finished_at=_now(),
                outcome=outcome,
                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
            )
        )


def job_history(engine: Engine, *, limit: int = 20, job_id: str | None = None) -> list[JobRun]:
    """The latest job runs, newest first."""
    query = select(job_runs).order_by(job_runs.c.started_at.desc(), job_runs.c.id.desc()).limit(limit)
    if job_id is not None:
        query = query.where(job_runs.c.job_id == job_id)
    with engine.connect() as connection:
        return [_job_run(row) for row in connection.execute(query)]


def _job_run(row: Any) -> JobRun:
    return JobRun(
        id=row.id,
        job_id=row.job_id,
        holder=row.holder,
        scheduled_for=row.scheduled_for,
        started_at=row.started_at,
        finished_at=row.finished_at,
        outcome=row.outcome,
        detail=json.loads(row.detail or "{}"),
    )


def claim_name(job_id: str, scheduled_for: dt.datetime) -> str:
    """The lock that marks one fire time of a job as taken: ``fetch:bank@2026-11-26T01:30:00Z``."""
    return f"{job_id}@{scheduled_for.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"


def run_exclusively(
    engine: Engine,
    job_id: str,
    work: Callable[[], Mapping[str, Any]],
    *,
    scheduled_for: dt.datetime | None = None,
    ttl: dt.timedelta = DEFAULT_TTL,
) -> JobRun | None:
    """Run ``work`` unless another process runs this job now or already ran this fire time.

    ``work`` returns what it touched (JSON-able); ``{"ok": False, ...}`` marks a
    failure it handled. Returns the history row, or ``None`` when another
    process had already claimed ``scheduled_for``. The claim is kept for
    :data:`CLAIM_RETENTION` after the run, so no process runs that fire time again.
    """
    holder = new_holder()
    claim = claim_name(job_id, scheduled_for) if scheduled_for is not None else None
    if claim is not None and not acquire_lock(engine, claim, holder, ttl):
        return None
    try:
        if not acquire_lock(engine, job_id, holder, ttl):
            run_id = start_job_run(engine, job_id, holder, scheduled_for)
            finish_job_run(engine, run_id, "skipped", {"reason": "still running in another process"})
            return _one(engine, run_id)
        try:
            run_id = start_job_run(engine, job_id, holder, scheduled_for)
            outcome, detail = _perform(work)
            finish_job_run(engine, run_id, outcome, detail)
        finally:
            release_lock(engine, job_id, holder)
    finally:
        if claim is not None:
            extend_lock(engine, claim, holder, _now() + CLAIM_RETENTION)
    return _one(engine, run_id)


def _perform(work: Callable[[], Mapping[str, Any]]) -> tuple[str, Mapping[str, Any]]:
    try:
        detail = work()
    except Exception as exc:  # any failure of a job is history, not a crash of the scheduler
        logger.exception("job failed")
        return "failed", {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return ("failed" if detail.get("ok") is False else "succeeded"), detail


def _one(engine: Engine, run_id: int) -> JobRun:
    with engine.connect() as connection:
        row = connection.execute(select(job_runs).where(job_runs.c.id == run_id)).one()
    return _job_run(row)
