"""A user's own password, and the admin's list of users.

- ``GET /account/password``, ``POST /account/password`` (every signed-in
  user): the current password, the new one twice. A wrong current password
  is ``400`` (and an audit entry), and after ten wrong ones in 15 minutes
  ``429``, as at sign-in, so a borrowed session cannot guess it. Success
  stores the new hash, ends the user's other sessions (this one stays) and
  redirects (303) back with a note.
- ``GET /admin/users``, ``POST /admin/users/{name}/deactivate`` (admin only,
  ``404`` for others): deactivating ends that user's sessions at once. An
  admin cannot deactivate themselves (``409``).

The CSRF middleware has checked every ``POST`` before these run.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from adapters.db import audit
from adapters.db.users import SqlUserStore, User
from adapters.web.access import current_user, require
from adapters.web.auth import MIN_PASSWORD_LENGTH, LoginThrottle, hash_password, verify_password
from adapters.web.pages import render
from adapters.web.sessions import SESSION_ID
from reconcile.errors import NotFoundError

MAX_FIELD = 256
WRONG_CURRENT = "Mật khẩu hiện tại không đúng / The current password is wrong"


def password_form(request: Request) -> Response:
    user = current_user(request)
    changed = request.query_params.get("changed") == "1"
    return render(request, "password.html", user=user, error=None, changed=changed)


async def change_password(request: Request) -> Response:
    user = current_user(request)
    form = await request.form()
    current, new, again = (str(form.get(name) or "")[:MAX_FIELD] for name in ("current", "new", "again"))
    throttle: LoginThrottle = request.app.state.login_throttle
    key = f"password-change:{user.id}"
    if throttle.blocked(key):
        message = "Quá nhiều lần thử / Too many failed attempts: try again later"
        return render(request, "password.html", 429, user=user, error=message, changed=False)
    error = await run_in_threadpool(_change, request, user, current, new, again)
    if error == WRONG_CURRENT:
        throttle.failed(key)
    if error is not None:
        return render(request, "password.html", 400, user=user, error=error, changed=False)
    return RedirectResponse("/account/password?changed=1", status_code=303)


def _change(request: Request, user: User, current: str, new: str, again: str) -> str | None:
    engine = request.app.state.engine
    if not verify_password(current, user.password_hash):
        audit.record(engine, user.username, "password_change_failed", f"user:{user.username}")
        return WRONG_CURRENT
    if new != again:
        return "Hai mật khẩu mới khác nhau / The two new passwords differ"
    if len(new) < MIN_PASSWORD_LENGTH:
        return f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự / at least {MIN_PASSWORD_LENGTH} characters"
    if new == current:
        return "Mật khẩu mới trùng mật khẩu cũ / The new password is the old one"
    SqlUserStore(engine).set_password(user, hash_password(new), keep_session=request.scope.get(SESSION_ID))
    return None


def users_page(request: Request) -> Response:
    user = current_user(request)
    require(user.role == "admin")
    users = SqlUserStore(request.app.state.engine).all()
    return render(request, "users.html", user=user, users=users, error=None)


async def deactivate(request: Request) -> Response:
    user = current_user(request)
    require(user.role == "admin")
    name = request.path_params["name"]
    store = SqlUserStore(request.app.state.engine)
    if name == user.username:
        error = "Không thể tự khoá tài khoản của mình / You cannot deactivate yourself"
        return render(request, "users.html", 409, user=user, users=store.all(), error=error)
    try:
        await run_in_threadpool(store.deactivate, name, user.username)
    except NotFoundError:
        return render(request, "users.html", 404, user=user, users=store.all(), error=f"no user {name!r}")
    return RedirectResponse("/admin/users", status_code=303)


ROUTES = [
    Route("/account/password", password_form, methods=["GET"]),
    Route("/account/password", change_password, methods=["POST"]),
    Route("/admin/users", users_page, methods=["GET"]),
    Route("/admin/users/{name}/deactivate", deactivate, methods=["POST"]),
]
