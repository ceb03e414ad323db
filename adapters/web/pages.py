"""Server-rendered pages: the Jinja2 environment and one function to render a template.

Templates are autoescaped (every value from a file or the database is
text, never markup) and strict about undefined names, so a typo fails a
test instead of rendering blank. Every page gets the session's CSRF token
for its forms.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response

from adapters.web.csrf import csrf_token
from reconcile.columns import LOCAL_TZ
from reconcile.money import format_vnd
from reports import labels

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
    env.filters["localmin"] = lambda stamp: stamp.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
    env.filters["day"] = lambda day: "—" if day is None else day.strftime("%d/%m/%Y")
    env.filters["isoday"] = _iso_day
    for kind in labels.TABLES:
        env.filters[kind] = _label(kind)
    return env


def _iso_day(text: str | None) -> str:
    """``2026-11-25`` (as the API carries dates) shown as ``25/11/2026``."""
    return "—" if not text else dt.date.fromisoformat(str(text)).strftime("%d/%m/%Y")


def _label(kind: str) -> Any:
    @jinja2.pass_context
    def label(context: Any, code: str | None) -> str:
        return labels.name(kind, code, context.get("lang", labels.VI))

    return label


def language(request: Request) -> str:
    """``?lang=en`` or ``?lang=vi`` switches the session's language; Vietnamese unless switched."""
    asked = request.query_params.get("lang")
    if asked in labels.LANGUAGES:
        request.session["lang"] = asked
    chosen = request.session.get("lang")
    return chosen if chosen in labels.LANGUAGES else labels.VI


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render ``templates/name`` with the session's CSRF token and ``user`` (``None`` if absent)."""
    env: jinja2.Environment = request.app.state.templates
    context.setdefault("user", None)
    context.setdefault("lang", language(request))
    html = env.get_template(name).render(csrf_token=csrf_token(request.session), **context)
    return Response(html, status_code=status_code, media_type="text/html; charset=utf-8")
