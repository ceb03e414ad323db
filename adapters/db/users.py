"""Web users in the database: add, find, deactivate, change a password.

The password arrives here already hashed (:func:`adapters.web.auth.hash_password`);
this module never sees a password. Every change is appended to the audit log
in the same transaction, and deactivating a user or changing a password ends
their sessions in that transaction too. Usernames are compared exactly as typed
(no case folding), so ``an`` and ``An`` are two logins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.db import audit
from adapters.db.engine import write_transaction
from adapters.db.schema import agencies, provinces
from adapters.db.sessions import end_user_sessions
from adapters.db.user_tables import ROLES, users
from reconcile.errors import ConfigError, NotFoundError


@dataclass(frozen=True, slots=True)
class User:
    """A login.

    Attributes:
        role: ``treasury``, ``ops``, ``province``, ``agency`` or ``admin``.
        province_code: the one province a ``province`` user is bound to; ``None`` otherwise.
        agency_code: the one central agency (a ministry) an ``agency`` user is bound to.
    """

    id: int
    username: str
    password_hash: str
    role: str
    province_code: str | None
    active: bool
    agency_code: str | None = None


def check_role(role: str, province_code: str | None, agency_code: str | None = None) -> None:
    """A province user needs a province, an agency user an agency; no other role may have either."""
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
    if role == "province" and not province_code:
        raise ConfigError("a province user needs --province CODE")
    if role != "province" and province_code:
        raise ConfigError(f"only province users are bound to a province, not {role} users")
    if role == "agency" and not agency_code:
        raise ConfigError("an agency user needs --agency CODE")
    if role != "agency" and agency_code:
        raise ConfigError(f"only agency users are bound to an agency, not {role} users")


def check_bound(conn: Connection, province_code: str | None, agency_code: str | None) -> None:
    """:class:`NotFoundError` unless the province or agency a login is bound to is known."""
    for kind, table, code in (("province", provinces, province_code), ("agency", agencies, agency_code)):
        known = code is None or conn.execute(select(table.c.code).where(table.c.code == code)).first()
        if not known:
            raise NotFoundError(kind, code)


class SqlUserStore:
    """The ``users`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self,
        username: str,
        password_hash: str,
        role: str,
        province_code: str | None = None,
        *,
        actor: str = "system",
        agency_code: str | None = None,
    ) -> User:
        check_role(role, province_code, agency_code)
        if not username or username != username.strip():
            raise ConfigError(f"username {username!r} is empty or has surrounding spaces")
        with write_transaction(self.engine) as conn:
            check_bound(conn, province_code, agency_code)
            try:
                new_id = conn.execute(
                    insert(users).values(
                        username=username,
                        password_hash=password_hash,
                        role=role,
                        province_code=province_code,
                        agency_code=agency_code,
                        active=True,
                        created_at=dt.datetime.now(dt.UTC),
                    )
                ).inserted_primary_key
            except IntegrityError as exc:
                raise ConfigError(f"a user named {username!r} already exists") from exc
            details = {"role": role, "province_code": province_code}
            if agency_code is not None:
                details["agency_code"] = agency_code
            audit.append(conn, actor, "user_add", f"user:{username}", details)
        assert new_id is not None
        return User(int(new_id[0]), username, password_hash, role, province_code, True, agency_code)

    def deactivate(self, username: str, actor: str) -> int:
        """Switch ``username`` off and end their sessions at once; how many sessions ended."""
        with write_transaction(self.engine) as conn:
            user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
            if user_id is None:
                raise NotFoundError("user", username)
            conn.execute(update(users).where(users.c.id == user_id).values(active=False))
            ended = end_user_sessions(conn, int(user_id))
            audit.append(conn, actor, "user_deactivate", f"user:{username}", {"sessions_ended": ended})
        return ended

    def set_password(self, user: User, password_hash: str, keep_session: str | None = None) -> int:
        """A new password for ``user``; their other sessions end (all but ``keep_session``)."""
        with write_transaction(self.engine) as conn:
            conn.execute(update(users).where(users.c.id == user.id).values(password_hash=password_hash))
            ended = end_user_sessions(conn, user.id, keep=keep_session)
            details = {"other_sessions_ended": ended}
            audit.append(conn, user.username, "password_change", f"user:{user.username}", details)
        return ended

    def all(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.username)).mappings().all()
        return [_user(row) for row in rows]

    def by_username(self, username: str) -> User | None:
        return self._one(users.c.username == username)

    def by_id(self, user_id: int) -> User | None:
        return self._one(users.c.id == user_id)

    def _one(self, condition: ColumnElement[bool]) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(condition)).mappings().first()
        return None if row is None else _user(row)


def _user(row: Any) -> User:
    return User(
        int(row["id"]),
        row["username"],
        row["password_hash"],
        row["role"],
        row["province_code"],
        bool(row["active"]),
        row.get("agency_code"),
    )
