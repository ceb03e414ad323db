"""The database implementation of :class:`reconcile.ports.RunStore`.

A run is saved in one write transaction (the run row and every discrepancy
row, loaded in bulk), so a failure at any step leaves the database as it was
and the previous version stays the latest. Its version is numbered in that
same transaction, under a lock on its business date, so two runs of one date
saved at once (two ``recon rerun`` in parallel, the scheduler and a person)
become consecutive versions, each with its own reason, instead of one of
them failing on the unique (date, scope, version). A run saved after another
of its date and scope is never stored as finishing before it, so the latest
by time and the latest by version are the same run. Reading a run back gives the same
Arrow table the core produced, row for row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine, func, insert, select

from adapters.db.bulk import bulk_insert, fetch_arrow
from adapters.db.engine import write_transaction
from adapters.db.run_inputs import load_day_inputs
from adapters.db.run_tables import discrepancies, runs, work_items
from adapters.db.run_verdicts import latest_run_covering, load_verdict, save_verdict
from adapters.memory import give_back_memory
from reconcile.discrepancies import DISCREPANCIES
from reconcile.errors import NoRunError, NotFoundError
from reconcile.gateways import GatewayTerms
from reconcile.ports import DayInputs, MatchMemory, RunRecord
from reconcile.runs import item_key, run_id
from reconcile.verdict import RunVerdict

#: First key of the PostgreSQL advisory lock that numbers the runs of a date (the second is the date).
RUN_LOCK_CLASS = 0x52554E  # "RUN"

#: DuckDB's memory limit for a run's matching: a 1M-payment day needs less; a 10M one spills the rest.
MATCH_MEMORY_LIMIT = "1GB"


def scope_of(provinces: Sequence[str]) -> str:
    """The stored form of a run's province scope: sorted codes joined by commas, ``""`` for all."""
    return ",".join(sorted(set(provinces)))


class SqlRunStore:
    """Runs and their rows in the service's database (SQLite or PostgreSQL).

    ``gateways`` are the configured settlement terms a run's inputs carry; reading
    runs back needs none. ``memory`` is what the matching engine may hold
    (:data:`MATCH_MEMORY_LIMIT` unless given): beyond it DuckDB spills to the system's
    temporary directory instead of growing with the day (at 10M payments its intermediate
    tables alone were ≈ 3 GB).
    """

    def __init__(
        self,
        engine: Engine,
        gateways: Mapping[str, GatewayTerms] | None = None,
        memory: MatchMemory | None = None,
    ) -> None:
        self.engine = engine
        self.gateways = dict(gateways or {})
        self.memory = memory or MatchMemory(MATCH_MEMORY_LIMIT, tempfile.gettempdir())

    def load_inputs(self, business_date: dt.date, provinces: Sequence[str]) -> DayInputs:
        give_back_memory()  # what earlier work (an ingest in this process) left free, before the day is read
        with self.engine.connect() as conn:
            carried, carried_from = self._carried(conn, business_date, provinces)
            w = work_items.c
            decided = conn.execute(
                select(w.item_key, w.status).where(w.status.in_(("resolved", "written_off")))
            )
            decisions = {key: status for key, status in decided}
            inputs = load_day_inputs(conn, business_date, carried, carried_from, self.gateways, decisions)
        give_back_memory()  # the parts decoded and filtered while reading, before matching adds its own
        return dataclasses.replace(inputs, memory=self.memory)

    def _carried(
        self, conn: Connection, business_date: dt.date, provinces: Sequence[str]
    ) -> tuple[pa.Table, str | None]:
        """The open and pending rows of the latest run of an earlier date whose scope covers ours."""
        r = runs.c
        earlier = conn.execute(
            select(r.id, r.scope)
            .where(r.business_date < business_date)
            .order_by(r.business_date.desc(), r.finished_at.desc(), r.version.desc())
        ).all()
        wanted = set(provinces)
        latest = next(
            (run for run, scope in earlier if scope == "" or (wanted and wanted <= set(scope.split(",")))),
            None,
        )
        if latest is None:
            return DISCREPANCIES.empty_table(), None
        d = discrepancies.c
        statement = (
            select(*(d[name] for name in DISCREPANCIES.names))
            .where(d.run_id == latest, d.status.in_(("open", "pending")))
            .order_by(d.position)
        )
        return fetch_arrow(conn, statement, DISCREPANCIES), latest

    def next_version(self, business_date: dt.date, provinces: Sequence[str]) -> int:
        r = runs.c
        with self.engine.connect() as conn:
            top = conn.execute(
                select(func.max(r.version)).where(
                    r.business_date == business_date, r.scope == scope_of(provinces)
                )
            ).scalar()
        return int(top or 0) + 1

    def save_run(self, run: RunRecord, rows: pa.Table, verdict: RunVerdict | None = None) -> RunRecord:
        """Store ``run`` as the next version of its date and scope (see the module docstring)."""
        with write_transaction(self.engine) as conn:
            lock_run_versions(conn, run.business_date)
            stored = _numbered(conn, run)
            conn.execute(insert(runs).values(**_run_row(stored)))
            bulk_insert(conn, discrepancies, _discrepancy_rows(stored.id, rows))
            save_verdict(conn, stored.id, verdict or RunVerdict())
        return stored

    def get_run(self, run_id: str) -> RunRecord:
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        if row is None:
            raise NotFoundError("run", run_id)
        return _record(row)

    def latest_run(self, business_date: dt.date) -> RunRecord:
        r = runs.c
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(runs)
                    .where(r.business_date == business_date)
                    .order_by(r.finished_at.desc(), r.version.desc(), r.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        if row is None:
            raise NoRunError(business_date.isoformat())
        return _record(row)

    def list_runs(self, limit: int = 50) -> list[RunRecord]:
        """The newest runs first."""
        r = runs.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(runs).order_by(r.finished_at.desc(), r.id.desc()).limit(limit)
            ).mappings()
            return [_record(row) for row in rows]

    def discrepancies(self, run_id: str) -> pa.Table:
        self.get_run(run_id)
        d = discrepancies.c
        statement = (
            select(*(d[name] for name in DISCREPANCIES.names)).where(d.run_id == run_id).order_by(d.position)
        )
        with self.engine.connect() as conn:
            return fetch_arrow(conn, statement, DISCREPANCIES)

    def runs_of_date(self, business_date: dt.date) -> list[RunRecord]:
        with self.engine.connect() as conn:
            return runs_of_date(conn, business_date)

    def verdict(self, run_id: str) -> RunVerdict:
        self.get_run(run_id)
        with self.engine.connect() as conn:
            return load_verdict(conn, run_id)

    def latest_run_covering(self, business_date: dt.date, province_code: str) -> RunRecord:
        with self.engine.connect() as conn:
            return latest_run_covering(conn, business_date, province_code)


