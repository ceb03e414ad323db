"""The workflow's rules over an in-memory fake of :class:`usecases.ports.WorkItems`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import pyarrow as pa
import pytest
from workflow_contract import WorkflowContract

from reconcile.discrepancies import DISCREPANCIES
from reconcile.errors import FourEyesError
from reports.tabular import DiscrepancyReport, to_json_document
from usecases.ports import LiveState, WorkAction, WorkChange, WorkItems
from usecases.reports import with_live_state
from usecases.workflow import pending_requests

USERS = {
    "lan": ("treasury", True),
    "binh": ("treasury", True),
    "an": ("admin", True),
    "mai": ("treasury", False),
    "hanoi": ("province", True),
}


class MemoryWorkItems:
    """The workflow's record in lists and dicts; a write checks everything before it changes anything."""

    def __init__(self, users: Mapping[str, tuple[str, bool]]) -> None:
        self.users = dict(users)
        self.rows: list[dict[str, Any]] = []
        self.states: dict[str, LiveState] = {}

    def actions(self, item_key: str) -> list[Mapping[str, Any]]:
        return [dict(row) for row in self.rows if row["item_key"] == item_key]

    def may_be_assigned(self, username: str) -> bool:
        role, active = self.users.get(username, ("", False))
        return active and role in ("treasury", "admin")

    def write(
        self,
        actions: Sequence[WorkAction],
        changes: Sequence[WorkChange],
        *,
        pending: tuple[str, int] | None = None,
    ) -> None:
        if pending is not None:
            item_key, request_id = pending
            if not any(r["id"] == request_id for r in pending_requests(self.actions(item_key))):
                raise FourEyesError(f"request {request_id} is not pending on {item_key}")
        now = dt.datetime.now(dt.UTC)
        for action in actions:
            self.rows.append({"id": len(self.rows) + 1, "created_at": now, **asdict(action)})
        for change in changes:
            current = self.states.get(change.item_key)
            status = change.status or (current.status if current else change.run_status)
            assignee = change.assignee or (current.assignee if current else None)
            self.states[change.item_key] = LiveState(status, assignee)

    def live(self, run_ids: Sequence[str]) -> dict[str, LiveState]:
        return dict(self.states)


class TestWorkflowInMemory(WorkflowContract):
    @pytest.fixture
    def store(self) -> WorkItems:
        return MemoryWorkItems(USERS)

    def live(self, store: WorkItems, item_key: str) -> LiveState | None:
        assert isinstance(store, MemoryWorkItems)
        return store.states.get(item_key)


def test_a_report_shows_each_item_s_live_status_and_assignee() -> None:
    rows = [
        {"category": "UNDERPAID", "severity": "medium", "status": "open", "txn_id": "T1"},
        {"category": "UNDERPAID", "severity": "medium", "status": "open", "txn_id": "T2"},
        {"category": "MISSING_BANK_CREDIT", "severity": "high", "status": "pending", "batch_id": "B9"},
    ]
    report = DiscrepancyReport({"id": "r1"}, pa.Table.from_pylist(rows, DISCREPANCIES))
    store = MemoryWorkItems(USERS)
    store.states = {
        "UNDERPAID:T2": LiveState("resolved", "binh"),
        "MISSING_BANK_CREDIT:B9": LiveState("open", "an"),
    }
    document = to_json_document(with_live_state(store, report, ["r1"]))
    shown = {(r["txn_id"] or r["batch_id"]): (r["status"], r["assignee"]) for r in document["discrepancies"]}
    assert shown == {"T1": ("open", None), "T2": ("resolved", "binh"), "B9": ("open", "an")}
    # Without the workflow the rows are the run's, and nobody holds them.
    plain = to_json_document(report)["discrepancies"]
    assert [(r["status"], r["assignee"]) for r in plain] == [
        ("pending", None),
        ("open", None),
        ("open", None),
    ]
