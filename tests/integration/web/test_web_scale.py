"""A national day of 100,000 breaks through the JSON API and the dashboard, on SQLite and PostgreSQL.

The day is :mod:`fixtures.web_day`; the expected answers are computed here
from the generator's own rows (with their workflow records overlaid), not
from the application's SQL: the total, the order of a whole traversal, every
item reachable exactly once, searches and filters selecting exactly their
items, and a province login seeing its own province only. Timing is not
tested here: ``make web-bench`` measures it (docs/web.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api_world import settings_for
from db_fixtures import _fresh_postgres_database
from sqlalchemy import Engine, select
from starlette.testclient import TestClient
from web_world import PASSWORD, sign_in

from adapters.db.engine import create_engine_for, migrate, write_transaction
from adapters.db.reference import fixtures_dir, load_reference_data
from adapters.db.run_tables import discrepancies
from adapters.db.users import SqlUserStore
from adapters.web.app import create_app
from adapters.web.auth import hash_password, secret_key
from fixtures import web_day

pytestmark = pytest.mark.slow

DAY = dt.date(2026, 11, 30)
N = 100_000
API = "/api/v1/discrepancies"
PROVINCE = "01"


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def national_day(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Any]]:
    directory = tmp_path_factory.mktemp("scale")

    def build(url: str) -> tuple[Engine, Any]:
        settings = settings_for(url, directory)
        engine = create_engine_for(url)
        migrate(engine)
        with write_transaction(engine) as conn:
            load_reference_data(conn, fixtures_dir())
        web_day.load_day(engine, DAY, N)
        users = SqlUserStore(engine)
        password_hash = hash_password(PASSWORD)
        users.add("thu", password_hash, "treasury", None)
        users.add("tinh01", password_hash, "province", PROVINCE)
        return engine, settings

    if request.param == "sqlite":
        engine, settings = build(f"sqlite:///{directory / 'recon.db'}")
        yield engine, settings
        engine.dispose()
        return
    with _fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        engine, settings = build(url)
        yield engine, settings
        engine.dispose()


@pytest.fixture(scope="module")
def expected(national_day: tuple[Engine, Any]) -> list[dict[str, Any]]:
    """The generator's rows as the API should show them: stored ids, live status and assignee."""
    engine = national_day[0]
    with engine.connect() as conn:
        ids = {
            position: id_
            for position, id_ in conn.execute(select(discrepancies.c.position, discrepancies.c.id))
        }
    rows = []
    for i in range(N):
        row = web_day.row(web_day.run_id_of(DAY), DAY, i)
        work = web_day.work(i) or {}
        row["id"] = ids[i]
        row["run_status"] = row["status"]
        row["status"] = work.get("status", row["status"])
        row["assignee"] = work.get("assignee")
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def clients(national_day: tuple[Engine, Any]) -> Iterator[Callable[[str], TestClient]]:
    engine, settings = national_day
    made: dict[str, TestClient] = {}

    def make(username: str) -> TestClient:
        if username not in made:
            app = create_app(engine, secret_key(settings.data_dir))
            client = TestClient(app, base_url="http://testserver")
            client.__enter__()
            sign_in(client, username)
            made[username] = client
        return made[username]

    yield make
    for client in made.values():
        client.__exit__(None, None, None)


def order(rows: list[dict[str, Any]], field: str, descending: bool) -> list[int]:
    by_id = sorted(rows, key=lambda r: r["id"])
    present = sorted((r for r in by_id if r[field] is not None), key=lambda r: r[field], reverse=descending)
    return [r["id"] for r in present + [r for r in by_id if r[field] is None]]


def traverse(client: TestClient, page_size: int, **params: str) -> tuple[int, list[int]]:
    ids: list[int] = []
    page = 1
    while True:
        body = client.get(
            API, params={"date": DAY.isoformat(), **params, "page": page, "page_size": page_size}
        )
        assert body.status_code == 200, body.text
        answer = body.json()
        if not answer["items"]:
            return answer["total"], ids
        ids.extend(item["id"] for item in answer["items"])
        page += 1


def test_every_one_of_100000_breaks_is_reachable_once_in_order(
    clients: Callable[[str], TestClient], expected: list[dict[str, Any]]
) -> None:
    total, ids = traverse(clients("thu"), 500, sort="-difference_vnd")
    assert total == N == len(ids) == len(set(ids))
    assert ids == order(expected, "difference_vnd", True)


