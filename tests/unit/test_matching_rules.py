"""Registration-tax rates and fee schedules, judged by the reference data valid on the issue date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from matching_world import D, World, found

from reconcile.matching import reconcile_inputs
from reconcile.money import apply_rate
from reconcile.rules import expected_tax

RATES = [
    {"province_code": "31", "asset_class": "car_first", "rate": "0.10", "valid_from": dt.date(2022, 3, 1),
     "valid_to": dt.date(2026, 8, 7)},
    {"province_code": "31", "asset_class": "car_first", "rate": "0.12", "valid_from": dt.date(2026, 8, 8),
     "valid_to": None},
    {"province_code": "01", "asset_class": "real_estate", "rate": "0.005", "valid_from": dt.date(2022, 3, 1),
     "valid_to": None},
]  # fmt: skip
FEES = [
    {"province_code": "01", "procedure_code": "BIEN_SO_OTO", "amount_vnd": 20_000_000,
     "valid_from": dt.date(2022, 1, 1), "valid_to": dt.date(2025, 12, 31)},
    {"province_code": "01", "procedure_code": "BIEN_SO_OTO", "amount_vnd": 14_000_000,
     "valid_from": dt.date(2026, 1, 1), "valid_to": None},
]  # fmt: skip


def world_with(code: str, amount: int, **obligation: object) -> World:
    world = World(provinces={"01": "7111010000001", "31": "7111310000001"})
    world.tax_rates = RATES
    world.fees = FEES
    world.payment(code, "T-" + code, amount, province_code=obligation.get("province_code", "01"))
    world.obligation(
        code,
        amount,
        portal_status="paid",
        portal_txn_id="T-" + code,
        portal_paid_date=D,
        **obligation,
    )
    world.settle_all()
    return world


def tax(code: str, amount: int, taxable: int, issued: dt.date, province: str = "31") -> World:
    return world_with(
        code,
        amount,
        kind="registration_tax",
        province_code=province,
        asset_class="car_first" if province == "31" else "real_estate",
        taxable_value_vnd=taxable,
        issued_date=issued,
    )


def test_registration_tax_at_the_rate_valid_on_the_issue_date_is_clean() -> None:
    assert (
        found(
            reconcile_inputs(tax("LP1", 60_000_000, 500_000_000, dt.date(2026, 8, 8)).inputs()).discrepancies
        )
        == set()
    )
    assert (
        found(
            reconcile_inputs(tax("LP2", 50_000_000, 500_000_000, dt.date(2026, 8, 7)).inputs()).discrepancies
        )
        == set()
    )


def test_registration_tax_at_the_rate_of_another_date_is_a_tax_rate_mismatch() -> None:
    result = reconcile_inputs(tax("LP1", 50_000_000, 500_000_000, dt.date(2026, 8, 8)).inputs())
    (row,) = result.discrepancies.to_pylist()
    assert (row["category"], row["payment_code"], row["expected_vnd"], row["actual_vnd"]) == (
        "TAX_RATE_MISMATCH",
        "LP1",
        60_000_000,
        50_000_000,
    )


def test_registration_tax_is_rounded_half_up_to_the_dong() -> None:
    # 0.5 % of 1 234 567 = 6 172.835 → 6 173
    assert found(reconcile_inputs(tax("LP1", 6_173, 1_234_567, D, "01").inputs()).discrepancies) == set()
    assert found(reconcile_inputs(tax("LP2", 6_172, 1_234_567, D, "01").inputs()).discrepancies) == {
        ("TAX_RATE_MISMATCH", "LP2")
    }


@pytest.mark.parametrize("taxable", [0, 1, 199, 200, 201, 1_234_567, 999_999_999_999, 3_700_000_001])
@pytest.mark.parametrize("rate", ["0.005", "0.12", "0.015", "0.1", "0.02"])
def test_the_column_rounding_agrees_with_apply_rate(taxable: int, rate: str) -> None:
    assert expected_tax(taxable, Decimal(rate)) == apply_rate(taxable, Decimal(rate))


def test_a_fee_at_the_schedule_valid_on_its_issue_date_is_clean() -> None:
    world = world_with(
        "F1", 14_000_000, kind="charge", procedure_code="BIEN_SO_OTO", issued_date=dt.date(2026, 1, 1)
    )
    assert found(reconcile_inputs(world.inputs()).discrepancies) == set()


def test_a_fee_off_the_schedule_is_a_fee_schedule_mismatch() -> None:
    world = world_with(
        "F1", 20_000_000, kind="charge", procedure_code="BIEN_SO_OTO", issued_date=dt.date(2026, 1, 1)
    )
    (row,) = reconcile_inputs(world.inputs()).discrepancies.to_pylist()
    assert (row["category"], row["payment_code"], row["expected_vnd"], row["actual_vnd"]) == (
        "FEE_SCHEDULE_MISMATCH",
        "F1",
        14_000_000,
        20_000_000,
    )


def test_a_procedure_without_a_schedule_and_a_land_charge_are_not_judged() -> None:
    world = world_with("F1", 123, kind="fee", procedure_code="UNKNOWN_PROCEDURE")
    world.payment("L1", "T-L1", 777_777)
    world.obligation("L1", 777_777, kind="land_charge", procedure_code="BIEN_SO_OTO", portal_status="paid",
                     portal_txn_id="T-L1", portal_paid_date=D)  # fmt: skip
    world.entries.clear()
    world.settle_all()
    assert found(reconcile_inputs(world.inputs()).discrepancies) == set()


def test_an_unpaid_obligation_no_transaction_names_is_not_touched_by_the_run() -> None:
    world = world_with("F1", 14_000_000, kind="charge", procedure_code="BIEN_SO_OTO")
    world.obligation("F2", 1, kind="charge", procedure_code="BIEN_SO_OTO")
    assert found(reconcile_inputs(world.inputs()).discrepancies) == set()


def test_an_obligation_reexported_with_a_new_amount_is_judged_on_its_newest_version() -> None:
    world = world_with("F1", 20_000_000, kind="charge", procedure_code="BIEN_SO_OTO")
    assert found(reconcile_inputs(world.inputs()).discrepancies) == {("FEE_SCHEDULE_MISMATCH", "F1")}
    # A later export corrects the amount due; the citizen had paid the old one.
    world.obligation("F1", 14_000_000, kind="charge", procedure_code="BIEN_SO_OTO", portal_status="paid",
                     portal_txn_id="T-F1", portal_paid_date=D)  # fmt: skip
    assert found(reconcile_inputs(world.inputs()).discrepancies) == {("OVERPAID", "T-F1")}
