"""The web application's tables: who may sign in, and what people did about a discrepancy.

- ``users``: one row per login. ``role`` is ``treasury``, ``ops``,
  ``province``, ``agency`` or ``admin``; a ``province`` user is bound to one province
  (``province_code``), an ``agency`` user to one central agency
  (``agency_code``, a ministry), every other role has neither. Passwords are stored as
  scrypt hashes with a per-user salt (:mod:`adapters.web.auth`), never as
  text. A user is switched off with ``active = false``, never deleted, so
  the history below keeps its author.
- ``discrepancy_actions``: the treasury workflow on an item (bình luận,
  giao việc, xử lý): comments, assignments, resolutions, and requests for a
  write-off or a manual match that wait for a second person's approval.
  Rows are keyed by ``item_key`` (``UNDERPAID:T42``), which names the same
  problem across runs and reruns, and are only ever appended.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text

from adapters.db.meta import Id, UtcDateTime, metadata

ROLES = ("treasury", "ops", "province", "agency", "admin")

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # scrypt$n$r$p$salt_hex$hash_hex
    Column("role", String(16), nullable=False),
    Column("province_code", String(8)),  # only for role = province
    Column("agency_code", String(16)),  # only for role = agency
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

discrepancy_actions = Table(
    "discrepancy_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_key", String(300), nullable=False),
    Column("province_code", String(8)),  # the item's, so scoping needs no join
    # comment | assign | resolve | request_write_off | request_manual_match | approve | reject
    Column("kind", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("note", Text),
    Column("assignee", String(128)),
    Column("request_id", Id, ForeignKey("discrepancy_actions.id")),  # what an approve/reject decides
    Column("match_key", String(300)),  # a manual match request: the item paired with this one
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "item_key", "created_at"),
)
