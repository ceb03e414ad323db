"""What the pages show, read from the database and scoped to the signed-in user.

Every function that returns discrepancy rows takes the user and filters by
:func:`adapters.web.access.province_clause`; none takes a province from the
request without that clause beside it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, false, or_, select

from adapters.db.run_tables import discrepancies, runs
from adapters.db.schema import provinces
from adapters.db.users import User
from adapters.web.access import is_staff, province_clause
from reconcile.money import difference_totals
from reconcile.results import ResultPart

ROW_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Filters:
    """The dashboard's filters; ``None`` or empty means any."""

    business_date: dt.date | None = None
    province: str | None = None
    category: str | None = None
    status: str | None = None


def visible_runs(conn: Connection, user: User, limit: int = 20) -> list[dict[str, Any]]:
    """The newest runs whose scope covers the user's province (all runs for staff)."""
    r = runs.c
    rows = conn.execute(
        select(r.id, r.business_date, r.version, r.status, r.scope, r.reason, r.finished_at, r.counts)
        .order_by(r.finished_at.desc(), r.id.desc())
        .limit(limit * 4)
    ).mappings()
    shown = []
    for row in rows:
        scope = row["scope"].split(",") if row["scope"] else []
        if not is_staff(user) and scope and user.province_code not in scope:
            continue
        run = dict(row)
        # a run's counts add up every province: only staff see them
        run["counts"] = json.loads(row["counts"]) if is_staff(user) else {}
        shown.append(run)
    return shown[:limit]


def run_of(conn: Connection, user: User, business_date: dt.date | None) -> dict[str, Any] | None:
    """The latest visible run of ``business_date``, or the latest visible run of all."""
    for run in visible_runs(conn, user, limit=200):
        if business_date is None or run["business_date"] == business_date:
            return run
    return None


def _rows_of(parts: Sequence[ResultPart], user: User, filters: Filters) -> Select[Any]:
    d = discrepancies.c
    statement = select(discrepancies).where(parts_clause(parts), province_clause(user, d.province_code))
    if filters.province:
        statement = statement.where(d.province_code == filters.province)
    if filters.category:
        statement = statement.where(d.category == filters.category)
    if filters.status:
        statement = statement.where(d.status == filters.status)
    return statement


def parts_clause(parts: Sequence[ResultPart]) -> ColumnElement[bool]:
    """The rows each run contributes to a result (:mod:`reconcile.results`)."""
    d = discrepancies.c
    clauses = []
    for part in parts:
        if part.provinces is not None:
            clauses.append(and_(d.run_id == part.run_id, d.province_code.in_(part.provinces)))
        elif part.excluded:
            others = or_(d.province_code.is_(None), d.province_code.not_in(part.excluded))
            clauses.append(and_(d.run_id == part.run_id, others))
        else:
            clauses.append(d.run_id == part.run_id)
    return or_(false(), *clauses)


def discrepancy_rows(
    conn: Connection, user: User, parts: Sequence[ResultPart], filters: Filters
) -> list[Mapping[str, Any]]:
    """The rows of a result (one run, or the latest result of a date), in report order."""
    d = discrepancies.c
    order = (d.business_date, d.province_code, d.category, d.position)
    statement = _rows_of(parts, user, filters).order_by(*order).limit(ROW_LIMIT)
    return [dict(row) for row in conn.execute(statement).mappings()]


def summary(
    conn: Connection, user: User, parts: Sequence[ResultPart], filters: Filters
) -> list[Mapping[str, Any]]:
    """Count and VND totals per category and province, for the filtered rows.

    The differences are :func:`reconcile.money.difference_totals`: the signed net
    and the sum of absolute differences, as every other view names them.
    """
    rows = _rows_of(parts, user, filters).subquery()
    statement = select(
        rows.c.category, rows.c.province_code, rows.c.expected_vnd, rows.c.actual_vnd, rows.c.difference_vnd
    ).order_by(rows.c.category, rows.c.province_code)
    groups: dict[tuple[str, str | None], list[Any]] = {}
    for row in conn.execute(statement):
        groups.setdefault((row.category, row.province_code), []).append(row)
    return [
        _totals({"category": category, "province_code": code}, members)
        for (category, code), members in groups.items()
    ]


def _totals(label: dict[str, Any], rows: list[Any]) -> dict[str, Any]:
    return {
        **label,
        "count": len(rows),
        "expected_vnd": sum(row.expected_vnd or 0 for row in rows),
        "actual_vnd": sum(row.actual_vnd or 0 for row in rows),
        **difference_totals(row.difference_vnd for row in rows).as_dict(),
    }


def discrepancy(conn: Connection, user: User, row_id: int) -> Mapping[str, Any] | None:
    d = discrepancies.c
    statement = select(discrepancies).where(d.id == row_id, province_clause(user, d.province_code))
    row = conn.execute(statement).mappings().first()
    return None if row is None else dict(row)


def history(conn: Connection, user: User, item_key: str) -> list[Mapping[str, Any]]:
    """The same item in every run that reported it, newest first."""
    d, r = discrepancies.c, runs.c
    statement = (
        select(d.id, d.run_id, d.status, d.age_days, d.difference_vnd, r.finished_at)
        .join(runs, r.id == d.run_id)
        .where(d.item_key == item_key, province_clause(user, d.province_code))
        .order_by(r.finished_at.desc())
    )
    return [dict(row) for row in conn.execute(statement).mappings()]


def province_names(conn: Connection, user: User) -> dict[str, str]:
    p = provinces.c
    statement = select(p.code, p.name).where(province_clause(user, p.code)).order_by(p.code)
    return {code: name for code, name in conn.execute(statement)}
