"""The overview's charts and the operations page, on SQLite and PostgreSQL, against counts made here."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from api_world import BIG_DAY, BIG_N, COMPOSED_DAY, big_rows
from sqlalchemy import Engine
from starlette.testclient import TestClient

from adapters.settings import Settings
from reports.labels import category


def counts_of(html: str, section: str) -> dict[str, int]:
    """``label -> count`` of one bar table of the overview."""
    part = html.split(f'id="{section}"')[1].split("</section>")[0]
    found = re.findall(r"<tr><td>(?:<a [^>]*>)?([^<]*)(?:</a>)?</td><td class=\"num\">(\d+)</td>", part)
    return {label.strip(): int(count) for label, count in found}


def test_the_overview_counts_the_dates_latest_result_by_category_and_province(
    client: Callable[[str | None], TestClient], api_world: tuple[Engine, Settings]
) -> None:
    rows = big_rows(api_world[0])
    html = client("thu").get("/overview", params={"date": BIG_DAY.isoformat()}).text
    by_category = counts_of(html, "by-category")
    assert by_category == {category(k): v for k, v in Counter(r["category"] for r in rows).items()}
    assert sum(by_category.values()) == BIG_N
    by_province = counts_of(html, "by-province")
    assert by_province["01 Hà Nội"] == sum(1 for r in rows if r["province_code"] == "01")
    ages = counts_of(html, "by-age")
    assert ages["0"] == sum(1 for r in rows if r["age_days"] == 0)
    assert ages["—"] == sum(1 for r in rows if r["age_days"] is None)


def test_the_overview_of_a_province_user_holds_its_own_rows_only(
    client: Callable[[str | None], TestClient], api_world: tuple[Engine, Settings]
) -> None:
    rows = [r for r in big_rows(api_world[0]) if r["province_code"] == "01"]
    html = client("hanoi").get("/overview", params={"date": BIG_DAY.isoformat()}).text
    assert sum(counts_of(html, "by-category").values()) == len(rows)
    assert set(counts_of(html, "by-province")) == {"01 Hà Nội"}


def test_the_trend_and_the_change_since_the_previous_date(client: Callable[[str | None], TestClient]) -> None:
    html = client("thu").get("/overview", params={"date": COMPOSED_DAY.isoformat()}).text
    assert counts_of(html, "trend") == {"25/11/2026": 4, "27/11/2026": BIG_N, "28/11/2026": 12}
    big = client("thu").get("/overview", params={"date": BIG_DAY.isoformat()}).text
    changes = big.split('id="changes"')[1].split("</p>")[0]
    assert "25/11/2026" in changes
    assert f"<strong>{BIG_N}</strong> mục mới" in changes  # no key of 25/11 comes back on 27/11
    assert "<strong>4</strong> mục không còn" in changes


def test_the_operations_page_is_for_staff(client: Callable[[str | None], TestClient]) -> None:
    page = client("ops").get("/ops")
    assert page.status_code == 200
    assert f"{BIG_DAY.isoformat()}-v2" in page.text
    assert "obligations.csv" in page.text
    assert 'id="rejected"' in page.text
    assert client("hanoi").get("/ops").status_code == 404
