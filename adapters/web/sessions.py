"""Server-side sessions: the cookie carries a signed random id, the database the rest.

:class:`ServerSessionMiddleware` stands where Starlette's cookie sessions
stood and offers the same ``request.session`` dictionary, so routes and the
CSRF check read and write it as before. What differs is where it lives: in
``web_sessions`` (:class:`adapters.db.sessions.SqlSessionStore`), so ending
a user's sessions in the database (``recon user deactivate``, the admin's
button, a password change) signs their browsers out on their next request.

The cookie value is the session's random id (256 bits) signed with the
service's key (:func:`adapters.web.auth.secret_key`), so a guessed or
tampered cookie is refused without a database lookup. Whenever the signed-in
user changes (sign-in, sign-out) the session gets a new id, so an id planted
or seen before sign-in is worth nothing after it. A session that ends
empty is deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import itsdangerous
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.db.sessions import SqlSessionStore

SESSION_ID = "recon.session_id"  # the scope key holding the current session's id, if any
USER_KEY = "user_id"  # adapters.web.access.SESSION_USER: a change of it gives the session a new id


class ServerSessionMiddleware:
    def __init__(
        self, app: ASGIApp, engine: Engine, secret_key: str, cookie_name: str, https_only: bool = False
    ) -> None:
        self.app = app
        self.store = SqlSessionStore(engine)
        self.signer = itsdangerous.Signer(secret_key, salt="recon.session")
        self.cookie_name = cookie_name
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = HTTPConnection(scope).cookies.get(self.cookie_name)
        session_id = self._unsign(offered) if offered else None
        data = await run_in_threadpool(self.store.load, session_id) if session_id else None
        if data is None:
            session_id = None
        initial = dict(data or {})
        scope["session"] = dict(initial)
        scope[SESSION_ID] = session_id

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = await run_in_threadpool(self._commit, scope, session_id, initial, bool(offered))
                if cookie is not None:
                    MutableHeaders(scope=message).append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _unsign(self, value: str) -> str | None:
        try:
            return self.signer.unsign(value).decode("ascii")
        except (itsdangerous.BadSignature, UnicodeDecodeError):
            return None

    def _commit(
        self, scope: Scope, session_id: str | None, initial: dict[str, Any], had_cookie: bool
    ) -> str | None:
        """Store the session as the route left it; the ``Set-Cookie`` value to send, if any."""
        current: dict[str, Any] = scope["session"]
        if not current:
            if session_id is not None:
                self.store.delete(session_id)
            return self._cookie("", 0) if had_cookie else None
        if session_id is None or current.get(USER_KEY) != initial.get(USER_KEY):
            if session_id is not None:
                self.store.delete(session_id)
            new_id, expires = self.store.create(current)
            remaining = int((expires - dt.datetime.now(dt.UTC)).total_seconds())
            return self._cookie(self.signer.sign(new_id).decode("ascii"), remaining)
        if current != initial and not self.store.save(session_id, current):
            return self._cookie("", 0)  # ended while this request ran
        return None

    def _cookie(self, value: str, max_age: int) -> str:
        secure = "; Secure" if self.https_only else ""
        return f"{self.cookie_name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
