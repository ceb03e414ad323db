"""What the overview and the operations pages show, summed by the database and scoped to the user.

The overview of a date's latest result: breaks and amounts by category, by
province and by age bucket, the last 30 days' trend (each day's own latest
result), and what changed since the previous reconciled date (items new
today, items gone since). The operations page: runs and versions, fetches,
scheduled jobs, and files, the rejected ones with their reasons.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, exists, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.util import ClauseAdapter

from adapters.db.ops_tables import fetched_files, job_runs
from adapters.db.run_tables import discrepancies, runs
from adapters.db.schema import files
from adapters.db.users import User
from adapters.web.access import province_clause
from adapters.web.api_queries import AGE_BUCKETS, latest_result

_D = discrepancies.c
TREND_DAYS = 30
OPS_ROWS = 50


def _scoped(in_result: ColumnElement[bool], user: User) -> list[ColumnElement[bool]]:
    return [in_result, province_clause(user, _D.province_code)]


def _age_bucket() -> ColumnElement[Any]:
    whens = [
        (_D.age_days.between(least, most if most is not None else 10**9), name)
        for name, (least, most) in AGE_BUCKETS.items()
    ]
    return case(*whens, else_="—")


def grouped(conn: Connection, user: User, in_result: ColumnElement[bool], key: str) -> list[dict[str, Any]]:
    """Count and sum of absolute differences per ``category``, ``province_code`` or ``age``."""
    column = _age_bucket() if key == "age" else getattr(_D, key)
    statement = (
        select(
            column.label("key"),
            func.count().label("count"),
            func.coalesce(func.sum(func.abs(_D.difference_vnd)), 0).label("amount"),
        )
        .where(*_scoped(in_result, user))
        .group_by(column)
    )
    rows = [dict(r) for r in conn.execute(statement).mappings()]
    if key == "age":
        order = {name: i for i, name in enumerate([*AGE_BUCKETS, "—"])}
        return sorted(rows, key=lambda r: order.get(r["key"], 99))
    return sorted(rows, key=lambda r: (-r["count"], str(r["key"])))


def trend(conn: Connection, user: User, day: dt.date) -> list[dict[str, Any]]:
    """Each reconciled date of the 30 days up to ``day``: its latest result's count and amount."""
    r = runs.c
    dates = conn.execute(
        select(r.business_date)
        .where(r.business_date.between(day - dt.timedelta(days=TREND_DAYS - 1), day))
        .distinct()
        .order_by(r.business_date)
    ).scalars()
    points = []
    for date in list(dates):
        in_result = latest_result(conn, date)
        if in_result is None:
            continue
        count, amount = conn.execute(
            select(func.count(), func.coalesce(func.sum(func.abs(_D.difference_vnd)), 0)).where(
                *_scoped(in_result, user)
            )
        ).one()
        points.append({"date": date, "count": int(count), "amount": int(amount)})
    return points


def changes(conn: Connection, user: User, day: dt.date) -> dict[str, Any] | None:
    """Items new in ``day``'s result and items gone since the previous reconciled date; ``None`` if none."""
    r = runs.c
    before = conn.execute(select(func.max(r.business_date)).where(r.business_date < day)).scalar()
    today, previous = latest_result(conn, day), latest_result(conn, before) if before else None
    if today is None or previous is None:
        return None
    other = aliased(discrepancies)

    def count_of(mine: ColumnElement[bool], theirs: ColumnElement[bool]) -> int:
        elsewhere = exists().where(other.c.item_key == _D.item_key, theirs)
        statement = select(func.count()).where(*_scoped(mine, user), ~elsewhere)
        return int(conn.execute(statement).scalar_one())

    theirs_previous = _on(other, previous)
    theirs_today = _on(other, today)
    return {
        "previous": before,
        "new": count_of(today, theirs_previous),
        "gone": count_of(previous, theirs_today),
    }


def _on(alias: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """``condition`` on ``discrepancies`` as the same condition on ``alias``."""
    adapted: ColumnElement[bool] = ClauseAdapter(alias).traverse(condition)
    return adapted


def ops(conn: Connection, file_id: int | None = None) -> dict[str, Any]:
    """The latest runs, fetches, jobs and files (rejected ones apart), newest first."""
    r, f, j, x = runs.c, fetched_files.c, job_runs.c, files.c
    shown_files = select(files).order_by(x.ingested_at.desc(), x.id.desc()).limit(OPS_ROWS)
    asked = []
    if file_id is not None:
        asked = [dict(row) for row in conn.execute(select(files).where(x.id == file_id)).mappings()]
    return {
        "runs": _rows(conn, select(runs).order_by(r.finished_at.desc(), r.id.desc()).limit(OPS_ROWS)),
        "fetches": _rows(
            conn, select(fetched_files).order_by(f.fetched_at.desc(), f.id.desc()).limit(OPS_ROWS)
        ),
        "jobs": _rows(conn, select(job_runs).order_by(j.started_at.desc(), j.id.desc()).limit(OPS_ROWS)),
        "rejected": _rows(
            conn,
            select(files)
            .where(x.status == "rejected")
            .order_by(x.ingested_at.desc(), x.id.desc())
            .limit(OPS_ROWS),
        ),
        "files": asked + [row for row in _rows(conn, shown_files) if row["id"] != file_id],
    }


def _rows(conn: Connection, statement: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(statement).mappings()]
