"""The one query of the workbench: a result's discrepancies, scoped, filtered, sorted and paged in SQL.

The dashboard (``GET /``) and the JSON API (``GET /api/v1/discrepancies``)
both ask :func:`latest_discrepancies` (rows) and :func:`totals` (sums by
category and province), so a page and the API never disagree.

:func:`latest_result` is the one place that decides which stored rows make
"the latest result of a date"; everything else here filters, sorts and pages
whatever it returns, so pointing it elsewhere changes no caller. Each row
joins its ``work_items`` record, so ``status`` is the live workflow status
(``resolved`` as soon as someone resolves it) and ``assignee`` who holds it;
``run_status`` keeps the status the run gave it. Only one page of rows
ever leaves the database, and the totals are summed by the database. A
stored run never changes, so counts and totals that do not depend on the
live workflow are kept in memory once computed (:class:`_StableCache`). Text
sorts in code-point order on both databases and absent values sort last
either way; equal keys are ordered by ``id``.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, String, and_, func, or_, select

from adapters.db.run_tables import discrepancies, work_items
from adapters.db.runs import runs_of_date
from adapters.db.users import User
from adapters.web.access import province_clause
from adapters.web.queries import parts_clause
from reconcile.discrepancies import Status
from reconcile.results import latest_parts

_D, _W = discrepancies.c, work_items.c
LIVE_STATUS = func.coalesce(_W.status, _D.status)
#: The amount filters compare: the size of the break, whatever its sign.
AMOUNT = func.abs(func.coalesce(_D.difference_vnd, 0))
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
#: Age buckets (business days): name -> (least, most); ``None`` most is open-ended.
AGE_BUCKETS: dict[str, tuple[int, int | None]] = {
    "0": (0, 0),
    "1-2": (1, 2),
    "3-5": (3, 5),
    "6-10": (6, 10),
    "11+": (11, None),
}
#: ``assignee=`` this value: the items nobody holds.
UNASSIGNED = "-"
#: The live statuses of work still to do (the "my queue" view).
TO_DO = (Status.OPEN.value, Status.PENDING.value)


@dataclass(frozen=True, slots=True)
class DiscrepancyQuery:
    """What the caller asked for; ``None`` means any. ``page`` counts from 1.

    ``run_id`` names one run instead of the date's latest result; ``date_from``
    and ``date_to`` bound the items' own business dates (an aged item keeps
    the date it arose); ``amount_min``/``amount_max`` bound the absolute
    difference in đồng; ``mine`` is the signed-in user's queue (assigned to
    them, still open or pending); ``agency`` keeps a central agency's rows (they have no province).
    """

    business_date: dt.date
    province: str | None = None
    agency: str | None = None
    category: str | None = None
    status: str | None = None
    severity: str | None = None
    gateway: str | None = None
    q: str | None = None
    assignee: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    age: str | None = None
    mine: bool = False
    run_id: str | None = None
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


def _in_result(conn: Connection, query: DiscrepancyQuery) -> ColumnElement[bool] | None:
    return _result_of(conn, query)[0]


def _result_of(conn: Connection, query: DiscrepancyQuery) -> tuple[ColumnElement[bool] | None, Hashable]:
    """The result's condition and what identifies it (the run, or the parts of the latest result)."""
    if query.run_id is not None:
        return _D.run_id == query.run_id, query.run_id
    of_the_date = runs_of_date(conn, query.business_date)
    if not of_the_date:
        return None, None
    parts = latest_parts(of_the_date)
    return parts_clause(parts), parts


class _StableCache:
    """Answers that cannot change: a stored run's rows never do, so neither do their counts and sums.

    Only answers that do not depend on the live workflow (no status,
    assignee or "mine" filter) are kept, keyed by the result's runs and
    provinces, the user's scope and the filters. At most :data:`SIZE`
    answers, the oldest dropped first.
    """

    SIZE = 256

    def __init__(self) -> None:
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.SIZE:
                self._answers.popitem(last=False)
        return answer


_STABLE = _StableCache()


def _stable_key(
    kind: str, conn: Connection, user: User, query: DiscrepancyQuery, result: Hashable
) -> Hashable:
    """The cache key of a count or sum, or ``None`` when the answer depends on the live workflow."""
    if needs_work_items(replace(query, sort="id")):
        return None
    filters = replace(query, sort="id", descending=False, page=1, page_size=1)
    # the user's scope as the SQL it adds, so any scoping rule of adapters.web.access is in the key
    scope = str(province_clause(user, _D.province_code).compile(compile_kwargs={"literal_binds": True}))
    return (kind, _database_token(conn.engine), result, scope, filters)


_TOKENS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _database_token(engine: Engine) -> str:
    """A name for ``engine`` unique in this process (two databases may share a URL over time)."""
    with _STABLE._lock:
        return _TOKENS.setdefault(engine, uuid.uuid4().hex)


def _cached(key: Hashable, compute: Callable[[], Any]) -> Any:
    return compute() if key is None else _STABLE.get(key, compute)


