"""API tokens: machine logins for the provinces' and ministries' own systems (``recon token``).

A token is ``rcn_`` followed by 43 random URL-safe characters (256 bits),
shown once when it is made; the table keeps only its SHA-256, which is
enough for a secret that random (no salt or slow hash needed: nobody can
guess their way through 2^256). A token has a role and, for ``province``,
a province, exactly like a user, and is scoped by the same rules. Revoking
keeps the row (and its name) so the audit log's ``token:NAME`` stays
meaningful.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.db import audit
from adapters.db.audit_tables import api_tokens
from adapters.db.engine import write_transaction
from adapters.db.users import check_bound, check_role
from reconcile.errors import ConfigError, NotFoundError

TOKEN_ROLES = ("treasury", "ops", "province", "agency")
PREFIX = "rcn_"


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    name: str
    role: str
    province_code: str | None
    agency_code: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SqlTokenStore:
    """The ``api_tokens`` table; every change is also appended to the audit log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self, name: str, role: str, province_code: str | None, actor: str, agency_code: str | None = None
    ) -> tuple[str, ApiToken]:
        """A new token: its text (to show once) and its record."""
        if role not in TOKEN_ROLES:
            raise ConfigError(f"unknown token role {role!r} (expected one of {', '.join(TOKEN_ROLES)})")
        check_role(role, province_code, agency_code)
        if not name or name != name.strip():
            raise ConfigError(f"token name {name!r} is empty or has surrounding spaces")
        token = PREFIX + secrets.token_urlsafe(32)
        with write_transaction(self.engine) as conn:
            check_bound(conn, province_code, agency_code)
            try:
                new_id = conn.execute(
                    insert(api_tokens).values(
                        name=name,
                        token_hash=token_hash(token),
                        role=role,
                        province_code=province_code,
                        agency_code=agency_code,
                        created_at=dt.datetime.now(dt.UTC),
                    )
                ).inserted_primary_key
            except IntegrityError as exc:
                raise ConfigError(f"a token named {name!r} already exists (names are never reused)") from exc
            details = {"role": role, "province_code": province_code}
            if agency_code is not None:
                details["agency_code"] = agency_code
            audit.append(conn, actor, "token_add", f"token:{name}", details)
        assert new_id is not None
        return token, ApiToken(int(new_id[0]), name, role, province_code, agency_code)

    def revoke(self, name: str, actor: str) -> None:
        t = api_tokens.c
        with write_transaction(self.engine) as conn:
            changed = conn.execute(
                update(api_tokens)
                .where(t.name == name, t.revoked_at.is_(None))
                .values(revoked_at=dt.datetime.now(dt.UTC))
            ).rowcount
            if not changed:
                raise NotFoundError("active token", name)
            audit.append(conn, actor, "token_revoke", f"token:{name}")

    def by_token(self, token: str) -> ApiToken | None:
        """The live token with that text, else ``None``."""
        t = api_tokens.c
        statement = select(t.id, t.name, t.role, t.province_code, t.agency_code).where(
            t.token_hash == token_hash(token), t.revoked_at.is_(None)
        )
        with self.engine.connect() as conn:
            row = conn.execute(statement).first()
        if row is None:
            return None
        return ApiToken(int(row.id), row.name, row.role, row.province_code, row.agency_code)
