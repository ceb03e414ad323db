"""The dashboard (``GET /``) and the drill-down page of one discrepancy (``GET /discrepancies/{id}``).

The dashboard shows the latest runs, then one run's discrepancies (the
latest run of the chosen date, or the run named by ``?run=``) summed by
category and province with counts and VND totals, then the rows
themselves, filtered by province, category and status. Everything comes
through :mod:`adapters.web.queries`, scoped to the user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.db.runs import runs_of_date
from adapters.db.users import User
from adapters.db.workflow import item_actions
from adapters.web import api_queries, queries
from adapters.web.access import Hidden, current_user, is_staff, may_work_items
from adapters.web.evidence import evidence
from adapters.web.pages import render
from adapters.web.query_params import QUERY_PARAMETERS, BadParameter, parse_query
from reconcile.columns import LOCAL_TZ
from reconcile.discrepancies import Category, Severity, Status
from reconcile.money import ABSOLUTE_DIFFERENCE, DIFFERENCE_LABELS, NET_DIFFERENCE
from reconcile.results import ResultPart, latest_parts
from usecases.workflow import DEFAULT_APPROVAL_THRESHOLD_VND, needs_approval, pending_requests


def dashboard(request: Request) -> Response:
    user = current_user(request)
    params = request.query_params
    problems: list[str] = []
    with request.app.state.engine.connect() as conn:
        runs = queries.visible_runs(conn, user)
        wanted = params.get("run")
        run = next((r for r in runs if r["id"] == wanted), None) if wanted else None
        explicit = run is not None
        if run is None:
            run = queries.run_of(conn, user, _date_asked(params, problems))
        query = _query(params, run, problems)
        if run is not None and explicit:
            query = replace(query, run_id=run["id"])
        totals = api_queries.totals(conn, user, query) if run else []
        counted = sum(int(t["count"]) for t in totals)
        found = api_queries.latest_discrepancies(conn, user, query, total=counted) if run else None
        total, rows = found if found is not None else (0, [])
        names = queries.province_names(conn, user)
        assignees = queries.active_usernames(conn)
        parts = _parts(conn, run, explicit=explicit)
    return render(
        request,
        "dashboard.html",
        user=user,
        staff=is_staff(user),
        can_act=may_work_items(user),
        runs=runs,
        run=run,
        rows=rows,
        total=total,
        query=query,
        pages=max(1, -(-total // query.page_size)),
        link=_linker(params),
        totals=totals,
        grand=_grand_total(totals),
        parts=parts,
        difference_labels=DIFFERENCE_LABELS,
        names=names,
        assignees=assignees,
        problems=problems,
        categories=[c.value for c in Category],
        statuses=[s.value for s in Status],
        severities=[s.value for s in Severity],
        age_buckets=list(api_queries.AGE_BUCKETS),
        bulk_filter=_bulk_filter(query),
        done=params.get("done") if (params.get("done") or "").isdigit() else None,
    )


DASHBOARD_PARAMETERS = QUERY_PARAMETERS | {"run", "lang", "done"}


def _bulk_filter(query: api_queries.DiscrepancyQuery) -> list[tuple[str, str]]:
    """The filter of the page as form fields, so a bulk action "on the filter" acts on what is shown."""
    fields = {
        "date": query.business_date.isoformat(),
        "run": query.run_id,
        "province": query.province,
        "category": query.category,
        "status": query.status,
        "severity": query.severity,
        "gateway": query.gateway,
        "q": query.q,
        "assignee": query.assignee,
        "from": query.date_from.isoformat() if query.date_from else None,
        "to": query.date_to.isoformat() if query.date_to else None,
        "amount_min": query.amount_min,
        "amount_max": query.amount_max,
        "age": query.age,
        "mine": "1" if query.mine else None,
    }
    return [(name, str(value)) for name, value in fields.items() if value is not None]


def _date_asked(params: Any, problems: list[str]) -> dt.date | None:
    text = (params.get("date") or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"Ngày không hợp lệ / not a date: {text!r}")
        return None


def _query(params: Any, run: dict[str, Any] | None, problems: list[str]) -> api_queries.DiscrepancyQuery:
    """The filters asked for, checked as the API checks them; a bad one is named and the rest kept."""
    day = run["business_date"] if run else dt.datetime.now(LOCAL_TZ).date()
    usable = {k: v for k, v in params.multi_items() if k != "date"}
    try:
        return parse_query(QueryParams(usable), allowed=DASHBOARD_PARAMETERS, default_date=day)
    except BadParameter as exc:
        problems.append(f"Bộ lọc không hợp lệ / bad filter: {exc}")
        return api_queries.DiscrepancyQuery(business_date=day)


def _linker(params: Any) -> Any:
    """``link(page=2)``: this page's address with some parameters changed (``None`` removes one)."""

    def link(**changes: Any) -> str:
        kept = {k: v for k, v in params.items() if k not in changes and k != "lang"}
        kept.update({k: str(v) for k, v in changes.items() if v is not None and v != ""})
        return "/?" + urlencode(kept)

    return link


def _parts(conn: Any, run: dict[str, Any] | None, *, explicit: bool) -> tuple[ResultPart, ...]:
    """One run asked for by ``?run=``; else the latest result of its date, per province."""
    if run is None:
        return ()
    if explicit:
        return (ResultPart(run["id"], None),)
    return latest_parts(runs_of_date(conn, run["business_date"]))


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
        txn_page = request.query_params.get("txn_page", "1")
        found = evidence(
            conn, user, row, int(txn_page) if txn_page.isdigit() and 0 < len(txn_page) < 7 else 1
        )
        names = queries.province_names(conn, user)
        actions = item_actions(conn, row["item_key"]) if may_work_items(user) else []
        assignees = queries.active_usernames(conn) if may_work_items(user) else []
    threshold = int(getattr(request.app.state, "approval_threshold_vnd", DEFAULT_APPROVAL_THRESHOLD_VND))
    return render(
        request,
        "discrepancy.html",
        status_code,
        user=user,
        row=row,
        history=history,
        evidence=found,
        names=names,
        actions=actions,
        requests=pending_requests(actions),
        can_act=may_work_items(user),
        assignees=assignees,
        threshold=threshold,
        needs_approval=needs_approval(row, threshold),
        error=error,
    )


ROUTES = [
    Route("/", dashboard, methods=["GET"]),
    Route("/discrepancies/{row_id}", discrepancy_page, methods=["GET"]),
]
