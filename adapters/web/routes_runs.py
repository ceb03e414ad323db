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
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.db.runs import SqlRunStore
from adapters.web.access import current_user, is_staff, require
from adapters.web.pages import render
from reconcile.discrepancies import KEY_OF, Category
from reconcile.results import ResultPart, diff_with_replaced
from reconcile.runs import diff_runs


def run_changes(request: Request) -> Response:
    user = current_user(request)
    require(is_staff(user))
    store = SqlRunStore(request.app.state.engine, request.app.state.settings)
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
    return render(request, "changes.html", user=user, run=run, against=against, rows=rows)


ROUTES = [Route("/runs/{run_id}/changes", run_changes, methods=["GET"])]
