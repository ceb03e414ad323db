"""A small reconciliation world built from the contracts of DESIGN.md §2–§7 alone.

It writes the three records the way outside parties would: the portal's
obligations exports (yesterday's, then today's, cumulative), canonical
gateway settlement files (one corrected, one rejected, one from a gateway
the configuration does not name), a camt.053 file with one statement per
treasury account (plus an earlier version of one of them), a camt.054
notification, an MT940 file of two chained statements and a camt.053.001.02
statement that arrives after the first run; each is composed by hand from
the documented columns and elements, priced from fixtures/*.csv read as data.

Every discrepancy category is injected at least once, each isolated so that
the rules of DESIGN.md §5 give exactly that one discrepancy. The awkward
items around them are clean and must not be reported: credits across the
weekend and Tết, a batch paid in two credits, a batch booked twice and
reversed, a refund of the day before's payment, round-half-up tax, prices
valid only on the issue date (written in UTC across New Year), a gateway
clock past midnight, a province merged into another, a net batch booked with
one TxDtls per transaction, a pending entry, a reversed debit.

The business date is Friday 2026-02-13: the weekend and the Tết holidays
(2026-02-16..20) follow, so the next business day is Monday 2026-02-23.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DAY = dt.date(2026, 2, 13)  # Friday; then the weekend and Tết
PREVIOUS_DAY = dt.date(2026, 2, 12)
NEXT_BUSINESS_DAY = dt.date(2026, 2, 23)  # end of a 1-day window
SECOND_BUSINESS_DAY = dt.date(2026, 2, 24)  # end of a 2-day window
STATEMENT_END = dt.date(2026, 2, 25)  # statements cover every window and a day past
GATEWAYS = {"vnptpay": (1, "gross"), "momo": (1, "net"), "payoo": (2, "gross")}  # written to recon.toml
UNCONFIGURED_GATEWAY = "viettelmoney"  # not in recon.toml: 1 business day, gross (DESIGN.md §4)
OBLIGATION_COLUMNS = [
    "payment_code",
    "province_code",
    "kind",
    "agency_code",
    "procedure_code",
    "amount_vnd",
    "issued_at",
    "portal_status",
    "portal_txn_id",
    "portal_paid_at",
    "asset_class",
    "taxable_value_vnd",
]
GATEWAY_COLUMNS = [
    "txn_id",
    "payment_code",
    "gateway",
    "province_code",
    "treasury_account",
    "amount_vnd",
    "fee_vnd",
    "status",
    "paid_at",
    "settlement_date",
    "batch_id",
    "original_txn_id",
]


class Reference:
    """The reference tables, read as data and judged on a date."""

    def __init__(self, directory: Path = FIXTURES) -> None:
        self._provinces = _rows(directory / "provinces.csv")
        # a portal payment owes the online amount (DESIGN.md §3: `channel`, `online` when empty)
        self._fees = [
            r for r in _rows(directory / "fee_schedule.csv") if r.get("channel") in (None, "", "online")
        ]
        self._rates = _rows(directory / "registration_tax_rates.csv")

    def account(self, province: str) -> str:
        return next(r["treasury_account"] for r in self._provinces if r["code"] == province)

    def fee(self, province: str, procedure: str, on: dt.date) -> int:
        row = _valid(self._fees, on, province_code=province, procedure_code=procedure)
        return int(row["amount_vnd"])

    def tax(self, province: str, asset_class: str, taxable: int, on: dt.date) -> int:
        row = _valid(self._rates, on, province_code=province, asset_class=asset_class)
        return int((Decimal(taxable) * Decimal(row["rate"])).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _valid(rows: list[dict[str, str]], on: dt.date, **match: str) -> dict[str, str]:
    found = [
        r
        for r in rows
        if all(r[k] == v for k, v in match.items())
        and dt.date.fromisoformat(r["valid_from"]) <= on
        and (not r["valid_to"] or on <= dt.date.fromisoformat(r["valid_to"]))
    ]
    assert len(found) == 1, (match, on, found)
    return found[0]


@dataclass(frozen=True, slots=True)
class Obligation:
    payment_code: str
    province: str
    kind: str
    amount: int
    issued: dt.date
    procedure: str = ""
    txn_id: str = ""  # the portal's recorded transaction; empty = unpaid
    paid_at: str = ""
    asset_class: str = ""
    taxable: int | None = None
    issued_clock: str = "08:30"  # local time; the export writes the instant in UTC


@dataclass(frozen=True, slots=True)
class Txn:
    txn_id: str
    payment_code: str
    gateway: str
    province: str
    account: str
    amount: int
    fee: int
    paid_at: str
    settlement_date: dt.date
    batch_id: str
    status: str = "SUCCESS"
    original_txn_id: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One bank statement entry; ``parts`` makes it batch-booked (one TxDtls per transaction)."""

    account: str
    booked: dt.date
    amount: int
    bank_ref: str
    end_to_end: str = ""
    remittance: str = ""
    parts: tuple[int, ...] = ()
    debit: bool = False
    reversal: bool = False  # camt RvslInd: a DBIT reversal takes back an earlier credit
    status: str = "BOOK"  # PDNG entries are not money on the account yet
    currency: str = "VND"  # ``amount`` in this currency's minor unit


@dataclass(frozen=True, slots=True)
class Expected:
    """One injected problem: its category, key and the amounts it should carry."""

    category: str
    key: str
    expected_vnd: int | None = None
    actual_vnd: int | None = None
    status: str = "open"  # "pending" while the files do not cover the item's window yet