@pytest.mark.parametrize(
    "sort", ["payment_code", "-age_days", "assignee", "-status", "province_code", "bank_ref"]
)
def test_any_sort_gives_the_right_first_middle_and_last_pages(
    clients: Callable[[str], TestClient], expected: list[dict[str, Any]], sort: str
) -> None:
    wanted = order(expected, sort.lstrip("-"), sort.startswith("-"))
    for page in (1, 1001, 2000):
        body = (
            clients("thu")
            .get(API, params={"date": DAY.isoformat(), "sort": sort, "page": page, "page_size": 50})
            .json()
        )
        assert body["total"] == N
        assert [item["id"] for item in body["items"]] == wanted[(page - 1) * 50 : page * 50]


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"q": "vcb0000"}, lambda r: (r["bank_ref"] or "").startswith("VCB0000")),
        ({"q": "TXN00123"}, lambda r: "TXN00123" in (r["txn_id"] or "")),
        ({"q": "BATCH-00042"}, lambda r: r["batch_id"] == "BATCH-00042"),
        ({"q": "pc790"}, lambda r: "PC790" in (r["payment_code"] or "")),
        (
            {"province": "79", "category": "MISSING_BANK_CREDIT", "severity": "high"},
            lambda r: (
                (r["province_code"], r["category"], r["severity"]) == ("79", "MISSING_BANK_CREDIT", "high")
            ),
        ),
        (
            {"status": "resolved", "gateway": "momo"},
            lambda r: (r["status"], r["gateway"]) == ("resolved", "momo"),
        ),
        ({"assignee": "vien"}, lambda r: r["assignee"] == "vien"),
        ({"assignee": "-", "age": "11+"}, lambda r: r["assignee"] is None and (r["age_days"] or -1) >= 11),
        (
            {"age": "3-5", "province": "48"},
            lambda r: r["province_code"] == "48" and 3 <= (r["age_days"] or -1) <= 5,
        ),
        (
            {"amount_min": "40000000", "amount_max": "40500000"},
            lambda r: 40_000_000 <= abs(r["difference_vnd"]) <= 40_500_000,
        ),
        (
            {"from": "2026-11-20", "to": "2026-11-21", "category": "UNDERPAID"},
            lambda r: (
                dt.date(2026, 11, 20) <= r["business_date"] <= dt.date(2026, 11, 21)
                and r["category"] == "UNDERPAID"
            ),
        ),
        ({"mine": "1"}, lambda r: r["assignee"] == "thu" and r["status"] in ("open", "pending")),
    ],
)
def test_searches_and_filters_select_exactly_their_items(
    clients: Callable[[str], TestClient],
    expected: list[dict[str, Any]],
    params: dict[str, str],
    keep: Callable[[dict[str, Any]], bool],
) -> None:
    total, ids = traverse(clients("thu"), 500, **params)
    wanted = sorted(r["id"] for r in expected if keep(r))
    assert total == len(wanted) > 0
    assert ids == wanted


def test_a_province_login_sees_its_own_province_only(
    clients: Callable[[str], TestClient], expected: list[dict[str, Any]]
) -> None:
    own = [r for r in expected if r["province_code"] == PROVINCE]
    total, ids = traverse(clients("tinh01"), 500, sort="-age_days")
    assert total == len(own) == len(ids)
    assert ids == order(own, "age_days", True)
    assert traverse(clients("tinh01"), 500, province="79")[0] == 0
    page = clients("tinh01").get("/", params={"province": "79"}).text
    assert "0 mục / items" in page


def test_the_dashboard_pages_through_the_same_result(
    clients: Callable[[str], TestClient], expected: list[dict[str, Any]]
) -> None:
    wanted = order(expected, "difference_vnd", False)
    client = clients("thu")
    first = client.get("/", params={"sort": "difference_vnd"}).text
    assert f"{N} mục / items · trang / page 1/2000" in first
    assert f'href="/discrepancies/{wanted[0]}"' in first
    last = client.get("/", params={"sort": "difference_vnd", "page": "2000"}).text
    assert f'href="/discrepancies/{wanted[-1]}"' in last
    assert f'href="/discrepancies/{wanted[-51]}"' not in last
    assert 'rel="next"' not in last
    searched = client.get("/", params={"q": "BATCH-00042", "page_size": "500"}).text
    hits = [r["id"] for r in expected if r["batch_id"] == "BATCH-00042"]
    assert f"{len(hits)} mục / items" in searched
    assert all(f'href="/discrepancies/{i}"' in searched for i in hits)
