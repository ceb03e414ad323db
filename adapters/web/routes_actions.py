"""The treasury workflow's forms: ``POST /discrepancies/{id}/{comment,assign,resolve,request,decide}``.

Only treasury and admin users may act (others get ``404``, as for anything
they may not touch); the CSRF middleware has checked the token before any
of these run. Success redirects (303) back to the item's page; a refused
decision (the requester approving their own request) shows the page again
with the reason and ``409``.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from adapters.db.users import User
from adapters.web import queries, workflow
from adapters.web.access import Hidden, current_user, may_work_items, require
from adapters.web.routes_dashboard import discrepancy_view, row_id_of

MAX_NOTE = 2000


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


def _apply(request: Request, user: User, row_id: int, action: str, form: FormData) -> None:
    engine = request.app.state.engine
    with engine.connect() as conn:
        row = queries.discrepancy(conn, user, row_id)
    if row is None:
        raise Hidden
    note = str(form.get("note") or "").strip()[:MAX_NOTE] or None
    if action == "comment":
        _need(note, "Cần nội dung / a comment needs text")
        workflow.record(engine, row, user.username, "comment", note=note)
    elif action == "assign":
        assignee = str(form.get("assignee") or "").strip()[:128]
        _need(assignee, "Cần người nhận / name someone to assign to")
        workflow.record(engine, row, user.username, "assign", assignee=assignee)
    elif action == "resolve":
        _need(note, "Cần ghi chú / say how it was resolved")
        workflow.record(engine, row, user.username, "resolve", note=note)
    elif action == "request":
        kind = workflow.REQUEST_KINDS.get(str(form.get("kind") or ""))
        _need(kind, "Loại đề nghị không hợp lệ / unknown request kind")
        _need(note, "Cần lý do / a request needs a reason")
        workflow.record(engine, row, user.username, str(kind), note=note)
    elif action == "decide":
        decision = str(form.get("decision") or "")
        _need(decision in ("approve", "reject"), "approve or reject")
        request_id = str(form.get("request_id") or "")
        _need(request_id.isdigit(), "which request?")
        workflow.decide(engine, row, user.username, int(request_id), decision == "approve")
    else:
        raise Hidden


def _need(value: object, reason: str) -> None:
    if not value:
        raise ValueError(reason)


ROUTES = [
    Route("/discrepancies/{row_id}/{action}", act, methods=["POST"]),
]
