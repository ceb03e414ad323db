"""The treasury workflow's rules (:mod:`usecases.workflow`), run over any :class:`usecases.ports.WorkItems`.

A test module subclasses :class:`WorkflowContract` and gives ``store``: a
record in which ``lan`` and ``binh`` are active treasury users, ``an`` an
active admin, ``mai`` a deactivated treasury user and ``hanoi`` a province
user; and ``live``, which reads an item's live state back from that record.
The unit tests run the rules over an in-memory record, the integration tests
over the database on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from reconcile.errors import FourEyesError, RefusedAction
from usecases import workflow
from usecases.ports import LiveState, WorkAction, WorkItems

THRESHOLD = 50_000_000
SMALL = {
    "id": 1,
    "item_key": "UNDERPAID:T1",
    "province_code": "01",
    "severity": "medium",
    "difference_vnd": -20_000,
    "status": "open",
}
BIG = {
    "id": 2,
    "item_key": "MISSING_BANK_CREDIT:B9",
    "province_code": "79",
    "severity": "high",
    "difference_vnd": -THRESHOLD,
    "status": "open",
}
CREDIT = {
    "id": 3,
    "item_key": "UNMATCHED_CREDIT:FT9",
    "province_code": "79",
    "severity": "medium",
    "difference_vnd": THRESHOLD,
    "status": "open",
}


class WorkflowContract:
    @pytest.fixture
    def store(self) -> WorkItems:
        raise NotImplementedError

    def live(self, store: WorkItems, item_key: str) -> LiveState | None:
        raise NotImplementedError

    def _kinds(self, store: WorkItems, item: Mapping[str, Any]) -> list[str]:
        return [row["kind"] for row in store.actions(item["item_key"])]

    def _only_request(self, store: WorkItems, item: Mapping[str, Any]) -> Mapping[str, Any]:
        (request,) = workflow.pending_requests(store.actions(item["item_key"]))
        return request

    def test_a_comment_is_appended_and_changes_nothing_else(self, store: WorkItems) -> None:
        workflow.comment(store, SMALL, "lan", "gọi ngân hàng")
        (row,) = store.actions(SMALL["item_key"])
        assert (row["kind"], row["actor"], row["note"]) == ("comment", "lan", "gọi ngân hàng")
        assert self.live(store, SMALL["item_key"]) is None
        with pytest.raises(RefusedAction, match="needs text"):
            workflow.comment(store, SMALL, "lan", None)
        assert len(store.actions(SMALL["item_key"])) == 1

    def test_an_item_is_assigned_only_to_an_active_treasury_or_admin_user(self, store: WorkItems) -> None:
        workflow.assign(store, SMALL, "lan", "binh")
        assert self.live(store, SMALL["item_key"]) == LiveState("open", "binh")
        workflow.assign(store, SMALL, "lan", "an")
        assert self.live(store, SMALL["item_key"]) == LiveState("open", "an")
        for nobody in ("mai", "hanoi", "ghost", None):
            with pytest.raises(RefusedAction):
                workflow.assign(store, SMALL, "lan", nobody)
        assert self._kinds(store, SMALL) == ["assign", "assign"]
        assert self.live(store, SMALL["item_key"]) == LiveState("open", "an")

    def test_a_resolution_below_the_threshold_takes_effect_at_once(self, store: WorkItems) -> None:
        with pytest.raises(RefusedAction, match="resolved"):
            workflow.resolve(store, SMALL, "lan", None, THRESHOLD)
        assert workflow.resolve(store, SMALL, "lan", "đã khớp", THRESHOLD) == "resolve"
        assert self.live(store, SMALL["item_key"]) == LiveState("resolved", None)
        # A large difference of medium severity is no reason for a second person.
        assert workflow.resolve(store, CREDIT, "lan", "đã khớp", THRESHOLD) == "resolve"

    def test_a_high_severity_item_at_the_threshold_needs_a_second_person(self, store: WorkItems) -> None:
        assert workflow.needs_approval(BIG, THRESHOLD)
        assert not workflow.needs_approval(BIG, THRESHOLD + 1)
        assert workflow.resolve(store, BIG, "lan", "ngân hàng xác nhận", THRESHOLD) == "request_resolve"
        assert self.live(store, BIG["item_key"]) is None
        request = self._only_request(store, BIG)
        with pytest.raises(FourEyesError, match="second person"):
            workflow.decide(store, BIG, "lan", request["id"], approve=True)
        assert self.live(store, BIG["item_key"]) is None
        workflow.decide(store, BIG, "binh", request["id"], approve=True)
        assert self.live(store, BIG["item_key"]) == LiveState("resolved", None)
        assert self._kinds(store, BIG) == ["request_resolve", "approve"]

    def test_a_write_off_is_decided_once_and_never_by_its_requester(self, store: WorkItems) -> None:
        workflow.assign(store, SMALL, "lan", "binh")
        with pytest.raises(RefusedAction, match="reason"):
            workflow.request(store, SMALL, "lan", "write_off", None)
        with pytest.raises(RefusedAction, match="unknown request kind"):
            workflow.request(store, SMALL, "lan", "forgive", "vì sao")
        workflow.request(store, SMALL, "lan", "write_off", "làm tròn")
        request = self._only_request(store, SMALL)
        assert (request["kind"], request["actor"]) == ("request_write_off", "lan")
        assert request["note"] == "làm tròn"
        with pytest.raises(FourEyesError):
            workflow.decide(store, SMALL, "lan", request["id"], approve=True)
        workflow.decide(store, SMALL, "binh", request["id"], approve=True)
        assert self.live(store, SMALL["item_key"]) == LiveState("written_off", "binh")
        for decider, approve in (("an", True), ("an", False)):
            with pytest.raises(FourEyesError, match="not pending"):
                workflow.decide(store, SMALL, decider, request["id"], approve)
        assert workflow.pending_requests(store.actions(SMALL["item_key"])) == []
        assert self._kinds(store, SMALL) == ["assign", "request_write_off", "approve"]

    def test_a_rejected_request_changes_nothing_and_cannot_be_approved_after(self, store: WorkItems) -> None:
        workflow.request(store, SMALL, "lan", "write_off", "làm tròn")
        request = self._only_request(store, SMALL)
        workflow.decide(store, SMALL, "binh", request["id"], approve=False)
        assert self.live(store, SMALL["item_key"]) is None
        with pytest.raises(FourEyesError):
            workflow.decide(store, SMALL, "an", request["id"], approve=True)
        assert self.live(store, SMALL["item_key"]) is None

    def test_an_approved_manual_match_resolves_both_items(self, store: WorkItems) -> None:
        with pytest.raises(RefusedAction, match="other item"):
            workflow.request(store, BIG, "lan", "manual_match", "cùng số tiền", None)
        with pytest.raises(RefusedAction, match="itself"):
            workflow.request(store, BIG, "lan", "manual_match", "cùng số tiền", BIG["item_key"])
        workflow.request(store, BIG, "lan", "manual_match", "cùng số tiền", CREDIT["item_key"])
        request = self._only_request(store, BIG)
        assert request["match_key"] == CREDIT["item_key"]
        assert self.live(store, CREDIT["item_key"]) is None
        # UNMATCHED_CREDIT is not a category a run pairs by: nothing to run again
        assert workflow.decide(store, BIG, "an", request["id"], approve=True) is None
        assert self.live(store, BIG["item_key"]) == LiveState("resolved", None)
        assert self.live(store, CREDIT["item_key"]) == LiveState("resolved", None)

    def test_an_approved_match_of_a_credit_with_a_batch_names_the_other_item_to_run_again(
        self, store: WorkItems
    ) -> None:
        stray = {**CREDIT, "id": 4, "item_key": "UNEXPECTED_BANK_CREDIT:FT9"}
        workflow.request(store, BIG, "lan", "manual_match", "cùng số tiền", stray["item_key"])
        request = self._only_request(store, BIG)
        assert workflow.decide(store, BIG, "an", request["id"], approve=True) == stray["item_key"]
        assert self.live(store, stray["item_key"]) == LiveState("resolved", None)

    def test_a_rejected_manual_match_names_nothing_to_run_again(self, store: WorkItems) -> None:
        stray = {**CREDIT, "id": 4, "item_key": "UNEXPECTED_BANK_CREDIT:FT9"}
        workflow.request(store, BIG, "lan", "manual_match", "cùng số tiền", stray["item_key"])
        request = self._only_request(store, BIG)
        assert workflow.decide(store, BIG, "an", request["id"], approve=False) is None
        assert self.live(store, stray["item_key"]) is None

    def test_a_bulk_resolution_asks_for_approval_where_it_is_needed(self, store: WorkItems) -> None:
        with pytest.raises(RefusedAction, match="nothing selected"):
            workflow.resolve_many(store, [], "lan", "xong", THRESHOLD)
        workflow.resolve_many(store, [SMALL, BIG, CREDIT], "lan", "xong", THRESHOLD)
        assert self.live(store, SMALL["item_key"]) == LiveState("resolved", None)
        assert self.live(store, CREDIT["item_key"]) == LiveState("resolved", None)
        assert self.live(store, BIG["item_key"]) is None
        assert self._only_request(store, BIG)["kind"] == "request_resolve"

    def test_a_refused_bulk_assignment_writes_nothing(self, store: WorkItems) -> None:
        with pytest.raises(RefusedAction, match="active"):
            workflow.assign_many(store, [SMALL, BIG], "lan", "mai")
        assert store.actions(SMALL["item_key"]) == store.actions(BIG["item_key"]) == []
        workflow.assign_many(store, [SMALL, BIG], "lan", "binh")
        assert self.live(store, BIG["item_key"]) == LiveState("open", "binh")
        workflow.comment_many(store, [SMALL, BIG], "binh", "đang xem")
        assert self._kinds(store, BIG) == ["assign", "comment"]

    def test_a_decision_on_a_request_decided_meanwhile_writes_nothing(self, store: WorkItems) -> None:
        """The port re-checks, in the decision's own transaction, that the request is still pending."""
        workflow.request(store, SMALL, "lan", "write_off", "làm tròn")
        request = self._only_request(store, SMALL)
        workflow.decide(store, SMALL, "binh", request["id"], approve=False)
        late = WorkAction(SMALL["item_key"], "01", 1, "approve", "an", request_id=request["id"])
        with pytest.raises(FourEyesError):
            store.write([late], [], pending=(SMALL["item_key"], request["id"]))
        assert self._kinds(store, SMALL) == ["request_write_off", "reject"]
