"""The JSON API for the provinces' and ministries' own systems: ``GET /api/v1/discrepancies``.

Authenticated by a browser session or by an API token
(``Authorization: Bearer TOKEN``, made with ``recon token add``); a token
counts on ``/api/`` only. Whoever calls is scoped exactly as a login of the
same role: a province sees its own province's rows, and asking for another
province's is not an error but an empty result (``total`` 0), the same
answer as for a province with no breaks, so nothing is learnt about others.

Parameters (all optional but ``date``): ``date`` (YYYY-MM-DD), ``province``,
``category``, ``status`` (the live workflow status), ``severity``,
``gateway``, ``q`` (a substring of payment code, txn id, batch id or bank
reference, any case), ``sort`` (a field name, ``-field`` for descending; ties
broken by ``id``), ``page`` (from 1), ``page_size`` (1–500, default 50;
larger values are capped at 500 and the answer says so). An unknown or
repeated parameter or a bad value is ``400`` with ``{"error": "…"}``; a
date with no run is ``404``; no or a bad credential is ``401``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.db.tokens import SqlTokenStore
from adapters.db.users import User
from adapters.web.access import SignInRequired, current_user
from adapters.web.api_queries import SORTABLE, DiscrepancyQuery, latest_discrepancies
from reconcile.discrepancies import Category, Severity, Status

PREFIX = "/api/"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_TEXT = 128
PARAMETERS = frozenset(
    {"date", "province", "category", "status", "severity", "gateway", "q", "sort", "page", "page_size"}
)
CHOICES = {
    "category": {c.value for c in Category},
    "status": {s.value for s in Status},
    "severity": {s.value for s in Severity},
}


class BadParameter(ValueError):
    """A query parameter the API cannot use; answered 400 with the message."""


def unauthorised() -> Response:
    return JSONResponse(
        {"error": "sign in or send Authorization: Bearer TOKEN"},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="recon"'},
    )


async def not_found(request: Request, exc: Exception) -> Response:
    """Unknown API paths: 401 without a credential (nothing answers without one), else a JSON 404."""
    try:
        await run_in_threadpool(api_caller, request)
    except SignInRequired:
        return unauthorised()
    return JSONResponse({"error": "not found"}, status_code=404)


def api_caller(request: Request) -> User:
    """The token's or the session's principal; a token acts as a user of its role and province."""
    header = request.headers.get("authorization")
    if header is None:
        return current_user(request, download=True)
    scheme, _, token = header.partition(" ")
    found = (
        SqlTokenStore(request.app.state.engine).by_token(token.strip())
        if scheme.lower() == "bearer"
        else None
    )
    if found is None:
        raise SignInRequired(download=True)
    return User(0, f"token:{found.name}", "", found.role, found.province_code, True, found.agency_code)


async def discrepancies(request: Request) -> Response:
    user = await run_in_threadpool(api_caller, request)
    try:
        query = parse_query(request)
    except BadParameter as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    found = await run_in_threadpool(_read, request, user, query)
    if found is None:
        return JSONResponse({"error": f"no run for {query.business_date.isoformat()}"}, status_code=404)
    total, items = found
    body = {
        "total": total,
        "page": query.page,
        "page_size": query.page_size,
        "date": query.business_date.isoformat(),
        "items": items,
    }
    return JSONResponse(body)


def _read(request: Request, user: User, query: DiscrepancyQuery) -> tuple[int, list[dict[str, Any]]] | None:
    with request.app.state.engine.connect() as conn:
        return latest_discrepancies(conn, user, query)


def parse_query(request: Request) -> DiscrepancyQuery:
    """The request's parameters, checked; :class:`BadParameter` names the first bad one."""
    params = request.query_params
    for name in params:
        if name not in PARAMETERS:
            raise BadParameter(f"unknown parameter {name!r} (expected {', '.join(sorted(PARAMETERS))})")
        if len(params.getlist(name)) > 1:
            raise BadParameter(f"parameter {name!r} given more than once")
    values = {name: params[name].strip() or None for name in params}
    date_text = values.pop("date", None)
    if date_text is None:
        raise BadParameter("date is required (YYYY-MM-DD)")
    try:
        business_date = dt.date.fromisoformat(date_text)
    except ValueError:
        raise BadParameter(f"date {date_text!r} is not a date (YYYY-MM-DD)") from None
    for name, allowed in CHOICES.items():
        if values.get(name) is not None and values[name] not in allowed:
            raise BadParameter(f"{name} {values[name]!r} is not one of {', '.join(sorted(allowed))}")
    for name in ("province", "gateway", "q"):
        if values.get(name) is not None and len(str(values[name])) > MAX_TEXT:
            raise BadParameter(f"{name} is longer than {MAX_TEXT} characters")
    sort = values.get("sort") or "id"
    descending = sort.startswith("-")
    field = sort.removeprefix("-")
    if field not in SORTABLE:
        raise BadParameter(f"cannot sort by {field!r} (sortable: {', '.join(sorted(SORTABLE))})")
    return DiscrepancyQuery(
        business_date=business_date,
        province=values.get("province"),
        category=values.get("category"),
        status=values.get("status"),
        severity=values.get("severity"),
        gateway=values.get("gateway"),
        q=values.get("q"),
        sort=field,
        descending=descending,
        page=_positive(values.get("page"), "page", 1),
        page_size=min(_positive(values.get("page_size"), "page_size", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE),
    )


def _positive(text: str | None, name: str, default: int) -> int:
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or int(text) < 1 or len(text) > 9:
        raise BadParameter(f"{name} {text!r} is not a whole number from 1")
    return int(text)


ROUTES = [Route("/api/v1/discrepancies", discrepancies, methods=["GET"])]