def lock_run_versions(conn: Connection, business_date: dt.date) -> None:
    """Number the runs of ``business_date`` one at a time, until this transaction ends.

    SQLite's ``BEGIN IMMEDIATE`` (:func:`write_transaction`) already makes writers take
    turns; PostgreSQL takes a transaction-scoped advisory lock on the date.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT pg_advisory_xact_lock(%(kind)s, %(day)s)",
            {"kind": RUN_LOCK_CLASS, "day": business_date.toordinal()},
        )


def _numbered(conn: Connection, run: RunRecord) -> RunRecord:
    """``run`` as the next version of its date and scope, never seeming to finish before the last."""
    r = runs.c
    top, last_finished = conn.execute(
        select(func.max(r.version), func.max(r.finished_at)).where(
            r.business_date == run.business_date, r.scope == scope_of(run.provinces)
        )
    ).one()
    version = int(top or 0) + 1
    finished = run.finished_at if last_finished is None else max(run.finished_at, last_finished)
    return dataclasses.replace(
        run,
        id=run_id(run.business_date, run.provinces, version),
        version=version,
        finished_at=finished,
    )


def _run_row(run: RunRecord) -> dict[str, Any]:
    return {
        "id": run.id,
        "business_date": run.business_date,
        "scope": scope_of(run.provinces),
        "provinces": json.dumps(list(run.provinces)),
        "version": run.version,
        "status": run.status,
        "reason": run.reason,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "counts": json.dumps(dict(run.counts), sort_keys=True, ensure_ascii=False),
        "input_fingerprint": run.fingerprint,
    }


def _discrepancy_rows(run_id: str, rows: pa.Table) -> pa.Table:
    keys = [item_key(row) for row in rows.to_pylist()]
    table = rows.cast(DISCREPANCIES)
    table = table.append_column("run_id", pa.repeat(pa.scalar(run_id), table.num_rows).cast(pa.string()))
    table = table.append_column("position", pa.array(range(table.num_rows), pa.int64()))
    return table.append_column("item_key", pa.array(keys, pa.string()))


def _record(row: Any) -> RunRecord:
    return RunRecord(
        id=row["id"],
        business_date=row["business_date"],
        provinces=tuple(json.loads(row["provinces"])),
        version=row["version"],
        status=row["status"],
        reason=row["reason"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        counts=json.loads(row["counts"]),
        fingerprint=row["input_fingerprint"],
    )


def runs_of_date(conn: Connection, business_date: dt.date) -> list[RunRecord]:
    """Every run of a date, newest first (finished, then version, then id)."""
    r = runs.c
    statement = (
        select(runs)
        .where(r.business_date == business_date)
        .order_by(r.finished_at.desc(), r.version.desc(), r.id.desc())
    )
    return [_record(row) for row in conn.execute(statement).mappings()]
