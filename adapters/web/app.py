"""The ASGI application: routes, middleware and templates, built by :func:`create_app`.

Layers, outermost first: security headers, the server-side session (a
signed random id in an HttpOnly, SameSite=Lax cookie, eight hours; ``Secure``
when ``[web] secure_cookies`` (or ``RECON_SECURE_COOKIES=1``), for a deployment behind TLS; see
:mod:`adapters.web.sessions`), then the CSRF check of every state-changing
request. Without a session, pages redirect
to ``/login`` (303) and downloads answer ``401``; whatever the user may not
see answers ``404``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from adapters.web import (
    routes_account,
    routes_actions,
    routes_api,
    routes_audit,
    routes_auth,
    routes_dashboard,
    routes_downloads,
    routes_overview,
    routes_runs,
)
from adapters.web.access import SESSION_USER, Hidden, SignInRequired
from adapters.web.auth import LoginThrottle
from adapters.web.csrf import CsrfMiddleware
from adapters.web.headers import SecurityHeadersMiddleware
from adapters.web.pages import template_environment
from adapters.web.sessions import ServerSessionMiddleware
from reconcile.errors import NotFoundError
from reconcile.gateways import GatewayTerms
from usecases.workflow import DEFAULT_APPROVAL_THRESHOLD_VND

SESSION_COOKIE = "recon_session"


def create_app(
    engine: Engine,
    session_key: str,
    *,
    secure_cookies: bool = False,
    approval_threshold_vnd: int | None = None,
    gateways: Mapping[str, GatewayTerms] | None = None,
) -> Starlette:
    """The web application over ``engine`` (``recon init``), its sessions signed with ``session_key``.

    ``secure_cookies`` marks the session cookie ``Secure``; resolving a high-severity
    item from ``approval_threshold_vnd`` đồng up (default: the workflow's) needs a
    second person. ``gateways`` are the configured settlement terms a rerun started
    from the web reconciles with, as ``recon rerun`` does.
    """
    routes: list[BaseRoute] = [
        *routes_auth.ROUTES,
        *routes_dashboard.ROUTES,
        *routes_downloads.ROUTES,
        *routes_actions.ROUTES,
        *routes_runs.ROUTES,
        *routes_audit.ROUTES,
        *routes_account.ROUTES,
        *routes_api.ROUTES,
        *routes_overview.ROUTES,
    ]
    middleware = [
        Middleware(SecurityHeadersMiddleware),
        Middleware(
            ServerSessionMiddleware,
            engine=engine,
            secret_key=session_key,
            cookie_name=SESSION_COOKIE,
            https_only=secure_cookies,
        ),
        Middleware(CsrfMiddleware),
    ]
    handlers: dict[Any, Any] = {
        SignInRequired: _sign_in,
        Hidden: _not_found,
        NotFoundError: _not_found,
        404: _not_found,
        405: _not_found,
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    app.state.engine = engine
    app.state.gateways = dict(gateways or {})
    app.state.templates = template_environment()
    app.state.login_throttle = LoginThrottle()
    app.state.approval_threshold_vnd = (
        DEFAULT_APPROVAL_THRESHOLD_VND if approval_threshold_vnd is None else approval_threshold_vnd
    )
    return app


async def _sign_in(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith(routes_api.PREFIX):
        return routes_api.unauthorised()
    if isinstance(exc, SignInRequired) and exc.download:
        return PlainTextResponse("sign in required", status_code=401)
    return RedirectResponse("/login", status_code=303)


async def _not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith(routes_api.PREFIX):
        return await routes_api.not_found(request, exc)
    if not isinstance(request.session.get(SESSION_USER), int):
        # nothing but /healthz and /login answers without a session, not even "not found"
        return RedirectResponse("/login", status_code=303)
    if isinstance(exc, HTTPException) and exc.status_code != 404:
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    return PlainTextResponse("not found", status_code=404)
