"""The treasury workflow's record in the database (:class:`usecases.ports.WorkItems`).

Actions are appended to ``discrepancy_actions`` and never changed; each is
also appended to the audit log in the same transaction (action
``workflow_KIND``, target the item key), so the two never disagree. An
item's live status and assignee are kept in ``work_items`` (keyed by
``item_key``, like the actions), which the next run reads: a resolved or
written-off item is not carried into later runs as open. The decisions
themselves live in :mod:`usecases.workflow`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from adapters.db import audit
from adapters.db.engine import write_transaction
from adapters.db.meta import in_lists
from adapters.db.run_tables import discrepancies, work_items
from adapters.db.user_tables import discrepancy_actions, users
from reconcile.errors import FourEyesError
from usecases.ports import LiveState, WorkAction, WorkChange
from usecases.workflow import pending_requests

#: The roles that may be given items.
ASSIGNABLE_ROLES = ("treasury", "admin")


class SqlWorkItems:
    """The workflow's actions, live states and assignable users, in SQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def actions(self, item_key: str) -> list[Mapping[str, Any]]:
        with self.engine.connect() as conn:
            return item_actions(conn, item_key)

    def may_be_assigned(self, username: str) -> bool:
        u = users.c
        statement = select(u.username).where(
            u.username == username, u.active.is_(True), u.role.in_(ASSIGNABLE_ROLES)
        )
        with self.engine.connect() as conn:
            return conn.execute(statement).first() is not None

    def write(
        self,
        actions: Sequence[WorkAction],
        changes: Sequence[WorkChange],
        *,
        pending: tuple[str, int] | None = None,
    ) -> None:
        with write_transaction(self.engine) as conn:
            if pending is not None:
                _still_pending(conn, *pending)
            for action in actions:
                _append(conn, action)
            for change in changes:
                _set_work_item(conn, change)

    def live(self, run_ids: Sequence[str]) -> dict[str, LiveState]:
        d, w = discrepancies.c, work_items.c
        found: dict[str, LiveState] = {}
        with self.engine.connect() as conn:
            for chunk in in_lists(run_ids):
                statement = (
                    select(w.item_key, w.status, w.assignee)
                    .join(discrepancies, d.item_key == w.item_key)
                    .where(d.run_id.in_(chunk))
                    .distinct()
                )
                for key, status, assignee in conn.execute(statement):
                    found[key] = LiveState(status, assignee)
        return found


def item_actions(conn: Connection, item_key: str) -> list[Mapping[str, Any]]:
    """The item's actions, oldest first."""
    a = discrepancy_actions.c
    statement = select(discrepancy_actions).where(a.item_key == item_key).order_by(a.created_at, a.id)
    return [dict(row) for row in conn.execute(statement).mappings()]


def _still_pending(conn: Connection, item_key: str, request_id: int) -> None:
    """Refuse a decision on a request decided meanwhile.

    The request's row is locked first (PostgreSQL; SQLite's write transaction
    holds the whole database), so of two people deciding at once the second
    waits, then sees the first one's decision.
    """
    a = discrepancy_actions.c
    conn.execute(select(a.id).where(a.id == request_id).with_for_update()).first()
    if not any(r["id"] == request_id for r in pending_requests(item_actions(conn, item_key))):
        raise FourEyesError(f"request {request_id} is not pending on {item_key}")


def _append(conn: Connection, action: WorkAction) -> None:
    values = {
        "note": action.note,
        "assignee": action.assignee,
        "match_key": action.match_key,
        "request_id": action.request_id,
    }
    given = {key: value for key, value in values.items() if value is not None}
    details = {"row_id": action.row_id, "province_code": action.province_code, **given}
    audit.append(conn, action.actor, f"workflow_{action.kind}", action.item_key, details)
    conn.execute(
        insert(discrepancy_actions).values(
            item_key=action.item_key,
            province_code=action.province_code,
            kind=action.kind,
            actor=action.actor,
            created_at=dt.datetime.now(dt.UTC),
            **values,
        )
    )


def _set_work_item(conn: Connection, change: WorkChange) -> None:
    w = work_items.c
    now = dt.datetime.now(dt.UTC)
    values = {
        key: value for key, value in (("status", change.status), ("assignee", change.assignee)) if value
    }
    current = conn.execute(select(w.status).where(w.item_key == change.item_key)).first()
    if current is None:
        values.setdefault("status", change.run_status)
        statement: Any = insert(work_items).values(item_key=change.item_key, **values)
    else:
        statement = update(work_items).where(w.item_key == change.item_key).values(**values)
    conn.execute(statement.values(updated_at=now, updated_by=change.actor))
