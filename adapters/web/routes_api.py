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
reference, any case), ``assignee`` (``-`` for nobody), ``mine=1`` (assigned to
the caller, still open or pending), ``from`` and ``to`` (the items' own
business dates), ``amount_min`` and ``amount_max`` (the absolute difference
in đồng), ``age`` (a bucket of business days: ``0``, ``1-2``, ``3-5``,
``6-10``, ``11+``), ``sort`` (a field name, ``-field`` for descending; ties
broken by ``id``), ``page`` (from 1), ``page_size`` (1–500, default 50;
larger values are capped at 500 and the answer says so). An unknown or
repeated parameter or a bad value is ``400`` with ``{"error": "…"}``; a
date with no run is ``404``; no or a bad credential is ``401``.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.db.tokens import SqlTokenStore
from adapters.db.users import User
from adapters.web import query_params
from adapters.web.access import SignInRequired, current_user
from adapters.web.api_queries import DiscrepancyQuery, latest_discrepancies
from adapters.web.query_params import BadParameter

PREFIX = "/api/"


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
    return query_params.parse_query(request.query_params)


ROUTES = [Route("/api/v1/discrepancies", discrepancies, methods=["GET"])]
