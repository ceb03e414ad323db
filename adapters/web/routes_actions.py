"""The treasury workflow's forms: ``POST /discrepancies/{id}/{comment,assign,resolve,request,decide}``
and ``POST /discrepancies/bulk``.

Only treasury and admin users may act (others get ``404``, as for anything
they may not touch); the CSRF middleware has checked the token before any
of these run. Success redirects (303) back to the item's page (or the
dashboard, for a bulk action); a refused action (the requester approving
their own request, an assignee who is not an active treasury or admin user)
shows the page again with the reason and ``409`` or ``400``.

Resolving a high-severity item whose absolute difference reaches the
approval threshold (``RECON_APPROVAL_THRESHOLD_VND``, default 50.000.000 ₫)
records a request for a second person's approval instead, one by one or in
bulk alike. The decisions are :mod:`usecases.workflow`'s, over the database's
:class:`adapters.db.workflow.SqlWorkItems`; these routes parse the form, find
the items in the user's scope, and map a refusal to its answer
(:class:`~reconcile.errors.FourEyesError` ``409``, any other ``ValueError`` ``400``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from adapters.db import audit
from adapters.db.run_tables import discrepancies
from adapters.db.users import User
from adapters.db.workflow import SqlWorkItems
from adapters.web import api_queries, queries
from adapters.web.access import Hidden, current_user, may_work_items, require
from adapters.web.query_params import QUERY_PARAMETERS, BadParameter, parse_query
from adapters.web.routes_dashboard import discrepancy_view, row_id_of
from adapters.web.routes_runs import run_store
from reconcile.errors import FourEyesError, RefusedAction
from usecases import workflow
from usecases.runs import rerun_after_decision

MAX_NOTE = 2000
#: The most items one bulk action may touch (a filter matching more is refused).
MAX_BULK = 5000
BULK_ACTIONS = ("assign", "comment", "resolve")


async def act(request: Request) -> Response:
    user = current_user(request)
    require(may_work_items(user))
    row_id = row_id_of(request)
    form = await request.form()
    action = request.path_params["action"]
    try:
        await run_in_threadpool(_apply, request, user, row_id, action, form)
    except FourEyesError as exc:
        return discrepancy_view(request, user, row_id, 409, error=str(exc))
    except ValueError as exc:
        return discrepancy_view(request, user, row_id, 400, error=str(exc))
    return RedirectResponse(f"/discrepancies/{row_id}", status_code=303)


def threshold_of(request: Request) -> int:
    return int(getattr(request.app.state, "approval_threshold_vnd", workflow.DEFAULT_APPROVAL_THRESHOLD_VND))


def _apply(request: Request, user: User, row_id: int, action: str, form: FormData) -> None:
    engine = request.app.state.engine
    with engine.connect() as conn:
        row = queries.discrepancy(conn, user, row_id)
    if row is None:
        raise Hidden
    store = SqlWorkItems(engine)
    note = _note(form)
    if action == "comment":
        workflow.comment(store, row, user.username, note)
    elif action == "assign":
        workflow.assign(store, row, user.username, _text(form, "assignee"))
    elif action == "resolve":
        workflow.resolve(store, row, user.username, note, threshold_of(request))
    elif action == "request":
        kind = str(form.get("kind") or "")
        match_key = _match_key(engine, user, form) if kind == "manual_match" and note else None
        workflow.request(store, row, user.username, kind, note, match_key)
    elif action == "decide":
        decision = str(form.get("decision") or "")
        _need(decision in ("approve", "reject"), "approve or reject")
        request_id = str(form.get("request_id") or "")
        _need(request_id.isdigit(), "which request?")
        paired = workflow.decide(store, row, user.username, int(request_id), decision == "approve")
        if paired is not None:
            _rerun_paired(request, user, row, paired)
    else:
        raise Hidden


def _rerun_paired(request: Request, user: User, row: Mapping[str, Any], paired: str) -> None:
    """An approved manual match takes effect at once: the dates of both items are run again.

    Each new version's reason is "manual match approved by <user>"; each is audited
    as a rerun, like one started by ``recon rerun`` or ``POST /runs/{id}/rerun``.
    """
    store = run_store(request)
    d = discrepancies.c
    with store.engine.connect() as conn:
        other = conn.execute(
            select(d.business_date, func.coalesce(d.province_code, d.agency_code))
            .where(d.item_key == paired)
            .order_by(d.id.desc())
            .limit(1)
        ).first()
    items = [(row["business_date"], row.get("province_code") or row.get("agency_code"))]
    if other is not None:
        items.append((other[0], other[1]))
    for summary in rerun_after_decision(store, items, user.username):
        details = {
            "date": summary.run.business_date.isoformat(),
            "provinces": list(summary.run.provinces),
            "reason": summary.run.reason,
        }
        audit.record(store.engine, user.username, "rerun", summary.id, details)


def _note(form: FormData) -> str | None:
    return str(form.get("note") or "").strip()[:MAX_NOTE] or None


def _text(form: FormData, field: str) -> str | None:
    return str(form.get(field) or "").strip()[:128] or None


def _match_key(engine: Any, user: User, form: FormData) -> str:
    """The item a manual match pairs the row with: ``match_with``, the other row's id, in scope."""
    other_id = str(form.get("match_with") or "").strip()
    _need(other_id.isdigit(), "Khớp với mục nào? / a manual match names the other item's number")
    with engine.connect() as conn:
        other = queries.discrepancy(conn, user, int(other_id))
    _need(other is not None, f"Không tìm thấy mục / no item {other_id}")
    assert other is not None
    return str(other["item_key"])


