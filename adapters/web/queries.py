"""What the pages show, read from the database and scoped to the signed-in user.

Every function that returns discrepancy rows takes the user and filters by
:func:`adapters.web.access.province_clause`; none takes a province from the
request without that clause beside it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select

from adapters.db.run_tables import discrepancies, runs, work_items
from adapters.db.schema import provinces
from adapters.db.user_tables import users
from adapters.db.users import User
from adapters.web.access import WORKFLOW_ROLES, is_staff, province_clause
from reconcile.results import ResultPart


def visible_runs(conn: Connection, user: User, limit: int = 20) -> list[dict[str, Any]]:
    """The newest runs whose scope covers the user's province or agency (all runs for staff)."""
    r = runs.c
    rows = conn.execute(
        select(r.id, r.business_date, r.version, r.status, r.scope, r.reason, r.finished_at, r.counts)
        .order_by(r.finished_at.desc(), r.id.desc())
        .limit(limit * 4)
    ).mappings()
    shown = []
    for row in rows:
        scope = row["scope"].split(",") if row["scope"] else []
        payee = user.agency_code if user.role == "agency" else user.province_code
        if not is_staff(user) and scope and payee not in scope:
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


def parts_clause(parts: Sequence[ResultPart]) -> ColumnElement[bool]:
    """The rows each run contributes to a result (:mod:`reconcile.results`), by the rows' payee."""
    d = discrepancies.c
    payee = func.coalesce(d.province_code, d.agency_code)
    clauses = []
    for part in parts:
        if part.provinces is not None:
            clauses.append(and_(d.run_id == part.run_id, payee.in_(part.provinces)))
        elif part.excluded:
            others = or_(payee.is_(None), payee.not_in(part.excluded))
            clauses.append(and_(d.run_id == part.run_id, others))
        else:
            clauses.append(d.run_id == part.run_id)
    return or_(false(), *clauses)


def discrepancy(conn: Connection, user: User, row_id: int) -> Mapping[str, Any] | None:
    """One stored row with its live workflow state: ``status`` and ``assignee`` as they are now.

    ``run_status`` keeps what the run said; ``status`` is the run's status
    overlaid with the actions taken since (``work_items``).
    """
    d, w = discrepancies.c, work_items.c
    statement = (
        select(discrepancies, w.status.label("live_status"), w.assignee, w.updated_at, w.updated_by)
        .select_from(discrepancies.outerjoin(work_items, w.item_key == d.item_key))
        .where(d.id == row_id, province_clause(user, d.province_code))
    )
    found = conn.execute(statement).mappings().first()
    if found is None:
        return None
    row = dict(found)
    row["run_status"] = row["status"]
    row["status"] = row.pop("live_status") or row["status"]
    return row


def active_usernames(conn: Connection) -> list[str]:
    """Who may be given an item: the active treasury and admin users."""
    u = users.c
    statement = select(u.username).where(u.active.is_(True), u.role.in_(WORKFLOW_ROLES)).order_by(u.username)
    return list(conn.execute(statement).scalars())


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
