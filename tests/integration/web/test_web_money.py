"""The dashboard names the day's money as every other view does: signed net and absolute sum."""

from __future__ import annotations

import html
from collections.abc import Callable

from sqlalchemy import Engine
from starlette.testclient import TestClient

from adapters.db.runs import SqlRunStore
from reconcile.money import DIFFERENCE_LABELS, difference_totals, format_vnd

RUN = "2026-11-25-v1"


def test_the_dashboard_shows_the_runs_net_and_absolute_differences_under_their_names(
    signed_in: Callable[[str], TestClient], world: Engine
) -> None:
    rows = SqlRunStore(world).discrepancies(RUN)
    totals = difference_totals(rows.column("difference_vnd").to_pylist())
    assert totals.net != totals.absolute  # the world has differences both ways
    page = html.unescape(signed_in("thu").get(f"/?run={RUN}").text)
    for label in DIFFERENCE_LABELS.values():
        assert label in page
    total_row = page[page.index("Tổng cộng / Total") :]
    assert format_vnd(totals.net) in total_row
    assert format_vnd(totals.absolute) in total_row
    assert (SqlRunStore(world).get_run(RUN).counts["net_difference_vnd"], totals.absolute) == (
        totals.net,
        SqlRunStore(world).get_run(RUN).counts["absolute_difference_vnd"],
    )
