"""A second world written from DESIGN.md alone, reconciled through the ``recon`` command line.

Business date D is Wednesday 2026-12-02. Three treasury accounts: Hà Nội (01) and
Cao Bằng (04) send camt.054 notifications, Tuyên Quang (08) sends MT940. Two
gateways settle in one business day: ``vnpay`` nets its fees off the credit,
``payoo`` is gross. Each discrepancy category of DESIGN §5 is injected once, in a
less obvious shape; every other item is clean, and the test asserts that the
report names exactly the injected (category, key) pairs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

D = "2026-12-02"
D_MINUS_1, D_PLUS_1, D_PLUS_2 = "2026-12-01", "2026-12-03", "2026-12-04"
ACCOUNT = {"01": "7111010000001", "04": "7111040000001", "08": "7111080000001"}
ISSUED = "2026-11-30T08:00:00+07:00"

OBLIGATION_HEADER = (
    "payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,"
    "portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd"
)
GATEWAY_HEADER = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,"
    "status,paid_at,settlement_date,batch_id,original_txn_id"
)


def at(day: str, hour: int, minute: int = 0) -> str:
    return f"{day}T{hour:02d}:{minute:02d}:00+07:00"


# payment_code, province, kind, procedure, amount, portal_txn_id ("" = unpaid), paid_at, asset, taxable
OBLIGATIONS: list[tuple[str, str, str, str, int, str, str, str, str]] = [
    ("HS-Y1", "01", "land_charge", "", 700_000, "V0", at(D_MINUS_1, 9), "", ""),
    ("HS-C1", "01", "land_charge", "", 5_000_000, "V1", at(D, 8), "", ""),
    ("HS-C2", "01", "charge", "CAP_PHEP_XAY_DUNG", 150_000, "V2", at(D, 8, 30), "", ""),
    # 333 333 333 × 0.005 = 1 666 666.665 → rounded half up to 1 666 667: clean
    ("HS-C3", "01", "registration_tax", "", 1_666_667, "V3", at(D, 9), "real_estate", "333333333"),
    # the portal recorded the LATER transaction V5; the earlier V4 is the duplicate
    ("HS-DUP", "01", "land_charge", "", 2_000_000, "V5", at(D, 10, 30), "", ""),
    ("HS-UND", "01", "land_charge", "", 3_000_000, "V6", at(D, 11), "", ""),
    # BIEN_SO_OTO in Hà Nội was 20 000 000 until 2025-12-31, 14 000 000 since 2026-01-01
    ("HS-FEE", "01", "charge", "BIEN_SO_OTO", 20_000_000, "P1", at(D, 9), "", ""),
    # 2 000 000 000 × 0.005 = 10 000 000, the portal asks 12 000 000
    ("HS-TAX", "01", "registration_tax", "", 12_000_000, "P2", at(D, 9, 10), "real_estate", "2000000000"),
    ("HS-OVR", "01", "land_charge", "", 1_500_000, "P3", at(D, 9, 20), "", ""),
    ("HS-SNR", "01", "land_charge", "", 900_000, "", "", "", ""),
    ("HS-M1", "04", "land_charge", "", 800_000, "V8", at(D, 14), "", ""),
    ("HS-C4", "04", "charge", "CAP_SO_DO", 50_000, "P9", at(D, 15), "", ""),
    ("HS-C4B", "04", "land_charge", "", 650_000, "P10", at(D, 15, 30), "", ""),
    ("HS-WP", "04", "land_charge", "", 2_500_000, "P7", at(D, 16), "", ""),
    ("HS-PNS", "04", "land_charge", "", 450_000, "V-LOST", at(D, 16, 30), "", ""),
    ("HS-C8", "08", "land_charge", "", 1_200_000, "V9", at(D, 10), "", ""),
    ("HS-C8B", "08", "charge", "CAP_PHEP_XAY_DUNG", 85_000, "V10", at(D, 10, 15), "", ""),
]

# txn_id, payment_code, gateway, province, account, amount, fee, status, paid_at, settled, batch, original
Txn = tuple[str, str, str, str, str, int, int, str, str, str, str, str]


def txn(
    txn_id: str,
    code: str,
    province: str,
    amount: int,
    fee: int,
    paid_at: str,
    batch: str,
    *,
    status: str = "SUCCESS",
    original: str = "",
    account_of: str = "",
    settled: str = D_PLUS_1,
) -> Txn:
    """A settlement-file row; the gateway is named by the batch id's prefix."""
    gateway = "vnpay" if batch.startswith("VNP") else "payoo"
    account = ACCOUNT[account_of or province]
    return (txn_id, code, gateway, province, account, amount, fee, status, paid_at, settled, batch, original)


