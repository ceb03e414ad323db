"""Signing in and out, and the health check.

``POST /login`` answers 303 to ``/`` with a fresh session on success, and
the form again with ``401`` on failure (the same message whether the name
or the password was wrong), and ``429`` once a name has failed too often
(:class:`~adapters.web.auth.LoginThrottle`). The session is emptied before the user is put
in, and given a new CSRF token, so a token or session planted before
sign-in is worth nothing after it.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from adapters.db import audit
from adapters.db.users import SqlUserStore
from adapters.web.access import SESSION_USER
from adapters.web.auth import LoginThrottle, authenticate
from adapters.web.csrf import csrf_token
from adapters.web.pages import render

MAX_FIELD = 256


def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


def login_form(request: Request) -> Response:
    return render(request, "login.html", error=None, username="")


async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username") or "")[:MAX_FIELD]
    password = str(form.get("password") or "")[:MAX_FIELD]
    throttle: LoginThrottle = request.app.state.login_throttle
    engine = request.app.state.engine
    where = {"client": request.client.host if request.client else None}
    if throttle.blocked(username):
        await run_in_threadpool(audit.record, engine, username, "sign_in_refused", None, where)
        error = "Quá nhiều lần thử / Too many failed attempts: try again later"
        return render(request, "login.html", 429, error=error, username=username)
    store = SqlUserStore(engine)
    user = await run_in_threadpool(authenticate, store, username, password) if username else None
    if user is None:
        throttle.failed(username)
        await run_in_threadpool(audit.record, engine, username, "sign_in_failed", None, where)
        error = "Sai tên đăng nhập hoặc mật khẩu / Wrong username or password"
        return render(request, "login.html", 401, error=error, username=username)
    throttle.succeeded(username)
    await run_in_threadpool(audit.record, engine, user.username, "sign_in", None, where)
    request.session.clear()
    request.session[SESSION_USER] = user.id
    csrf_token(request.session)
    return RedirectResponse("/", status_code=303)


async def logout(request: Request) -> Response:
    user_id = request.session.get(SESSION_USER)
    user = (
        await run_in_threadpool(SqlUserStore(request.app.state.engine).by_id, user_id)
        if isinstance(user_id, int)
        else None
    )
    if user is not None:
        await run_in_threadpool(audit.record, request.app.state.engine, user.username, "sign_out")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


ROUTES = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
