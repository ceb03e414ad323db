"""The treasury workflow: comment, assign, resolve; write-offs and manual matches need four eyes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select
from starlette.testclient import TestClient
from web_world import csrf_of

from adapters.db.run_tables import discrepancies, work_items
from adapters.db.user_tables import discrepancy_actions

Client = Callable[[str], TestClient]


@pytest.fixture
def item(world: Engine) -> Iterator[int]:
    """The row id of HN-2's discrepancy, with no work recorded on it before or after the test."""

    def clean() -> None:
        with world.begin() as conn:
            conn.execute(delete(discrepancy_actions))
            conn.execute(delete(work_items))

    clean()
    d = discrepancies.c
    with world.connect() as conn:
        row_id = conn.execute(select(d.id).where(d.payment_code == "HN-2")).scalar_one()
    yield row_id
    clean()


def post(client: TestClient, path: str, **fields: str) -> Any:
    page = client.get(path.rsplit("/", 1)[0])
    return client.post(path, data={**fields, "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def work_item(engine: Engine) -> tuple[str, str | None] | None:
    with engine.connect() as conn:
        row = conn.execute(select(work_items.c.status, work_items.c.assignee)).first()
    return None if row is None else (row[0], row[1])


def test_a_comment_and_an_assignment_appear_on_the_items_page(
    signed_in: Client, world: Engine, item: int
) -> None:
    client = signed_in("thu")
    response = post(client, f"/discrepancies/{item}/comment", note="Gọi cho VNPay")
    assert response.status_code == 303
    post(client, f"/discrepancies/{item}/assign", assignee="vien")
    page = client.get(f"/discrepancies/{item}").text
    assert "Gọi cho VNPay" in page
    assert "→ vien" in page
    assert work_item(world) == ("open", "vien")


def test_resolving_marks_the_item_resolved_for_the_next_run(
    signed_in: Client, world: Engine, item: int
) -> None:
    post(signed_in("thu"), f"/discrepancies/{item}/resolve", note="portal status corrected")
    assert work_item(world) == ("resolved", None)


def test_a_write_off_waits_for_a_second_persons_approval(signed_in: Client, world: Engine, item: int) -> None:
    requester, approver = signed_in("thu"), signed_in("vien")
    post(requester, f"/discrepancies/{item}/request", kind="write_off", note="under 1.000 ₫")
    assert work_item(world) is None
    with world.connect() as conn:
        request_id = conn.execute(select(discrepancy_actions.c.id)).scalar_one()

    own = post(requester, f"/discrepancies/{item}/decide", request_id=str(request_id), decision="approve")
    assert own.status_code == 409
    assert "second person" in own.text
    assert work_item(world) is None

    other = post(approver, f"/discrepancies/{item}/decide", request_id=str(request_id), decision="approve")
    assert other.status_code == 303
    assert work_item(world) == ("written_off", None)

    again = post(approver, f"/discrepancies/{item}/decide", request_id=str(request_id), decision="approve")
    assert again.status_code == 409


def test_a_rejected_manual_match_changes_nothing(signed_in: Client, world: Engine, item: int) -> None:
    post(
        signed_in("thu"), f"/discrepancies/{item}/request", kind="manual_match", note="matched by hand to T2"
    )
    with world.connect() as conn:
        request_id = conn.execute(select(discrepancy_actions.c.id)).scalar_one()
    post(signed_in("admin"), f"/discrepancies/{item}/decide", request_id=str(request_id), decision="reject")
    assert work_item(world) is None
    assert "Approve" not in signed_in("thu").get(f"/discrepancies/{item}").text


@pytest.mark.parametrize("user", ["ops", "hanoi"])
def test_only_treasury_and_admin_work_on_items(
    signed_in: Client, world: Engine, item: int, user: str
) -> None:
    client = signed_in(user)
    response = post(client, f"/discrepancies/{item}/comment", note="not mine to say")
    assert response.status_code == 404
    assert 'action="/discrepancies/' not in client.get(f"/discrepancies/{item}").text
    with world.connect() as conn:
        assert conn.execute(select(discrepancy_actions)).first() is None


def test_an_empty_comment_is_refused(signed_in: Client, item: int) -> None:
    response = post(signed_in("thu"), f"/discrepancies/{item}/comment", note="  ")
    assert response.status_code == 400
