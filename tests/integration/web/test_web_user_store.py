"""Users and the workflow's tables on both databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, select
from workflow_contract import WorkflowContract

from adapters.db.audit_tables import audit_log
from adapters.db.run_tables import work_items
from adapters.db.users import SqlUserStore
from adapters.db.workflow import SqlWorkItems
from reconcile.errors import ConfigError, FourEyesError, NotFoundError
from usecases import workflow
from usecases.ports import LiveState, WorkItems

ROW = {"id": 1, "item_key": "UNDERPAID:T1", "province_code": "01", "severity": "low", "status": "open"}
USERS = [
    ("lan", "treasury", None),
    ("binh", "treasury", None),
    ("an", "admin", None),
    ("mai", "treasury", None),
    ("hanoi", "province", "01"),
]


def test_a_user_is_stored_and_found_by_name_and_id(migrated_engine: Engine) -> None:
    store = SqlUserStore(migrated_engine)
    added = store.add("hanoi", "scrypt$hash", "province", "01")
    assert store.by_username("hanoi") == added
    assert store.by_id(added.id) == added
    assert (added.role, added.province_code, added.active) == ("province", "01", True)
    assert store.by_username("Hanoi") is None


def test_a_taken_name_or_an_unknown_province_is_refused(migrated_engine: Engine) -> None:
    store = SqlUserStore(migrated_engine)
    store.add("lan", "scrypt$hash", "treasury")
    with pytest.raises(ConfigError, match="already exists"):
        store.add("lan", "scrypt$hash", "ops")
    with pytest.raises(NotFoundError):
        store.add("xx", "scrypt$hash", "province", "99")


class TestWorkflowInTheDatabase(WorkflowContract):
    """The workflow's rules over the database's record (:class:`adapters.db.workflow.SqlWorkItems`)."""

    @pytest.fixture
    def store(self, migrated_engine: Engine) -> WorkItems:
        users = SqlUserStore(migrated_engine)
        for name, role, province in USERS:
            users.add(name, "scrypt$hash", role, province)
        users.deactivate("mai", "admin")
        return SqlWorkItems(migrated_engine)

    def live(self, store: WorkItems, item_key: str) -> LiveState | None:
        assert isinstance(store, SqlWorkItems)
        w = work_items.c
        with store.engine.connect() as conn:
            row = conn.execute(select(w.status, w.assignee).where(w.item_key == item_key)).first()
        return None if row is None else LiveState(row.status, row.assignee)


def test_each_workflow_action_is_audited_with_its_item(migrated_engine: Engine) -> None:
    SqlUserStore(migrated_engine).add("binh", "scrypt$hash", "treasury")
    store = SqlWorkItems(migrated_engine)
    workflow.assign(store, ROW, "lan", "binh")
    workflow.request(store, ROW, "lan", "write_off", "rounding")
    (request,) = workflow.pending_requests(store.actions(ROW["item_key"]))
    workflow.decide(store, ROW, "binh", request["id"], approve=True)
    a = audit_log.c
    with migrated_engine.connect() as conn:
        rows = conn.execute(select(a.actor, a.action, a.target).order_by(a.seq)).all()
        w = work_items.c
        state = conn.execute(select(w.status, w.assignee, w.updated_by)).one()
    assert [tuple(r) for r in rows if r.action.startswith("workflow_")] == [
        ("lan", "workflow_assign", ROW["item_key"]),
        ("lan", "workflow_request_write_off", ROW["item_key"]),
        ("binh", "workflow_approve", ROW["item_key"]),
    ]
    assert tuple(state) == ("written_off", "binh", "binh")


def test_of_two_people_approving_one_request_at_once_only_one_decides(migrated_engine: Engine) -> None:
    users = SqlUserStore(migrated_engine)
    for name in ("binh", "an", "mai"):
        users.add(name, "scrypt$hash", "treasury")
    store = SqlWorkItems(migrated_engine)
    workflow.request(store, ROW, "lan", "write_off", "rounding")
    (request,) = workflow.pending_requests(store.actions(ROW["item_key"]))
    start = threading.Barrier(3)
    outcomes: list[str] = []

    def approve(decider: str) -> None:
        start.wait()
        try:
            workflow.decide(store, ROW, decider, request["id"], approve=True)
            outcomes.append("decided")
        except FourEyesError:
            outcomes.append("refused")

    threads = [threading.Thread(target=approve, args=(name,)) for name in ("binh", "an", "mai")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["decided", "refused", "refused"]
    kinds = [row["kind"] for row in store.actions(ROW["item_key"])]
    assert kinds == ["request_write_off", "approve"]
