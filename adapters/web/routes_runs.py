"""What changed between two versions of a run (``GET /runs/{run_id}/changes[?against=OTHER]``).

Finance operations rerun a date after a corrected file arrives and need to
see what the correction did: items new in this version, gone since the
other, and changed (status, amounts, age). By default the comparison is with
what the run replaced: the date's latest result just before it, limited to the
run's provinces when it was limited (so a one-province rerun is compared with
that province of the national run, not called a first version). Given
``?against=``, a limited run is compared with the same provinces of the other. The comparison is
:func:`reconcile.runs.diff_runs`, the one ``recon report --diff`` uses.
A run spans provinces, so this page is for staff only (404 for provinces).

``POST /runs/{run_id}/rerun`` (ops and admin; field ``reason``) reconciles
the run's date and province scope again as a new version, with
:func:`reconcile.runs.reconcile_day` as ``recon rerun`` does, records it in
the audit log and shows the new version's changes (303).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from adapters.db import audit
from adapters.db.runs import SqlRunStore
from adapters.db.users import User
from adapters.web.access import current_user, is_staff, require
from adapters.web.pages import render
from reconcile.discrepancies import KEY_OF, Category
from reconcile.results import ResultPart, diff_with_replaced
from reconcile.runs import diff_runs, reconcile_day

RERUN_ROLES = frozenset({"ops", "admin"})
MAX_REASON = 2000


def run_changes(request: Request, error: str | None = None) -> Response:
    user = current_user(request)
    require(is_staff(user))
    store = SqlRunStore(request.app.state.engine)
    run = store.get_run(request.path_params["run_id"])  # NotFoundError answers 404
    against = request.query_params.get("against")
    diff = None
    if against:
        other = store.discrepancies(store.get_run(against).id)
        if run.provinces:
            other = ResultPart(against, run.provinces).take(other)
        diff = diff_runs(other, store.discrepancies(run.id))
    else:
        found = diff_with_replaced(store.runs_of_date(run.business_date), run, store.discrepancies)
        if found is not None:
            against, diff = ", ".join(found[0]), found[1]
    rows = [] if diff is None else [{**r, "key": r[KEY_OF[Category(r["category"])]]} for r in diff.rows()]
    can_rerun = user.role in RERUN_ROLES
    status = 400 if error else 200
    return render(
        request,
        "changes.html",
        status,
        user=user,
        run=run,
        against=against,
        rows=rows,
        can_rerun=can_rerun,
        error=error,
    )


async def rerun(request: Request) -> Response:
    user = current_user(request)
    require(user.role in RERUN_ROLES)
    form = await request.form()
    reason = str(form.get("reason") or "").strip()[:MAX_REASON]
    if not reason:
        return run_changes(request, error="Cần lý do / say why the date is run again")
    new_id = await run_in_threadpool(_rerun, request, user, request.path_params["run_id"], reason)
    return RedirectResponse(f"/runs/{new_id}/changes", status_code=303)


def run_store(request: Request) -> SqlRunStore:
    """The run store a run started from the web reconciles with: the configured gateway terms."""
    return SqlRunStore(request.app.state.engine, getattr(request.app.state, "gateways", None))


def _rerun(request: Request, user: User, run_id: str, reason: str) -> str:
    store = run_store(request)
    run = store.get_run(run_id)  # NotFoundError answers 404
    summary = reconcile_day(store, run.business_date, run.provinces, reason=reason)
    details = {
        "date": run.business_date.isoformat(),
        "provinces": list(run.provinces),
        "reason": reason,
        "previous": run.id,
    }
    audit.record(store.engine, user.username, "rerun", summary.id, details)
    return summary.id


ROUTES = [
    Route("/runs/{run_id}/changes", run_changes, methods=["GET"]),
    Route("/runs/{run_id}/rerun", rerun, methods=["POST"]),
]
