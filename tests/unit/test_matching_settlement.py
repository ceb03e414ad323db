"""Settlement batches against treasury credits: windows, references, split credits, reversals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from matching_world import D, World, account, found

from reconcile.matching import reconcile_inputs
from reconcile.ports import GatewayTerms

BATCH = "B-01-20261125"
NEXT = dt.date(2026, 11, 26)  # the next business day after Wednesday D


def one_batch(amount: int = 300_000) -> World:
    world = World()
    world.payment("P1", "T1", amount - 100_000)
    world.payment("P2", "T2", 100_000)
    return world


def rows(world: World, day: dt.date = D) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = reconcile_inputs(world.inputs(day)).discrepancies.to_pylist()
    return result


def test_a_batch_credited_by_its_id_within_its_window_is_clean() -> None:
    world = one_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    assert rows(world) == []


def test_a_batch_named_in_the_remittance_text_is_matched() -> None:
    world = one_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", remittance=f"VNPAY QUYET TOAN /{BATCH}/ NGAY 25.11")
    assert rows(world) == []


def test_a_batch_booked_credit_whose_details_name_the_transactions_is_matched() -> None:
    world = one_batch()
    entry = world.entry(300_000, account("01"), NEXT, "BANK1")
    world.detail(entry, "T1", 200_000)
    world.detail(entry, "T2", 100_000)
    assert rows(world) == []


def test_an_unreferenced_credit_of_the_exact_amount_within_the_window_is_matched() -> None:
    world = one_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", remittance="CHUYEN TIEN")
    assert rows(world) == []


def test_two_batches_with_the_same_amount_are_not_matched_by_amount() -> None:
    world = one_batch()
    world.payment("P3", "T3", 300_000, batch_id="B-OTHER")
    world.entry(300_000, account("01"), NEXT, "BANK1")
    world.entry(300_000, account("01"), NEXT, "BANK2")
    # the batches are D's problems; the credits, booked the next day, that day's
    assert found(reconcile_inputs(world.inputs()).discrepancies) == {
        ("MISSING_BANK_CREDIT", BATCH),
        ("MISSING_BANK_CREDIT", "B-OTHER"),
    }
    assert found(reconcile_inputs(world.inputs(NEXT)).discrepancies) == {
        ("UNEXPECTED_BANK_CREDIT", "BANK1"),
        ("UNEXPECTED_BANK_CREDIT", "BANK2"),
    }


def test_a_batch_named_in_the_mt940_owner_reference_beside_another_eref_is_matched() -> None:
    world = one_batch()
    world.payment("P3", "T3", 300_000, batch_id="B-OTHER")
    # the :86: /EREF/ carries the payer's own reference; the :61: owner reference names the batch
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id="PAYER-REF-9", owner_ref=BATCH)
    world.entry(300_000, account("01"), NEXT, "BANK2", end_to_end_id="PAYER-REF-8", owner_ref="B-OTHER")
    assert rows(world) == []
    assert rows(world, NEXT) == []


def test_a_batch_paid_in_two_credits_is_clean() -> None:
    world = one_batch()
    world.entry(120_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    world.entry(180_000, account("01"), NEXT, "BANK2", remittance=BATCH)
    assert rows(world) == []


def test_a_credit_of_another_amount_is_a_settlement_amount_mismatch() -> None:
    world = one_batch()
    world.entry(299_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    (row,) = rows(world)
    assert (
        row["category"],
        row["batch_id"],
        row["expected_vnd"],
        row["actual_vnd"],
        row["difference_vnd"],
    ) == (
        "SETTLEMENT_AMOUNT_MISMATCH",
        BATCH,
        300_000,
        299_000,
        -1_000,
    )
    assert row["status"] == "open"


def test_a_net_gateway_is_expected_to_credit_the_amounts_less_the_fees() -> None:
    world = one_batch()
    world.gateways = {"vnpay": GatewayTerms(fee_mode="net")}
    for txn in world.txns:
        txn["fee_vnd"] = 1_100
    world.entry(297_800, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    assert rows(world) == []


def test_a_gross_gateway_is_expected_to_credit_the_whole_amounts() -> None:
    world = one_batch()
    for txn in world.txns:
        txn["fee_vnd"] = 1_100
    world.entry(297_800, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    assert [r["category"] for r in rows(world)] == ["SETTLEMENT_AMOUNT_MISMATCH"]


def test_a_batch_credited_after_its_window_is_a_late_settlement() -> None:
    world = one_batch()
    world.entry(300_000, account("01"), dt.date(2026, 11, 27), "BANK1", end_to_end_id=BATCH)
    (row,) = rows(world)
    assert (row["category"], row["batch_id"], row["bank_ref"], row["severity"]) == (
        "LATE_SETTLEMENT",
        BATCH,
        "BANK1",
        "low",
    )


def test_a_credit_one_business_day_later_across_a_weekend_and_a_holiday_is_not_late() -> None:
    friday = dt.date(2026, 8, 28)
    world = World(day=friday)
    world.calendar = world.calendar.of([dt.date(2026, 8, 31)])  # Monday 31 August off: window ends Tuesday
    world.payment("P1", "T1", 100_000)
    world.entry(100_000, account("01"), dt.date(2026, 9, 1), "BANK1", end_to_end_id="B-01-20260828")
    assert rows(world, friday) == []
    world.entries[0]["booking_date"] = dt.date(2026, 9, 2)
    assert [r["category"] for r in rows(world, friday)] == ["LATE_SETTLEMENT"]


def test_a_batch_without_a_credit_once_the_statements_cover_its_window_is_missing() -> None:
    world = one_batch()
    world.bank_covered = {account("01"): NEXT}
    (row,) = rows(world)
    assert (row["category"], row["batch_id"], row["status"], row["expected_vnd"], row["actual_vnd"]) == (
        "MISSING_BANK_CREDIT",
        BATCH,
        "open",
        300_000,
        0,
    )


def test_a_batch_without_a_credit_is_pending_while_the_statements_do_not_cover_its_window() -> None:
    world = one_batch()
    world.bank_covered = {account("01"): D}
    assert [(r["category"], r["status"]) for r in rows(world)] == [("MISSING_BANK_CREDIT", "pending")]


def test_a_reversed_credit_leaves_the_batch_without_a_credit() -> None:
    world = one_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    world.entry(300_000, account("01"), NEXT, "BANK1-R", direction="DBIT", reversal=True)
    world.bank_covered = {account("01"): NEXT}
    assert [(r["category"], r["batch_id"]) for r in rows(world)] == [("MISSING_BANK_CREDIT", BATCH)]


def test_a_reversed_unexpected_credit_is_not_reported() -> None:
    world = one_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    world.entry(5_000, account("01"), NEXT, "STRAY")
    world.entry(5_000, account("01"), NEXT, "STRAY-R", direction="DBIT", reversal=True)
    assert rows(world) == []


def test_a_credit_no_batch_explains_is_an_unexpected_bank_credit() -> None:
    world = one_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    world.entry(42_000, account("79"), NEXT, "STRAY", remittance="HOAN TRA")
    world.entry(42_000, "9999000001", NEXT, "NOT-A-TREASURY-ACCOUNT")
    assert found(reconcile_inputs(world.inputs(NEXT)).discrepancies) == {("UNEXPECTED_BANK_CREDIT", "STRAY")}


def test_a_run_leaves_a_credit_booked_after_its_date_to_the_run_of_the_booking_date() -> None:
    """D's window reaches NEXT, but an unexplained credit booked on NEXT is NEXT's problem, reported once."""
    world = one_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    world.entry(42_000, account("01"), NEXT, "STRAY", remittance="HOAN TRA")
    world.entry(42_000, account("01"), D, "STRAY-D", remittance="HOAN TRA")
    assert found(reconcile_inputs(world.inputs()).discrepancies) == {("UNEXPECTED_BANK_CREDIT", "STRAY-D")}
    (row,) = rows(world, NEXT)
    assert (row["bank_ref"], row["business_date"]) == ("STRAY", NEXT)


def test_a_non_vnd_credit_on_a_treasury_account_is_reported_not_converted() -> None:
    world = one_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    world.entry(1_815, account("01"), NEXT, "USD1", currency="USD")
    (row,) = rows(world, NEXT)
    assert (row["category"], row["bank_ref"], row["actual_vnd"]) == ("UNEXPECTED_BANK_CREDIT", "USD1", None)
    assert "USD" in str(row["detail"])


def test_an_unconfigured_gateway_settles_in_one_business_day_gross_with_a_warning() -> None:
    world = one_batch()
    world.gateways = {}
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    result = reconcile_inputs(world.inputs())
    assert result.discrepancies.num_rows == 0
    assert result.warnings == ("gateway vnpay not configured: settlement_days=1, gross",)


def test_a_longer_settlement_window_is_taken_from_the_gateways_terms() -> None:
    world = one_batch()
    world.gateways = {"vnpay": GatewayTerms(settlement_days=2)}
    world.entry(300_000, account("01"), dt.date(2026, 11, 27), "BANK1", end_to_end_id=BATCH)
    assert rows(world) == []


def test_the_same_booking_in_two_statements_is_counted_once() -> None:
    world = one_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)  # camt.054, then camt.053
    world.entry(5_000, account("01"), NEXT, "STRAY")
    world.entry(5_000, account("01"), NEXT, "STRAY")
    assert rows(world) == []
    assert [(r["category"], r["bank_ref"], r["actual_vnd"]) for r in rows(world, NEXT)] == [
        ("UNEXPECTED_BANK_CREDIT", "STRAY", 5_000)
    ]
