"""A province's settlement statement (bảng đối chiếu quyết toán) as plain immutable data.

The statement answers a province's treasury accountant: for business date
D, which gateway settlement batches were due to the province's State
Treasury (Kho bạc Nhà nước) account, what each should have credited, what
the bank actually credited, and which discrepancies concern the province.

It is built from a run's stored verdict (:func:`reports.statement_build.statement_of_run`;
by hand in tests) and rendered three ways (PDF, Excel, XML) by
:mod:`reports.statements`. Nothing here links a credit or judges a batch: the
run did that once (:mod:`reconcile.verdict`), and the renderers compute
nothing but sums, so the statement and the discrepancy report always tell
the same story. All amounts are integer đồng.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from reconcile.discrepancies import KEY_OF, Category
from reconcile.money import DifferenceTotals, difference_totals


class BatchStatus(StrEnum):
    """How a batch's bank credit compares with what it should be: the run's
    :class:`reconcile.verdict.BatchStatus`, with its Vietnamese label."""

    MATCHED = "matched"  # khớp
    MISMATCH = "mismatch"  # lệch số tiền
    MISSING = "missing"  # chưa ghi có
    LATE = "late"  # ghi có muộn
    PENDING = "pending"  # still inside its settlement window: not yet a break

    @property
    def label(self) -> str:
        """The status in Vietnamese, for people."""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    BatchStatus.MATCHED: "Khớp",
    BatchStatus.MISMATCH: "Lệch số tiền",
    BatchStatus.MISSING: "Chưa ghi có",
    BatchStatus.LATE: "Ghi có muộn",
    BatchStatus.PENDING: "Đang chờ",
}


@dataclass(frozen=True, slots=True)
class BankCredit:
    """One credit on the treasury account that settles (part of) a batch.

    Attributes:
        bank_ref: the bank's own reference (camt ``AcctSvcrRef``, MT940 after ``//``).
        booking_date: the date the bank booked it.
        amount: đồng credited.
    """

    bank_ref: str | None
    booking_date: dt.date | None
    amount: int


@dataclass(frozen=True, slots=True)
class StatementBatch:
    """One gateway settlement batch (lô quyết toán) due to the province's account.

    Attributes:
        batch_id: the gateway's batch identifier.
        settlement_date: the date the gateway says it settles the batch.
        transactions: number of SUCCESS and REFUND transactions in the batch.
        collected: Σ SUCCESS amounts (đã thu).
        refunded: Σ REFUND amounts (hoàn tiền).
        fees: Σ gateway fees (phí).
        expected_credit: what the bank should credit (collected − refunded, − fees when net).
        credits: the bank credits the run linked to the batch, in booking order.
        credited: Σ of those credits as the run stored it (0 when none).
        status: matched, mismatch, missing, late or pending, as the run judged it.
    """

    batch_id: str
    settlement_date: dt.date | None
    transactions: int
    collected: int
    refunded: int
    fees: int
    expected_credit: int
    credits: tuple[BankCredit, ...]
    credited: int
    status: BatchStatus

    @property
    def difference(self) -> int:
        """credited − expected: negative when the treasury received less."""
        return self.credited - self.expected_credit


@dataclass(frozen=True, slots=True)
class StatementTotals:
    """Sums over batches, in đồng (tổng cộng)."""

    batches: int
    transactions: int
    collected: int
    refunded: int
    fees: int
    expected: int
    credited: int

    @property
    def difference(self) -> int:
        return self.credited - self.expected

    @classmethod
    def of(cls, batches: tuple[StatementBatch, ...]) -> StatementTotals:
        return cls(
            batches=len(batches),
            transactions=sum(b.transactions for b in batches),
            collected=sum(b.collected for b in batches),
            refunded=sum(b.refunded for b in batches),
            fees=sum(b.fees for b in batches),
            expected=sum(b.expected_credit for b in batches),
            credited=sum(b.credited for b in batches),
        )


@dataclass(frozen=True, slots=True)
class GatewaySection:
    """One payment gateway's batches (cổng thanh toán) and how it settles."""

    gateway: str
    fee_mode: str  # "gross" or "net"
    batches: tuple[StatementBatch, ...]

    @property
    def totals(self) -> StatementTotals:
        return StatementTotals.of(self.batches)


