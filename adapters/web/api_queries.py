"""The JSON API's reads: a date's latest discrepancies, scoped, filtered, sorted and paged in SQL.

:func:`latest_result` is the one place that decides which stored rows make
"the latest result of a date"; everything else here filters, sorts and pages
whatever it returns, so pointing it elsewhere changes no caller. Each row
joins its ``work_items`` record, so ``status`` is the live workflow status
(``resolved`` as soon as someone resolves it) and ``assignee`` who holds it;
``run_status`` keeps the status the run gave it. Only one page of rows
ever leaves the database. Text sorts in code-point order on both databases
and absent values sort last either way; equal keys are ordered by ``id``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, String, func, or_, select

from adapters.db.run_tables import discrepancies, work_items
from adapters.db.runs import runs_of_date
from adapters.db.users import User
from adapters.web.access import province_clause
from adapters.web.queries import parts_clause
from reconcile.results import latest_parts

_D, _W = discrepancies.c, work_items.c
LIVE_STATUS = func.coalesce(_W.status, _D.status)
#: The fields of an item, in the report's order (DESIGN.md §6), then the API's own.
COLUMNS: dict[str, ColumnElement[Any]] = {
    "id": _D.id,
    "category": _D.category,
    "severity": _D.severity,
    "status": LIVE_STATUS,
    "province_code": _D.province_code,
    "business_date": _D.business_date,
    "payment_code": _D.payment_code,
    "txn_id": _D.txn_id,
    "gateway": _D.gateway,
    "batch_id": _D.batch_id,
    "bank_ref": _D.bank_ref,
    "expected_vnd": _D.expected_vnd,
    "actual_vnd": _D.actual_vnd,
    "difference_vnd": _D.difference_vnd,
    "age_days": _D.age_days,
    "detail": _D.detail,
    "agency_code": _D.agency_code,
    "assignee": _W.assignee,
    "run_status": _D.status,
    "run_id": _D.run_id,
}
SORTABLE = frozenset(COLUMNS) - {"detail"}
SEARCHED = (_D.payment_code, _D.txn_id, _D.batch_id, _D.bank_ref)


@dataclass(frozen=True, slots=True)
class DiscrepancyQuery:
    """What the caller asked for; ``None`` means any. ``page`` counts from 1."""

    business_date: dt.date
    province: str | None = None
    category: str | None = None
    status: str | None = None
    severity: str | None = None
    gateway: str | None = None
    q: str | None = None
    sort: str = "id"
    descending: bool = False
    page: int = 1
    page_size: int = 50


def latest_result(conn: Connection, business_date: dt.date) -> ColumnElement[bool] | None:
    """The condition on ``discrepancies`` that selects the date's latest result; ``None`` if no run.

    The latest result of a date is, per province, its latest version (DESIGN.md
    §6): the parts :func:`reconcile.results.latest_parts` composes, the same the
    dashboard, the report and the statements show.
    """
    of_the_date = runs_of_date(conn, business_date)
    return parts_clause(latest_parts(of_the_date)) if of_the_date else None


def latest_discrepancies(
    conn: Connection, user: User, query: DiscrepancyQuery
) -> tuple[int, list[dict[str, Any]]] | None:
    """The total and one page of the date's latest discrepancies that ``user`` may see; ``None`` if no run."""
    in_result = latest_result(conn, query.business_date)
    if in_result is None:
        return None
    base = _filtered(select(*(c.label(n) for n, c in COLUMNS.items())), in_result, user, query)
    total = int(conn.execute(select(func.count()).select_from(base.subquery())).scalar_one())
    key = COLUMNS[query.sort]
    if conn.dialect.name == "postgresql" and isinstance(key.type, String):
        key = key.collate("C")  # code-point order, as SQLite sorts: the same answer on both
    order = (key.desc() if query.descending else key.asc()).nulls_last()
    rows = conn.execute(
        base.order_by(order, _D.id.asc()).limit(query.page_size).offset((query.page - 1) * query.page_size)
    ).mappings()
    return total, [_item(row) for row in rows]


def _filtered(
    statement: Select[Any], in_result: ColumnElement[bool], user: User, query: DiscrepancyQuery
) -> Select[Any]:
    statement = statement.select_from(discrepancies.outerjoin(work_items, _W.item_key == _D.item_key)).where(
        in_result, province_clause(user, _D.province_code)
    )
    for column, wanted in (
        (_D.province_code, query.province),
        (_D.category, query.category),
        (LIVE_STATUS, query.status),
        (_D.severity, query.severity),
        (_D.gateway, query.gateway),
    ):
        if wanted is not None:
            statement = statement.where(column == wanted)
    if query.q:
        needle = query.q.lower()
        statement = statement.where(
            or_(*(func.lower(column).contains(needle, autoescape=True) for column in SEARCHED))
        )
    return statement


def _item(row: Any) -> dict[str, Any]:
    item = dict(row)
    if isinstance(item["business_date"], dt.date):
        item["business_date"] = item["business_date"].isoformat()
    return item
