"""Runs over days: versions, carried items that close themselves or age, and diffs between runs."""

from __future__ import annotations

import datetime as dt

import pytest
from matching_world import D, FakeRunStore, World, account, found

from reconcile.runs import diff_runs, item_key, reconcile_day, run_id

NEXT = dt.date(2026, 11, 26)
AFTER = dt.date(2026, 11, 27)
BATCH = "B-01-20261125"


def day_with_a_batch() -> World:
    world = World()
    world.payment("P1", "T1", 100_000)
    world.payment("P2", "T2", 200_000)
    return world


def test_a_run_is_version_one_and_a_rerun_is_the_next_version_with_its_reason() -> None:
    store = FakeRunStore(day_with_a_batch())
    first = reconcile_day(store, D)
    second = reconcile_day(store, D, reason="corrected VNPay file")
    assert (first.id, first.run.version, first.run.reason) == (run_id(D, (), 1), 1, None)
    assert (second.id, second.run.version, second.run.reason) == ("2026-11-25-v2", 2, "corrected VNPay file")
    assert store.get_run(first.id).version == 1  # the old one stays readable


def test_a_run_limited_to_provinces_has_its_own_versions_and_only_their_rows() -> None:
    world = day_with_a_batch()
    world.txn("T9", "NO-SUCH", province_code="79")
    store = FakeRunStore(world)
    summary = reconcile_day(store, D, ["79"])
    assert summary.id == "2026-11-25-79-v1"
    assert {row["province_code"] for row in store.discrepancies(summary.id).to_pylist()} == {"79"}
    assert reconcile_day(store, D).run.version == 1


def test_a_pending_batch_is_carried_and_closes_itself_when_its_credit_arrives() -> None:
    world = day_with_a_batch()
    world.bank_covered = {account("01"): D}
    store = FakeRunStore(world)
    first = reconcile_day(store, D)
    assert [(r["category"], r["status"]) for r in store.discrepancies(first.id).to_pylist()] == [
        ("MISSING_BANK_CREDIT", "pending")
    ]
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    later = reconcile_day(store, NEXT)
    assert store.discrepancies(later.id).num_rows == 0


def test_a_carried_break_is_reported_again_with_its_age_until_it_is_fixed() -> None:
    world = day_with_a_batch()
    world.bank_covered = {account("01"): NEXT}
    store = FakeRunStore(world)
    reconcile_day(store, D)
    world.bank_covered = {account("01"): AFTER}
    later = reconcile_day(store, AFTER)
    (row,) = store.discrepancies(later.id).to_pylist()
    assert (row["category"], row["status"], row["business_date"], row["age_days"]) == (
        "MISSING_BANK_CREDIT",
        "open",
        D,
        2,
    )


def test_a_missing_credit_that_arrives_late_becomes_a_late_settlement() -> None:
    world = day_with_a_batch()
    world.bank_covered = {account("01"): NEXT}
    store = FakeRunStore(world)
    first = reconcile_day(store, D)
    assert found(store.discrepancies(first.id)) == {("MISSING_BANK_CREDIT", BATCH)}
    world.entry(300_000, account("01"), AFTER, "BANK1", end_to_end_id=BATCH)
    later = reconcile_day(store, AFTER)
    assert found(store.discrepancies(later.id)) == {("LATE_SETTLEMENT", BATCH)}


def test_a_corrected_gateway_file_after_the_run_changes_the_rerun_and_the_diff_shows_it() -> None:
    world = day_with_a_batch()
    world.entry(300_000, account("01"), NEXT, "BANK1", end_to_end_id=BATCH)
    world.txns[1]["amount_vnd"] = 150_000  # the first file had T2 wrong
    store = FakeRunStore(world)
    first = reconcile_day(store, D)
    assert found(store.discrepancies(first.id)) == {
        ("UNDERPAID", "T2"),
        ("SETTLEMENT_AMOUNT_MISMATCH", BATCH),
    }
    world.txns[1]["amount_vnd"] = 200_000  # the corrected file replaces it
    world.txns.append({**world.txns[0], "txn_id": "T3", "payment_code": "NO-SUCH"})
    world.entries[0]["amount"] = 350_000
    second = reconcile_day(store, D, reason="corrected file")
    diff = diff_runs(store.discrepancies(first.id), store.discrepancies(second.id))
    assert [item_key(r) for r in diff.new] == ["ORPHAN_PAYMENT:T3"]
    assert [item_key(r) for r in diff.gone] == ["UNDERPAID:T2"]
    assert [(item_key(r), r["changes"]) for r in diff.changed] == [
        (
            f"SETTLEMENT_AMOUNT_MISMATCH:{BATCH}",
            "expected_vnd: 250000 → 400000; actual_vnd: 300000 → 350000; difference_vnd: 50000 → -50000",
        )
    ]
    assert [r["change"] for r in diff.rows()] == ["new", "changed", "gone"]


