"""The dashboard (``GET /``) and the drill-down page of one discrepancy (``GET /discrepancies/{id}``).

The dashboard shows the latest runs, then one run's discrepancies (the
latest run of the chosen date, or the run named by ``?run=``) summed by
category and province with counts and VND totals, then the rows
themselves, filtered by province, category and status. Everything comes
through :mod:`adapters.web.queries`, scoped to the user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.db.runs import SqlRunStore
from adapters.db.users import User
from adapters.web import queries
from adapters.web.access import Hidden, current_user, is_staff, may_work_items
from adapters.web.pages import render
from adapters.web.workflow import item_actions, pending_requests
from reconcile.discrepancies import Category, Status
from reconcile.money import ABSOLUTE_DIFFERENCE, DIFFERENCE_LABELS, NET_DIFFERENCE
from reconcile.results import ResultPart, latest_parts


def dashboard(request: Request) -> Response:
    user = current_user(request)
    filters, problems = _filters(request)
    with request.app.state.engine.connect() as conn:
        runs = queries.visible_runs(conn, user)
        wanted = request.query_params.get("run")
        run = next((r for r in runs if r["id"] == wanted), None) if wanted else None
        run = run or queries.run_of(conn, user, filters.business_date)
        parts = _parts(request, run, explicit=run is not None and run["id"] == wanted)
        rows = queries.discrepancy_rows(conn, user, parts, filters) if run else []
        totals = queries.summary(conn, user, parts, filters) if run else []
        names = queries.province_names(conn, user)
    return render(
        request,
        "dashboard.html",
        user=user,
        staff=is_staff(user),
        runs=runs,
        run=run,
        rows=rows,
        totals=totals,
        grand=_grand_total(totals),
        parts=parts,
        difference_labels=DIFFERENCE_LABELS,
        names=names,
        filters=filters,
        problems=problems,
        categories=[c.value for c in Category],
        statuses=[s.value for s in Status],
        row_limit=queries.ROW_LIMIT,
    )


def _parts(request: Request, run: dict[str, Any] | None, *, explicit: bool) -> tuple[ResultPart, ...]:
    """One run asked for by ``?run=``; else the latest result of its date, per province."""
    if run is None:
        return ()
    if explicit:
        return (ResultPart(run["id"], None),)
    store = SqlRunStore(request.app.state.engine)
    return latest_parts(store.runs_of_date(run["business_date"]))


def _filters(request: Request) -> tuple[queries.Filters, list[str]]:
    params = request.query_params
    problems = []
    business_date = None
    if params.get("date"):
        try:
            business_date = dt.date.fromisoformat(params["date"])
        except ValueError:
            problems.append(f"Ngày không hợp lệ / not a date: {params['date']!r}")
    return (
        queries.Filters(
            business_date=business_date,
            province=params.get("province") or None,
            category=params.get("category") or None,
            status=params.get("status") or None,
        ),
        problems,
    )


def _grand_total(totals: list[Any]) -> dict[str, int]:
    keys = ("count", "expected_vnd", "actual_vnd", NET_DIFFERENCE, ABSOLUTE_DIFFERENCE)
    return {key: sum(int(row[key] or 0) for row in totals) for key in keys}


def discrepancy_page(request: Request) -> Response:
    user = current_user(request)
    return discrepancy_view(request, user, row_id_of(request))


def row_id_of(request: Request) -> int:
    try:
        return int(request.path_params["row_id"])
    except ValueError:
        raise Hidden from None


def discrepancy_view(
    request: Request, user: User, row_id: int, status_code: int = 200, error: str | None = None
) -> Response:
    """The drill-down page; also shown again, with ``error``, when a workflow action is refused."""
    with request.app.state.engine.connect() as conn:
        row = queries.discrepancy(conn, user, row_id)
        if row is None:
            raise Hidden
        history = queries.history(conn, user, row["item_key"])
        names = queries.province_names(conn, user)
        actions = item_actions(conn, row["item_key"]) if may_work_items(user) else []
    return render(
        request,
        "discrepancy.html",
        status_code,
        user=user,
        row=row,
        history=history,
        names=names,
        actions=actions,
        requests=pending_requests(actions),
        can_act=may_work_items(user),
        error=error,
    )


ROUTES = [
    Route("/", dashboard, methods=["GET"]),
    Route("/discrepancies/{row_id}", discrepancy_page, methods=["GET"]),
]