TXNS_D_MINUS_1: list[Txn] = [
    txn("V0", "HS-Y1", "01", 700_000, 7_000, at(D_MINUS_1, 9), "VNP-01-1201", settled=D),
]
TXNS_VNPAY_D: list[Txn] = [
    txn("V1", "HS-C1", "01", 5_000_000, 11_000, at(D, 8), "VNP-01-D"),
    txn("V2", "HS-C2", "01", 150_000, 1_650, at(D, 8, 30), "VNP-01-D"),
    txn("V3", "HS-C3", "01", 1_666_667, 3_667, at(D, 9), "VNP-01-D"),
    txn("V4", "HS-DUP", "01", 2_000_000, 4_400, at(D, 9, 45), "VNP-01-D"),
    txn("V5", "HS-DUP", "01", 2_000_000, 4_400, at(D, 10, 30), "VNP-01-D"),
    txn("V6", "HS-UND", "01", 2_900_000, 6_380, at(D, 11), "VNP-01-D"),
    # a refund of yesterday's clean V0, settled in today's batch: clean
    txn("R1", "HS-Y1", "01", 700_000, 0, at(D, 12), "VNP-01-D", status="REFUND", original="V0"),
    txn("R2", "HS-C1", "01", 300_000, 0, at(D, 13), "VNP-01-D", status="REFUND", original="V-GHOST"),
    txn("V8", "HS-M1", "04", 800_000, 8_800, at(D, 14), "VNP-04-D"),
    txn("V9", "HS-C8", "08", 1_200_000, 2_000, at(D, 10), "VNP-08-D"),
    txn("V10", "HS-C8B", "08", 85_000, 1_000, at(D, 10, 15), "VNP-08-D"),
]
TXNS_PAYOO_D: list[Txn] = [
    # gross: fees are invoiced separately, so the credit is the sum of the amounts
    txn("P1", "HS-FEE", "01", 20_000_000, 5_500, at(D, 9), "PAY-01-D"),
    txn("P2", "HS-TAX", "01", 12_000_000, 5_500, at(D, 9, 10), "PAY-01-D"),
    txn("P3", "HS-OVR", "01", 1_600_000, 5_500, at(D, 9, 20), "PAY-01-D"),
    txn("P4", "HS-SNR", "01", 900_000, 5_500, at(D, 9, 30), "PAY-01-D"),
    txn("P5", "HS-KHONG-CO", "01", 400_000, 5_500, at(D, 9, 40), "PAY-01-D"),
    txn("P9", "HS-C4", "04", 50_000, 1_100, at(D, 15), "PAY-04-D"),
    txn("P10", "HS-C4B", "04", 650_000, 1_100, at(D, 15, 30), "PAY-04-D"),
    # Cao Bằng's obligation, paid out to Tuyên Quang's treasury account
    txn("P7", "HS-WP", "04", 2_500_000, 5_500, at(D, 16), "PAY-08-D", account_of="08"),
]
FEE_MODE = {"vnpay": "net", "payoo": "gross"}


def batch_credit(batch_id: str) -> int:
    """What a correct bank credit of the batch is: Σ SUCCESS − Σ REFUND (− Σ fees if net)."""
    total = 0
    for txn in TXNS_D_MINUS_1 + TXNS_VNPAY_D + TXNS_PAYOO_D:
        _, _, gateway, _, _, amount, fee, status, _, _, batch, _ = txn
        if batch != batch_id:
            continue
        total += amount if status == "SUCCESS" else -amount
        if FEE_MODE[gateway] == "net":
            total -= fee
    return total


def gross_sum(batch_id: str) -> int:
    return sum(t[5] for t in TXNS_VNPAY_D if t[10] == batch_id and t[7] == "SUCCESS")