def latest_discrepancies(
    conn: Connection, user: User, query: DiscrepancyQuery, *, total: int | None = None
) -> tuple[int, list[dict[str, Any]]] | None:
    """The total and one page of the result's discrepancies that ``user`` may see; ``None`` if no run.

    The page is found in two steps: the ids of the page (a narrow sort of
    ids and keys), then those rows in full, so the database never sorts
    whole rows of the entire result.
    """
    in_result, result = _result_of(conn, query)
    if in_result is None:
        return None
    if total is None:  # a caller that summed the totals already knows it
        counted = filtered(select(func.count()), in_result, user, query)
        key = _stable_key("count", conn, user, query, result)
        total = int(_cached(key, lambda: conn.execute(counted).scalar_one()))
    key = COLUMNS[query.sort]
    if conn.dialect.name == "postgresql" and isinstance(key.type, String):
        key = key.collate("C")  # code-point order, as SQLite sorts: the same answer on both
    order = (key.desc() if query.descending else key.asc()).nulls_last()
    page = (
        filtered(select(_D.id), in_result, user, query)
        .order_by(order, _D.id.asc())
        .limit(query.page_size)
        .offset((query.page - 1) * query.page_size)
    )
    ids = list(conn.execute(page).scalars())
    if not ids:
        return total, []
    rows = conn.execute(
        select(*(c.label(n) for n, c in COLUMNS.items()))
        .select_from(discrepancies.outerjoin(work_items, _W.item_key == _D.item_key))
        .where(_D.id.in_(ids))
    ).mappings()
    by_id = {row["id"]: _item(row) for row in rows}
    return total, [by_id[row_id] for row_id in ids]


def matching_ids(
    conn: Connection, user: User, query: DiscrepancyQuery, *, run_id: str | None = None, limit: int
) -> list[int]:
    """The ids of every item the query selects (at most ``limit``), for a bulk action on a filter."""
    if run_id is not None:
        query = replace(query, run_id=run_id)
    in_result = _in_result(conn, query)
    if in_result is None:
        return []
    statement = filtered(select(_D.id), in_result, user, query).order_by(_D.id).limit(limit)
    return list(conn.execute(statement).scalars())


def totals(conn: Connection, user: User, query: DiscrepancyQuery) -> list[dict[str, Any]]:
    """Count and đồng totals per category and province of the filtered rows, summed by the database.

    The differences are those of :func:`reconcile.money.difference_totals`:
    the signed net and the sum of absolute differences.
    """
    in_result, result = _result_of(conn, query)
    if in_result is None:
        return []
    zero = func.coalesce
    statement = filtered(
        select(
            _D.category,
            _D.province_code,
            func.count().label("count"),
            zero(func.sum(_D.expected_vnd), 0).label("expected_vnd"),
            zero(func.sum(_D.actual_vnd), 0).label("actual_vnd"),
            zero(func.sum(_D.difference_vnd), 0).label("net_difference_vnd"),
            zero(func.sum(func.abs(_D.difference_vnd)), 0).label("absolute_difference_vnd"),
        ),
        in_result,
        user,
        query,
    ).group_by(_D.category, _D.province_code)

    def compute() -> list[dict[str, Any]]:
        rows = [dict(row) for row in conn.execute(statement).mappings()]
        return sorted(rows, key=lambda row: (row["category"], row["province_code"] or "\uffff"))

    found: list[dict[str, Any]] = _cached(_stable_key("totals", conn, user, query, result), compute)
    return [dict(row) for row in found]


def needs_work_items(query: DiscrepancyQuery) -> bool:
    """Whether the query filters or sorts by the live workflow (status, assignee)."""
    return (
        query.sort in ("status", "assignee")
        or query.status is not None
        or query.assignee is not None
        or query.mine
    )


def filtered(
    statement: Select[Any], in_result: ColumnElement[bool], user: User, query: DiscrepancyQuery
) -> Select[Any]:
    """``statement`` over the result's rows, kept to ``user`` and ``query``.

    The rows are joined with their work items only when the query filters or
    sorts by them: a join per row is most of the cost of a large page.
    """
    source = (
        discrepancies.outerjoin(work_items, _W.item_key == _D.item_key)
        if needs_work_items(query)
        else discrepancies
    )
    statement = statement.select_from(source).where(in_result, province_clause(user, _D.province_code))
    for column, wanted in (
        (_D.province_code, query.province),
        (_D.agency_code, query.agency),
        (_D.category, query.category),
        (LIVE_STATUS, query.status),
        (_D.severity, query.severity),
        (_D.gateway, query.gateway),
    ):
        if wanted is not None:
            statement = statement.where(column == wanted)
    if query.assignee == UNASSIGNED:
        statement = statement.where(_W.assignee.is_(None))
    elif query.assignee is not None:
        statement = statement.where(_W.assignee == query.assignee)
    if query.mine:
        statement = statement.where(_W.assignee == user.username, LIVE_STATUS.in_(TO_DO))
    if query.date_from is not None:
        statement = statement.where(_D.business_date >= query.date_from)
    if query.date_to is not None:
        statement = statement.where(_D.business_date <= query.date_to)
    if query.amount_min is not None:
        statement = statement.where(query.amount_min <= AMOUNT)
    if query.amount_max is not None:
        statement = statement.where(query.amount_max >= AMOUNT)
    if query.age is not None:
        least, most = AGE_BUCKETS[query.age]
        bounds = [_D.age_days >= least] + ([] if most is None else [_D.age_days <= most])
        statement = statement.where(and_(*bounds))
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
