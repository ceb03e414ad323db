"""A web world on SQLite or PostgreSQL with a large synthetic day for the JSON API's tests.

Beside the reconciled day of :mod:`web_world` (2026-11-25), date
:data:`BIG_DAY` has two runs: version 1 with three rows and version 2 with
:data:`BIG_N` rows spread over Hà Nội (01), Hồ Chí Minh (79) and no province,
several categories, severities and gateways, absent values in every optional
column and many equal sort keys, so ordering, ties and paging are exercised.
Some items carry workflow records (status, assignee) in ``work_items``.
:data:`COMPOSED_DAY` has a whole-country run followed by a rerun of
Hồ Chí Minh (79) alone: its latest result is v1 for every province but 79,
and v2 for 79.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select
from web_world import build_world

from adapters.db.run_tables import discrepancies, runs, work_items
from adapters.settings import GatewaySettings, Settings

BIG_DAY = dt.date(2026, 11, 27)
BIG_N = 237
COMPOSED_DAY = dt.date(2026, 11, 28)
CATEGORIES = ("UNDERPAID", "MISSING_BANK_CREDIT", "ORPHAN_PAYMENT", "UNEXPECTED_BANK_CREDIT")
SEVERITIES = ("high", "medium", "low")


def settings_for(url: str, directory: Path) -> Settings:
    return Settings(
        database_url=url, gateways={"vnpay": GatewaySettings("vnpay")}, data_dir=str(directory / "data")
    )


def build_api_world(settings: Settings, directory: Path) -> Engine:
    engine = build_world(settings, directory)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        for version, n in ((1, 3), (2, BIG_N)):
            run_id = f"{BIG_DAY.isoformat()}-v{version}"
            conn.execute(insert(runs).values(_run(run_id, version, now + dt.timedelta(seconds=version))))
            conn.execute(insert(discrepancies), [_row(run_id, version, i) for i in range(n)])
        for version, scope in ((1, ""), (2, "79")):
            run_id = f"{COMPOSED_DAY.isoformat()}-{scope or 'all'}-v{version}"
            finished = now + dt.timedelta(seconds=10 + version)
            conn.execute(
                insert(runs).values(
                    {
                        **_run(run_id, version, finished),
                        "business_date": COMPOSED_DAY,
                        "scope": scope,
                        "provinces": json.dumps([scope] if scope else []),
                    }
                )
            )
            rows = [_row(run_id, version, i) for i in range(12)]
            conn.execute(insert(discrepancies), [r for r in rows if not scope or r["province_code"] == scope])
        conn.execute(
            insert(work_items),
            [
                {"item_key": f"SYN2:{i}", "status": status, "assignee": who, "updated_at": now}
                for i, status, who in ((5, "resolved", "thu"), (6, "open", "vien"), (7, "written_off", None))
            ],
        )
    return engine


def _run(run_id: str, version: int, finished: dt.datetime) -> dict[str, Any]:
    return {
        "id": run_id,
        "business_date": BIG_DAY,
        "scope": "",
        "provinces": json.dumps([]),
        "version": version,
        "status": "completed",
        "reason": None if version == 1 else "corrected file",
        "started_at": finished,
        "finished_at": finished,
        "counts": "{}",
        "input_fingerprint": "0" * 64,
    }


def _row(run_id: str, version: int, i: int) -> dict[str, Any]:
    province = ("01", "79", None)[i % 3]
    return {
        "run_id": run_id,
        "position": i,
        "item_key": f"SYN{version}:{i}" if run_id.startswith(BIG_DAY.isoformat()) else f"{run_id}:{i}",
        "category": CATEGORIES[i % 4],
        "severity": SEVERITIES[i % 3 if i % 5 else 0],
        "status": "pending" if i % 4 == 0 else "open",
        "province_code": province,
        "business_date": BIG_DAY - dt.timedelta(days=i % 3),
        "payment_code": None if i % 6 == 0 else f"PC-{province or 'XX'}-{i:04d}",
        "txn_id": None if i % 2 else f"TX{i}",
        "gateway": ("vnpay", "momo", None)[i % 3 if i % 7 else 1],
        "batch_id": f"BATCH-{i % 9}" if i % 4 else None,
        "bank_ref": f"vcb-ref-{i}" if i % 5 == 1 else None,
        "expected_vnd": (i % 11) * 100_000 if i % 10 else None,
        "actual_vnd": (i % 13) * 90_000,
        "difference_vnd": (i % 13) * 90_000 - (i % 11) * 100_000,
        "age_days": i % 4 if i % 8 else None,
        "detail": f"synthetic {i}",
    }


def big_rows(engine: Engine) -> list[dict[str, Any]]:
    """The latest run's rows as the API should show them: live status and assignee joined."""
    d, w = discrepancies.c, work_items.c
    statement = (
        select(discrepancies, w.status.label("live"), w.assignee)
        .select_from(discrepancies.outerjoin(work_items, w.item_key == d.item_key))
        .where(d.run_id == f"{BIG_DAY.isoformat()}-v2")
    )
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(statement).mappings()]
    for row in rows:
        row["run_status"] = row["status"]
        row["status"] = row.pop("live") or row["status"]
        row["business_date"] = row["business_date"].isoformat()
    return rows
