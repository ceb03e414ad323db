"""The reference data's dated changes, judged through ``recon ingest`` and ``recon run``.

One business day, Friday 2026-08-28, on which the portal records payments of
obligations issued on either side of each change: motorbikes on 2025-06-30 /
2025-07-01 (Decree 175/2025), domestically built cars at the edges of the
Decree 109/2024 window, a pick-up and an electric car, an online construction
permit in Hồ Chí Minh while its online charge was waived (2025) and after, a
Bình Dương car plate in 2025 and in 2026 (Zone I once part of Hồ Chí Minh).
Each obligation assessed with the amount the law asked for on its issue date
is clean; each assessed with the old amount is flagged, expecting the new one.
The day's batches are due across the swapped Monday 2026-08-31 and the
National Day holidays: credited on Thursday 2026-09-03, they are on time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconcile.discrepancies import KEY_OF

DAY = "2026-08-28"
PAID_AT = f"{DAY}T10:00:00+07:00"
CREDITED = "2026-09-03"  # 31/8 swapped off, 1/9 and 2/9 National Day: the first business day after D
ACCOUNT = "7111{}0000001"


@dataclass(frozen=True)
class Case:
    """An obligation paid on D: its stated amount, and what the run should expect when that is wrong."""

    code: str
    province: str
    issued: str
    amount: int
    expected: int | None = None  # None: clean
    kind: str = "registration_tax"
    asset_class: str = ""
    taxable: int | None = None
    procedure: str = ""

    @property
    def category(self) -> str:
        return "TAX_RATE_MISMATCH" if self.kind == "registration_tax" else "FEE_SCHEDULE_MISMATCH"

    def row(self, txn_id: str) -> str:
        taxable = "" if self.taxable is None else str(self.taxable)
        return (
            f"{self.code},{self.province},{self.kind},A1,{self.procedure},{self.amount},"
            f"{self.issued}T09:00:00+07:00,paid,{txn_id},{PAID_AT},{self.asset_class},{taxable}"
        )


def _tax(
    code: str, province: str, issued: str, asset: str, taxable: int, amount: int, expected: int | None = None
) -> Case:
    return Case(code, province, issued, amount, expected, asset_class=asset, taxable=taxable)


def _fee(
    code: str, province: str, issued: str, procedure: str, amount: int, expected: int | None = None
) -> Case:
    return Case(code, province, issued, amount, expected, kind="charge", procedure=procedure)


CASES = (
    # Hà Nội motorbike, first registration, 50 000 000 đ: 5 % to 2025-06-30, 2 % from 2025-07-01
    _tax("MB-0630", "01", "2025-06-30", "motorbike_first", 50_000_000, 2_500_000),
    _tax("MB-0701", "01", "2025-07-01", "motorbike_first", 50_000_000, 1_000_000),
    _tax("MB-0701-OLD", "01", "2025-07-01", "motorbike_first", 50_000_000, 2_500_000, 1_000_000),
    _tax("MB-0630-NEW", "01", "2025-06-30", "motorbike_first", 50_000_000, 1_000_000, 2_500_000),
    # Đà Nẵng car built in Vietnam, 800 000 000 đ: half of 10 % from 2024-09-01 to 2024-11-30
    _tax("DOM-0831", "48", "2024-08-31", "car_first_domestic", 800_000_000, 80_000_000),
    _tax("DOM-0901", "48", "2024-09-01", "car_first_domestic", 800_000_000, 40_000_000),
    _tax("DOM-1130-OLD", "48", "2024-11-30", "car_first_domestic", 800_000_000, 80_000_000, 40_000_000),
    _tax("DOM-1201-HALF", "48", "2024-12-01", "car_first_domestic", 800_000_000, 40_000_000, 80_000_000),
    _tax("IMP-0901", "48", "2024-09-01", "car_first", 800_000_000, 80_000_000),
    # Hồ Chí Minh pick-up (60 % of 10 %) and electric car (0 % to 2027-02-28)
    _tax("PU-2026", "79", "2026-08-20", "pickup_first", 700_000_000, 42_000_000),
    _tax("PU-2026-CAR", "79", "2026-08-20", "pickup_first", 700_000_000, 70_000_000, 42_000_000),
    _tax("EV-2026-CAR", "79", "2026-08-20", "ev_car_first", 1_200_000_000, 120_000_000, 0),
    # Hồ Chí Minh construction permit paid online: 150 000 đ at the counter, 0 đ online in 2025
    _fee("CPXD-2024", "79", "2024-05-28", "CAP_PHEP_XAY_DUNG", 150_000),
    _fee("CPXD-2025-COUNTER", "79", "2025-10-10", "CAP_PHEP_XAY_DUNG", 150_000, 0),
    _fee("CPXD-2026", "79", "2026-01-02", "CAP_PHEP_XAY_DUNG", 150_000),
    # Bình Dương car plate: Zone III to 2025-12-31, Zone I (Hồ Chí Minh) from 2026-01-01
    _fee("BSO-74-2025", "74", "2025-12-31", "BIEN_SO_OTO", 200_000),
    _fee("BSO-74-2026", "74", "2026-01-05", "BIEN_SO_OTO", 14_000_000),
    _fee("BSO-74-2026-OLD", "74", "2026-01-05", "BIEN_SO_OTO", 140_000, 14_000_000),
)
FLAGGED = {case.code: case for case in CASES if case.expected is not None}

HEADER_OBLIGATIONS = (
    "payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,portal_status,"
    "portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd"
)
HEADER_GATEWAY = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,status,paid_at,"
    "settlement_date,batch_id,original_txn_id"
)


def _files() -> dict[str, str]:
    obligations = [HEADER_OBLIGATIONS]
    gateway = [HEADER_GATEWAY]
    batches: dict[str, int] = {}
    for number, case in enumerate(CASES, start=1):
        txn = f"T{number}"
        batch = f"VNP-{case.province}-0828"
        obligations.append(case.row(txn))
        gateway.append(
            f"{txn},{case.code},vnpay,{case.province},{ACCOUNT.format(case.province)},{case.amount},0,"
            f"SUCCESS,{PAID_AT},{CREDITED},{batch},"
        )
        batches[case.province] = batches.get(case.province, 0) + case.amount
    statements = [
        f":20:STMT-{province}-0903\n:25:{ACCOUNT.format(province)}\n:28C:1/1\n:60F:C260902VND0,\n"
        f":61:2609030903C{total},NTRFNONREF//VCB-{province}-0903\n:86:VNP-{province}-0828\n"
        f":62F:C260903VND{total},\n-\n"
        for province, total in sorted(batches.items())
    ]
    return {
        "obligations.csv": "\n".join(obligations) + "\n",
        "vnpay.csv": "\n".join(gateway) + "\n",
        "treasury.sta": "".join(statements),
    }


def recon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    """``recon init``, ``recon ingest``, ``recon run`` and ``recon report`` of the day, in a temp dir."""
    directory = tmp_path_factory.mktemp("reference-dates")
    config = directory / "recon.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{directory / "recon.db"}"\n\n'
        '[[gateways]]\nname = "vnpay"\nsettlement_days = 1\nfee_mode = "gross"\n',
        encoding="utf-8",
    )
    for name, text in _files().items():
        (directory / name).write_text(text, encoding="utf-8")
    out = directory / "report.json"
    for command in (
        ["init"],
        ["ingest", *(str(directory / name) for name in _files())],
        ["run", "--date", DAY],
        ["report", "--date", DAY, "--format", "json", "--out", str(out)],
    ):
        result = recon(config, *command)
        assert result.returncode == 0, (command, result.stderr)
    rows: list[dict[str, object]] = json.loads(out.read_text(encoding="utf-8"))["discrepancies"]
    return rows


def test_each_obligation_assessed_with_the_old_amount_is_flagged_expecting_the_new_one(
    report: list[dict[str, object]],
) -> None:
    flagged = {
        row["payment_code"]: (row["category"], row["expected_vnd"], row["actual_vnd"])
        for row in report
        if row["category"] in ("TAX_RATE_MISMATCH", "FEE_SCHEDULE_MISMATCH")
    }
    assert flagged == {code: (case.category, case.expected, case.amount) for code, case in FLAGGED.items()}


def test_the_correct_amounts_on_either_side_of_each_change_are_clean_and_nothing_else_is_reported(
    report: list[dict[str, object]],
) -> None:
    reported = {(row["category"], row[KEY_OF[str(row["category"])]]) for row in report}
    assert reported == {(case.category, code) for code, case in FLAGGED.items()}


def test_batches_due_across_the_swapped_monday_and_national_day_are_credited_on_time(
    report: list[dict[str, object]],
) -> None:
    late_or_missing = [row for row in report if row["category"] in ("LATE_SETTLEMENT", "MISSING_BANK_CREDIT")]
    assert late_or_missing == []