@dataclass(frozen=True, slots=True)
class StatementDiscrepancy:
    """A discrepancy of the province for the date, as the report lists it (DESIGN.md §5)."""

    category: str
    severity: str
    status: str
    business_date: dt.date | None
    payment_code: str | None
    txn_id: str | None
    gateway: str | None
    batch_id: str | None
    bank_ref: str | None
    expected_vnd: int | None
    actual_vnd: int | None
    difference_vnd: int | None
    age_days: int | None
    detail: str | None

    @property
    def key(self) -> str | None:
        """The identifier the discrepancy is about: its category's key (DESIGN.md §5)."""
        try:
            column = KEY_OF[Category(self.category)]
        except ValueError:
            return self.txn_id or self.batch_id or self.bank_ref or self.payment_code
        value: str | None = getattr(self, column)
        return value


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """The collections of the statement's batches booked under one budget sub-item (tiểu mục).

    Attributes:
        sub_item: the 4-digit sub-item of the state budget index (``2802``: registration tax on
            cars), ``None`` for what ``budget_items.csv`` does not classify (and payments of no
            known obligation).
        name: what the sub-item is (``Lệ phí trước bạ ô tô``).
        transactions, collected, refunded: the SUCCESS and REFUND transactions and their amounts.
    """

    sub_item: str | None
    name: str
    transactions: int
    collected: int
    refunded: int


@dataclass(frozen=True, slots=True)
class Treasury:
    """The State Treasury that books the payee's revenue on the date (SHKB), and the chapter (chương)."""

    code: str
    name: str
    chapter: str | None = None


@dataclass(frozen=True, slots=True)
class SettlementStatement:
    """The settlement statement of one province for one business date.

    Attributes:
        province_code: the official 2-digit code (``"01"``).
        province_name: the Vietnamese name with diacritics (``"Hà Nội"``).
        treasury_account: the State Treasury account credited.
        business_date: the local business date D.
        gateways: one section per gateway, ordered by gateway name.
        discrepancies: the province's discrepancies for D (and those still open).
        run_id, run_version: the reconciliation run the statuses come from, if any.
        payee_kind: ``province``, or ``agency`` for a central agency (a ministry of
            ``agencies.csv``), whose code and name stand in ``province_code`` and ``province_name``.
        treasury: the treasury (SHKB) and chapter the payee's revenue is booked under on the date.
        budget_lines: the batches' collections by budget sub-item, as the treasury books them.
    """

    province_code: str
    province_name: str
    treasury_account: str
    business_date: dt.date
    gateways: tuple[GatewaySection, ...]
    discrepancies: tuple[StatementDiscrepancy, ...] = ()
    run_id: str | None = None
    run_version: int | None = None
    payee_kind: str = "province"  # or "agency": a ministry's statement, ``province_code`` its code
    treasury: Treasury | None = None
    budget_lines: tuple[BudgetLine, ...] = ()

    @property
    def is_agency(self) -> bool:
        return self.payee_kind == "agency"

    @property
    def batches(self) -> tuple[StatementBatch, ...]:
        return tuple(batch for section in self.gateways for batch in section.batches)

    @property
    def totals(self) -> StatementTotals:
        return StatementTotals.of(self.batches)

    @property
    def discrepancy_differences(self) -> DifferenceTotals:
        """Net and absolute totals of the discrepancies' differences (named as everywhere else)."""
        return difference_totals(d.difference_vnd for d in self.discrepancies)

    @property
    def title(self) -> str:
        return f"BẢNG ĐỐI CHIẾU QUYẾT TOÁN — {self.province_name}"
