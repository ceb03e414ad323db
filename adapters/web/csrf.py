"""CSRF protection: one random token per session, required on every state-changing request.

The token lives in the signed session cookie and is put into each form as
the hidden field ``csrf_token`` (scripts may send the ``X-CSRF-Token``
header instead). :class:`CsrfMiddleware` sits inside the session middleware
and checks every ``POST``, ``PUT``, ``PATCH`` and ``DELETE`` before any
route sees it, so no handler can forget: a missing or wrong token is
``403``. The body it reads to find the field is handed on unchanged.
Only URL-encoded forms carry the field; other bodies must use the header.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qs

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_KEY = "csrf_token"
FIELD = "csrf_token"
HEADER = b"x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_FORM_BYTES = 64 * 1024  # our forms are a few fields; a bigger body is refused


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's token, created on first use."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


class CsrfMiddleware:
    """Refuse state-changing requests that do not carry the session's token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get(SESSION_KEY)
        headers = dict(scope["headers"])
        body, complete = await _read_body(receive, MAX_FORM_BYTES)
        if not complete:
            await PlainTextResponse("request body too large", status_code=413)(scope, receive, send)
            return
        offered = headers.get(HEADER, b"").decode("latin-1") or _form_field(headers, body)
        if not (isinstance(expected, str) and expected and hmac.compare_digest(offered, expected)):
            await PlainTextResponse("CSRF token missing or wrong", status_code=403)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), True
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", False
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _form_field(headers: dict[bytes, bytes], body: bytes) -> str:
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type != b"application/x-www-form-urlencoded":
        return ""
    values = parse_qs(body.decode("utf-8", errors="replace")).get(FIELD, [""])
    return values[0]


def _replay(body: bytes, rest: Receive) -> Receive:
    """The body read already, then whatever the client sends next (its disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await rest()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
