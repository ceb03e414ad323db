"""A run's verdict in the database: ``run_batches`` and ``run_credits``, written with the run.

The rows are the core's tables as it produced them (:mod:`reconcile.verdict`),
loaded in bulk in the run's own transaction and read back in the same order
(``position``), so every view renders exactly what the run decided.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, select

from adapters.db.bulk import bulk_insert, fetch_arrow
from adapters.db.run_tables import run_batches, run_credits, runs
from reconcile.errors import NoRunError
from reconcile.ports import RunRecord
from reconcile.verdict import BATCH_VERDICTS, CREDIT_LINKS, RunVerdict


def save_verdict(conn: Connection, run_id: str, verdict: RunVerdict) -> None:
    """Insert the run's batches and credits (inside the caller's transaction)."""
    bulk_insert(conn, run_batches, _with_run(run_id, verdict.batches.cast(BATCH_VERDICTS)))
    bulk_insert(conn, run_credits, _with_run(run_id, verdict.credits.cast(CREDIT_LINKS)))


def _with_run(run_id: str, table: pa.Table) -> pa.Table:
    table = table.append_column("run_id", pa.repeat(pa.scalar(run_id), table.num_rows).cast(pa.string()))
    return table.append_column("position", pa.array(range(table.num_rows), pa.int32()))


def load_verdict(conn: Connection, run_id: str) -> RunVerdict:
    """The run's batches and credits, in the order the run stored them."""
    b, c = run_batches.c, run_credits.c
    batches = select(*(b[name] for name in BATCH_VERDICTS.names)).where(b.run_id == run_id)
    credits = select(*(c[name] for name in CREDIT_LINKS.names)).where(c.run_id == run_id)
    return RunVerdict(
        fetch_arrow(conn, batches.order_by(b.position), BATCH_VERDICTS),
        fetch_arrow(conn, credits.order_by(c.position), CREDIT_LINKS),
    )


def latest_run_covering(conn: Connection, business_date: dt.date, province_code: str) -> RunRecord:
    """The newest run of the date for every province or for a list naming ``province_code``."""
    from adapters.db.runs import _record  # the one reader of a run row

    r = runs.c
    candidates = conn.execute(
        select(runs)
        .where(r.business_date == business_date)
        .order_by(r.finished_at.desc(), r.version.desc(), r.id.desc())
    ).mappings()
    for row in candidates:
        if _covers(row, province_code):
            return _record(row)
    raise NoRunError(business_date.isoformat(), province_code)


def _covers(row: Any, province_code: str) -> bool:
    return row["scope"] == "" or province_code in json.loads(row["provinces"])
