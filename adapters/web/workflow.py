"""The treasury workflow on a discrepancy: comment, assign, resolve, and four-eyes decisions.

Actions are appended to ``discrepancy_actions`` and never changed. A
comment, an assignment or a resolution takes effect at once. A write-off
(xoá sổ) or a manual match (đối chiếu thủ công) is a request that takes
effect only when a second person approves it: :func:`decide` refuses an
approver who is the requester (:class:`FourEyesError`), and a request is
decided once.

Each action is also appended to the audit log in the same transaction
(action ``workflow_KIND``, target the item key), so the two never disagree.

The item's status and assignee are also written to ``work_items`` (keyed by
``item_key``, like the actions), which the next run reads: a resolved or
written-off item is not carried into later runs as open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from adapters.db import audit
from adapters.db.engine import write_transaction
from adapters.db.run_tables import work_items
from adapters.db.user_tables import discrepancy_actions
from reconcile.errors import ReconError

REQUEST_KINDS = {"write_off": "request_write_off", "manual_match": "request_manual_match"}
#: What an approved request does to the item's status.
APPROVED_STATUS = {
    "request_write_off": "written_off",
    "request_manual_match": "resolved",
    "request_resolve": "resolved",
}
#: The default of ``RECON_APPROVAL_THRESHOLD_VND``: resolving a high-severity
#: item of at least this absolute difference (đồng) needs a second person.
DEFAULT_APPROVAL_THRESHOLD_VND = 50_000_000


class FourEyesError(ReconError, PermissionError):
    """A request decided by the person who made it, or decided twice."""


def item_actions(conn: Connection, item_key: str) -> list[Mapping[str, Any]]:
    a = discrepancy_actions.c
    statement = select(discrepancy_actions).where(a.item_key == item_key).order_by(a.created_at, a.id)
    return [dict(row) for row in conn.execute(statement).mappings()]


def pending_requests(actions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The requests in ``actions`` that nobody has approved or rejected yet."""
    decided = {row["request_id"] for row in actions if row["kind"] in ("approve", "reject")}
    return [row for row in actions if row["kind"] in APPROVED_STATUS and row["id"] not in decided]


def needs_approval(row: Mapping[str, Any], threshold_vnd: int) -> bool:
    """Whether resolving ``row`` needs a second person: high severity and ``|difference|`` ≥ threshold."""
    return row["severity"] == "high" and abs(int(row.get("difference_vnd") or 0)) >= threshold_vnd


def record(
    engine: Engine,
    row: Mapping[str, Any],
    actor: str,
    kind: str,
    *,
    note: str | None = None,
    assignee: str | None = None,
    match_key: str | None = None,
) -> None:
    """Append a comment, an assignment, a resolution or a request about ``row``'s item."""
    record_many(engine, [row], actor, kind, note=note, assignee=assignee, match_key=match_key)


def record_many(
    engine: Engine,
    rows: Sequence[Mapping[str, Any]],
    actor: str,
    kind: str,
    *,
    note: str | None = None,
    assignee: str | None = None,
    match_key: str | None = None,
) -> None:
    """The same action on every row, in one transaction: all of them or none."""
    with write_transaction(engine) as conn:
        for row in rows:
            _append(conn, row, actor, kind, note=note, assignee=assignee, match_key=match_key)
            if kind == "assign":
                _set_work_item(conn, row, actor, assignee=assignee)
            elif kind == "resolve":
                _set_work_item(conn, row, actor, status="resolved")


def decide(engine: Engine, row: Mapping[str, Any], actor: str, request_id: int, approve: bool) -> None:
    """Approve or reject a pending request; the decider must not be the requester."""
    with write_transaction(engine) as conn:
        actions = item_actions(conn, row["item_key"])
        request = next((r for r in pending_requests(actions) if r["id"] == request_id), None)
        if request is None:
            raise FourEyesError(f"request {request_id} is not pending on {row['item_key']}")
        if request["actor"] == actor:
            raise FourEyesError("a write-off or manual match needs a second person's approval")
        _append(conn, row, actor, "approve" if approve else "reject", request_id=request_id)
        if approve:
            _set_work_item(conn, row, actor, status=APPROVED_STATUS[request["kind"]])
            if request["kind"] == "request_manual_match" and request["match_key"]:
                _set_work_item(conn, {"item_key": request["match_key"]}, actor, status="resolved")


def _append(conn: Connection, row: Mapping[str, Any], actor: str, kind: str, **values: Any) -> None:
    given = {key: value for key, value in values.items() if value is not None}
    details = {"row_id": row.get("id"), "province_code": row["province_code"], **given}
    audit.append(conn, actor, f"workflow_{kind}", row["item_key"], details)
    conn.execute(
        insert(discrepancy_actions).values(
            item_key=row["item_key"],
            province_code=row["province_code"],
            kind=kind,
            actor=actor,
            created_at=dt.datetime.now(dt.UTC),
            **values,
        )
    )


def _set_work_item(conn: Connection, row: Mapping[str, Any], actor: str, **values: Any) -> None:
    w = work_items.c
    now = dt.datetime.now(dt.UTC)
    current = conn.execute(select(w.status).where(w.item_key == row["item_key"])).first()
    if current is None:
        values.setdefault("status", row.get("status") or "open")
        conn.execute(
            insert(work_items).values(item_key=row["item_key"], updated_at=now, updated_by=actor, **values)
        )
    else:
        conn.execute(
            update(work_items)
            .where(w.item_key == row["item_key"])
            .values(updated_at=now, updated_by=actor, **values)
        )
