"""The JSON and CSV discrepancy reports: contract keys, nulls, integers, order and safety."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from reconcile.discrepancies import DISCREPANCIES
from reports.tabular import DiscrepancyReport, csv_bytes, json_bytes, write_csv, write_json

RUN = {
    "id": "2026-11-25-v1",
    "business_date": "2026-11-25",
    "version": 1,
    "status": "completed",
    "started_at": "2026-11-26T02:30:00+00:00",
    "finished_at": "2026-11-26T02:30:04+00:00",
    "counts": {"discrepancies": 2},
}


def row(category: str, **values: Any) -> dict[str, Any]:
    return {name: None for name in DISCREPANCIES.names} | {
        "category": category,
        "severity": "medium",
        "status": "open",
        "business_date": dt.date(2026, 11, 25),
        "age_days": 0,
        **values,
    }


ROWS = [
    row("UNDERPAID", province_code="79", txn_id="T2", expected_vnd=100, actual_vnd=90, difference_vnd=-10),
    row("ORPHAN_PAYMENT", province_code="01", txn_id="T9", payment_code="=cmd|' /C calc'!A0", actual_vnd=5),
]


def report(rows: list[dict[str, Any]]) -> DiscrepancyReport:
    return DiscrepancyReport(RUN, pa.Table.from_pylist(rows, DISCREPANCIES))


def test_the_json_report_has_the_run_and_rows_with_every_contract_key() -> None:
    document = json.loads(json_bytes(report(ROWS)))
    assert document["run"] == RUN
    assert [r["category"] for r in document["discrepancies"]] == ["ORPHAN_PAYMENT", "UNDERPAID"]
    first = document["discrepancies"][0]
    assert set(first) == {*DISCREPANCIES.names, "assignee"}
    assert first["assignee"] is None  # nobody holds it: the report was built without the workflow
    assert (first["expected_vnd"], first["actual_vnd"], first["bank_ref"]) == (None, 5, None)
    assert first["business_date"] == "2026-11-25"


def test_the_same_rows_in_another_order_give_the_same_bytes(tmp_path: Path) -> None:
    one = write_json(report(ROWS), tmp_path / "one.json").read_bytes()
    two = write_json(report(ROWS[::-1]), tmp_path / "two.json").read_bytes()
    assert one == two
    assert write_csv(report(ROWS), tmp_path / "one.csv").read_bytes() == csv_bytes(report(ROWS[::-1]))


def test_csv_text_cells_cannot_start_a_formula_but_negative_amounts_stay_numbers() -> None:
    lines = list(csv.DictReader(io.StringIO(csv_bytes(report(ROWS)).decode("utf-8"))))
    assert lines[0]["payment_code"] == "'=cmd|' /C calc'!A0"
    assert lines[1]["difference_vnd"] == "-10"
    assert lines[0]["expected_vnd"] == ""
    assert list(lines[0]) == [*DISCREPANCIES.names, "assignee"]


def test_a_diff_goes_beside_the_rows_in_json_and_replaces_them_in_csv() -> None:
    diff = [{**ROWS[0], "change": "changed", "changes": "actual_vnd: 95 → 90"}]
    with_diff = DiscrepancyReport(RUN, pa.Table.from_pylist(ROWS, DISCREPANCIES), "2026-11-25-v0", diff)
    document = json.loads(json_bytes(with_diff))
    assert document["diff"]["against"] == "2026-11-25-v0"
    assert [(item["change"], item["txn_id"]) for item in document["diff"]["items"]] == [("changed", "T2")]
    lines = csv_bytes(with_diff).decode("utf-8").splitlines()
    assert lines[0].startswith("change,changes,category,")
    assert lines[1].startswith("changed,actual_vnd: 95 → 90,UNDERPAID,")