def test_a_rerun_on_the_same_inputs_gives_the_same_rows() -> None:
    world = day_with_a_batch()
    world.txn("T9", "NO-SUCH")
    store = FakeRunStore(world)
    first = reconcile_day(store, D)
    second = reconcile_day(store, D, reason="again")
    assert store.discrepancies(first.id).equals(store.discrepancies(second.id))
    assert diff_runs(store.discrepancies(first.id), store.discrepancies(second.id)).rows() == []


def test_the_summary_names_the_run_and_its_categories() -> None:
    world = day_with_a_batch()
    world.txn("T9", "NO-SUCH")
    lines = reconcile_day(FakeRunStore(world), D).lines()
    assert lines[0] == "run 2026-11-25-v1: 2026-11-25 version 1"
    assert "    ORPHAN_PAYMENT: 1" in lines
    assert "    MISSING_BANK_CREDIT: 1" in lines


def test_an_item_people_resolved_keeps_its_status_when_it_is_found_again() -> None:
    world = day_with_a_batch()
    world.txn("T9", "NO-SUCH")
    world.txn("T8", "NO-SUCH-EITHER")
    world.decisions = {"ORPHAN_PAYMENT:T9": "written_off"}
    store = FakeRunStore(world)
    rows = store.discrepancies(reconcile_day(store, D).id).to_pylist()
    assert {(r["txn_id"], r["status"]) for r in rows if r["category"] == "ORPHAN_PAYMENT"} == {
        ("T9", "written_off"),
        ("T8", "open"),
    }


def test_a_run_that_fails_while_matching_stores_nothing_and_the_previous_version_stays_latest() -> None:
    world = day_with_a_batch()
    store = FakeRunStore(world)
    first = reconcile_day(store, D)
    world.tax_rates = [
        {
            "province_code": "01",
            "asset_class": "car_first",
            "rate": "twelve percent",
            "valid_from": D,
            "valid_to": None,
        }
    ]
    with pytest.raises(ValueError, match="twelve percent"):
        reconcile_day(store, D, reason="bad reference data")
    assert list(store.runs) == [first.id]
    assert store.latest_run(D).id == first.id


def test_a_run_announces_its_steps_in_order() -> None:
    steps: list[str] = []
    reconcile_day(FakeRunStore(day_with_a_batch()), D, on_step=steps.append)
    assert steps == ["loading inputs", "matching", "saving"]


def test_the_terminal_summary_names_the_net_and_the_absolute_difference() -> None:
    world = day_with_a_batch()
    world.payment("P3", "T3", 50_000, batch_id="B-SHORT")
    world.entry(40_000, "7111010000001", dt.date(2026, 11, 26), "VCB-S", end_to_end_id="B-SHORT")
    world.payment("P4", "T4", 70_000, batch_id="B-OVER")
    world.entry(90_000, "7111010000001", dt.date(2026, 11, 26), "VCB-O", end_to_end_id="B-OVER")
    world.bank_covered["7111010000001"] = dt.date(2026, 11, 27)
    summary = reconcile_day(FakeRunStore(world), D)
    lines = "\n".join(summary.lines())
    # the missing batch (−300.000), the short credit (−10.000), the excess (+20.000)
    assert "Chênh lệch ròng / net difference (actual − expected): -290.000 ₫" in lines
    assert "Tổng chênh lệch tuyệt đối / sum of absolute differences: 330.000 ₫" in lines
