"""``GET /api/v1/discrepancies`` (DESIGN.md §7) on SQLite and PostgreSQL, through Starlette's test client.

The expected answers are computed here from the rows in the database
(:func:`api_world.big_rows`), independently of the API's SQL: totals,
order (absent values last, ties by id), every item reachable exactly once
across pages, the live workflow status, and the province scope of sessions
and tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from api_world import BIG_DAY, BIG_N, COMPOSED_DAY, big_rows
from sqlalchemy import Engine
from starlette.testclient import TestClient
from web_world import csrf_of

from adapters.db.tokens import SqlTokenStore
from adapters.settings import Settings

API = "/api/v1/discrepancies"
REPORT_FIELDS = {
    "category", "severity", "status", "province_code", "business_date", "payment_code", "txn_id",
    "gateway", "batch_id", "bank_ref", "expected_vnd", "actual_vnd", "difference_vnd", "age_days", "detail",
}  # fmt: skip


@pytest.fixture(scope="module")
def expected_rows(api_world: tuple[Engine, Settings]) -> list[dict[str, Any]]:
    return big_rows(api_world[0])


@pytest.fixture(scope="module")
def tokens(api_world: tuple[Engine, Settings]) -> dict[str, str]:
    store = SqlTokenStore(api_world[0])
    made = {
        "ministry": store.add("ministry-system", "treasury", None, "cli:test")[0],
        "hanoi": store.add("hanoi-system", "province", "01", "cli:test")[0],
        "revoked": store.add("old-system", "ops", None, "cli:test")[0],
    }
    store.revoke("old-system", "cli:test")
    return made


def expected_order(rows: list[dict[str, Any]], field: str, descending: bool) -> list[int]:
    by_id = sorted(rows, key=lambda r: r["id"])
    present = sorted((r for r in by_id if r[field] is not None), key=lambda r: r[field], reverse=descending)
    return [r["id"] for r in present + [r for r in by_id if r[field] is None]]


def all_pages(test_client: TestClient, page_size: int, **params: str) -> tuple[int, list[dict[str, Any]]]:
    items: list[dict[str, Any]] = []
    page, total = 1, None
    while True:
        body = test_client.get(API, params={**params, "page": page, "page_size": page_size}).json()
        assert body["page"] == page
        assert body["page_size"] == page_size
        total = body["total"] if total is None else total
        assert body["total"] == total
        if not body["items"]:
            break
        assert len(body["items"]) <= page_size
        items.extend(body["items"])
        page += 1
    return total, items


def test_the_first_page_of_the_latest_run_with_the_report_fields_and_the_apis_own(
    client: Callable[[str | None], TestClient], expected_rows: list[dict[str, Any]]
) -> None:
    body = client("thu").get(API, params={"date": BIG_DAY.isoformat()}).json()
    assert (body["total"], body["page"], body["page_size"]) == (BIG_N, 1, 50)
    assert len(body["items"]) == 50
    assert set(body["items"][0]) >= REPORT_FIELDS | {"id", "assignee"}
    assert {item["run_id"] for item in body["items"]} == {f"{BIG_DAY.isoformat()}-v2"}
    assert [item["id"] for item in body["items"]] == sorted(r["id"] for r in expected_rows)[:50]
    first = next(r for r in expected_rows if r["id"] == body["items"][0]["id"])
    assert body["items"][0] == {k: first[k] for k in body["items"][0]}


@pytest.mark.parametrize(
    "sort",
    ["id", "-id", "expected_vnd", "-expected_vnd", "age_days", "-payment_code", "status", "assignee",
     "-business_date", "gateway", "-bank_ref", "difference_vnd"],
)  # fmt: skip
def test_every_item_is_reachable_once_in_the_requested_order(
    client: Callable[[str | None], TestClient], expected_rows: list[dict[str, Any]], sort: str
) -> None:
    total, items = all_pages(client("thu"), 40, date=BIG_DAY.isoformat(), sort=sort)
    assert total == BIG_N == len(items)
    assert [i["id"] for i in items] == expected_order(expected_rows, sort.lstrip("-"), sort.startswith("-"))


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"province": "01"}, lambda r: r["province_code"] == "01"),
        (
            {"category": "UNDERPAID", "severity": "high"},
            lambda r: (r["category"], r["severity"]) == ("UNDERPAID", "high"),
        ),
        ({"gateway": "momo"}, lambda r: r["gateway"] == "momo"),
        ({"status": "resolved"}, lambda r: r["status"] == "resolved"),
        ({"status": "open"}, lambda r: r["status"] == "open"),
        ({"q": "pc-01-00"}, lambda r: "PC-01-00" in (r["payment_code"] or "")),
        ({"q": "VCB-REF-1"}, lambda r: "vcb-ref-1" in (r["bank_ref"] or "")),
        ({"q": "batch-3"}, lambda r: r["batch_id"] == "BATCH-3"),
        ({"q": "TX1"}, lambda r: "TX1" in (r["txn_id"] or "") or "tx1" in (r["bank_ref"] or "")),
        ({"q": "%"}, lambda r: False),
        ({"q": "_"}, lambda r: False),
    ],
)
def test_filters_and_search_select_exactly_the_matching_items(
    client: Callable[[str | None], TestClient],
    expected_rows: list[dict[str, Any]],
    params: dict[str, str],
    keep: Callable[[dict[str, Any]], bool],
) -> None:
    total, items = all_pages(client("thu"), 100, date=BIG_DAY.isoformat(), **params)
    wanted = sorted(r["id"] for r in expected_rows if keep(r))
    assert total == len(wanted)
    assert [i["id"] for i in items] == wanted


def test_the_live_workflow_status_and_assignee_are_shown(
    client: Callable[[str | None], TestClient], expected_rows: list[dict[str, Any]]
) -> None:
    body = client("thu").get(API, params={"date": BIG_DAY.isoformat(), "q": "PC-79-0007"}).json()
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["status"], item["run_status"], item["assignee"]) == ("written_off", "open", None)
    body = client("thu").get(API, params={"date": BIG_DAY.isoformat(), "status": "open", "sort": "assignee"})
    assert body.json()["items"][0]["assignee"] == "vien"


def test_a_province_session_and_a_province_token_see_only_their_own_province(
    client: Callable[[str | None], TestClient], expected_rows: list[dict[str, Any]], tokens: dict[str, str]
) -> None:
    own = sorted(r["id"] for r in expected_rows if r["province_code"] == "01")
    bearer = {"Authorization": f"Bearer {tokens['hanoi']}"}
    for test_client, headers in ((client("hanoi"), {}), (client(None), bearer)):
        test_client.headers.update(headers)
        total, items = all_pages(test_client, 200, date=BIG_DAY.isoformat())
        assert total == len(own)
        assert [i["id"] for i in items] == own
        other = test_client.get(API, params={"date": BIG_DAY.isoformat(), "province": "79"})
        assert other.status_code == 200
        assert other.json() == {"total": 0, "page": 1, "page_size": 50, "date": "2026-11-27", "items": []}


def test_a_staff_token_sees_every_province(
    client: Callable[[str | None], TestClient], tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['ministry']}"}
    body = client(None).get(API, params={"date": BIG_DAY.isoformat()}, headers=headers).json()
    assert body["total"] == BIG_N


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer rcn_not-a-token"},
        {"Authorization": "Basic dGh1OnB3"},
        {"Authorization": "Bearer"},
    ],
)
def test_no_or_a_bad_credential_is_unauthorised(
    client: Callable[[str | None], TestClient], headers: dict[str, str]
) -> None:
    response = client(None).get(API, params={"date": BIG_DAY.isoformat()}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "items" not in response.text


def test_a_revoked_token_is_refused(
    client: Callable[[str | None], TestClient], tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['revoked']}"}
    assert client(None).get(API, params={"date": BIG_DAY.isoformat()}, headers=headers).status_code == 401


def test_a_token_opens_the_api_only(
    client: Callable[[str | None], TestClient], tokens: dict[str, str]
) -> None:
    test_client = client(None)
    test_client.headers.update({"Authorization": f"Bearer {tokens['ministry']}"})
    assert test_client.get("/", follow_redirects=False).status_code == 303
    assert test_client.get("/reports/2026-11-25-v1.json").status_code == 401
    assert test_client.get("/statements/01/2026-11-25.xml").status_code == 401
    assert test_client.get("/api/v1/nothing-here").status_code == 404
    assert client(None).get("/api/v1/nothing-here").status_code == 401


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "date is required (YYYY-MM-DD)"),
        ({"date": "27/11/2026"}, "date '27/11/2026' is not a date (YYYY-MM-DD)"),
        ({"date": "2026-11-27", "category": "NOPE"}, "category 'NOPE' is not one of"),
        ({"date": "2026-11-27", "status": "closed"}, "status 'closed' is not one of"),
        ({"date": "2026-11-27", "severity": "urgent"}, "severity 'urgent' is not one of"),
        ({"date": "2026-11-27", "sort": "detail"}, "cannot sort by 'detail'"),
        ({"date": "2026-11-27", "sort": "-password"}, "cannot sort by 'password'"),
        ({"date": "2026-11-27", "page": "0"}, "page '0' is not a whole number from 1"),
        ({"date": "2026-11-27", "page": "two"}, "page 'two' is not a whole number from 1"),
        ({"date": "2026-11-27", "page_size": "-5"}, "page_size '-5' is not a whole number from 1"),
        ({"date": "2026-11-27", "page": "٣"}, "page '٣' is not a whole number from 1"),
        ({"date": "2026-11-27", "limit": "5"}, "unknown parameter 'limit'"),
        ({"date": "2026-11-27", "q": "x" * 129}, "q is longer than 128 characters"),
        ({"date": "2026-11-27", "age": "7"}, "age '7' is not one of"),
        ({"date": "2026-11-27", "amount_min": "-1"}, "amount_min '-1' is not a whole number from 0"),
        ({"date": "2026-11-27", "from": "yesterday"}, "from 'yesterday' is not a date (YYYY-MM-DD)"),
        ({"date": "2026-11-27", "mine": "yes"}, "mine 'yes' is not one of"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(
    client: Callable[[str | None], TestClient], params: dict[str, str], message: str
) -> None:
    response = client("thu").get(API, params=params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_a_repeated_parameter_is_refused(client: Callable[[str | None], TestClient]) -> None:
    response = client("thu").get(API + "?date=2026-11-27&province=01&province=79")
    assert response.status_code == 400
    assert response.json() == {"error": "parameter 'province' given more than once"}


def test_page_size_is_capped_and_a_page_past_the_end_is_empty(
    client: Callable[[str | None], TestClient],
) -> None:
    body = client("thu").get(API, params={"date": BIG_DAY.isoformat(), "page_size": "100000"}).json()
    assert (body["page_size"], len(body["items"]), body["total"]) == (500, BIG_N, BIG_N)
    body = client("thu").get(API, params={"date": BIG_DAY.isoformat(), "page": "99"}).json()
    assert (body["total"], body["items"]) == (BIG_N, [])


def test_a_date_without_a_run_is_not_found(client: Callable[[str | None], TestClient]) -> None:
    response = client("thu").get(API, params={"date": "2026-01-01"})
    assert (response.status_code, response.json()) == (404, {"error": "no run for 2026-01-01"})


def test_the_reconciled_day_is_served_as_the_report_shows_it(
    client: Callable[[str | None], TestClient],
) -> None:
    body = client("thu").get(API, params={"date": "2026-11-25", "sort": "payment_code"}).json()
    assert [(i["category"], i["payment_code"]) for i in body["items"] if i["payment_code"] == "HN-1"] == [
        ("UNDERPAID", "HN-1")
    ]
    hn1 = next(i for i in body["items"] if i["payment_code"] == "HN-1")
    assert (hn1["expected_vnd"], hn1["actual_vnd"], hn1["difference_vnd"]) == (1_000_000, 900_000, -100_000)


def test_a_state_changing_request_to_the_api_needs_the_csrf_token(
    client: Callable[[str | None], TestClient], tmp_path: Path
) -> None:
    test_client = client("thu")
    assert test_client.post(API, params={"date": "2026-11-27"}).status_code == 403
    token = csrf_of(test_client.get("/").text)
    assert test_client.post(API, headers={"X-CSRF-Token": token}).status_code == 404


def test_a_one_province_rerun_replaces_that_province_only(
    client: Callable[[str | None], TestClient],
) -> None:
    total, items = all_pages(client("thu"), 100, date=COMPOSED_DAY.isoformat())
    runs_by_province = {(i["province_code"], i["run_id"]) for i in items}
    day = COMPOSED_DAY.isoformat()
    assert runs_by_province == {("01", f"{day}-all-v1"), (None, f"{day}-all-v1"), ("79", f"{day}-79-v2")}
    assert total == len(items) == 12
    hanoi = client("hanoi").get(API, params={"date": day}).json()
    assert {i["run_id"] for i in hanoi["items"]} == {f"{day}-all-v1"}
    assert hanoi["total"] == 4
