"""Server-side web sessions: the cookie carries a random id, the row carries the rest.

A session lives :data:`SESSION_LIFETIME` from sign-in (no sliding
renewal: a stolen cookie is worth at most that); one that nobody signed in
to, made for the sign-in form's CSRF token, lives :data:`ANONYMOUS_LIFETIME`. The row is looked up by
the SHA-256 of the id, so the table alone signs nobody in. Ending a user's
sessions (deactivation, a password change) deletes their rows, and the next
request of any of their browsers finds nothing. Expired rows are deleted
whenever a new session is made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from adapters.db.audit_tables import web_sessions
from adapters.db.engine import write_transaction

SESSION_LIFETIME = dt.timedelta(hours=8)
#: A session nobody signed in to (the sign-in form's CSRF token) lives an hour.
ANONYMOUS_LIFETIME = dt.timedelta(hours=1)


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SqlSessionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, session_id: str) -> dict[str, Any] | None:
        """The data of a live session, else ``None``."""
        s = web_sessions.c
        statement = select(s.data).where(
            s.id_hash == id_hash(session_id), s.expires_at > dt.datetime.now(dt.UTC)
        )
        with self.engine.connect() as conn:
            found = conn.execute(statement).scalar()
        if found is None:
            return None
        data: dict[str, Any] = json.loads(found)
        return data

    def create(self, data: dict[str, Any]) -> tuple[str, dt.datetime]:
        """A new session holding ``data``: its id (for the cookie) and when it expires."""
        session_id = secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        expires = now + (SESSION_LIFETIME if _user_of(data) is not None else ANONYMOUS_LIFETIME)
        with write_transaction(self.engine) as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
            conn.execute(
                insert(web_sessions).values(
                    id_hash=id_hash(session_id),
                    user_id=_user_of(data),
                    data=json.dumps(data),
                    created_at=now,
                    expires_at=expires,
                )
            )
        return session_id, expires

    def save(self, session_id: str, data: dict[str, Any]) -> bool:
        """Store ``data`` in a live session; ``False`` if it has ended meanwhile."""
        s = web_sessions.c
        with write_transaction(self.engine) as conn:
            changed = conn.execute(
                update(web_sessions)
                .where(s.id_hash == id_hash(session_id), s.expires_at > dt.datetime.now(dt.UTC))
                .values(data=json.dumps(data), user_id=_user_of(data))
            ).rowcount
        return bool(changed)

    def delete(self, session_id: str) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash(session_id)))


def end_user_sessions(conn: Connection, user_id: int, keep: str | None = None) -> int:
    """Delete every session of ``user_id`` (but the one whose id is ``keep``); how many ended."""
    statement = delete(web_sessions).where(web_sessions.c.user_id == user_id)
    if keep is not None:
        statement = statement.where(web_sessions.c.id_hash != id_hash(keep))
    return int(conn.execute(statement).rowcount)


def _user_of(data: dict[str, Any]) -> int | None:
    user_id = data.get("user_id")
    return user_id if isinstance(user_id, int) else None