@dataclass(slots=True)
class World:
    obligations: list[Obligation] = field(default_factory=list)
    txns: list[Txn] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)
    later: list[Entry] = field(default_factory=list)  # bank entries of a statement that arrives after the run

    def batch_total(self, batch_id: str, *, net: bool) -> int:
        """Σ SUCCESS − Σ REFUND (− Σ fees when net), DESIGN.md §5."""
        total = 0
        for t in self.txns:
            if t.batch_id == batch_id:
                sign = 1 if t.status == "SUCCESS" else -1
                total += sign * t.amount - (t.fee if net else 0)
        return total

    def expect(
        self,
        category: str,
        key: str,
        expected: int | None = None,
        actual: int | None = None,
        status: str = "open",
    ) -> None:
        self.expected.append(Expected(category, key, expected, actual, status))


def at(day: dt.date, clock: str) -> str:
    """A local (UTC+7) timestamp, ISO 8601 with offset."""
    return f"{day.isoformat()}T{clock}:00+07:00"


class _Builder:
    """Adds obligations, their payments and the bank entries that settle them."""

    def __init__(self, reference: Reference) -> None:
        self.ref = reference
        self.world = World()

    def owe(
        self,
        code: str,
        province: str,
        kind: str,
        *,
        procedure: str = "",
        amount: int | None = None,
        issued: dt.date = dt.date(2026, 2, 10),
        asset: str = "",
        taxable: int | None = None,
        recorded: str = "",
        paid_at: str = "",
        issued_clock: str = "08:30",
    ) -> int:
        """An obligation priced from the reference data valid on ``issued`` unless ``amount`` is given."""
        if amount is None:
            if kind == "registration_tax":
                assert taxable is not None
                amount = self.ref.tax(province, asset, taxable, issued)
            else:
                amount = self.ref.fee(province, procedure, issued)
        self.world.obligations.append(
            Obligation(
                code,
                province,
                kind,
                amount,
                issued,
                procedure,
                recorded,
                paid_at,
                asset,
                taxable,
                issued_clock,
            )
        )
        return amount

    def pay(
        self,
        txn_id: str,
        code: str,
        amount: int,
        batch: str,
        *,
        province: str,
        account_of: str = "",
        fee: int = 0,
        paid_at: str = "",
        status: str = "SUCCESS",
        original: str = "",
    ) -> None:
        gateway, settles = _BATCHES[batch]
        self.world.txns.append(
            Txn(
                txn_id,
                code,
                gateway,
                province,
                self.ref.account(account_of or province),
                amount,
                fee,
                paid_at or at(DAY, "10:00"),
                settles,
                batch,
                status,
                original,
            )
        )

    def owe_and_pay(
        self,
        code: str,
        province: str,
        kind: str,
        txn_id: str,
        batch: str,
        *,
        fee: int = 0,
        paid_at: str = "",
        **obligation: object,
    ) -> int:
        """A clean obligation the portal records as paid on D by ``txn_id``, paid in full."""
        when = paid_at or at(DAY, "10:00")
        amount = self.owe(code, province, kind, recorded=txn_id, paid_at=when, **obligation)  # type: ignore[arg-type]
        self.pay(txn_id, code, amount, batch, province=province, fee=fee, paid_at=when)
        return amount

    def credit(self, province: str, booked: dt.date, amount: int, bank_ref: str, **how: object) -> None:
        self.world.entries.append(Entry(self.ref.account(province), booked, amount, bank_ref, **how))  # type: ignore[arg-type]

    def settle(self, province: str, batch: str, booked: dt.date, bank_ref: str, **how: object) -> int:
        """The bank credit of ``batch``, exactly what DESIGN.md §5 expects."""
        amount = self.world.batch_total(batch, net=GATEWAYS.get(_BATCHES[batch][0], (1, "gross"))[1] == "net")
        self.credit(province, booked, amount, bank_ref, **how)
        return amount


#: batch id -> (gateway, settlement date); one gateway, one treasury account, one date.
_BATCHES = {
    "VNPT-01-0212": ("vnptpay", DAY),
    "VNPT-01-0213": ("vnptpay", NEXT_BUSINESS_DAY),
    "MOMO-01-0213": ("momo", NEXT_BUSINESS_DAY),
    "PAYOO-01-0213": ("payoo", SECOND_BUSINESS_DAY),
    "VNPT-48-0213": ("vnptpay", NEXT_BUSINESS_DAY),
    "MOMO-48-0213": ("momo", NEXT_BUSINESS_DAY),
    "PAYOO-48-0213": ("payoo", SECOND_BUSINESS_DAY),
    "VNPT-79-0213": ("vnptpay", NEXT_BUSINESS_DAY),
    "PAYOO-79-0213": ("payoo", SECOND_BUSINESS_DAY),
    "VNPT-31-0213": ("vnptpay", NEXT_BUSINESS_DAY),
    "VTM-31-0213": (UNCONFIGURED_GATEWAY, NEXT_BUSINESS_DAY),
    "VNPT-92-0213": ("vnptpay", NEXT_BUSINESS_DAY),
    "VNPT-49-0213": ("vnptpay", NEXT_BUSINESS_DAY),
    "VNPT-79-0214": ("vnptpay", NEXT_BUSINESS_DAY),
    "PAYOO-56-0213": ("payoo", SECOND_BUSINESS_DAY),
}


def build_world(reference: Reference | None = None, *, saturday: bool = False) -> World:
    """The whole world of business date :data:`DAY`, with its ground truth.

    ``saturday`` adds VNPT Pay's file of Saturday's collections: they settle on
    the same business day as Friday's, in a batch of their own.
    """
    b = _Builder(reference or Reference())
    if saturday:
        _saturday(b)
    _ha_noi_gateway_batches(b)
    _ha_noi_momo_and_payoo(b)
    _da_nang(b)
    _ho_chi_minh(b)
    _hai_phong(b)
    _can_tho(b)
    _khanh_hoa(b)
    return b.world


