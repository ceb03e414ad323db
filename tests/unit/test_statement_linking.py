"""Which bank credits a statement shows against which batch, and whose verdict its status is."""

from __future__ import annotations

import datetime as dt

from adapters.statement_credits import BatchTarget, Entry, link_credits
from adapters.statement_runs import RunDiscrepancies
from reports.statement_model import BatchStatus, StatementDiscrepancy

D = dt.date(2026, 11, 25)
NEXT = dt.date(2026, 11, 26)


def _target(batch_id: str, expected: int) -> BatchTarget:
    return BatchTarget(batch_id, expected, D, NEXT)


def _entry(entry_id: int, amount: int, *, e2e=None, text=None, details=(), booked=NEXT) -> Entry:
    return Entry(entry_id, f"REF{entry_id}", booked, amount, e2e, text, list(details))


def _refs(linked) -> dict[str, list[str]]:
    return {batch: [c.bank_ref for c in credits] for batch, credits in linked.items()}


def test_a_credit_naming_the_batch_as_end_to_end_id_settles_it() -> None:
    linked = link_credits([_entry(1, 500, e2e="B1")], [_target("B1", 900)], {})
    assert _refs(linked) == {"B1": ["REF1"]}


def test_a_credit_naming_the_batch_as_its_mt940_owner_reference_settles_it() -> None:
    entry = Entry(1, "REF1", NEXT, 500, "PAYER-REF", None, owner_ref="B1")
    linked = link_credits([entry, _entry(2, 500, e2e="B2")], [_target("B1", 500), _target("B2", 500)], {})
    assert _refs(linked) == {"B1": ["REF1"], "B2": ["REF2"]}


def test_a_batch_id_is_matched_as_a_whole_word_of_the_remittance_not_a_substring() -> None:
    entries = [_entry(1, 10, text="Quyet toan lo B10 ngay 25/11"), _entry(2, 20, text="lo B1.")]
    linked = link_credits(entries, [_target("B1", 5), _target("B10", 5)], {})
    assert _refs(linked) == {"B1": ["REF2"], "B10": ["REF1"]}


def test_a_batch_booked_credit_whose_details_name_one_batchs_transactions_settles_it() -> None:
    entry = _entry(1, 300, details=[("T1", None), ("T2", None)])
    linked = link_credits([entry], [_target("B1", 300)], {"T1": "B1", "T2": "B1"})
    assert _refs(linked) == {"B1": ["REF1"]}


def test_details_spanning_two_batches_link_by_none_of_them() -> None:
    entry = _entry(1, 999, details=[("T1", None), ("T9", None)])
    linked = link_credits([entry], [_target("B1", 300), _target("B9", 400)], {"T1": "B1", "T9": "B9"})
    assert _refs(linked) == {"B1": [], "B9": []}


def test_an_unreferenced_credit_of_the_exact_amount_in_the_window_settles_the_only_batch_it_fits() -> None:
    linked = link_credits([_entry(1, 396_000, text="MOMO 26/11")], [_target("M1", 396_000)], {})
    assert _refs(linked) == {"M1": ["REF1"]}


def test_an_amount_that_two_credits_could_settle_links_neither() -> None:
    entries = [_entry(1, 700), _entry(2, 700)]
    linked = link_credits(entries, [_target("B1", 700)], {})
    assert _refs(linked) == {"B1": []}


def test_an_amount_match_outside_the_window_is_not_a_link() -> None:
    linked = link_credits([_entry(1, 700, booked=dt.date(2026, 12, 20))], [_target("B1", 700)], {})
    assert _refs(linked) == {"B1": []}


def test_a_reversal_naming_the_batch_counts_against_it() -> None:
    entries = [_entry(1, 700, e2e="B1"), _entry(2, -700, e2e="B1")]
    linked = link_credits(entries, [_target("B1", 700)], {})
    assert sum(credit.amount for credit in linked["B1"]) == 0


def _flag(category: str, status: str, batch_id: str = "B1") -> StatementDiscrepancy:
    return StatementDiscrepancy(
        category, "high", status, D, None, None, "vnpay", batch_id, None, None, None, None, 0, None
    )


def test_the_runs_verdict_on_a_batch_becomes_its_status() -> None:
    run = RunDiscrepancies(
        "2026-11-25-v1",
        1,
        (
            _flag("ORPHAN_PAYMENT", "open"),  # a transaction-level row does not judge the batch
            _flag("LATE_SETTLEMENT", "open"),
            _flag("MISSING_BANK_CREDIT", "pending", "B2"),
            _flag("SETTLEMENT_AMOUNT_MISMATCH", "open", "B3"),
        ),
    )
    assert run.batch_verdict("B1") is BatchStatus.LATE
    assert run.batch_verdict("B2") is BatchStatus.PENDING
    assert run.batch_verdict("B3") is BatchStatus.MISMATCH
    assert run.batch_verdict("B4") is None
