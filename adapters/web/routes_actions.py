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
bulk alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from adapters.db.users import User
from adapters.web import api_queries, queries, workflow
from adapters.web.access import Hidden, current_user, may_work_items, require
from adapters.web.query_params import QUERY_PARAMETERS, BadParameter, parse_query
from adapters.web.routes_dashboard import discrepancy_view, row_id_of

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
    except workflow.FourEyesError as exc:
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
    note = _note(form)
    if action == "comment":
        _need(note, "Cần nội dung / a comment needs text")
        workflow.record(engine, row, user.username, "comment", note=note)
    elif action == "assign":
        assignee = _assignee(request, form)
        workflow.record(engine, row, user.username, "assign", assignee=assignee)
    elif action == "resolve":
        _need(note, "Cần ghi chú / say how it was resolved")
        kind = "request_resolve" if workflow.needs_approval(row, threshold_of(request)) else "resolve"
        workflow.record(engine, row, user.username, kind, note=note)
    elif action == "request":
        asked = workflow.REQUEST_KINDS.get(str(form.get("kind") or ""))
        _need(asked, "Loại đề nghị không hợp lệ / unknown request kind")
        _need(note, "Cần lý do / a request needs a reason")
        match_key = _match_key(engine, user, row, form) if asked == "request_manual_match" else None
        workflow.record(engine, row, user.username, str(asked), note=note, match_key=match_key)
    elif action == "decide":
        decision = str(form.get("decision") or "")
        _need(decision in ("approve", "reject"), "approve or reject")
        request_id = str(form.get("request_id") or "")
        _need(request_id.isdigit(), "which request?")
        workflow.decide(engine, row, user.username, int(request_id), decision == "approve")
    else:
        raise Hidden


def _note(form: FormData) -> str | None:
    return str(form.get("note") or "").strip()[:MAX_NOTE] or None


def _assignee(request: Request, form: FormData, field: str = "assignee") -> str:
    """The named assignee, who must be an active treasury or admin user."""
    assignee = str(form.get(field) or "").strip()[:128]
    _need(assignee, "Cần người nhận / name someone to assign to")
    with request.app.state.engine.connect() as conn:
        known = queries.active_usernames(conn)
    _need(assignee in known, f"Không có người dùng đang hoạt động / no active treasury user {assignee!r}")
    return assignee


def _match_key(engine: Any, user: User, row: Mapping[str, Any], form: FormData) -> str:
    """The item a manual match pairs ``row`` with: ``match_with``, the other row's id, in scope."""
    other_id = str(form.get("match_with") or "").strip()
    _need(other_id.isdigit(), "Khớp với mục nào? / a manual match names the other item's number")
    with engine.connect() as conn:
        other = queries.discrepancy(conn, user, int(other_id))
    _need(other is not None, f"Không tìm thấy mục / no item {other_id}")
    assert other is not None
    _need(other["item_key"] != row["item_key"], "Không thể khớp một mục với chính nó / not with itself")
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
    action = str(form.get("action") or "")
    _need(action in BULK_ACTIONS, "Chọn hành động / choose assign, comment or resolve")
    note = _note(form)
    assignee = _assignee(request, form, "assign_to") if action == "assign" else None
    if action in ("comment", "resolve"):
        _need(note, "Cần ghi chú / a note is needed")
    with engine.connect() as conn:
        rows = _selected(conn, user, form)
    _need(rows, "Chưa chọn mục nào / nothing selected")
    if action == "resolve":
        threshold = threshold_of(request)
        now = [r for r in rows if not workflow.needs_approval(r, threshold)]
        later = [r for r in rows if workflow.needs_approval(r, threshold)]
        workflow.record_many(engine, now, user.username, "resolve", note=note)
        workflow.record_many(engine, later, user.username, "request_resolve", note=note)
    else:
        workflow.record_many(engine, rows, user.username, action, note=note, assignee=assignee)
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
        raise ValueError(reason)


ROUTES = [
    Route("/discrepancies/bulk", bulk, methods=["POST"]),
    Route("/discrepancies/{row_id}/{action}", act, methods=["POST"]),
]