def _ha_noi_gateway_batches(b: _Builder) -> None:
    """Hà Nội (01), VNPT Pay: yesterday's payment refunded today, underpaid, settled-not-recorded."""
    # Paid on D-1 in yesterday's batch, credited on D; refunded on D in today's batch (clean).
    b.owe_and_pay(
        "HS01-OLD",
        "01",
        "fee",
        "VNPT-T-OLD",
        "VNPT-01-0212",
        procedure="THAM_DINH_HO_SO_DAT",
        fee=11000,
        paid_at=at(PREVIOUS_DAY, "15:00"),
        issued=dt.date(2026, 2, 5),
    )
    # Paid on D-1 as well, and paid again on D through another gateway: a duplicate across days.
    b.owe_and_pay(
        "HS01-DUP2",
        "01",
        "charge",
        "VNPT-T-OLD2",
        "VNPT-01-0212",
        procedure="DANG_KY_KINH_DOANH",
        paid_at=at(PREVIOUS_DAY, "16:00"),
        issued=dt.date(2026, 2, 5),
    )
    b.settle("01", "VNPT-01-0212", DAY, "KB01-0001", end_to_end="VNPT-01-0212")
    old = next(t for t in b.world.txns if t.txn_id == "VNPT-T-OLD")
    b.pay(
        "VNPT-T-OLD-R",
        "HS01-OLD",
        old.amount,
        "VNPT-01-0213",
        province="01",
        status="REFUND",
        original="VNPT-T-OLD",
        paid_at=at(DAY, "09:00"),
    )
    b.owe_and_pay(
        "HS01-FEE", "01", "fee", "VNPT-T-0101", "VNPT-01-0213", procedure="THAM_DINH_HO_SO_DAT", fee=11000
    )
    # Priced by the schedule valid on its issue date (20 000 000 until 2025-12-31, 14 000 000 after).
    b.owe_and_pay(
        "HS01-PLATE",
        "01",
        "charge",
        "VNPT-T-0102",
        "VNPT-01-0213",
        procedure="BIEN_SO_OTO",
        issued=dt.date(2025, 12, 20),
        fee=22000,
    )
    # Issued 00:30 on 2026-01-01 local time, 2025-12-31T17:30Z: priced by the 2026 row (14 000 000).
    b.owe_and_pay(
        "HS01-PLATE26",
        "01",
        "charge",
        "VNPT-T-0104",
        "VNPT-01-0213",
        procedure="BIEN_SO_OTO",
        issued=dt.date(2026, 1, 1),
        issued_clock="00:30",
    )
    # 100 000 100 x 0.005 = 500 000.5 -> 500 001 (half up); paid at 00:30 local time on D, given in UTC.
    b.owe_and_pay(
        "TB01-NHA",
        "01",
        "registration_tax",
        "VNPT-T-0103",
        "VNPT-01-0213",
        asset="real_estate",
        taxable=100_000_100,
        paid_at="2026-02-12T17:30:00+00:00",
    )
    due = b.owe(
        "HS01-UNDER", "01", "land_charge", amount=5_000_000, recorded="VNPT-T-UNDER", paid_at=at(DAY, "11:00")
    )
    b.pay("VNPT-T-UNDER", "HS01-UNDER", 4_500_000, "VNPT-01-0213", province="01", paid_at=at(DAY, "11:00"))
    b.world.expect("UNDERPAID", "VNPT-T-UNDER", due, 4_500_000)
    due = b.owe("HS01-SNR", "01", "charge", procedure="CAP_SO_DO")
    b.pay("VNPT-T-SNR", "HS01-SNR", due, "VNPT-01-0213", province="01")
    b.world.expect("SETTLED_NOT_RECORDED", "VNPT-T-SNR")
    # One business day later, across the weekend and Tết.
    b.settle("01", "VNPT-01-0213", NEXT_BUSINESS_DAY, "KB01-0002", end_to_end="VNPT-01-0213")
    b.owe("HS01-OPEN", "01", "land_charge", amount=3_000_000)  # unpaid, untouched


def _ha_noi_momo_and_payoo(b: _Builder) -> None:
    """Hà Nội (01), MoMo (net) batch-booked, a duplicate; Payoo (2 days) by remittance text."""
    b.owe_and_pay(
        "HS01-LAND", "01", "land_charge", "MOMO-T-0101", "MOMO-01-0213", amount=12_345_678, fee=12_346
    )
    b.owe_and_pay(
        "TB01-OTO",
        "01",
        "registration_tax",
        "MOMO-T-0102",
        "MOMO-01-0213",
        asset="car_first",
        taxable=850_000_000,
        fee=50_000,
    )
    # The portal recorded the later transaction: it is matched, the earlier one is the duplicate.
    due = b.owe(
        "HS01-DUP",
        "01",
        "charge",
        procedure="HO_TICH_KHAI_SINH_MUON",
        recorded="MOMO-T-DUP-B",
        paid_at=at(DAY, "10:05"),
    )
    b.pay("MOMO-T-DUP-A", "HS01-DUP", due, "MOMO-01-0213", province="01", fee=500, paid_at=at(DAY, "10:00"))
    b.pay("MOMO-T-DUP-B", "HS01-DUP", due, "MOMO-01-0213", province="01", fee=500, paid_at=at(DAY, "10:05"))
    b.pay(
        "MOMO-T-DUP2",
        "HS01-DUP2",
        100_000,
        "MOMO-01-0213",
        province="01",
        fee=1_000,
        paid_at=at(DAY, "08:00"),
    )
    b.world.expect("DUPLICATE_PAYMENT", "MOMO-T-DUP2")
    b.world.expect("DUPLICATE_PAYMENT", "MOMO-T-DUP-A")
    parts = tuple(t.amount - t.fee for t in b.world.txns if t.batch_id == "MOMO-01-0213")
    b.settle("01", "MOMO-01-0213", NEXT_BUSINESS_DAY, "KB01-0003", end_to_end="MOMO-01-0213", parts=parts)

    b.owe_and_pay("HS01-P1", "01", "charge", "PAYOO-T-0101", "PAYOO-01-0213", procedure="CAP_SO_DO")
    b.owe_and_pay("HS01-P2", "01", "land_charge", "PAYOO-T-0102", "PAYOO-01-0213", amount=2_000_000)
    billed = b.ref.tax("01", "car_subsequent", 600_000_000, dt.date(2026, 2, 10)) + 500_000
    b.owe_and_pay(
        "TB01-TAX",
        "01",
        "registration_tax",
        "PAYOO-T-0103",
        "PAYOO-01-0213",
        asset="car_subsequent",
        taxable=600_000_000,
        amount=billed,
    )
    b.world.expect("TAX_RATE_MISMATCH", "TB01-TAX", billed - 500_000, billed)
    b.pay(
        "PAYOO-T-REF-X",
        "HS01-REF-X",
        300_000,
        "PAYOO-01-0213",
        province="01",
        status="REFUND",
        original="PAYOO-T-NEVER",
    )
    b.world.expect("UNMATCHED_REFUND", "PAYOO-T-REF-X")
    b.settle(
        "01",
        "PAYOO-01-0213",
        SECOND_BUSINESS_DAY,
        "KB01-0004",
        end_to_end="NOTPROVIDED",
        remittance="PAYOO CHUYEN TIEN LO PAYOO-01-0213 NGAY 13/02",
    )
    b.credit("01", DAY, 3_000_000, "KB01-UNX-0001", remittance="NOP TIEN MAT TAI QUAY")
    b.world.expect("UNEXPECTED_BANK_CREDIT", "KB01-UNX-0001")


