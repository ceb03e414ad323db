"""What changed between two versions of a run (``GET /runs/{run_id}/changes[?against=OTHER]``).

Finance operations rerun a date after a corrected file arrives and need to
see what the correction did: items new in this version, gone since the
other, and changed (status, amounts, age). By default the other run is the
previous version of the same date and province scope. The comparison is
:func:`reconcile.runs.diff_runs`, the one ``recon report --diff`` uses.
A run spans provinces, so this page is for staff only (404 for provinces).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.db.runs import SqlRunStore
from adapters.web import queries
from adapters.web.access import current_user, is_staff, require
from adapters.web.pages import render
from reconcile.discrepancies import KEY_OF, Category
from reconcile.runs import diff_runs


def run_changes(request: Request) -> Response:
    user = current_user(request)
    require(is_staff(user))
    store = SqlRunStore(request.app.state.engine, request.app.state.settings)
    run = store.get_run(request.path_params["run_id"])  # NotFoundError answers 404
    against = request.query_params.get("against")
    if not against:
        with store.engine.connect() as conn:
            against = queries.previous_version(conn, run.id)
    rows = []
    if against:
        other = store.get_run(against)
        diff = diff_runs(store.discrepancies(other.id), store.discrepancies(run.id))
        rows = [{**row, "key": row[KEY_OF[Category(row["category"])]]} for row in diff.rows()]
    return render(request, "changes.html", user=user, run=run, against=against, rows=rows)


ROUTES = [Route("/runs/{run_id}/changes", run_changes, methods=["GET"])]
