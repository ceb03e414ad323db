"""Who did what, and who is signed in: the audit log, server-side sessions and API tokens.

- ``audit_log``: one row per sign-in (and failed attempt), sign-out, download,
  run, workflow action, user or token change; only ever appended. ``seq``
  counts 1, 2, 3… with no gap; each row's ``entry_hash`` is SHA-256 over a
  canonical serialisation of the row and the previous row's hash
  (``prev_hash``), so an edited, deleted, inserted or reordered row breaks the
  chain (:mod:`adapters.db.audit`).
- ``web_sessions``: the server side of a browser session. The cookie carries
  only a random id; the table keeps its SHA-256 (a copy of the table signs
  nobody in), the user and the session's data (its CSRF token). Deleting a
  user's rows signs them out at once.
- ``api_tokens``: machine logins for ``/api/v1/…`` (``recon token add``), with
  a role and a province like a user's; only the token's SHA-256 is stored.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text

from adapters.db.meta import Id, UtcDateTime, metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(160), nullable=False),  # a username, "token:NAME" or "cli:OSUSER"
    Column("action", String(64), nullable=False),  # sign_in, sign_in_failed, download, rerun, …
    Column("target", String(300)),  # what it was about: an item key, a run id, a file name, a user
    Column("details", Text, nullable=False),  # canonical JSON object
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie's random id
    Column("user_id", Id, ForeignKey("users.id")),  # NULL before sign-in (the login form's CSRF token)
    Column("data", Text, nullable=False),  # JSON object
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index(None, "user_id"),
    Index(None, "expires_at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("province_code", String(8)),
    Column("agency_code", String(16)),  # only for role = agency
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)