def _da_nang(b: _Builder) -> None:
    """Đà Nẵng (48): a late batch, a short net credit, overpaid and off-schedule items, a debit."""
    b.owe_and_pay("HS48-L1", "48", "charge", "VNPT-T-4801", "VNPT-48-0213", procedure="CAP_PHEP_XAY_DUNG")
    b.owe_and_pay("HS48-L2", "48", "land_charge", "VNPT-T-4802", "VNPT-48-0213", amount=6_000_000)
    b.settle("48", "VNPT-48-0213", SECOND_BUSINESS_DAY, "KB48-0001", end_to_end="VNPT-48-0213")
    b.world.expect("LATE_SETTLEMENT", "VNPT-48-0213")

    b.owe_and_pay("HS48-M1", "48", "land_charge", "MOMO-T-4801", "MOMO-48-0213", amount=3_000_000, fee=3_000)
    b.owe_and_pay(
        "HS48-M2", "48", "fee", "MOMO-T-4802", "MOMO-48-0213", procedure="THAM_DINH_HO_SO_DAT", fee=1_100
    )
    due = b.world.batch_total("MOMO-48-0213", net=True)
    b.credit("48", NEXT_BUSINESS_DAY, due - 10_000, "KB48-0002", end_to_end="MOMO-48-0213")
    b.world.expect("SETTLEMENT_AMOUNT_MISMATCH", "MOMO-48-0213", due, due - 10_000)

    schedule = b.ref.fee("48", "DANG_KY_KINH_DOANH", dt.date(2026, 2, 10))
    b.owe_and_pay(
        "HS48-DKKD",
        "48",
        "charge",
        "PAYOO-T-4801",
        "PAYOO-48-0213",
        procedure="DANG_KY_KINH_DOANH",
        amount=schedule + 10_000,
    )
    b.world.expect("FEE_SCHEDULE_MISMATCH", "HS48-DKKD", schedule, schedule + 10_000)
    due = b.owe(
        "HS48-OVER", "48", "charge", procedure="CAP_SO_DO", recorded="PAYOO-T-OVER", paid_at=at(DAY, "14:00")
    )
    b.pay("PAYOO-T-OVER", "HS48-OVER", due + 20_000, "PAYOO-48-0213", province="48", paid_at=at(DAY, "14:00"))
    b.world.expect("OVERPAID", "PAYOO-T-OVER", due, due + 20_000)
    b.settle("48", "PAYOO-48-0213", SECOND_BUSINESS_DAY, "KB48-0003", end_to_end="PAYOO-48-0213")
    # The bank books the batch twice by mistake and reverses the second booking: still clean.
    twice = b.world.entries[-1]
    b.credit("48", SECOND_BUSINESS_DAY, twice.amount, "KB48-0004", end_to_end="PAYOO-48-0213")
    b.credit(
        "48",
        SECOND_BUSINESS_DAY,
        twice.amount,
        "KB48-0005",
        end_to_end="PAYOO-48-0213",
        debit=True,
        reversal=True,
    )
    b.credit("48", NEXT_BUSINESS_DAY, 1_000_000, "KB48-DR-0001", remittance="CHUYEN NOP NSNN", debit=True)
    # The transfer to the budget is reversed (CRDT with RvslInd): money back, but no revenue to explain.
    b.credit(
        "48", SECOND_BUSINESS_DAY, 1_000_000, "KB48-DR-0001R", remittance="CHUYEN NOP NSNN", reversal=True
    )
    # USD 1 500.00 on a VND treasury account: reported, never converted (DESIGN.md §2).
    b.credit("48", DAY, 150_000, "KB48-USD-0001", remittance="FOREIGN REMITTANCE", currency="USD")
    b.world.expect("UNEXPECTED_BANK_CREDIT", "KB48-USD-0001")


