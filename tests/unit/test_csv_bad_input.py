"""Bad obligations exports and gateway files are rejected with the file, the line and the reason."""

from __future__ import annotations

import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.formats.csv_writer import encode_cp1258
from adapters.formats.gateway import GatewayParser
from adapters.formats.obligations import ObligationsParser
from adapters.settings import settings_from_mapping
from reconcile.errors import InputError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

GATEWAY_HEADER = (
    "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,fee_vnd,"
    "status,paid_at,settlement_date,batch_id,original_txn_id"
)
GOOD_TXN = "T1,HS1,vnptpay,01,7111010000001,150000,1650,SUCCESS,2026-11-25T08:03:11+07:00,2026-11-26,B1,"
OBLIGATIONS_HEADER = (
    "payment_code,province_code,kind,agency_code,procedure_code,amount_vnd,issued_at,"
    "portal_status,portal_txn_id,portal_paid_at,asset_class,taxable_value_vnd"
)
GOOD_FEE = "HS1,01,fee,AG1,P1,150000,2026-11-20T08:00:00+07:00,paid,T1,2026-11-25T09:15:00+07:00,,"


def txn(**changes: str) -> str:
    """A good canonical gateway row with some cells changed."""
    cells = dict(zip(GATEWAY_HEADER.split(","), GOOD_TXN.split(","), strict=True))
    cells.update(changes)
    return ",".join(cells.values())


def obligation(**changes: str) -> str:
    cells = dict(zip(OBLIGATIONS_HEADER.split(","), GOOD_FEE.split(","), strict=True))
    cells.update(changes)
    return ",".join(cells.values())


def layouts() -> Mapping[str, Any]:
    return settings_from_mapping(
        tomllib.loads((FIXTURES / "layouts.toml").read_text(encoding="utf-8"))
    ).layouts


def rejection(path: Path, parse) -> InputError:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        parse(path)
    return caught.value


GATEWAY_CASES = [
    pytest.param(
        [
            "txn_id,payment_code,gateway,province_code,treasury_account,amount_vnd,status,paid_at,settlement_date"
        ],
        1,
        "missing required column(s): fee_vnd, batch_id, original_txn_id",
        id="missing columns are named",
    ),
    pytest.param(
        [GATEWAY_HEADER + ",note", GOOD_TXN + ",x"], 1, "unknown column(s): note", id="extra column"
    ),
    pytest.param(
        [GATEWAY_HEADER, GOOD_TXN, GATEWAY_HEADER], 3, "header row is repeated", id="repeated header"
    ),
    pytest.param(
        [GATEWAY_HEADER, GOOD_TXN, txn(txn_id="T2", batch_id='"B1')], 3, "broken quoting", id="bad quote"
    ),
    pytest.param(
        [GATEWAY_HEADER, GOOD_TXN + ",extra"], 2, "expected 12 fields, found 13", id="too many fields"
    ),
    pytest.param([GATEWAY_HEADER, txn(amount_vnd="150000.5")], 2, "has a fraction of a đồng", id="fraction"),
    pytest.param([GATEWAY_HEADER, txn(amount_vnd='"1,5"')], 2, "'1,5' is ambiguous", id="comma amount"),
    pytest.param(
        [GATEWAY_HEADER, txn(amount_vnd="1.5E+06")], 2, "exponent notation is not an amount", id="exponent"
    ),
    pytest.param([GATEWAY_HEADER, txn(amount_vnd="-150000")], 2, "'-150000' is negative", id="negative"),
    pytest.param(
        [GATEWAY_HEADER, GOOD_TXN, txn(txn_id="T2", amount_vnd="0")],
        3,
        "amount_vnd is zero for a SUCCESS transaction",
        id="zero success",
    ),
    pytest.param(
        [GATEWAY_HEADER, txn(status="PENDING")],
        2,
        "invalid status 'PENDING' (expected SUCCESS, REFUND)",
        id="status",
    ),
    pytest.param(
        [GATEWAY_HEADER, txn(settlement_date="2026-02-30")], 2, "'2026-02-30' is not a real date", id="feb 30"
    ),
    pytest.param(
        [GATEWAY_HEADER, txn(paid_at="2026-11-25T08:03:11")],
        2,
        "'2026-11-25T08:03:11' has no UTC offset",
        id="naive",
    ),
    pytest.param(
        [GATEWAY_HEADER, txn(province_code="1")],
        2,
        "province code '1' must be two digits ('01')",
        id="province",
    ),
    pytest.param(
        [GATEWAY_HEADER, GOOD_TXN, "", GOOD_TXN],
        4,
        "txn_id 'T1' appears twice in the file",
        id="duplicate txn",
    ),
    pytest.param(
        [GATEWAY_HEADER, txn(status="REFUND")],
        2,
        "REFUND 'T1' has no original_txn_id",
        id="refund without original",
    ),
    pytest.param([GATEWAY_HEADER, txn(batch_id="  ")], 2, "batch_id is missing", id="blank batch"),
]