INJECTED: dict[str, str] = {
    "DUPLICATE_PAYMENT": "V4",
    "WRONG_PROVINCE": "P7",
    "UNMATCHED_REFUND": "R2",
    "SETTLEMENT_AMOUNT_MISMATCH": "VNP-08-D",
    "LATE_SETTLEMENT": "PAY-04-D",
    "MISSING_BANK_CREDIT": "VNP-04-D",
    "UNEXPECTED_BANK_CREDIT": "CB-UNX-1202",
    "PAID_NOT_SETTLED": "HS-PNS",
    "SETTLED_NOT_RECORDED": "P4",
    "ORPHAN_PAYMENT": "P5",
    "UNDERPAID": "V6",
    "OVERPAID": "P3",
    "TAX_RATE_MISMATCH": "HS-TAX",
    "FEE_SCHEDULE_MISMATCH": "HS-FEE",
}
KEY_FIELD = {
    "PAID_NOT_SETTLED": "payment_code",
    "TAX_RATE_MISMATCH": "payment_code",
    "FEE_SCHEDULE_MISMATCH": "payment_code",
    "MISSING_BANK_CREDIT": "batch_id",
    "SETTLEMENT_AMOUNT_MISMATCH": "batch_id",
    "LATE_SETTLEMENT": "batch_id",
    "UNEXPECTED_BANK_CREDIT": "bank_ref",
}


def obligations_csv() -> str:
    rows = [OBLIGATION_HEADER]
    for code, province, kind, procedure, amount, txn, paid_at, asset, taxable in OBLIGATIONS:
        status = "paid" if txn else "unpaid"
        issued = "2026-11-27T08:00:00+07:00" if code == "HS-Y1" else ISSUED
        rows.append(
            f"{code},{province},{kind},AG-{province},{procedure},{amount},{issued},"
            f"{status},{txn},{paid_at},{asset},{taxable}"
        )
    return "\n".join(rows) + "\n"


def gateway_csv(txns: list[Txn]) -> str:
    return "\n".join([GATEWAY_HEADER, *(",".join(str(v) for v in txn) for txn in txns)]) + "\n"


def camt054_entry(amount: int, day: str, ref: str, end_to_end: str, remittance: str) -> str:
    return f"""
      <Ntry>
        <Amt Ccy="VND">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>{ref}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{end_to_end}</EndToEndId></Refs>
          <Amt Ccy="VND">{amount}</Amt>
          <RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def camt054(account: str, days: dict[str, list[str]]) -> str:
    """One ``Ntfctn`` per day, each covering that whole local day."""
    blocks = []
    for number, (day, entries) in enumerate(days.items(), start=1):
        blocks.append(f"""
    <Ntfctn>
      <Id>NTF-{account}-{day}</Id>
      <NtfctnPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></NtfctnPgntn>
      <ElctrncSeqNb>{number}</ElctrncSeqNb>
      <CreDtTm>{day}T23:30:00+07:00</CreDtTm>
      <FrToDt><FrDtTm>{day}T00:00:00+07:00</FrDtTm><ToDtTm>{day}T23:59:59+07:00</ToDtTm></FrToDt>
      <Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>VND</Ccy></Acct>{"".join(entries)}
    </Ntfctn>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>MSG-{account}</MsgId><CreDtTm>{D_PLUS_2}T23:45:00+07:00</CreDtTm></GrpHdr>{"".join(blocks)}
  </BkToCstmrDbtCdtNtfctn>
