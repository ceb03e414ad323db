"""Server-rendered pages: the Jinja2 environment and one function to render a template.

Templates are autoescaped (every value from a file or the database is
text, never markup) and strict about undefined names, so a typo fails a
test instead of rendering blank. Every page gets the session's CSRF token
for its forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response

from adapters.web.csrf import csrf_token
from reconcile.columns import LOCAL_TZ
from reconcile.money import format_vnd

TEMPLATES = Path(__file__).resolve().parent / "templates"


def template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["vnd"] = lambda amount: "—" if amount is None else format_vnd(int(amount))
    env.filters["dash"] = lambda value: "—" if value is None or value == "" else value
    env.filters["local"] = lambda stamp: stamp.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")
    return env


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render ``templates/name`` with the session's CSRF token and ``user`` (``None`` if absent)."""
    env: jinja2.Environment = request.app.state.templates
    context.setdefault("user", None)
    html = env.get_template(name).render(csrf_token=csrf_token(request.session), **context)
    return Response(html, status_code=status_code, media_type="text/html; charset=utf-8")