@pytest.mark.parametrize(("lines", "line", "reason"), GATEWAY_CASES)
def test_a_bad_gateway_file_is_rejected_naming_file_line_and_reason(
    tmp_path: Path, lines: list[str], line: int, reason: str
) -> None:
    path = tmp_path / "vnptpay_20261126.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = rejection(path, GatewayParser().parse)
    assert error.source == "vnptpay_20261126.csv"
    assert error.where == f"line {line}"
    assert reason in error.reason
    assert str(error).startswith(f"vnptpay_20261126.csv, line {line}: ")


OBLIGATION_CASES = [
    pytest.param([OBLIGATIONS_HEADER, obligation(kind="tax")], 2, "invalid kind 'tax'", id="kind"),
    pytest.param(
        [OBLIGATIONS_HEADER, obligation(portal_status="PAID")],
        2,
        "invalid portal_status 'PAID'",
        id="portal status",
    ),
    pytest.param(
        [OBLIGATIONS_HEADER, GOOD_FEE, obligation(portal_txn_id="T9")],
        3,
        "payment_code 'HS1' appears twice in the export",
        id="duplicate code",
    ),
    pytest.param(
        [OBLIGATIONS_HEADER, obligation(portal_txn_id="")],
        2,
        "paid obligation 'HS1' has no portal_txn_id",
        id="txn",
    ),
    pytest.param(
        [OBLIGATIONS_HEADER, obligation(portal_paid_at="")],
        2,
        "has no portal_paid_at",
        id="paid without time",
    ),
    pytest.param(
        [OBLIGATIONS_HEADER, obligation(kind="registration_tax", taxable_value_vnd="500000000")],
        2,
        "registration_tax 'HS1' has no asset_class",
        id="tax without asset class",
    ),
    pytest.param(
        [OBLIGATIONS_HEADER, obligation(kind="registration_tax", asset_class="car_first")],
        2,
        "registration_tax 'HS1' has no taxable_value_vnd",
        id="tax without taxable value",
    ),
    pytest.param(
        [OBLIGATIONS_HEADER, obligation(issued_at="2026-13-01T08:00:00+07:00")],
        2,
        "issued_at '2026-13-01T08:00:00+07:00' is not an ISO 8601 timestamp",
        id="month 13",
    ),
    pytest.param(
        [OBLIGATIONS_HEADER.replace("agency_code", "agency_code,agency_code")],
        1,
        "column 'agency_code' appears twice in the header",
        id="duplicate header name",
    ),
]


@pytest.mark.parametrize(("lines", "line", "reason"), OBLIGATION_CASES)
def test_a_bad_obligations_export_is_rejected_naming_file_line_and_reason(
    tmp_path: Path, lines: list[str], line: int, reason: str
) -> None:
    path = tmp_path / "obligations_20261125.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = rejection(path, ObligationsParser().parse)
    assert error.source == "obligations_20261125.csv"
    assert error.where == f"line {line}"
    assert reason in error.reason


def test_a_zero_byte_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    error = rejection(path, ObligationsParser().parse)
    assert (error.source, error.where) == ("empty.csv", None)
    assert "empty" in error.reason


def test_a_file_with_only_the_header_is_accepted_with_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "obligations.csv"
    path.write_text(OBLIGATIONS_HEADER + "\n", encoding="utf-8")
    parsed = ObligationsParser().parse(path)
    assert parsed.table is not None
    assert parsed.table.num_rows == 0
    gateway_path = tmp_path / "gateway.csv"
    gateway_path.write_text(GATEWAY_HEADER + "\r\n", encoding="utf-8")
    gateway = GatewayParser().parse(gateway_path)
    assert gateway.table is not None
    assert gateway.table.num_rows == 0
    assert gateway.identity is None


def test_invalid_utf8_is_rejected_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "obligations.csv"
    path.write_bytes((OBLIGATIONS_HEADER + "\n" + GOOD_FEE + "\n").encode() + b"HS2,01,fee,\xff\n")
    error = rejection(path, ObligationsParser().parse)
    assert error.where == "line 3"
    assert "not valid utf-8 text" in error.reason


