"""Small hand-built worlds for the matching tests, and an in-memory run store.

A :class:`World` holds obligations, gateway transactions and bank entries as
plain rows with sensible defaults, so that each test states only what makes
its case. ``World.inputs()`` turns them into the :class:`DayInputs` a store
would hand the core; :class:`FakeRunStore` is the in-memory ``RunStore``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa

from reconcile.calendar import BusinessCalendar
from reconcile.columns import BANK_ENTRIES, BANK_ENTRY_DETAILS, GATEWAY_TXNS, OBLIGATIONS
from reconcile.discrepancies import DISCREPANCIES
from reconcile.errors import NoRunError, NotFoundError
from reconcile.manual import ManualPairings
from reconcile.ports import COVERAGE, FEE_SCHEDULE, PROVINCES, TAX_RATES, DayInputs, GatewayTerms, RunRecord
from reconcile.verdict import RunVerdict

#: Wednesday 25 November 2026.
D = dt.date(2026, 11, 25)
HOLIDAYS = BusinessCalendar.of([dt.date(2026, 9, 2), dt.date(2026, 1, 1)])
UTC = dt.UTC


def account(province: str) -> str:
    return f"7111{province}0000001"


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A UTC timestamp on ``day`` local time (UTC+7)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - dt.timedelta(hours=7)


@dataclass
class World:
    """Rows of the three records, plus reference data, for one or a few days."""

    day: dt.date = D
    calendar: BusinessCalendar = HOLIDAYS
    obligations: list[dict[str, Any]] = field(default_factory=list)
    txns: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)
    provinces: dict[str, str] = field(default_factory=lambda: {p: account(p) for p in ("01", "79", "48")})
    tax_rates: list[dict[str, Any]] = field(default_factory=list)
    fees: list[dict[str, Any]] = field(default_factory=list)
    gateways: dict[str, GatewayTerms] = field(default_factory=lambda: {"vnpay": GatewayTerms()})
    bank_covered: dict[str, dt.date] = field(default_factory=dict)
    gateway_covered: dict[str, dt.date] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    manual: ManualPairings = field(default_factory=ManualPairings)

    def obligation(self, code: str, amount: int = 100_000, **values: Any) -> dict[str, Any]:
        row = {
            "payment_code": code,
            "province_code": "01",
            "kind": "fee",
            "agency_code": "A1",
            "procedure_code": None,
            "amount_vnd": amount,
            "issued_at": at(self.day, 8),
            "issued_date": self.day,
            "portal_status": "unpaid",
            "portal_txn_id": None,
            "portal_paid_at": None,
            "portal_paid_date": None,
            "asset_class": None,
            "taxable_value_vnd": None,
            **values,
        }
        self.obligations = [o for o in self.obligations if o["payment_code"] != code] + [row]
        return row

    def txn(self, txn_id: str, code: str | None, amount: int = 100_000, **values: Any) -> dict[str, Any]:
        paid_date = values.pop("paid_date", self.day)
        province = values.get("province_code", "01")
        row = {
            "txn_id": txn_id,
            "payment_code": code,
            "gateway": "vnpay",
            "province_code": province,
            "treasury_account": account(province),
            "amount_vnd": amount,
            "fee_vnd": 0,
            "status": "SUCCESS",
            "paid_at": at(paid_date, 10, len(self.txns) % 60),
            "paid_date": paid_date,
            "settlement_date": self.calendar.add(paid_date, 1),
            "batch_id": f"B-{province}-{paid_date:%Y%m%d}",
            "original_txn_id": None,
            "line": len(self.txns) + 2,
            **values,
        }
        self.txns.append(row)
        return row

    def payment(self, code: str, txn_id: str, amount: int = 100_000, **values: Any) -> dict[str, Any]:
        """A clean payment: an obligation the portal shows paid by ``txn_id``, and that transaction."""
        paid_date = values.pop("paid_date", self.day)
        self.obligation(
            code,
            amount,
            portal_status="paid",
            portal_txn_id=txn_id,
            portal_paid_at=at(paid_date),
            portal_paid_date=paid_date,
            province_code=values.get("province_code", "01"),
        )
        return self.txn(txn_id, code, amount, paid_date=paid_date, **values)

    def entry(self, amount: int, acct: str, booked: dt.date, bank_ref: str, **values: Any) -> dict[str, Any]:
        row = {
            "entry_id": len(self.entries) + 1,
            "account": acct,
            "currency": "VND",
            "direction": "CRDT",
            "amount": amount,
            "booking_date": booked,
            "value_date": booked,
            "reversal": False,
            "status": "BOOK",
            "bank_ref": bank_ref,
            "end_to_end_id": None,
            "remittance": None,
            **values,
        }
        self.entries.append(row)
        return row

    def detail(
        self, entry: dict[str, Any], end_to_end_id: str, amount: int, remittance: str | None = None
    ) -> None:
        self.details.append(
            {
                "entry_id": entry["entry_id"],
                "end_to_end_id": end_to_end_id,
                "amount": amount,
                "remittance": remittance,
            }
        )

    def settle_all(self, booked: dt.date | None = None) -> None:
        """Credit every batch its expected gross amount, by batch id, on the next business day."""
        batches: dict[str, list[dict[str, Any]]] = {}
        for txn in self.txns:
            batches.setdefault(txn["batch_id"], []).append(txn)
        for batch_id, rows in sorted(batches.items()):
            amount = sum(r["amount_vnd"] if r["status"] == "SUCCESS" else -r["amount_vnd"] for r in rows)
            day = booked or self.calendar.add(max(r["paid_date"] for r in rows), 1)
            self.entry(amount, rows[0]["treasury_account"], day, f"REF-{batch_id}", end_to_end_id=batch_id)

    def inputs(self, day: dt.date | None = None, carried: pa.Table | None = None) -> DayInputs:
        return DayInputs(
            business_date=day or self.day,
            obligations=pa.Table.from_pylist(self.obligations, OBLIGATIONS),
            txns=pa.Table.from_pylist(self.txns, GATEWAY_TXNS),
            entries=pa.Table.from_pylist(self.entries, BANK_ENTRIES),
            details=pa.Table.from_pylist(self.details, BANK_ENTRY_DETAILS),
            provinces=pa.table(
                {"code": list(self.provinces), "treasury_account": list(self.provinces.values())}, PROVINCES
            ),
            tax_rates=pa.Table.from_pylist(self.tax_rates, TAX_RATES),
            fee_schedule=pa.Table.from_pylist(self.fees, FEE_SCHEDULE),
            bank_coverage=self._coverage(self.bank_covered, self.entries, "account", "booking_date"),
            gateway_coverage=self._coverage(self.gateway_covered, self.txns, "gateway", "paid_date"),
            carried=carried if carried is not None else DISCREPANCIES.empty_table(),
            calendar=self.calendar,
            gateways=dict(self.gateways),
            fingerprint="test",
            merges={"10": "15", "15": "15"},
            decisions=dict(self.decisions),
            manual=self.manual,
        )

    @staticmethod
    def _coverage(explicit: dict[str, dt.date], rows: list[dict[str, Any]], name: str, day: str) -> pa.Table:
        reach: dict[str, dt.date] = {}
        for row in rows:
            if row[day] is not None:
                reach[row[name]] = max(reach.get(row[name], row[day]), row[day])
        reach.update(explicit)
        return pa.table({"name": list(reach), "covered_to": list(reach.values())}, COVERAGE)


class FakeRunStore:
    """An in-memory :class:`~reconcile.ports.RunStore` over a :class:`World`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.runs: dict[str, tuple[RunRecord, pa.Table]] = {}
        self.verdicts: dict[str, RunVerdict] = {}

    def load_inputs(self, business_date: dt.date, provinces: Sequence[str]) -> DayInputs:
        earlier = [run for run, _ in self.runs.values() if run.business_date < business_date]
        carried = DISCREPANCIES.empty_table()
        if earlier:
            last = max(earlier, key=lambda run: (run.business_date, run.version, run.finished_at))
            rows = self.runs[last.id][1].to_pylist()
            carried = pa.Table.from_pylist(
                [r for r in rows if r["status"] in ("open", "pending")], DISCREPANCIES
            )
        return self.world.inputs(business_date, carried)

    def next_version(self, business_date: dt.date, provinces: Sequence[str]) -> int:
        same = [
            r
            for r, _ in self.runs.values()
            if r.business_date == business_date and r.provinces == tuple(provinces)
        ]
        return len(same) + 1

    def save_run(
        self, run: RunRecord, discrepancies: pa.Table, verdict: RunVerdict | None = None
    ) -> RunRecord:
        from reconcile.runs import run_id

        version = self.next_version(run.business_date, run.provinces)
        stored = replace(run, id=run_id(run.business_date, run.provinces, version), version=version)
        self.runs[stored.id] = (stored, discrepancies)
        self.verdicts[stored.id] = verdict or RunVerdict()
        return stored

    def get_run(self, run_id: str) -> RunRecord:
        if run_id not in self.runs:
            raise NotFoundError("run", run_id)
        return self.runs[run_id][0]

    def latest_run(self, business_date: dt.date) -> RunRecord:
        same = [r for r, _ in self.runs.values() if r.business_date == business_date]
        if not same:
            raise NoRunError(business_date.isoformat())
        return max(same, key=lambda r: (r.finished_at, r.version))

    def discrepancies(self, run_id: str) -> pa.Table:
        return self.runs[self.get_run(run_id).id][1]

    def runs_of_date(self, business_date: dt.date) -> list[RunRecord]:
        same = [r for r, _ in self.runs.values() if r.business_date == business_date]
        return sorted(same, key=lambda r: (r.finished_at, r.version, r.id), reverse=True)

    def verdict(self, run_id: str) -> RunVerdict:
        return self.verdicts[self.get_run(run_id).id]

    def latest_run_covering(self, business_date: dt.date, province_code: str) -> RunRecord:
        same = [
            r
            for r, _ in self.runs.values()
            if r.business_date == business_date and (not r.provinces or province_code in r.provinces)
        ]
        if not same:
            raise NoRunError(business_date.isoformat(), province_code)
        return max(same, key=lambda r: (r.finished_at, r.version))


def found(table: pa.Table) -> set[tuple[str, str]]:
    """``{(category, key)}`` of a result's rows."""
    from reconcile.runs import item_key

    return {tuple(item_key(row).split(":", 1)) for row in table.to_pylist()}  # type: ignore[misc]