</Document>
"""


def mt940_tuyen_quang() -> str:
    opening = 10_000_000
    mismatch = gross_sum("VNP-08-D")  # fees NOT deducted from a net batch
    wrong_province = batch_credit("PAY-08-D")
    closing = opening + mismatch + wrong_province
    return (
        f":20:TQ-20261202\n:25:{ACCOUNT['08']}\n:28C:1/1\n"
        f":60F:C261201VND{opening},\n:62F:C261202VND{opening},\n-\n"
        f":20:TQ-20261203\n:25:{ACCOUNT['08']}\n:28C:2/1\n:60F:C261202VND{opening},\n"
        f":61:2612031203C{mismatch},NTRFNONREF//TQ-1203-01\n:86:VNPAY QUYET TOAN VNP-08-D\n"
        f":61:2612031203C{wrong_province},NTRFNONREF//TQ-1203-02\n:86:PAYOO QUYET TOAN PAY-08-D\n"
        f":62F:C261203VND{closing},\n-\n"
    )


def write_world(directory: Path) -> list[Path]:
    ha_noi = camt054(
        ACCOUNT["01"],
        {
            D: [camt054_entry(batch_credit("VNP-01-1201"), D, "HN-1202-01", "VNP-01-1201", "VNPAY QT")],
            D_PLUS_1: [
                camt054_entry(batch_credit("VNP-01-D"), D_PLUS_1, "HN-1203-01", "VNP-01-D", "VNPAY QT"),
                camt054_entry(
                    batch_credit("PAY-01-D"),
                    D_PLUS_1,
                    "HN-1203-02",
                    "NOTPROVIDED",
                    "Payoo thanh toan lo PAY-01-D",
                ),
            ],
        },
    )
    cao_bang = camt054(
        ACCOUNT["04"],
        {
            D: [camt054_entry(777_000, D, "CB-UNX-1202", "NOTPROVIDED", "NOP TIEN KHONG RO NGUON")],
            D_PLUS_1: [],
            D_PLUS_2: [
                camt054_entry(batch_credit("PAY-04-D"), D_PLUS_2, "CB-1204-01", "PAY-04-D", "PAYOO QT")
            ],
        },
    )
    files = {
        "obligations.csv": obligations_csv(),
        "vnpay_20261201.csv": gateway_csv(TXNS_D_MINUS_1),
        "vnpay_20261202.csv": gateway_csv(TXNS_VNPAY_D),
        "payoo_20261202.csv": gateway_csv(TXNS_PAYOO_D),
        "hanoi.camt054.xml": ha_noi,
        "caobang.camt054.xml": cao_bang,
        "tuyenquang.sta": mt940_tuyen_quang(),
    }
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [directory / name for name in files]


def recon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, cwd=config.parent
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("second-world")
    config = directory / "cfg.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{directory / "recon.db"}"\n\n'
        '[[gateways]]\nname = "vnpay"\nsettlement_days = 1\nfee_mode = "net"\n\n'
        '[[gateways]]\nname = "payoo"\nsettlement_days = 1\nfee_mode = "gross"\n',
        encoding="utf-8",
    )
    files = write_world(directory)
    init = recon(config, "init")
    assert init.returncode == 0, init.stderr
    ingest = recon(config, "ingest", *map(str, files), "--json")
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    outcomes = [json.loads(line) for line in ingest.stdout.splitlines() if line.strip()]
    assert [(Path(o["path"]).name, o["status"]) for o in outcomes] == [(f.name, "accepted") for f in files]
    run = recon(config, "run", "--date", D)
    assert run.returncode == 0, run.stderr
    out = directory / "r.json"
    written = recon(config, "report", "--date", D, "--format", "json", "--out", str(out))
    assert written.returncode == 0, written.stderr
    parsed: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return parsed


def found(report: dict[str, Any]) -> list[tuple[str, str]]:
    rows = report["discrepancies"]
    return [(row["category"], row[KEY_FIELD.get(row["category"], "txn_id")]) for row in rows]


@pytest.mark.parametrize(("category", "key"), sorted(INJECTED.items()), ids=sorted(INJECTED))
def test_each_injected_problem_is_reported_exactly_once_under_its_key(
    report: dict[str, Any], category: str, key: str
) -> None:
    assert found(report).count((category, key)) == 1, found(report)


def test_nothing_but_the_injected_problems_is_reported(report: dict[str, Any]) -> None:
    assert sorted(found(report)) == sorted(INJECTED.items())


def test_report_amounts_and_ages_are_integers(report: dict[str, Any]) -> None:
    for row in report["discrepancies"]:
        for name in ("expected_vnd", "actual_vnd", "difference_vnd", "age_days"):
            value = row[name]
            assert value is None or (isinstance(value, int) and not isinstance(value, bool)), (name, row)
    assert report["run"]["business_date"] == D


def row_of(report: dict[str, Any], category: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [r for r in report["discrepancies"] if r["category"] == category]
    assert len(rows) == 1, rows
    return rows[0]


def test_the_net_batch_credited_gross_is_off_by_exactly_its_fees(report: dict[str, Any]) -> None:
    row = row_of(report, "SETTLEMENT_AMOUNT_MISMATCH")
    fees = sum(t[6] for t in TXNS_VNPAY_D if t[10] == "VNP-08-D")
    assert (row["expected_vnd"], row["actual_vnd"]) == (batch_credit("VNP-08-D"), gross_sum("VNP-08-D"))
    assert abs(row["difference_vnd"]) == fees


def test_breaks_whose_window_the_statements_cover_are_open_not_pending(report: dict[str, Any]) -> None:
    # DESIGN §2: once the data covers the window and the counterpart is still missing, it is a break
    for category in ("MISSING_BANK_CREDIT", "LATE_SETTLEMENT", "SETTLEMENT_AMOUNT_MISMATCH"):
        assert row_of(report, category)["status"] == "open", category
    assert row_of(report, "MISSING_BANK_CREDIT")["expected_vnd"] == batch_credit("VNP-04-D")