VNPAY_HEADER = (
    "Mã giao dịch;Mã hồ sơ;Cổng thanh toán;Mã tỉnh;Tài khoản KBNN;Số tiền;Phí;Trạng thái;"
    "Thời gian thanh toán;Ngày quyết toán;Mã lô;Mã GD gốc"
)
VNPAY_ROW = "V1;HS1;vnpay;01;7111010000001;{amount};0;{status};25/11/2026 07:15:42;{date};B1;"


@pytest.mark.parametrize(
    ("amount", "status", "date", "reason"),
    [
        pytest.param("1.5", "Thành công", "26/11/2026", "'1.5' is not grouped in thousands", id="grouping"),
        pytest.param(
            "1.234", "Đang xử lý", "26/11/2026", "invalid status 'Đang xử lý'", id="unknown status word"
        ),
        pytest.param("1.234", "Thành công", "30/02/2026", "'30/02/2026' is not a real date", id="feb 30"),
        pytest.param(
            "1.234", "Thành công", "2026-11-26", "is not written as dd/mm/yyyy", id="iso in a dmy layout"
        ),
    ],
)
def test_a_bad_value_in_a_declared_layout_is_rejected_with_its_line(
    tmp_path: Path, amount: str, status: str, date: str, reason: str
) -> None:
    path = tmp_path / "vnpay.csv"
    row = VNPAY_ROW.format(amount=amount, status=status, date=date)
    path.write_text(f"{VNPAY_HEADER}\n\n{row}\n", encoding="utf-8")
    error = rejection(path, GatewayParser(layouts()).parse)
    assert (error.source, error.where) == ("vnpay.csv", "line 3")
    assert reason in error.reason


MOMO_HEADER = (
    "Transaction ID\tBill Code\tProvince Code\tBeneficiary Account\tAmount\tService Fee\tType\t"
    "Transaction Time\tSettlement Date\tBatch No\tOriginal Transaction ID\tCurrency"
)


def test_a_non_vnd_currency_is_rejected(tmp_path: Path) -> None:
    rows = [
        MOMO_HEADER,
        "M1\tHS1\t79\t7111790000001\t200000\t0\tPAYMENT\t2026-11-25 06:30:00\t2026-11-26\tB1\t\tVND",
        "M2\tHS2\t79\t7111790000001\t200\t0\tPAYMENT\t2026-11-25 06:31:00\t2026-11-26\tB1\t\tUSD",
    ]
    path = tmp_path / "momo.csv"
    path.write_bytes("\r\n".join(rows).encode("utf-16"))
    error = rejection(path, GatewayParser(layouts()).parse)
    assert (error.source, error.where) == ("momo.csv", "line 3")
    assert "currency 'USD' is not VND" in error.reason


PAYOO_HEADER = (
    "Số giao dịch,Mã thanh toán,Mã tỉnh,Tài khoản thụ hưởng,Số tiền (VNĐ),Phí dịch vụ (VNĐ),"
    "Loại giao dịch,Ngày giờ giao dịch,Ngày đối soát,Số lô,Giao dịch gốc"
)
PAYOO_ROWS = [
    'P1,HS1,48,7111480000001,"75,000",0,Thanh toán,24/11/2026 17:05:00,25/11/2026,B48,',
    'P2,HS2,48,7111480000001,"812,500,000",0,Thanh toán,24/11/2026 19:40:21,25/11/2026,B48,',
]


def payoo_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "payoo.csv"
    path.write_bytes(encode_cp1258("\r\n".join(["BÁO CÁO ĐỐI SOÁT", PAYOO_HEADER, *lines]) + "\r\n"))
    return path


def test_a_totals_row_that_disagrees_with_the_rows_is_rejected_at_its_line(tmp_path: Path) -> None:
    path = payoo_file(tmp_path, [*PAYOO_ROWS, 'Tổng cộng,,,,"812,575,001",,,,,,'])
    error = rejection(path, GatewayParser(layouts()).parse)
    assert (error.source, error.where) == ("payoo.csv", "line 5")
    assert "totals row states 812575001 but the rows add up to 812575000" in error.reason


def test_a_totals_row_in_the_middle_of_the_data_is_rejected(tmp_path: Path) -> None:
    path = payoo_file(tmp_path, [PAYOO_ROWS[0], 'Tổng cộng,,,,"75,000",,,,,,', PAYOO_ROWS[1]])
    error = rejection(path, GatewayParser(layouts()).parse)
    assert error.where == "line 4"
    assert "must be the file's last row" in error.reason


def test_a_file_whose_header_matches_no_layout_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "unknown.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    error = rejection(path, GatewayParser().parse)
    assert error.source == "unknown.csv"
    assert "matches no gateway layout" in error.reason


