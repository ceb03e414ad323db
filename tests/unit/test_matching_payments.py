"""Transactions against obligations: each category in a minimal world, and its clean twin."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow as pa
from matching_world import D, World, account, at, found

from adapters.db.arrow_copies import compact
from reconcile.matching import reconcile_inputs
from reconcile.ports import MatchMemory


def reported(world: World, day: dt.date = D) -> set[tuple[str, str]]:
    return found(reconcile_inputs(world.inputs(day)).discrepancies)


def clean_world() -> World:
    world = World()
    world.payment("P1", "T1", 150_000)
    world.payment("P2", "T2", 250_000, province_code="79")
    world.settle_all()
    return world


def test_a_clean_day_reports_nothing() -> None:
    assert reported(clean_world()) == set()


def test_a_success_for_an_unknown_payment_code_is_an_orphan_payment() -> None:
    world = clean_world()
    world.txn("T9", "NO-SUCH-CODE")
    world.entries.clear()
    world.settle_all()
    assert reported(world) == {("ORPHAN_PAYMENT", "T9")}


def test_a_refund_for_an_unknown_code_is_not_an_orphan_payment() -> None:
    world = clean_world()
    world.txn("R9", "NO-SUCH-CODE", 1_000, status="REFUND", original_txn_id="T1")
    world.entries.clear()
    world.settle_all()
    assert reported(world) == set()


def test_a_smaller_payment_is_underpaid_and_a_larger_one_overpaid() -> None:
    world = clean_world()
    world.payment("P3", "T3", 99_999)
    world.obligation("P3", 100_000, portal_status="paid", portal_txn_id="T3", portal_paid_date=D)
    world.payment("P4", "T4", 100_001)
    world.obligation("P4", 100_000, portal_status="paid", portal_txn_id="T4", portal_paid_date=D)
    world.entries.clear()
    world.settle_all()
    result = reconcile_inputs(world.inputs()).discrepancies.to_pylist()
    assert {(r["category"], r["txn_id"], r["difference_vnd"]) for r in result} == {
        ("UNDERPAID", "T3", -1),
        ("OVERPAID", "T4", 1),
    }


def test_a_second_success_for_a_paid_obligation_is_a_duplicate_and_the_portals_one_is_matched() -> None:
    world = clean_world()
    # Earlier than T1 but not the one the portal recorded: T1 stays the match.
    world.txn("T1-BIS", "P1", 150_000, paid_at=at(D, 1))
    world.entries.clear()
    world.settle_all()
    assert reported(world) == {("DUPLICATE_PAYMENT", "T1-BIS")}


def test_without_a_portal_record_the_earliest_success_is_matched() -> None:
    world = World()
    world.obligation("P1", 100_000)  # the portal shows it unpaid
    world.txn("T-LATE", "P1", paid_at=at(D, 15))
    world.txn("T-EARLY", "P1", paid_at=at(D, 9))
    world.settle_all()
    assert reported(world) == {("SETTLED_NOT_RECORDED", "T-EARLY"), ("DUPLICATE_PAYMENT", "T-LATE")}


def test_a_duplicate_is_not_judged_again_for_its_amount() -> None:
    world = clean_world()
    world.txn("T1-BIS", "P1", 10)
    world.entries.clear()
    world.settle_all()
    assert reported(world) == {("DUPLICATE_PAYMENT", "T1-BIS")}


def test_a_refunded_duplicate_is_still_reported_once_and_its_refund_is_normal() -> None:
    world = clean_world()
    world.txn("T1-BIS", "P1", 150_000)
    world.txn("R1", "P1", 150_000, status="REFUND", original_txn_id="T1-BIS")
    world.entries.clear()
    world.settle_all()
    assert reported(world) == {("DUPLICATE_PAYMENT", "T1-BIS")}


def test_a_payment_credited_to_another_provinces_account_is_in_the_wrong_province() -> None:
    world = clean_world()
    world.payment("P3", "T3", 70_000)
    world.txns[-1]["treasury_account"] = account("79")
    world.txns[-1]["batch_id"] = "B-79-20261125"
    world.entries.clear()
    world.settle_all()
    assert reported(world) == {("WRONG_PROVINCE", "T3")}


def test_a_payment_naming_another_province_is_in_the_wrong_province() -> None:
    world = clean_world()
    world.payment("P3", "T3", 70_000)
    world.txns[-1]["province_code"] = "48"
    world.entries.clear()
    world.settle_all()
    assert reported(world) == {("WRONG_PROVINCE", "T3")}


def test_a_wrong_province_names_the_province_that_owns_the_account_the_money_went_to() -> None:
    world = clean_world()
    world.payment("P3", "T3", 70_000, province_code="48")  # a Quảng Nam obligation, named as such
    world.txns[-1]["treasury_account"] = account("79")
    world.txns[-1]["batch_id"] = "B-79-20261125"
    world.entries.clear()
    world.settle_all()
    (row,) = reconcile_inputs(world.inputs()).discrepancies.to_pylist()
    assert (row["category"], row["province_code"]) == ("WRONG_PROVINCE", "48")
    assert row["detail"] == (
        f"settled to account {account('79')} (province 79) instead of {account('48')} (province 48)"
    )


def test_a_wrong_province_to_an_account_no_province_owns_says_so() -> None:
    world = clean_world()
    world.payment("P3", "T3", 70_000)
    world.txns[-1]["treasury_account"] = "9999000001"
    world.entries.clear()
    world.settle_all()
    (row,) = [r for r in reconcile_inputs(world.inputs()).discrepancies.to_pylist() if r["txn_id"] == "T3"]
    assert (
        row["detail"]
        == f"settled to account 9999000001 (no province's account) instead of {account('01')} (province 01)"
    )


def test_a_wrong_province_code_on_the_right_account_names_the_code_the_transaction_gave() -> None:
    world = clean_world()
    world.payment("P3", "T3", 70_000)
    world.txns[-1]["province_code"] = "48"
    world.entries.clear()
    world.settle_all()
    (row,) = reconcile_inputs(world.inputs()).discrepancies.to_pylist()
    assert row["detail"] == (
        f"settled to account {account('01')} (province 01) instead of {account('01')} (province 01)"
        "; the transaction names province 48"
    )


def test_a_payment_naming_the_merged_province_of_its_obligation_is_not_in_the_wrong_province() -> None:
    world = World(provinces={"10": account("10"), "15": account("15")})
    world.payment("P1", "T1", province_code="10")
    world.txns[-1]["province_code"] = "15"
    world.settle_all()
    assert reported(world) == set()


def test_a_success_for_an_obligation_the_portal_shows_unpaid_is_settled_not_recorded() -> None:
    world = clean_world()
    world.obligation("P3", 40_000)
    world.txn("T3", "P3", 40_000)
    world.entries.clear()
    world.settle_all()
    assert reported(world) == {("SETTLED_NOT_RECORDED", "T3")}


def test_a_portal_payment_no_gateway_settled_is_paid_not_settled() -> None:
    world = clean_world()
    world.obligation("P3", 40_000, portal_status="paid", portal_txn_id="T-GHOST", portal_paid_date=D)
    rows = reconcile_inputs(world.inputs()).discrepancies.to_pylist()
    assert [(r["category"], r["payment_code"], r["status"], r["expected_vnd"]) for r in rows] == [
        ("PAID_NOT_SETTLED", "P3", "open", 40_000)
    ]


def test_a_portal_payment_is_pending_while_the_gateway_files_do_not_reach_its_date() -> None:
    world = World()
    world.obligation("P3", 40_000, portal_status="paid", portal_txn_id="T-GHOST", portal_paid_date=D)
    world.gateway_covered = {"vnpay": D - dt.timedelta(days=1)}
    rows = reconcile_inputs(world.inputs()).discrepancies.to_pylist()
    assert [(r["category"], r["status"]) for r in rows] == [("PAID_NOT_SETTLED", "pending")]


def test_a_portal_payment_settled_on_another_day_is_not_paid_not_settled() -> None:
    world = clean_world()
    world.obligation("P3", 40_000, portal_status="paid", portal_txn_id="T3", portal_paid_date=D)
    world.txn("T3", "P3", 40_000, paid_date=D + dt.timedelta(days=1))
    world.entries.clear()
    world.settle_all()
    assert reported(world) == set()


def test_a_refund_of_an_unknown_transaction_is_an_unmatched_refund() -> None:
    world = clean_world()
    world.txn("R1", "P1", 5_000, status="REFUND", original_txn_id="T-NEVER")
    world.txn("R2", "P2", 5_000, status="REFUND", original_txn_id="T2", province_code="79")
    world.entries.clear()
    world.settle_all()
    assert reported(world) == {("UNMATCHED_REFUND", "R1")}


def test_a_refund_in_a_later_batch_of_an_earlier_payment_is_normal() -> None:
    world = clean_world()
    later = D + dt.timedelta(days=1)
    world.txn("R1", "P1", 150_000, status="REFUND", original_txn_id="T1", paid_date=later)
    world.entries.clear()
    world.settle_all()
    assert reported(world, later) == set()
    assert reported(world, D) == set()


def test_a_transaction_of_another_day_is_not_reported_in_this_days_run() -> None:
    world = clean_world()
    world.txn("T9", "NO-SUCH-CODE", paid_date=D - dt.timedelta(days=1))
    world.entries.clear()
    world.settle_all()
    assert reported(world) == set()
    assert reported(world, D - dt.timedelta(days=1)) == {("ORPHAN_PAYMENT", "T9")}


def test_a_memory_limit_and_spill_directory_change_nothing_found_and_leave_no_files(tmp_path: Path) -> None:
    world = clean_world()
    world.payment("P3", "T3", 99_999)
    world.obligation("P3", 100_000, portal_status="paid", portal_txn_id="T3", portal_paid_date=D)
    world.txn("T9", "NO-SUCH-CODE")
    world.entries.clear()
    world.settle_all()
    unlimited = reconcile_inputs(world.inputs()).discrepancies
    inputs = dataclasses.replace(world.inputs(), memory=MatchMemory("32MB", str(tmp_path)))
    limited = reconcile_inputs(inputs).discrepancies
    assert limited.equals(unlimited)
    assert found(limited) == {("UNDERPAID", "T3"), ("ORPHAN_PAYMENT", "T9")}
    assert list(tmp_path.iterdir()) == []  # a run's spill directory goes with its connection


def test_few_valued_columns_held_as_dictionaries_are_judged_alike() -> None:
    world = clean_world()
    world.payment("P3", "T3", 99_999)
    world.obligation("P3", 100_000, portal_status="paid", portal_txn_id="T3", portal_paid_date=D)
    world.txn("T9", "NO-SUCH-CODE")
    world.payment("P4", "T4", 100_000)
    world.txns[-1]["province_code"] = "48"
    world.txn("R9", "P1", 1_000, status="REFUND", original_txn_id="NO-SUCH-TXN")
    world.entries.clear()
    world.settle_all()
    plain = world.inputs()
    held = dataclasses.replace(plain, txns=compact(plain.txns), obligations=compact(plain.obligations))
    assert pa.types.is_dictionary(held.txns.schema.field("province_code").type)

    expected = reconcile_inputs(plain)
    result = reconcile_inputs(held)

    assert result.discrepancies.equals(expected.discrepancies)
    assert result.verdict == expected.verdict
    assert found(result.discrepancies) == {
        ("UNDERPAID", "T3"),
        ("ORPHAN_PAYMENT", "T9"),
        ("WRONG_PROVINCE", "T4"),
        ("UNMATCHED_REFUND", "R9"),
    }