def _ho_chi_minh(b: _Builder) -> None:
    """Hồ Chí Minh (79): a batch paid in two credits (orphan, wrong province), a missing credit."""
    b.owe_and_pay("HS79-CP", "79", "charge", "VNPT-T-7901", "VNPT-79-0213", procedure="CAP_PHEP_XAY_DUNG")
    # The portal stamped it 23:59 on D-1, the gateway 00:01 on D: it belongs to D's transactions.
    due = b.owe(
        "HS79-LAND",
        "79",
        "land_charge",
        amount=4_000_000,
        recorded="VNPT-T-7902",
        paid_at=at(PREVIOUS_DAY, "23:59"),
    )
    b.pay("VNPT-T-7902", "HS79-LAND", due, "VNPT-79-0213", province="79", paid_at=at(DAY, "00:01"))
    # Quảng Nam (49) merged into Đà Nẵng (48): the gateway names the new code, the money goes to 49's account.
    due = b.owe(
        "HS49-QN", "49", "land_charge", amount=2_500_000, recorded="VNPT-T-4901", paid_at=at(DAY, "09:30")
    )
    b.pay(
        "VNPT-T-4901",
        "HS49-QN",
        due,
        "VNPT-49-0213",
        province="48",
        account_of="49",
        paid_at=at(DAY, "09:30"),
    )
    b.settle("49", "VNPT-49-0213", NEXT_BUSINESS_DAY, "KB49-0001", end_to_end="VNPT-49-0213")
    b.pay("VNPT-T-ORPHAN", "HS79-NOPE", 250_000, "VNPT-79-0213", province="79")
    b.world.expect("ORPHAN_PAYMENT", "VNPT-T-ORPHAN")
    # A Đà Nẵng obligation whose payment the gateway routed to Hồ Chí Minh's account.
    due = b.owe(
        "HS48-WRONG",
        "48",
        "charge",
        procedure="HO_TICH_KHAI_SINH_MUON",
        recorded="VNPT-T-WRONG",
        paid_at=at(DAY, "16:00"),
    )
    b.pay(
        "VNPT-T-WRONG",
        "HS48-WRONG",
        due,
        "VNPT-79-0213",
        province="48",
        account_of="79",
        paid_at=at(DAY, "16:00"),
    )
    b.world.expect("WRONG_PROVINCE", "VNPT-T-WRONG")
    total = b.world.batch_total("VNPT-79-0213", net=False)
    b.credit("79", DAY, 4_000_000, "KB79-0001", end_to_end="VNPT-79-0213")  # part on D, the rest after Tết
    b.credit("79", NEXT_BUSINESS_DAY, total - 4_000_000, "KB79-0002", end_to_end="VNPT-79-0213")

    b.owe_and_pay("HS79-P1", "79", "land_charge", "PAYOO-T-7901", "PAYOO-79-0213", amount=7_000_000)
    b.owe_and_pay(
        "TB79-XM",
        "79",
        "registration_tax",
        "PAYOO-T-7902",
        "PAYOO-79-0213",
        asset="motorbike_first",
        taxable=40_000_000,
    )
    missing = b.world.batch_total("PAYOO-79-0213", net=False)
    b.world.expect("MISSING_BANK_CREDIT", "PAYOO-79-0213", missing)
    # Announced but never booked: a pending entry settles nothing.
    b.credit("79", SECOND_BUSINESS_DAY, missing, "KB79-PDNG-0001", end_to_end="PAYOO-79-0213", status="PDNG")

    due = b.owe(
        "HS79-PNS", "79", "land_charge", amount=1_000_000, recorded="VNPT-T-GHOST", paid_at=at(DAY, "17:00")
    )
    b.world.expect("PAID_NOT_SETTLED", "HS79-PNS", due)
    # Paid on D by the portal only, and mispriced: the run touches it, so both rules speak.
    schedule = b.ref.fee("79", "CAP_SO_DO", dt.date(2026, 2, 10))
    b.owe(
        "HS79-PNS2",
        "79",
        "charge",
        procedure="CAP_SO_DO",
        amount=schedule + 10_000,
        recorded="VNPT-T-GHOST2",
        paid_at=at(DAY, "17:30"),
    )
    b.world.expect("PAID_NOT_SETTLED", "HS79-PNS2", schedule + 10_000)
    b.world.expect("FEE_SCHEDULE_MISMATCH", "HS79-PNS2", schedule, schedule + 10_000)
    # Mispriced but unpaid and referenced by nothing: no run of D touches it.
    b.owe("HS79-LATER", "79", "charge", procedure="CAP_SO_DO", amount=schedule + 5_000)


def _hai_phong(b: _Builder) -> None:
    """Hải Phòng (31), on an MT940 statement: a clean VNPT Pay batch."""
    # 30 000 010 x 0.05 = 1 500 000.5 -> 1 500 001 (half up).
    b.owe_and_pay(
        "TB31-XM",
        "31",
        "registration_tax",
        "VNPT-T-3101",
        "VNPT-31-0213",
        asset="motorbike_first",
        taxable=30_000_010,
        paid_at=at(DAY, "23:50"),
    )
    b.owe_and_pay("HS31-LAND", "31", "land_charge", "VNPT-T-3102", "VNPT-31-0213", amount=9_999_999)
    b.settle("31", "VNPT-31-0213", NEXT_BUSINESS_DAY, "KB31-0001", remittance="VNPT-31-0213")
    # Booked twice by mistake, the second booking reversed (RC): still clean.
    twice = b.world.entries[-1]
    b.credit("31", NEXT_BUSINESS_DAY, twice.amount, "KB31-0002", remittance="VNPT-31-0213")
    b.credit(
        "31",
        NEXT_BUSINESS_DAY,
        twice.amount,
        "KB31-0003",
        remittance="VNPT-31-0213",
        debit=True,
        reversal=True,
    )
    # A gateway the configuration does not name: defaults apply, its batch is clean.
    b.owe_and_pay(
        "HS31-VTM", "31", "charge", "VTM-T-3101", "VTM-31-0213", procedure="CAP_PHEP_XAY_DUNG", fee=800
    )
    b.settle(
        "31", "VTM-31-0213", NEXT_BUSINESS_DAY, "KB31-0004", remittance="VIETTEL MONEY TT LO VTM-31-0213"
    )


