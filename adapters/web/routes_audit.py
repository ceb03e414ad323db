"""The audit log page (``GET /audit?page=N``), for admin and treasury users; newest first.

Times are stored in UTC and shown in Vietnam's local time (UTC+7,
``dd/mm/yyyy``). The page shows each entry's hash so an auditor can compare
it with what ``recon audit verify`` reported; other roles get ``404``.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.db import audit
from adapters.web.access import current_user, require
from adapters.web.pages import render

PAGE_SIZE = 50
AUDIT_ROLES = frozenset({"admin", "treasury"})


def audit_page(request: Request) -> Response:
    user = current_user(request)
    require(user.role in AUDIT_ROLES)
    text = request.query_params.get("page", "1")
    number = int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 7 and int(text) > 0 else 1
    with request.app.state.engine.connect() as conn:
        total, entries = audit.page(conn, number, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    rows = [(entry, json.dumps(dict(entry.details), ensure_ascii=False)) for entry in entries]
    return render(request, "audit.html", user=user, rows=rows, total=total, page=number, pages=pages)


ROUTES = [Route("/audit", audit_page, methods=["GET"])]
