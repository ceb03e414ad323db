"""Users and the workflow's tables on both databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from adapters.db.run_tables import work_items
from adapters.db.users import SqlUserStore
from adapters.web import workflow
from reconcile.errors import ConfigError, NotFoundError

ROW = {"item_key": "UNDERPAID:T1", "province_code": "01", "status": "open"}


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


def test_an_approved_write_off_writes_off_the_work_item(migrated_engine: Engine) -> None:
    workflow.record(migrated_engine, ROW, "lan", "assign", assignee="binh")
    workflow.record(migrated_engine, ROW, "lan", "request_write_off", note="rounding")
    with migrated_engine.connect() as conn:
        request = workflow.pending_requests(workflow.item_actions(conn, ROW["item_key"]))[0]
    with pytest.raises(workflow.FourEyesError):
        workflow.decide(migrated_engine, ROW, "lan", request["id"], approve=True)
    workflow.decide(migrated_engine, ROW, "binh", request["id"], approve=True)
    with migrated_engine.connect() as conn:
        row = conn.execute(select(work_items.c.status, work_items.c.assignee, work_items.c.updated_by)).one()
        assert workflow.pending_requests(workflow.item_actions(conn, ROW["item_key"])) == []
    assert tuple(row) == ("written_off", "binh", "binh")
