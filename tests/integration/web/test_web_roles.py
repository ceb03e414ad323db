"""Who sees what: the role matrix of the downloads, and the dashboard scoped to a province."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import openpyxl
import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from adapters.bootstrap import gateway_terms
from adapters.db.provinces import SqlProvinceDirectory
from adapters.db.run_tables import discrepancies
from adapters.db.runs import SqlRunStore
from adapters.settings import Settings
from reports.statements import MEDIA_TYPES, render_statement
from reports.tabular import DiscrepancyReport, csv_bytes, json_bytes
from usecases.statements import load_statement

RUN = "2026-11-25-v1"
STAFF = ["thu", "ops", "admin"]
Client = Callable[[str], TestClient]


def row_ids(engine: Engine) -> dict[str, int]:
    """Payment code → discrepancy row id."""
    d = discrepancies.c
    with engine.connect() as conn:
        return {code: row_id for row_id, code in conn.execute(select(d.id, d.payment_code))}


@pytest.mark.parametrize("user", STAFF)
@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "xml"])
@pytest.mark.parametrize("province", ["01", "79"])
def test_staff_download_any_provinces_statement_with_its_media_type_and_file_name(
    signed_in: Client, user: str, fmt: str, province: str
) -> None:
    response = signed_in(user).get(f"/statements/{province}/2026-11-25.{fmt}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == MEDIA_TYPES[fmt]
    assert response.headers["content-disposition"] == (
        f'attachment; filename="statement-{province}-2026-11-25.{fmt}"'
    )


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "xml"])
def test_a_province_user_downloads_its_own_statement_and_not_anothers(signed_in: Client, fmt: str) -> None:
    client = signed_in("hanoi")
    assert client.get(f"/statements/01/2026-11-25.{fmt}").status_code == 200
    other = client.get(f"/statements/79/2026-11-25.{fmt}")
    assert other.status_code == 404
    assert "79" not in other.text
    assert signed_in("saigon").get(f"/statements/01/2026-11-25.{fmt}").status_code == 404


def test_another_provinces_statement_looks_like_one_that_does_not_exist(signed_in: Client) -> None:
    client = signed_in("hanoi")
    hidden = client.get("/statements/79/2026-11-25.pdf")
    missing = client.get("/statements/99/2026-11-25.pdf")
    assert (hidden.status_code, hidden.text) == (missing.status_code, missing.text) == (404, "not found")


@pytest.mark.parametrize(
    "path",
    ["/statements/99/2026-11-25.pdf", "/statements/01/2026-13-45.pdf", "/statements/01/2026-11-25.doc"],
)
def test_an_unknown_province_date_or_format_is_not_found(signed_in: Client, path: str) -> None:
    assert signed_in("thu").get(path).status_code == 404


def test_a_statement_of_a_date_no_run_has_reconciled_is_not_found(signed_in: Client) -> None:
    assert signed_in("thu").get("/statements/79/2026-11-26.pdf").status_code == 404


def test_the_statement_download_is_the_statement_renderers_output(
    signed_in: Client, world: Engine, web_settings: Settings
) -> None:
    import datetime as dt

    expected = render_statement(
        load_statement(SqlRunStore(world), SqlProvinceDirectory(world), "79", dt.date(2026, 11, 25)), "xml"
    )
    assert signed_in("saigon").get("/statements/79/2026-11-25.xml").content == expected


@pytest.mark.parametrize("user", STAFF)
@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_staff_download_the_runs_report(signed_in: Client, user: str, fmt: str) -> None:
    response = signed_in(user).get(f"/reports/{RUN}.{fmt}")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="report-{RUN}.{fmt}"'


@pytest.mark.parametrize("user", ["hanoi", "saigon"])
@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_a_province_user_gets_no_report_at_all(signed_in: Client, user: str, fmt: str) -> None:
    response = signed_in(user).get(f"/reports/{RUN}.{fmt}")
    assert response.status_code == 404
    assert "HCM-" not in response.text
    assert "HN-" not in response.text


def test_an_unknown_run_is_not_found(signed_in: Client) -> None:
    assert signed_in("thu").get("/reports/1999-01-01-v1.json").status_code == 404


def test_the_json_and_csv_reports_are_the_report_writers_bytes(
    signed_in: Client, world: Engine, web_settings: Settings
) -> None:
    store = SqlRunStore(world, gateway_terms(web_settings))
    run = store.get_run(RUN)
    document = DiscrepancyReport(run.as_dict(), store.discrepancies(RUN))
    client = signed_in("ops")
    assert client.get(f"/reports/{RUN}.json").content == json_bytes(document)
    assert client.get(f"/reports/{RUN}.csv").content == csv_bytes(document)
    rows = json.loads(client.get(f"/reports/{RUN}.json").content)["discrepancies"]
    assert {row["payment_code"] for row in rows} >= {"HN-2", "HCM-2"}


def test_downloads_keep_a_formula_in_the_data_from_running(signed_in: Client) -> None:
    client = signed_in("thu")
    csv_text = client.get(f"/reports/{RUN}.csv").text
    assert "'=HYPERLINK" in csv_text
    assert ",=HYPERLINK" not in csv_text
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/{RUN}.xlsx").content))
    cells = [c.value for row in workbook["Chênh lệch"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("HYPERLINK" in value for value in cells)
    assert not any(value.startswith("=") for value in cells)


def test_the_dashboard_of_a_province_user_shows_nothing_of_another_province(signed_in: Client) -> None:
    hanoi = signed_in("hanoi").get("/").text
    assert "HN-2" in hanoi
    assert "HCM-" not in hanoi
    assert "HYPERLINK" not in hanoi
    assert "T12" not in hanoi
    assert "Hồ Chí Minh" not in hanoi
    saigon = signed_in("saigon").get("/").text
    assert "HCM-2" in saigon
    assert "HN-" not in saigon


def test_a_province_user_cannot_widen_the_dashboard_with_a_filter(signed_in: Client) -> None:
    html = signed_in("hanoi").get("/", params={"province": "79", "date": "2026-11-25"}).text
    assert "HCM-" not in html
    assert "HYPERLINK" not in html


def test_staff_see_every_province_and_the_totals_in_vnd(signed_in: Client) -> None:
    html = signed_in("thu").get("/").text
    for code in ("HN-1", "HN-2", "HCM-2", "=HYPERLINK(&#34;http://x&#34;)"):
        assert code in html
    assert "UNDERPAID" in html
    assert "100.000 ₫" in html  # HN-1 paid 900.000 of 1.000.000


def test_the_dashboard_filters_by_category_and_province(signed_in: Client) -> None:
    client = signed_in("thu")
    html = client.get("/", params={"category": "UNDERPAID"}).text
    assert "HN-1" in html
    assert "HN-2" not in html
    html = client.get("/", params={"province": "79"}).text
    assert "HCM-2" in html
    assert "HN-2" not in html


def test_a_date_without_a_run_says_so(signed_in: Client) -> None:
    html = signed_in("thu").get("/", params={"date": "2026-01-05"}).text
    assert "No reconciliation run yet" in html
    assert "HN-2" not in html


def test_a_province_user_drills_down_into_its_own_items_only(signed_in: Client, world: Engine) -> None:
    ids = row_ids(world)
    client = signed_in("hanoi")
    page = client.get(f"/discrepancies/{ids['HN-2']}")
    assert page.status_code == 200
    assert "SETTLED_NOT_RECORDED" in page.text
    assert client.get(f"/discrepancies/{ids['HCM-2']}").status_code == 404
    assert client.get("/discrepancies/999999").status_code == 404


def test_staff_drill_down_into_any_item_and_see_its_history(signed_in: Client, world: Engine) -> None:
    ids = row_ids(world)
    page = signed_in("ops").get(f"/discrepancies/{ids['HCM-2']}").text
    assert "T12" in page
    assert RUN in page
    assert "300.000 ₫" in page