SHORT_STATEMENTS = frozenset({"7111920000001"})  # Cần Thơ's first statement covers D only
RE_PRICED = frozenset({"TB01-OTO"})  # yesterday's export had it 1 đồng off; today's corrects it
RESTATED_ACCOUNT = "7111490000001"  # a statement sent twice under one id and sequence
NOTIFIED = frozenset({"KB01-0002"})  # also sent as a camt.054 notification
CORRECTED = ("vnptpay", DAY)  # this gateway file arrives twice, under two names: one txn changed
CORRECTED_TXN = "VNPT-T-7902"
MT940_ACCOUNTS = frozenset({"7111310000001"})  # Hải Phòng's bank sends MT940; the others camt.053
OPENING_BALANCE = 1_000_000_000


def write_world(world: World, directory: Path) -> list[Path]:
    """Write every file of ``world`` under ``directory``; return their paths in ingest order."""
    # Yesterday's export (nothing of D paid yet), then today's, which updates it (with a BOM).
    earlier = [_obligation_row(o, as_of=PREVIOUS_DAY) for o in world.obligations if o.issued < DAY]
    earlier = [[r[0], *r[1:5], str(int(r[5]) + 1), *r[6:]] if r[0] in RE_PRICED else r for r in earlier]
    unchanged = {r[0] for r in earlier} & {o.payment_code for o in world.obligations if _settled_before(o)}
    paths = [directory / "obligations-2026-02-12.csv", directory / "obligations-2026-02-13.csv"]
    _write_csv(paths[0], OBLIGATION_COLUMNS, earlier)
    later = [_obligation_row(o) for o in world.obligations if o.payment_code not in unchanged]
    _write_csv(paths[1], OBLIGATION_COLUMNS, later, bom=True)
    for gateway in (*GATEWAYS, UNCONFIGURED_GATEWAY):
        for day in sorted({_local_date(t.paid_at) for t in world.txns if t.gateway == gateway}):
            rows = [_txn_row(t) for t in world.txns if t.gateway == gateway and _local_date(t.paid_at) == day]
            if (gateway, day) == CORRECTED:
                # First version with one amount wrong; the re-sent file (another name, the same
                # transactions) follows: each transaction counts once, the later file's row wins.
                wrong = [[*r[:5], str(int(r[5]) + 1), *r[6:]] if r[0] == CORRECTED_TXN else r for r in rows]
                paths.append(directory / f"{gateway}-{day.isoformat()}-v1.csv")
                _write_csv(paths[-1], GATEWAY_COLUMNS, wrong)
            paths.append(directory / f"{gateway}-{day.isoformat()}.csv")
            _write_csv(paths[-1], GATEWAY_COLUMNS, rows)
    camt = [e for e in world.entries if e.account not in MT940_ACCOUNTS]
    # Quảng Nam's statement first came alone with a credit 1 000 VND short; the full file corrects it.
    first = [dataclasses.replace(e, amount=e.amount - 1_000) for e in camt if e.account == RESTATED_ACCOUNT]
    paths.append(directory / "kbnn-quangnam-first.camt053.xml")
    paths[-1].write_text(camt053(first), encoding="utf-8")
    paths.append(directory / "kbnn-statements.camt053.xml")
    paths[-1].write_text(camt053(camt), encoding="utf-8")
    paths.append(directory / "kbnn-haiphong.sta")
    paths[-1].write_text(mt940([e for e in world.entries if e.account in MT940_ACCOUNTS]), encoding="utf-8")
    paths.append(directory / "kbnn-hanoi-notification.camt054.xml")
    paths[-1].write_text(camt054(notified(world)), encoding="utf-8")
    return paths


def notified(world: World) -> list[Entry]:
    """The bookings the bank also announced by camt.054 the day they were made (already in the camt.053)."""
    return [e for e in world.entries if e.bank_ref in NOTIFIED]


CAMT054_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


def camt054(entries: list[Entry]) -> str:
    """A camt.054.001.08 credit notification: the same booking, told once more; it must count once."""
    (account,) = {e.account for e in entries}
    body = "".join(_camt_entry(e) for e in entries)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{CAMT054_NS}"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>KBNN-NTF-{NEXT_BUSINESS_DAY:%Y%m%d}-001</MsgId>"
        f"<CreDtTm>{NEXT_BUSINESS_DAY}T10:00:00+07:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>NTF-{account}-{NEXT_BUSINESS_DAY:%Y%m%d}-1</Id>"
        f"<CreDtTm>{NEXT_BUSINESS_DAY}T10:00:00+07:00</CreDtTm>"
        f"<Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>VND</Ccy></Acct>{body}</Ntfctn>"
        "</BkToCstmrDbtCdtNtfctn></Document>\n"
    )


def _local_date(stamp: str) -> dt.date:
    local = dt.datetime.fromisoformat(stamp).astimezone(dt.timezone(dt.timedelta(hours=7)))
    return local.date()


def _write_csv(path: Path, columns: list[str], rows: list[list[str]], *, bom: bool = False) -> None:
    # MoMo's files come from Windows: CRLF line ends and every field quoted.
    windows = path.name.startswith("momo-")
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        if windows:
            writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        else:
            writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def _settled_before(o: Obligation) -> bool:
    """Paid before D (or never paid): today's export need not repeat it, the register is cumulative."""
    return not o.txn_id or _local_date(o.paid_at) < DAY


def _in_utc(stamp: str) -> str:
    """The same instant written in UTC with ``Z``: the issue date is still the local date."""
    utc = dt.datetime.fromisoformat(stamp).astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _obligation_row(o: Obligation, as_of: dt.date | None = None) -> list[str]:
    if as_of is not None and o.txn_id and _local_date(o.paid_at) > as_of:
        o = dataclasses.replace(o, txn_id="", paid_at="")  # not paid yet as of that export
    paid = "paid" if o.txn_id else "unpaid"
    taxable = "" if o.taxable is None else str(o.taxable)
    agency = f"CQ-{o.province}"
    issued = _in_utc(at(o.issued, o.issued_clock))
    return [
        o.payment_code,
        o.province,
        o.kind,
        agency,
        o.procedure,
        str(o.amount),
        issued,
        paid,
        o.txn_id,
        o.paid_at,
        o.asset_class,
        taxable,
    ]


