"""What a corrected file changed, seen between two versions of a run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient
from web_world import DAY, GATEWAY, build_world, ingest, sign_in

from adapters.bootstrap import gateway_terms
from adapters.db.runs import SqlRunStore
from adapters.settings import GatewaySettings, Settings
from adapters.web.app import create_app
from adapters.web.auth import secret_key
from reconcile.runs import reconcile_day


@pytest.fixture(scope="module")
def rerun_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Engine]]:
    """The web day, then VNPay's corrected file (T1 paid in full) and a second version of the run."""
    directory = tmp_path_factory.mktemp("rerun")
    settings = Settings(
        database_url=f"sqlite:///{directory / 'recon.db'}",
        gateways={"vnpay": GatewaySettings("vnpay")},
        data_dir=str(directory / "data"),
    )
    engine = build_world(settings, directory)
    (directory / "resent").mkdir()
    corrected = directory / "resent" / "vnpay.csv"  # the same gateway and file name: a correction
    corrected.write_text(GATEWAY.replace(",900000,", ",1000000,"), "utf-8")
    assert ingest(settings, engine, corrected) == "correction"
    reconcile_day(SqlRunStore(engine, gateway_terms(settings)), DAY, reason="VNPay corrected T1")
    yield settings, engine
    engine.dispose()


def client(world: tuple[Settings, Engine], username: str) -> TestClient:
    test_client = TestClient(
        create_app(world[1], secret_key(world[0].data_dir)), base_url="http://testserver"
    )
    sign_in(test_client, username)
    return test_client


def test_the_second_version_shows_what_the_correction_changed(rerun_world: tuple[Settings, Engine]) -> None:
    with client(rerun_world, "ops") as ops:
        assert 'href="/runs/2026-11-25-v2/changes"' in ops.get("/").text
        page = ops.get("/runs/2026-11-25-v2/changes")
    assert page.status_code == 200
    assert "against 2026-11-25-v1" in page.text
    assert "VNPay corrected T1" in page.text
    rows = page.text.split("<tbody>")[1]
    assert '<td>gone</td><td title="UNDERPAID">Nộp thiếu</td>' in rows  # T1 now pays its obligation in full
    assert '<td>new</td><td title="SETTLEMENT_AMOUNT_MISMATCH">Lệch số tiền quyết toán</td>' in rows
    assert "SETTLED_NOT_RECORDED" not in rows  # unchanged items are not listed (nor the batch that adds up)


def test_the_first_version_has_nothing_to_compare_with(rerun_world: tuple[Settings, Engine]) -> None:
    with client(rerun_world, "thu") as thu:
        assert "nothing to compare with" in thu.get("/runs/2026-11-25-v1/changes").text


def test_a_province_user_cannot_see_a_runs_changes(rerun_world: tuple[Settings, Engine]) -> None:
    with client(rerun_world, "hanoi") as hanoi:
        assert hanoi.get("/runs/2026-11-25-v2/changes").status_code == 404
        assert hanoi.get("/runs/nope/changes").status_code == 404


def test_a_one_province_rerun_composes_with_the_others_and_is_compared_with_that_province_only(
    rerun_world: tuple[Settings, Engine],
) -> None:
    settings, engine = rerun_world
    store = SqlRunStore(engine, gateway_terms(settings))
    national = store.discrepancies("2026-11-25-v2").to_pylist()
    scoped = reconcile_day(store, DAY, ["79"], reason="HCMC file checked")
    with client(rerun_world, "ops") as ops:
        dashboard = ops.get("/?date=2026-11-25").text
        changes = ops.get(f"/runs/{scoped.id}/changes").text
    shown = dashboard.split('<table class="items">')[1]
    # every province's items are still on the dashboard, 79's now from the scoped run
    assert shown.count('href="/discrepancies/') == len(national)
    assert {row["province_code"] for row in national} >= {"01", "79"}
    for code in ("01", "79"):
        assert f"<td>{code}</td>" in shown
    assert "Latest result per province" in dashboard
    assert f"{scoped.id} (79)" in dashboard
    assert "against 2026-11-25-v2" in changes
    assert "No changes" in changes  # the other provinces' items are not "gone"
