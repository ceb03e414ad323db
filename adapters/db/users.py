"""Web users in the database: add one, find one by name or id.

The password arrives here already hashed (:func:`adapters.web.auth.hash_password`);
this module never sees a password. Usernames are compared exactly as typed
(no case folding), so ``an`` and ``An`` are two logins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from adapters.db.engine import write_transaction
from adapters.db.schema import provinces
from adapters.db.user_tables import ROLES, users
from reconcile.errors import ConfigError, NotFoundError


@dataclass(frozen=True, slots=True)
class User:
    """A login.

    Attributes:
        role: ``treasury``, ``ops``, ``province`` or ``admin``.
        province_code: the one province a ``province`` user is bound to; ``None`` otherwise.
    """

    id: int
    username: str
    password_hash: str
    role: str
    province_code: str | None
    active: bool


def check_role(role: str, province_code: str | None) -> None:
    """A province user needs a province; no other role may have one."""
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
    if role == "province" and not province_code:
        raise ConfigError("a province user needs --province CODE")
    if role != "province" and province_code:
        raise ConfigError(f"only province users are bound to a province, not {role} users")


class SqlUserStore:
    """The ``users`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, username: str, password_hash: str, role: str, province_code: str | None = None) -> User:
        check_role(role, province_code)
        if not username or username != username.strip():
            raise ConfigError(f"username {username!r} is empty or has surrounding spaces")
        with write_transaction(self.engine) as conn:
            if province_code is not None:
                known = conn.execute(select(provinces.c.code).where(provinces.c.code == province_code))
                if known.first() is None:
                    raise NotFoundError("province", province_code)
            try:
                new_id = conn.execute(
                    insert(users).values(
                        username=username,
                        password_hash=password_hash,
                        role=role,
                        province_code=province_code,
                        active=True,
                        created_at=dt.datetime.now(dt.UTC),
                    )
                ).inserted_primary_key
            except IntegrityError as exc:
                raise ConfigError(f"a user named {username!r} already exists") from exc
        assert new_id is not None
        return User(int(new_id[0]), username, password_hash, role, province_code, True)

    def by_username(self, username: str) -> User | None:
        return self._one(users.c.username == username)

    def by_id(self, user_id: int) -> User | None:
        return self._one(users.c.id == user_id)

    def _one(self, condition: ColumnElement[bool]) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(condition)).mappings().first()
        if row is None:
            return None
        return User(
            int(row["id"]),
            row["username"],
            row["password_hash"],
            row["role"],
            row["province_code"],
            bool(row["active"]),
        )
