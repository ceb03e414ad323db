"""The treasury workflow: comment, assign, resolve; write-offs and manual matches need four eyes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, delete, insert, select
from starlette.testclient import TestClient
from web_world import csrf_of

from adapters.db.run_tables import discrepancies, run_batches, run_credits, work_items
from adapters.db.schema import bank_entries, bank_statements
from adapters.db.user_tables import discrepancy_actions

Client = Callable[..., TestClient]


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


def row_id(world: Engine, payment_code: str) -> int:
    d = discrepancies.c
    with world.connect() as conn:
        return int(conn.execute(select(d.id).where(d.payment_code == payment_code)).scalar_one())


def statuses(engine: Engine) -> dict[str, tuple[str, str | None]]:
    w = work_items.c
    with engine.connect() as conn:
        return {
            key: (status, who) for key, status, who in conn.execute(select(w.item_key, w.status, w.assignee))
        }


def test_a_rejected_manual_match_changes_nothing(signed_in: Client, world: Engine, item: int) -> None:
    other = row_id(world, "HN-1")
    post(
        signed_in("thu"),
        f"/discrepancies/{item}/request",
        kind="manual_match",
        note="matched by hand to T2",
        match_with=str(other),
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


def test_an_approved_manual_match_resolves_both_items_at_once_everywhere(
    signed_in: Client, world: Engine, item: int
) -> None:
    other = row_id(world, "HN-1")
    thu, vien = signed_in("thu"), signed_in("vien")
    post(
        thu,
        f"/discrepancies/{item}/request",
        kind="manual_match",
        note="the same money",
        match_with=str(other),
    )
    with world.connect() as conn:
        request_id = conn.execute(select(discrepancy_actions.c.id)).scalar_one()
        match_key = conn.execute(select(discrepancy_actions.c.match_key)).scalar_one()
    assert match_key == "UNDERPAID:T1"
    assert statuses(world) == {}
    post(vien, f"/discrepancies/{item}/decide", request_id=str(request_id), decision="approve")
    assert statuses(world) == {
        "SETTLED_NOT_RECORDED:T2": ("resolved", None),
        "UNDERPAID:T1": ("resolved", None),
    }
    for row in (item, other):
        assert "Đã xử lý" in thu.get(f"/discrepancies/{row}").text
    api = thu.get("/api/v1/discrepancies", params={"date": "2026-11-25", "status": "resolved"}).json()
    assert sorted(i["id"] for i in api["items"]) == sorted([item, other])
    dashboard = thu.get("/", params={"status": "resolved"}).text
    assert "2 mục / items" in dashboard


def test_a_manual_match_names_an_item_in_scope(signed_in: Client, item: int) -> None:
    for other in ("", "999999", str(item)):
        response = post(
            signed_in("thu"),
            f"/discrepancies/{item}/request",
            kind="manual_match",
            note="x",
            match_with=other,
        )
        assert response.status_code == 400


@pytest.mark.parametrize("assignee", ["nobody", "hanoi", "ops", " "])
def test_an_item_is_assigned_only_to_an_active_treasury_or_admin_user(
    signed_in: Client, world: Engine, item: int, assignee: str
) -> None:
    response = post(signed_in("thu"), f"/discrepancies/{item}/assign", assignee=assignee)
    assert response.status_code == 400
    assert work_item(world) is None


def test_the_assignee_and_live_status_show_at_once_on_the_page_the_dashboard_and_the_api(
    signed_in: Client, world: Engine, item: int
) -> None:
    client = signed_in("thu")
    post(client, f"/discrepancies/{item}/assign", assignee="vien")
    assert "vien" in client.get(f"/discrepancies/{item}").text.split('id="assignee"')[1][:40]
    mine = signed_in("vien").get("/", params={"mine": "1"}).text
    assert f'href="/discrepancies/{item}"' in mine
    assert "1 mục / items" in mine
    post(client, f"/discrepancies/{item}/resolve", note="done")
    body = client.get("/api/v1/discrepancies", params={"date": "2026-11-25", "q": "HN-2"}).json()
    assert (body["items"][0]["status"], body["items"][0]["assignee"]) == ("resolved", "vien")
    assert "Đã xử lý" in client.get(f"/discrepancies/{item}").text
    assert f'href="/discrepancies/{item}"' not in signed_in("vien").get("/", params={"mine": "1"}).text
    report = client.get("/reports/2026-11-25-v1.json").json()["discrepancies"]
    assert {(r["payment_code"], r["status"]) for r in report} >= {("HN-2", "resolved"), ("HN-1", "open")}
    csv_lines = client.get("/reports/2026-11-25-v1.csv").text.splitlines()
    assert any("HN-2" in line and ",resolved," in line for line in csv_lines)


def test_resolving_a_large_high_severity_item_needs_a_second_person(
    signed_in: Client, world: Engine, item: int
) -> None:
    high = row_id(world, "HN-1")  # UNDERPAID, high, -100.000 ₫
    threshold = {"approval_threshold_vnd": 100_000}
    thu, vien = signed_in("thu", **threshold), signed_in("vien", **threshold)
    assert "needs-approval" in thu.get(f"/discrepancies/{high}").text
    post(thu, f"/discrepancies/{high}/resolve", note="paid at the counter")
    assert statuses(world) == {}
    with world.connect() as conn:
        kind, request_id = conn.execute(select(discrepancy_actions.c.kind, discrepancy_actions.c.id)).one()
    assert kind == "request_resolve"
    assert (
        post(thu, f"/discrepancies/{high}/decide", request_id=str(request_id), decision="approve").status_code
        == 409
    )
    post(vien, f"/discrepancies/{high}/decide", request_id=str(request_id), decision="approve")
    assert statuses(world) == {"UNDERPAID:T1": ("resolved", None)}
    post(thu, f"/discrepancies/{item}/resolve", note="medium severity: at once")
    assert statuses(world)["SETTLED_NOT_RECORDED:T2"] == ("resolved", None)


def bulk(client: TestClient, fields: list[tuple[str, str]]) -> Any:
    token = csrf_of(client.get("/").text)
    return client.post(
        "/discrepancies/bulk",
        content=urlencode([*fields, ("csrf_token", token)]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def test_bulk_assignment_of_ticked_items_and_bulk_resolution_of_a_filter(
    signed_in: Client, world: Engine, item: int
) -> None:
    client = signed_in("thu", approval_threshold_vnd=100_000)
    ticked = [item, row_id(world, "HCM-2")]
    response = bulk(
        client,
        [("action", "assign"), ("assign_to", "vien"), ("scope", "selected")]
        + [("id", str(i)) for i in ticked],
    )
    assert response.status_code == 303
    assert "done=2" in response.headers["location"]
    assert statuses(world) == {
        "SETTLED_NOT_RECORDED:T2": ("open", "vien"),
        "SETTLED_NOT_RECORDED:T12": ("open", "vien"),
    }
    response = bulk(
        client,
        [
            ("action", "resolve"),
            ("note", "cleared"),
            ("scope", "filter"),
            ("date", "2026-11-25"),
            ("province", "01"),
        ],
    )
    assert response.status_code == 303
    assert "province=01" in response.headers["location"]
    after = statuses(world)
    assert after["SETTLED_NOT_RECORDED:T2"] == ("resolved", "vien")
    assert "UNDERPAID:T1" not in after  # high and large: a request, not a resolution
    with world.connect() as conn:
        kinds = sorted(conn.execute(select(discrepancy_actions.c.kind)).scalars())
    assert kinds.count("request_resolve") == 1
    assert bulk(client, [("action", "assign"), ("assign_to", "nobody"), ("id", str(item))]).status_code == 400
    assert bulk(client, [("action", "comment"), ("note", "x")]).status_code == 400


def test_a_province_user_cannot_act_in_bulk(signed_in: Client, item: int) -> None:
    client = signed_in("hanoi")
    assert bulk(client, [("action", "comment"), ("note", "x"), ("id", str(item))]).status_code == 404


def test_the_items_page_shows_the_evidence_behind_it(signed_in: Client, world: Engine) -> None:
    # UNDERPAID T1, of batch VNP-HN-1
    page = signed_in("thu").get(f"/discrepancies/{row_id(world, 'HN-1')}").text
    evidence = page.split('id="evidence"')[1].split("</section>")[0]
    assert "obligations.csv" in evidence  # the obligation and the file it came from
    assert "vnpay.csv" in evidence  # the batch's gateway transactions, with file and line
    assert 'href="/?q=T1"' in evidence
    assert "VNP-HN-1" in evidence
    assert "hanoi.sta" in evidence  # the credit linked to the batch, from its MT940 file
    province = signed_in("saigon").get(f"/discrepancies/{row_id(world, 'HN-1')}")
    assert province.status_code == 404


def test_a_bad_filter_is_named_and_the_page_still_shows(signed_in: Client) -> None:
    page = signed_in("thu").get("/", params={"age": "7", "sort": "-password"})
    assert page.status_code == 200
    assert "bad filter" in page.text
    assert "4 mục / items" in page.text
    english = signed_in("thu").get("/", params={"lang": "en"}).text
    assert "Underpaid" in english
    assert 'lang="en"' in english


def test_candidate_credits_are_on_the_account_inside_the_window_and_near_the_amount(
    signed_in: Client, world: Engine
) -> None:
    """Three unlinked credits beside batch VNP-HN-1 (1.400.000 ₫ due 26/11): only the near one is offered."""
    e, c = bank_entries.c, run_credits.c
    with world.connect() as conn:
        statement_row = conn.execute(select(bank_statements.c.id).limit(1)).scalar_one()
        account = conn.execute(
            select(run_batches.c.treasury_account).where(run_batches.c.batch_id == "VNP-HN-1")
        ).scalar_one()
    made: list[int] = []
    with world.begin() as conn:
        for ref, amount, day in (
            ("NEAR-1", 1_390_000, dt.date(2026, 11, 26)),
            ("FAR-AMOUNT", 2_000_000, dt.date(2026, 11, 26)),
            ("LATE-DAY", 1_400_000, dt.date(2026, 12, 9)),
        ):
            entry = conn.execute(
                insert(bank_entries).values(
                    statement_row_id=statement_row,
                    account=account,
                    currency="VND",
                    direction="C",
                    amount=amount,
                    booking_date=day,
                    value_date=day,
                    reversal=False,
                    status="BOOK",
                    bank_ref=ref,
                    charges=0,
                    position="line 99",
                )
            ).inserted_primary_key[0]
            made.append(entry)
            conn.execute(
                insert(run_credits).values(
                    run_id="2026-11-25-v1",
                    position=900 + len(made),
                    entry_id=entry,
                    account=account,
                    province_code="01",
                    booking_date=day,
                    bank_ref=ref,
                    amount_vnd=amount,
                    batch_id=None,
                )
            )
    try:
        page = signed_in("thu").get(f"/discrepancies/{row_id(world, 'HN-1')}").text
        candidates = page.split('id="candidates"')[1].split("</table>")[0]
        assert "NEAR-1" in candidates
        assert "line 99" in candidates
        assert "FAR-AMOUNT" not in candidates
        assert "LATE-DAY" not in candidates
    finally:
        with world.begin() as conn:
            conn.execute(delete(run_credits).where(c.entry_id.in_(made)))
            conn.execute(delete(bank_entries).where(e.id.in_(made)))
