"""The overview (``GET /overview``) and the operations page (``GET /ops``).

``/overview[?date=YYYY-MM-DD]``: the date's latest result (the latest
reconciled date by default) by category, province and age bucket, the
30-day trend and the change since the previous reconciled date, as bars
drawn in HTML (no script); every user sees it within their provinces.
``/ops[?file=ID]``: runs and versions, fetch and job history, and files with
the reasons rejected ones were refused; staff only (others get ``404``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.web import overview, queries
from adapters.web.access import current_user, is_staff, require
from adapters.web.api_queries import latest_result
from adapters.web.pages import render


def overview_page(request: Request) -> Response:
    user = current_user(request)
    problems: list[str] = []
    asked = (request.query_params.get("date") or "").strip()
    day: dt.date | None = None
    if asked:
        try:
            day = dt.date.fromisoformat(asked)
        except ValueError:
            problems.append(f"Ngày không hợp lệ / not a date: {asked!r}")
    with request.app.state.engine.connect() as conn:
        run = queries.run_of(conn, user, day)
        day = day or (run["business_date"] if run else None)
        in_result = latest_result(conn, day) if day else None
        groups: dict[str, list[dict[str, Any]]] = {}
        if in_result is not None:
            for key in ("category", "province_code", "age"):
                groups[key] = overview.grouped(conn, user, in_result, key)
        points = overview.trend(conn, user, day) if day else []
        changed = overview.changes(conn, user, day) if day else None
        names = queries.province_names(conn, user)
    return render(
        request,
        "overview.html",
        user=user,
        day=day,
        groups=groups,
        trend=points,
        changed=changed,
        names=names,
        problems=problems,
        widest={key: max([g["count"] for g in rows] or [1]) for key, rows in groups.items()},
        trend_max=max([p["count"] for p in points] or [1]),
    )


def ops_page(request: Request) -> Response:
    user = current_user(request)
    require(is_staff(user))
    asked = request.query_params.get("file", "")
    file_id = int(asked) if asked.isdigit() and len(asked) < 19 else None
    with request.app.state.engine.connect() as conn:
        found = overview.ops(conn, file_id)
    return render(request, "ops.html", user=user, file_id=file_id, **found)


ROUTES = [
    Route("/overview", overview_page, methods=["GET"]),
    Route("/ops", ops_page, methods=["GET"]),
]
