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


def agency_rows(*items: tuple[str, str | None, str | None]) -> pa.Table:
    """UNDERPAID rows keyed by txn id, each of a province or (province ``None``) of an agency."""
    table = rows(*((t, p) for t, p, _ in items))
    agencies = pa.array([a for _, _, a in items], pa.string())
    return table.set_column(table.schema.get_field_index("agency_code"), "agency_code", agencies)


MINISTRY = run("BCA-v1", 5, ("BCA",))
AGENCY_TABLES = {
    "v1": agency_rows(("A", "01", None), ("K", None, "BCA"), ("N", None, "BNG"), ("X", None, None)),
    "BCA-v1": agency_rows(("K2", None, "BCA")),
    "79-v1": agency_rows(("B2", "79", None)),
}


def test_a_run_limited_to_an_agency_replaces_only_that_agencys_rows() -> None:
    parts = latest_parts([NATIONAL, MINISTRY])
    assert parts == (ResultPart("BCA-v1", ("BCA",)), ResultPart("v1", None, ("BCA",)))
    composed = compose(parts, AGENCY_TABLES.__getitem__)
    assert sorted(composed.column("txn_id").to_pylist()) == ["A", "K2", "N", "X"]


def test_a_run_limited_to_a_province_keeps_the_agencies_rows_of_the_national_run_once() -> None:
    composed = compose(latest_parts([NATIONAL, MINISTRY, HCMC]), AGENCY_TABLES.__getitem__)
    assert sorted(composed.column("txn_id").to_pylist()) == ["A", "B2", "K2", "N", "X"]


def test_an_agency_reruns_diff_is_against_that_agency_in_the_result_it_replaced() -> None:
    found = diff_with_replaced([NATIONAL, MINISTRY], MINISTRY, AGENCY_TABLES.__getitem__)
    assert found is not None
    against, diff = found
    assert against == ("v1",)
    assert [row["txn_id"] for row in diff.gone] == ["K"]
    assert [row["txn_id"] for row in diff.new] == ["K2"]
