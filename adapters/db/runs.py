"""The database implementation of :class:`reconcile.ports.RunStore`.

A run is saved in one write transaction (the run row and every discrepancy
row, loaded in bulk), so a failure at any step leaves the database as it was
and the previous version stays the latest. Reading a run back gives the same
Arrow table the core produced, row for row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine, func, insert, select

from adapters.db.bulk import bulk_insert, fetch_arrow
from adapters.db.engine import write_transaction
from adapters.db.run_inputs import load_day_inputs
from adapters.db.run_tables import discrepancies, runs, work_items
from adapters.db.run_verdicts import latest_run_covering, load_verdict, save_verdict
from adapters.settings import Settings
from reconcile.discrepancies import DISCREPANCIES
from reconcile.errors import NoRunError, NotFoundError
from reconcile.ports import DayInputs, GatewayTerms, RunRecord
from reconcile.runs import item_key
from reconcile.verdict import RunVerdict


def scope_of(provinces: Sequence[str]) -> str:
    """The stored form of a run's province scope: sorted codes joined by commas, ``""`` for all."""
    return ",".join(sorted(set(provinces)))


class SqlRunStore:
    """Runs and their rows in the service's database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, settings: Settings | None = None) -> None:
        self.engine = engine
        self.settings = settings or Settings()

    def load_inputs(self, business_date: dt.date, provinces: Sequence[str]) -> DayInputs:
        with self.engine.connect() as conn:
            carried, carried_from = self._carried(conn, business_date, provinces)
            terms = {
                name: GatewayTerms(g.settlement_days, g.fee_mode)
                for name, g in self.settings.gateways.items()
            }
            w = work_items.c
            decided = conn.execute(
                select(w.item_key, w.status).where(w.status.in_(("resolved", "written_off")))
            )
            decisions = {key: status for key, status in decided}
            return load_day_inputs(conn, business_date, carried, carried_from, terms, decisions)

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

    def save_run(self, run: RunRecord, rows: pa.Table, verdict: RunVerdict | None = None) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(insert(runs).values(**_run_row(run)))
            bulk_insert(conn, discrepancies, _discrepancy_rows(run.id, rows))
            save_verdict(conn, run.id, verdict or RunVerdict())

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
        r = runs.c
        statement = (
            select(runs)
            .where(r.business_date == business_date)
            .order_by(r.finished_at.desc(), r.version.desc(), r.id.desc())
        )
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(statement).mappings()]

    def verdict(self, run_id: str) -> RunVerdict:
        self.get_run(run_id)
        with self.engine.connect() as conn:
            return load_verdict(conn, run_id)

    def latest_run_covering(self, business_date: dt.date, province_code: str) -> RunRecord:
        with self.engine.connect() as conn:
            return latest_run_covering(conn, business_date, province_code)


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
