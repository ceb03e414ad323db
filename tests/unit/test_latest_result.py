"""The latest result of a date is, per province, its latest version (reconcile.results)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from matching_world import D

from reconcile.discrepancies import DISCREPANCIES
from reconcile.ports import RunRecord
from reconcile.results import ResultPart, compose, diff_with_replaced, latest_parts, replaced_parts

T0 = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)


def run(run_id: str, minute: int, provinces: tuple[str, ...] = ()) -> RunRecord:
    at = T0 + dt.timedelta(minutes=minute)
    return RunRecord(run_id, D, provinces, 1, "completed", None, at, at, {}, "")


def rows(*items: tuple[str, str | None]) -> pa.Table:
    """UNDERPAID rows keyed by txn id, each in a province."""
    empty: dict[str, object] = dict.fromkeys(DISCREPANCIES.names)
    listed = [
        {
            **empty,
            "category": "UNDERPAID",
            "severity": "high",
            "status": "open",
            "txn_id": t,
            "province_code": p,
        }
        for t, p in items
    ]
    return pa.Table.from_pylist(listed, DISCREPANCIES)


NATIONAL, HCMC, BOTH = run("v1", 0), run("79-v1", 5, ("79",)), run("01-79-v1", 9, ("01", "79"))
TABLES = {
    "v1": rows(("A", "01"), ("B", "79"), ("C", "48"), ("M", None)),
    "79-v1": rows(("B2", "79")),
    "01-79-v1": rows(("A2", "01"), ("B3", "79")),
}


def test_a_one_province_run_replaces_that_province_and_leaves_the_rest_to_the_national_run() -> None:
    parts = latest_parts([NATIONAL, HCMC])
    assert parts == (ResultPart("79-v1", ("79",)), ResultPart("v1", None, ("79",)))
    composed = compose(parts, TABLES.__getitem__)
    assert sorted(composed.column("txn_id").to_pylist()) == ["A", "B2", "C", "M"]


def test_a_later_national_run_supersedes_every_earlier_run() -> None:
    later = run("v2", 20)
    assert latest_parts([NATIONAL, HCMC, later]) == (ResultPart("v2", None, ()),)


def test_without_a_national_run_only_the_scoped_provinces_have_a_result() -> None:
    assert latest_parts([HCMC, BOTH]) == (ResultPart("01-79-v1", ("01", "79")),)
    assert latest_parts([]) == ()


def test_a_scoped_rerun_replaced_the_same_provinces_of_the_result_before_it() -> None:
    assert replaced_parts([NATIONAL, HCMC], HCMC) == (ResultPart("v1", ("79",)),)
    assert replaced_parts([NATIONAL, HCMC, BOTH], BOTH) == (
        ResultPart("79-v1", ("79",)),
        ResultPart("v1", ("01",)),
    )
    assert replaced_parts([NATIONAL], NATIONAL) == ()


def test_a_scoped_reruns_diff_lists_no_other_province_as_gone() -> None:
    found = diff_with_replaced([NATIONAL, HCMC], HCMC, TABLES.__getitem__)
    assert found is not None
    against, diff = found
    assert against == ("v1",)
    assert [row["txn_id"] for row in diff.gone] == ["B"]
    assert [row["txn_id"] for row in diff.new] == ["B2"]