def _txn_row(t: Txn) -> list[str]:
    return [
        t.txn_id,
        t.payment_code,
        t.gateway,
        t.province,
        t.account,
        str(t.amount),
        str(t.fee),
        t.status,
        t.paid_at,
        t.settlement_date.isoformat(),
        t.batch_id,
        t.original_txn_id,
    ]


def statement_totals(entries: list[Entry]) -> dict[str, dict[str, int]]:
    """What ``recon ingest --json`` should print as ``totals`` for these entries."""
    totals: dict[str, dict[str, int]] = {}
    for e in entries:
        side = totals.setdefault(e.currency, {"credit": 0, "debit": 0})
        side["debit" if e.debit else "credit"] += e.amount
    return totals


def closing_balance(entries: list[Entry], opening: int = OPENING_BALANCE) -> int:
    booked = [e for e in entries if e.status == "BOOK" and e.currency == "VND"]
    return opening + sum(-e.amount if e.debit else e.amount for e in booked)


NO_ENTRY_DATE = frozenset({"KB31-0002"})
ZERO_DECIMALS = frozenset(
    {"KB01-0001", "KB31-0004"}
)  # "2000000.00" VND: zero digits past the exponent are fine
CAMT_NS_V02 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def camt053(
    entries: list[Entry], *, start: dt.date = DAY, opening: dict[str, int] | None = None, message: str = "001"
) -> str:
    """A camt.053.001.08 document with one ``Stmt`` per treasury account, from ``start``."""
    accounts = sorted({e.account for e in entries})
    statements = "".join(
        _camt_statement(
            a,
            [e for e in entries if e.account == a],
            (start, DAY if a in SHORT_STATEMENTS and start == DAY else STATEMENT_END),
            (opening or {}).get(a, OPENING_BALANCE),
        )
        for a in accounts
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{CAMT_NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>KBNN-{STATEMENT_END:%Y%m%d}-{message}</MsgId><CreDtTm>{STATEMENT_END}T18:00:00+07:00</CreDtTm>"
        f"</GrpHdr>{statements}</BkToCstmrStmt></Document>\n"
    )


def _camt_statement(account: str, entries: list[Entry], period: tuple[dt.date, dt.date], opening: int) -> str:
    start, end = period
    balances = "".join(
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="VND">{amount}</Amt>'
        f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
        for code, amount, day in (
            ("OPBD", opening, start),
            ("CLBD", closing_balance(entries, opening), end),
        )
    )
    body = "".join(_camt_entry(e) for e in sorted(entries, key=lambda e: (e.booked, e.bank_ref)))
    return (
        f"<Stmt><Id>STMT-{account}-{end:%Y%m%d}</Id><ElctrncSeqNb>{(end - DAY).days + 1}</ElctrncSeqNb>"
        f"<CreDtTm>{end}T18:00:00+07:00</CreDtTm>"
        f"<FrToDt><FrDtTm>{start}T00:00:00+07:00</FrDtTm><ToDtTm>{end}T23:59:59+07:00</ToDtTm></FrToDt>"
        f"<Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>VND</Ccy></Acct>{balances}{body}</Stmt>"
    )


def _camt_entry(e: Entry) -> str:
    side = "DBIT" if e.debit else "CRDT"
    reversal = "<RvslInd>true</RvslInd>" if e.reversal else ""
    cents = ".00" if e.bank_ref in ZERO_DECIMALS else ""
    amount = f"{e.amount // 100}.{e.amount % 100:02d}" if e.currency != "VND" else f"{e.amount}{cents}"
    booked = f"<BookgDt><Dt>{e.booked}</Dt></BookgDt>" if e.status == "BOOK" else ""
    details = "".join(_camt_details(e.end_to_end, e.remittance, part) for part in e.parts) or _camt_details(
        e.end_to_end, e.remittance, None
    )
    return (
        f'<Ntry><NtryRef>{e.bank_ref}</NtryRef><Amt Ccy="{e.currency}">{amount}</Amt>'
        f"<CdtDbtInd>{side}</CdtDbtInd>"
        f"{reversal}<Sts><Cd>{e.status}</Cd></Sts>{booked}<ValDt><Dt>{e.booked}</Dt></ValDt>"
        f"<AcctSvcrRef>{e.bank_ref}</AcctSvcrRef><BkTxCd><Prtry><Cd>NTRF</Cd></Prtry></BkTxCd>"
        f"<NtryDtls>{details}</NtryDtls></Ntry>"
    )


def _camt_details(end_to_end: str, remittance: str, amount: int | None) -> str:
    refs = f"<Refs><EndToEndId>{escape(end_to_end)}</EndToEndId></Refs>" if end_to_end else ""
    amt = f'<Amt Ccy="VND">{amount}</Amt>' if amount is not None else ""
    rmt = f"<RmtInf><Ustrd>{escape(remittance)}</Ustrd></RmtInf>" if remittance else ""
    return f"<TxDtls>{refs}{amt}{rmt}</TxDtls>"


MT940_PERIODS = ((DAY, DAY), (NEXT_BUSINESS_DAY, STATEMENT_END))  # Friday's statement, then the one after Tết


def mt940(entries: list[Entry]) -> str:
    """MT940 statements of the (single) account of ``entries``, one per period, balances chained."""
    (account,) = {e.account for e in entries}
    blocks, opening = [], OPENING_BALANCE
    for number, (first, last) in enumerate(MT940_PERIODS, 1):
        inside = [e for e in entries if first <= e.booked <= last]
        closing = closing_balance(inside, opening)
        lines = [
            f":20:STMT{last:%y%m%d}31",
            f":25:{account}",
            f":28C:{number}/1",
            f":60F:C{first:%y%m%d}VND{opening},",
        ]
        lines += [
            line for e in sorted(inside, key=lambda e: (e.booked, e.bank_ref)) for line in _mt940_entry(e)
        ]
        blocks.append("\n".join([*lines, f":62F:C{last:%y%m%d}VND{closing},", "-"]))
        opening = closing
    return "\n".join(blocks) + "\n"


def _mt940_entry(e: Entry) -> tuple[str, str]:
    # RC reverses a credit (money out), RD a debit (money in); otherwise D / C.
    mark = ("RC" if e.debit else "RD") if e.reversal else ("D" if e.debit else "C")
    cents = "00" if e.bank_ref in ZERO_DECIMALS else ""
    entry_date = "" if e.bank_ref in NO_ENTRY_DATE else f"{e.booked:%m%d}"  # optional in :61:
    return (
        f":61:{e.booked:%y%m%d}{entry_date}{mark}{e.amount},{cents}NTRFNONREF//{e.bank_ref}",
        f":86:{e.remittance or e.end_to_end}",
    )


def _can_tho(b: _Builder) -> None:
    """Cần Thơ (92): its statement so far ends on D, so its batch's credit is still pending."""
    b.owe_and_pay("HS92-CP", "92", "charge", "VNPT-T-9201", "VNPT-92-0213", procedure="CAP_PHEP_XAY_DUNG")
    b.owe_and_pay("HS92-LAND", "92", "land_charge", "VNPT-T-9202", "VNPT-92-0213", amount=1_500_000)
    b.credit("92", DAY, 500_000, "KB92-DR-0001", remittance="CHUYEN NOP NSNN", debit=True)
    due = b.world.batch_total("VNPT-92-0213", net=False)
    b.world.expect("MISSING_BANK_CREDIT", "VNPT-92-0213", due, status="pending")
    # The next statement, ingested after the first run, brings the credit: the item closes itself.
    b.world.later.append(
        Entry(b.ref.account("92"), NEXT_BUSINESS_DAY, due, "KB92-0001", end_to_end="VNPT-92-0213")
    )


def write_follow_up(world: World, directory: Path) -> Path:
    """The statements that arrive after the first run: Cần Thơ from D+1 to the end of the windows."""
    path = directory / "kbnn-cantho-2.camt053.xml"
    start = DAY + dt.timedelta(days=1)
    opening = {a: closing_balance([e for e in world.entries if e.account == a]) for a in SHORT_STATEMENTS}
    document = camt053(world.later, start=start, opening=opening, message="002")
    # 001.02 has the same elements here, except that the status is a bare code.
    document = document.replace(CAMT_NS, CAMT_NS_V02).replace("<Sts><Cd>BOOK</Cd></Sts>", "<Sts>BOOK</Sts>")
    path.write_text(document, encoding="utf-8")
    return path


def write_noise(world: World, directory: Path) -> tuple[Path, Path]:
    """A byte-identical copy of a statement under another name, and a gateway file with a bad amount.

    The broken file's first row is valid on its own (an orphan payment if it
    were kept); its second row has ``150000.5`` VND, which DESIGN.md §2 calls
    an error: the whole file must be rejected and change nothing.
    """
    source = next(directory.glob("*.sta"))
    copy = directory / f"copy-of-{source.name}"
    copy.write_bytes(source.read_bytes())
    broken = directory / "payoo-2026-02-13-extra.csv"
    good = Txn(
        "PAYOO-T-BAD1",
        "HS-BAD-1",
        "payoo",
        "79",
        "7111790000001",
        50_000,
        0,
        at(DAY, "12:00"),
        SECOND_BUSINESS_DAY,
        "PAYOO-79-0213",
    )
    bad = _txn_row(
        Txn(
            "PAYOO-T-BAD2",
            "HS79-P1",
            "payoo",
            "79",
            "7111790000001",
            0,
            0,
            at(DAY, "12:01"),
            SECOND_BUSINESS_DAY,
            "PAYOO-79-0213",
        )
    )
    bad[5] = "150000.5"
    _write_csv(broken, GATEWAY_COLUMNS, [_txn_row(good), bad])
    return copy, broken


def _saturday(b: _Builder) -> None:
    """Paid on D by the portal's clock, 00:01 on Saturday by the gateway's: found within the window, clean."""
    b.owe(
        "HS79-MIDNIGHT", "79", "land_charge", amount=600_000, recorded="VNPT-T-7903", paid_at=at(DAY, "23:58")
    )
    saturday = at(DAY + dt.timedelta(days=1), "00:01")
    b.pay("VNPT-T-7903", "HS79-MIDNIGHT", 600_000, "VNPT-79-0214", province="79", paid_at=saturday)
    b.settle("79", "VNPT-79-0214", NEXT_BUSINESS_DAY, "KB79-0003", end_to_end="VNPT-79-0214")


def _khanh_hoa(b: _Builder) -> None:
    """Khánh Hòa (56): a clean case. A batch credited by one entry that names no batch, of its exact amount.

    DESIGN.md §4 says a batch credit carries its batch id; the issue that
    specified the engine settles what happens when it does not: "Batches are
    matched to bank entries by the batch id in the end-to-end reference, else
    in the remittance text, else by a batch-booked entry's TxDtls, and only
    then by (account, amount, date window) when that is unambiguous." Here it
    is unambiguous (one unpaid batch, one credit of its amount in its window),
    so the credit settles the batch: neither MISSING_BANK_CREDIT for the batch
    nor UNEXPECTED_BANK_CREDIT for the credit is reported.
    """
    b.owe_and_pay("HS56-LAND", "56", "land_charge", "PAYOO-T-5601", "PAYOO-56-0213", amount=3_000_000)
    b.credit("56", NEXT_BUSINESS_DAY, 3_000_000, "KB56-0001", remittance="NOP THUE TRUOC BA TAI QUAY")
