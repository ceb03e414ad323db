"""Central agencies in the matching core: a ministry is a payee with its own account (DESIGN.md §4).

An obligation with no province names its agency; its payments must reach the
agency's treasury account. Rows about it carry ``agency_code`` and no province.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pyarrow as pa
from matching_world import D, World

from reconcile.matching import reconcile_inputs
from reconcile.ports import AGENCIES, DayInputs

BCA = "7111902600001"


def ministry_payment(world: World, code: str, txn_id: str, amount: int = 200_000, **txn: Any) -> None:
    world.payment(code, txn_id, 200_000, **{"batch_id": "B-BCA", "treasury_account": BCA, **txn})
    world.obligations[-1].update(province_code=None, agency_code="BCA")
    world.txns[-1]["province_code"] = txn.get("province_code")
    world.txns[-1]["amount_vnd"] = amount


def with_agency(inputs: DayInputs) -> DayInputs:
    agencies = pa.table({"code": ["BCA"], "treasury_account": [BCA]}, AGENCIES)
    return dataclasses.replace(inputs, agencies=agencies)


def rows(world: World, provinces: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    result = reconcile_inputs(with_agency(world.inputs()), provinces)
    return result.discrepancies.to_pylist()


def test_a_ministrys_payment_settled_and_credited_to_its_own_account_is_clean() -> None:
    world = World()
    ministry_payment(world, "BCA-1", "T1")
    world.settle_all()
    assert rows(world) == []


def test_a_ministrys_short_payment_is_reported_with_its_agency_code_and_no_province() -> None:
    world = World()
    ministry_payment(world, "BCA-1", "T1", amount=180_000)
    world.settle_all()
    [row] = rows(world)
    assert (row["category"], row["txn_id"], row["province_code"], row["agency_code"]) == (
        "UNDERPAID",
        "T1",
        None,
        "BCA",
    )


def test_a_ministrys_payment_settled_to_a_provinces_account_is_in_the_wrong_place() -> None:
    world = World()
    ministry_payment(world, "BCA-1", "T1", treasury_account="7111010000001", batch_id="B-01")
    world.settle_all()
    [row] = rows(world)
    assert (row["category"], row["province_code"], row["agency_code"]) == ("WRONG_PROVINCE", None, "BCA")
    assert f"instead of {BCA}" in row["detail"]


def test_a_credit_on_the_ministrys_account_that_no_batch_explains_is_the_ministrys() -> None:
    world = World()
    world.entry(55_000, BCA, D, "STRAY-1")
    [row] = rows(world)
    assert (row["category"], row["bank_ref"], row["agency_code"], row["province_code"]) == (
        "UNEXPECTED_BANK_CREDIT",
        "STRAY-1",
        "BCA",
        None,
    )


def test_a_run_limited_to_provinces_leaves_the_ministrys_rows_out() -> None:
    world = World()
    ministry_payment(world, "BCA-1", "T1", amount=180_000)
    world.payment("HN-1", "T2", 100_000)
    world.txns[-1]["amount_vnd"] = 90_000
    world.settle_all()
    assert {row["agency_code"] for row in rows(world)} == {"BCA", None}
    assert [row["txn_id"] for row in rows(world, ("01",))] == ["T2"]


def test_a_run_limited_to_the_ministry_keeps_its_rows_and_counts_judged_as_the_national_run() -> None:
    world = World()
    ministry_payment(world, "BCA-1", "T1", amount=180_000)
    ministry_payment(world, "BCA-2", "T3", treasury_account="7111010000001", batch_id="B-01")
    world.payment("HN-1", "T2", 100_000)
    world.txns[-1]["amount_vnd"] = 90_000
    world.settle_all()
    national = reconcile_inputs(with_agency(world.inputs()))
    ministry = reconcile_inputs(with_agency(world.inputs()), ("BCA",))
    assert ministry.discrepancies.to_pylist() == [
        row for row in national.discrepancies.to_pylist() if row["agency_code"] == "BCA"
    ]
    assert {(row["category"], row["txn_id"]) for row in ministry.discrepancies.to_pylist()} == {
        ("UNDERPAID", "T1"),
        ("WRONG_PROVINCE", "T3"),
    }
    assert (ministry.counts["obligations_examined"], ministry.counts["txns_examined"]) == (2, 2)
    assert ministry.verdict.batches.column("batch_id").to_pylist() == ["B-BCA"]
    both = reconcile_inputs(with_agency(world.inputs()), ("01", "BCA"))
    assert both.discrepancies.num_rows == national.discrepancies.num_rows
    assert both.counts["obligations_examined"] == national.counts["obligations_examined"] == 3