async def bulk(request: Request) -> Response:
    """One action on the ticked items (``id`` fields) or on every item the filter selects (``scope=filter``).

    The form carries the page's filter as fields of the same names as the
    dashboard's; the assignee of a bulk assignment is ``assign_to``.
    """
    user = current_user(request)
    require(may_work_items(user))
    form = await request.form()
    try:
        done = await run_in_threadpool(_bulk, request, user, form)
    except (ValueError, BadParameter) as exc:
        return PlainTextResponse(str(exc), status_code=400)
    back = {k: v for k, v in form.multi_items() if k in QUERY_PARAMETERS | {"run"} and v}
    back["done"] = str(done)
    return RedirectResponse("/?" + urlencode(back), status_code=303)


def _bulk(request: Request, user: User, form: FormData) -> int:
    engine = request.app.state.engine
    store = SqlWorkItems(engine)
    action = str(form.get("action") or "")
    _need(action in BULK_ACTIONS, "Chọn hành động / choose assign, comment or resolve")
    note = _note(form)
    with engine.connect() as conn:
        rows = _selected(conn, user, form)
    if action == "assign":
        workflow.assign_many(store, rows, user.username, _text(form, "assign_to"))
    elif action == "comment":
        workflow.comment_many(store, rows, user.username, note)
    else:
        workflow.resolve_many(store, rows, user.username, note, threshold_of(request))
    return len(rows)


def _selected(conn: Any, user: User, form: FormData) -> list[Mapping[str, Any]]:
    """The rows a bulk action is for, each in the user's scope."""
    if form.get("scope") == "filter":
        params = QueryParams([(k, str(v)) for k, v in form.multi_items() if k in QUERY_PARAMETERS])
        query = parse_query(params, default_date=None)
        run_id = str(form.get("run") or "") or None
        ids = api_queries.matching_ids(conn, user, query, run_id=run_id, limit=MAX_BULK + 1)
        _need(len(ids) <= MAX_BULK, f"Quá {MAX_BULK} mục / more than {MAX_BULK} items: narrow the filter")
    else:
        texts = [str(v) for v in form.getlist("id")]
        _need(all(t.isdigit() for t in texts), "bad item number")
        ids = [int(t) for t in texts][:MAX_BULK]
    return _rows(conn, user, ids)


def _rows(conn: Any, user: User, ids: Sequence[int]) -> list[Mapping[str, Any]]:
    found = [queries.discrepancy(conn, user, row_id) for row_id in ids]
    return [row for row in found if row is not None]


def _need(value: object, reason: str) -> None:
    if not value:
        raise RefusedAction(reason)


ROUTES = [
    Route("/discrepancies/bulk", bulk, methods=["POST"]),
    Route("/discrepancies/{row_id}/{action}", act, methods=["POST"]),
]
