"""Downloads: province settlement statements and whole-run discrepancy reports.

``GET /statements/{province}/{YYYY-MM-DD}.{pdf,xlsx,xml}`` renders the
statement with :func:`reports.statements.render_statement`;
``GET /reports/{run_id}.{json,csv,xlsx}`` uses the report use case of
:mod:`usecases.reports`, so a download is the same
file ``recon statement`` or ``recon report`` writes, formula-safe cells
included, but for ``status``, which is the live one (the run's overlaid
with the work done since: :mod:`adapters.web.live`). Without a session
both answer ``401``; a province user asking for another province's statement, or for any report, gets ``404``.
Every download served is appended to the audit log.
"""

from __future__ import annotations

import datetime as dt
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.db import audit
from adapters.db.provinces import SqlProvinceDirectory
from adapters.db.runs import SqlRunStore
from adapters.db.workflow import SqlWorkItems
from adapters.web import queries
from adapters.web.access import Hidden, current_user, may_download_reports, may_see_province, require
from reports.statements import MEDIA_TYPES, render_statement, statement_file_name
from usecases.reports import build_report, report_bytes
from usecases.statements import load_statement

STATEMENT_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.(pdf|xlsx|xml)")
REPORT_NAME = re.compile(r"([A-Za-z0-9][A-Za-z0-9_.-]*)\.(json|csv|xlsx)")
REPORT_MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": MEDIA_TYPES["xlsx"],
}


def statement(request: Request) -> Response:
    user = current_user(request, download=True)
    province = request.path_params["province"]
    match = STATEMENT_NAME.fullmatch(request.path_params["name"])
    require(match is not None and may_see_province(user, province))
    assert match is not None
    try:
        business_date = dt.date.fromisoformat(match[1])
    except ValueError:
        raise Hidden from None
    fmt = match[2]
    engine = request.app.state.engine
    found = load_statement(SqlRunStore(engine), SqlProvinceDirectory(engine), province, business_date)
    body = render_statement(found, fmt)
    name = statement_file_name(found, fmt)
    details = {"kind": "statement", "province": province, "date": business_date.isoformat(), "format": fmt}
    audit.record(request.app.state.engine, user.username, "download", name, details)
    return _attachment(body, MEDIA_TYPES[fmt], name)


def report(request: Request) -> Response:
    user = current_user(request, download=True)
    match = REPORT_NAME.fullmatch(request.path_params["name"])
    require(match is not None and may_download_reports(user))
    assert match is not None
    run_id, fmt = match[1], match[2]
    engine = request.app.state.engine
    store = SqlRunStore(engine)
    run = store.get_run(run_id)  # NotFoundError answers 404
    document = build_report(store, run, work=SqlWorkItems(engine))
    with engine.connect() as conn:
        names = queries.province_names(conn, user)
    body = report_bytes(document, fmt, names)
    details = {"kind": "report", "run": run.id, "format": fmt}
    audit.record(request.app.state.engine, user.username, "download", f"report-{run.id}.{fmt}", details)
    return _attachment(body, REPORT_MEDIA_TYPES[fmt], f"report-{run.id}.{fmt}")


def _attachment(body: bytes, media_type: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)


ROUTES = [
    Route("/statements/{province}/{name}", statement, methods=["GET"]),
    Route("/reports/{name}", report, methods=["GET"]),
]