SAMPLES = FIXTURES / "samples"
SAMPLE_ENCODINGS = {"gateway_momo_utf16.csv": ("utf-16", "\t"), "gateway_payoo_cp1258.csv": ("cp1258", ",")}
SAMPLE_ENCODINGS |= {"gateway_vnpay_vi.csv": ("utf-8", ";")}
CELL_TEXT = '0123456789-.,:;/ T+ZEeé"\tSUCCESREFNDpaidunTổngcộngThành công'


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(path.name for path in SAMPLES.glob("*.csv"))),
    line=st.integers(0, 10),
    cell=st.integers(0, 12),
    value=st.text(CELL_TEXT, max_size=24),
)
def test_a_sample_with_any_cell_changed_is_read_or_rejected_naming_the_file(
    name: str, line: int, cell: int, value: str
) -> None:
    encoding, delimiter = SAMPLE_ENCODINGS.get(name, ("utf-8", ","))
    lines = (SAMPLES / name).read_bytes().decode(encoding).split("\n")
    cells = lines[line % len(lines)].split(delimiter)
    cells[cell % len(cells)] = value
    lines[line % len(lines)] = delimiter.join(cells)
    text = "\n".join(lines)
    data = encode_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        parse = ObligationsParser().parse if name == "obligations.csv" else GatewayParser(layouts()).parse
        outcome = outcome_of(parse, path)
    assert outcome in ("read", f"rejected {name}")


def outcome_of(parse, path: Path) -> str:  # type: ignore[no-untyped-def]
    """``read``, or ``rejected FILE`` naming the file the error names; anything else propagates."""
    try:
        parsed = parse(path)
    except InputError as error:
        return f"rejected {error.source}"
    return "read" if parsed.table is not None else "no table"


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        pytest.param(
            [GATEWAY_HEADER, txn(amount_vnd="1.5E+06"), txn(txn_id="T2", province_code="1")],
            "exponent notation",
            id="cell checks",
        ),
        pytest.param(
            [GATEWAY_HEADER, txn(txn_id="T0", status="REFUND"), GOOD_TXN, GOOD_TXN],
            "REFUND 'T0' has no original_txn_id",
            id="row rules",
        ),
        pytest.param(
            [GATEWAY_HEADER, txn(fee_vnd="-1"), GATEWAY_HEADER],
            "fee_vnd '-1' is negative",
            id="repeated header later",
        ),
    ],
)
def test_the_earliest_bad_line_is_reported_whichever_check_finds_it(
    tmp_path: Path, lines: list[str], reason: str
) -> None:
    path = tmp_path / "two_problems.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = rejection(path, GatewayParser().parse)
    assert error.where == "line 2"
    assert reason in error.reason


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        pytest.param(
            {"payment_code": "", "amount_vnd": "abc", "currency": ""},
            "payment_code is missing",
            id="missing before malformed, in column order",
        ),
        pytest.param({"amount_vnd": "1.5E+06", "currency": ""}, "currency is missing", id="empty currency"),
        pytest.param(
            {"province_code": "1", "amount_vnd": "-5", "currency": "USD"},
            "province code '1' must be two digits ('01')",
            id="malformed cells in column order",
        ),
        pytest.param(
            {"amount_vnd": "0", "currency": "USD"},
            "currency 'USD' is not VND",
            id="a malformed cell before a rule across columns",
        ),
    ],
)
def test_a_line_with_several_problems_is_reported_with_the_most_fundamental(
    tmp_path: Path, cells: dict[str, str], reason: str
) -> None:
    header = GATEWAY_HEADER + ",currency"
    path = tmp_path / "vnpay.csv"
    path.write_text("\n".join([header, txn() + ",VND", txn(txn_id="T2", **cells)]) + "\n", encoding="utf-8")
    error = rejection(path, GatewayParser().parse)
    assert (error.where, error.reason) == ("line 3", reason)


def test_a_badly_written_cell_is_not_hidden_by_an_empty_one_further_down(tmp_path: Path) -> None:
    lines = [GATEWAY_HEADER, txn(), txn(txn_id="T2", amount_vnd="8O000"), txn(txn_id="T3", amount_vnd="")]
    path = tmp_path / "vnpay.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = rejection(path, GatewayParser().parse)
    assert error.where == "line 3"
    assert "'8O000'" in error.reason


def test_an_undeclared_totals_row_is_reported_as_one(tmp_path: Path) -> None:
    lines = [GATEWAY_HEADER, txn(), "Tổng cộng,,,,,150000,,,,,,"]
    path = tmp_path / "vnpay.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = rejection(path, GatewayParser().parse)
    assert (error.where, error.reason) == (
        "line 3",
        "payment_code is missing (the row looks like a totals row 'Tổng cộng'; the layout declares none)",
    )
