"""The shipped layouts and sample files read to the expected canonical rows, to the đồng."""

from __future__ import annotations

import datetime as dt
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from adapters.formats.base import read_head
from adapters.formats.csvcells import CellError
from adapters.formats.csvspec import Date
from adapters.formats.gateway import GatewayParser
from adapters.formats.obligations import ObligationsParser
from adapters.settings import settings_from_mapping
from reconcile.columns import GATEWAY_TXNS, OBLIGATIONS
from reconcile.errors import ConfigError, InputError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SAMPLES = FIXTURES / "samples"
UTC = dt.UTC


def layouts() -> Mapping[str, Any]:
    return settings_from_mapping(
        tomllib.loads((FIXTURES / "layouts.toml").read_text(encoding="utf-8"))
    ).layouts


def utc(text: str) -> dt.datetime:
    """A local (UTC+7) wall-clock time as the UTC moment the table holds."""
    return dt.datetime.fromisoformat(text + "+07:00").astimezone(UTC)


def summary(path: Path) -> list[tuple[object, ...]]:
    parsed = GatewayParser(layouts()).parse(path)
    assert parsed.table is not None
    assert parsed.table.schema == GATEWAY_TXNS
    keep: tuple[str, ...] = (
        "txn_id",
        "gateway",
        "province_code",
        "amount_vnd",
        "fee_vnd",
        "status",
        "paid_at",
        "paid_date",
    )
    keep += ("settlement_date", "batch_id", "original_txn_id", "line")
    return [tuple(row[name] for name in keep) for row in parsed.table.to_pylist()]


D25, D26 = dt.date(2026, 11, 25), dt.date(2026, 11, 26)
D24 = dt.date(2026, 11, 24)

EXPECTED = {
    "gateway_canonical.csv": (
        "gateway:canonical",
        "gateway:vnptpay:gateway_canonical.csv",
        [
            (
                "VNPT2611250001",
                "vnptpay",
                "01",
                150000,
                1650,
                "SUCCESS",
                utc("2026-11-25 08:03:11"),
                D25,
                D26,
            ),
            ("VNPT2611250002", "vnptpay", "01", 2500000, 0, "SUCCESS", utc("2026-11-25 09:47:52"), D25, D26),
            ("VNPT2611250003", "vnptpay", "79", 96000000, 0, "SUCCESS", utc("2026-11-25 13:20:05"), D25, D26),
            (
                "VNPT2611250004",
                "vnptpay",
                "79",
                500000,
                5500,
                "SUCCESS",
                utc("2026-11-25 23:59:59"),
                D25,
                D26,
            ),
            ("VNPT2611250005", "vnptpay", "01", 150000, 0, "REFUND", utc("2026-11-25 16:10:00"), D25, D26),
            (
                "VNPT2611250006",
                "vnptpay",
                "48",
                1234567890,
                0,
                "SUCCESS",
                utc("2026-11-25 00:00:01"),
                D25,
                D26,
            ),
        ],
    ),
    "gateway_vnpay_vi.csv": (
        "gateway:vnpay_vi",
        "gateway:vnpay:gateway_vnpay_vi.csv",
        [
            ("VNP14512233", "vnpay", "01", 1234567, 12346, "SUCCESS", utc("2026-11-25 07:15:42"), D25, D26),
            ("VNP14512234", "vnpay", "31", 50000, 0, "SUCCESS", utc("2026-11-25 10:02:00"), D25, D26),
            ("VNP14512240", "vnpay", "31", 45600000, 0, "SUCCESS", utc("2026-11-25 11:45:09"), D25, D26),
            ("VNP14512251", "vnpay", "01", 1234567, 0, "REFUND", utc("2026-11-25 15:30:00"), D25, D26),
            ("VNP14512260", "vnpay", "92", 300000, 3300, "SUCCESS", utc("2026-11-25 21:00:30"), D25, D26),
        ],
    ),
    "gateway_momo_utf16.csv": (
        "gateway:momo_utf16",
        "gateway:momo:gateway_momo_utf16.csv",
        [
            ("MM2611250000918", "momo", "79", 200000, 2200, "SUCCESS", utc("2026-11-25 06:30:00"), D25, D26),
            ("MM2611250000919", "momo", "79", 200000, 2200, "SUCCESS", utc("2026-11-25 06:31:15"), D25, D26),
            ("MM2611250001200", "momo", "75", 3200000, 0, "SUCCESS", utc("2026-11-25 12:12:12"), D25, D26),
            ("MM2611250001300", "momo", "79", 200000, 0, "REFUND", utc("2026-11-25 18:00:00"), D25, D26),
        ],
    ),
    "gateway_payoo_cp1258.csv": (
        "gateway:payoo_cp1258",
        "gateway:payoo:gateway_payoo_cp1258.csv",
        [
            ("PY-0098812", "payoo", "48", 75000, 0, "SUCCESS", utc("2026-11-24 17:05:00"), D24, D25),
            ("PY-0098813", "payoo", "48", 812500000, 0, "SUCCESS", utc("2026-11-24 19:40:21"), D24, D25),
            ("PY-0098830", "payoo", "46", 120000, 1320, "SUCCESS", utc("2026-11-24 22:22:22"), D24, D25),
            ("PY-0098831", "payoo", "46", 18000000, 0, "SUCCESS", utc("2026-11-24 23:10:00"), D24, D25),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shipped_sample_reads_to_its_canonical_rows(name: str) -> None:
    fmt, identity, rows = EXPECTED[name]
    parsed = GatewayParser(layouts()).parse(SAMPLES / name)
    assert (parsed.format, parsed.identity) == (fmt, identity)
    assert [row[:9] for row in summary(SAMPLES / name)] == rows


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_is_identified_as_a_gateway_file_and_not_as_obligations(name: str) -> None:
    head = read_head(SAMPLES / name)
    assert GatewayParser(layouts()).identify(SAMPLES / name, head)
    assert not ObligationsParser().identify(SAMPLES / name, head)


def test_refunds_keep_the_transaction_they_refund() -> None:
    refunds = {row[0]: row[10] for row in summary(SAMPLES / "gateway_vnpay_vi.csv") if row[5] == "REFUND"}
    assert refunds == {"VNP14512251": "VNP14512233"}


def test_lines_are_physical_lines_after_the_title_and_before_the_totals_row() -> None:
    lines = [row[-1] for row in summary(SAMPLES / "gateway_payoo_cp1258.csv")]
    assert lines == [3, 4, 5, 6]


def test_the_obligations_sample_reads_with_local_dates_and_registration_tax_values() -> None:
    parsed = ObligationsParser().parse(SAMPLES / "obligations.csv")
    assert parsed.table is not None
    assert parsed.table.schema == OBLIGATIONS
    assert (parsed.format, parsed.identity) == ("obligations", None)
    rows = {row["payment_code"]: row for row in parsed.table.to_pylist()}
    assert len(rows) == 7
    car = rows["LPTB-79-2025-000731"]
    assert (car["amount_vnd"], car["asset_class"], car["taxable_value_vnd"]) == (
        96000000,
        "car_first",
        800000000,
    )
    land = rows["TSDD-48-2025-000042"]
    assert land["issued_at"] == utc("2026-11-01 00:00:00")
    assert (land["issued_date"], land["portal_paid_date"]) == (dt.date(2026, 11, 1), D25)
    unpaid = rows["G26.79.010-251118-0102"]
    assert (unpaid["portal_txn_id"], unpaid["portal_paid_at"], unpaid["portal_paid_date"]) == (
        None,
        None,
        None,
    )
    assert sum(row["amount_vnd"] for row in rows.values()) == 1379617890


def test_a_utf8_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "obligations.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (SAMPLES / "obligations.csv").read_bytes())
    assert ObligationsParser().identify(path, read_head(path))
    parsed = ObligationsParser().parse(path)
    assert parsed.table is not None
    assert parsed.table.column("payment_code")[0].as_py() == "G26.01.001-251120-0001"


def test_nfd_text_reads_as_the_precomposed_form(tmp_path: Path) -> None:
    text = (SAMPLES / "gateway_vnpay_vi.csv").read_text(encoding="utf-8")
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text
    path = tmp_path / "vnpay_nfd.csv"
    path.write_text(decomposed, encoding="utf-8")
    assert summary(path) == summary(SAMPLES / "gateway_vnpay_vi.csv")


def test_reordered_columns_are_mapped_by_their_header(tmp_path: Path) -> None:
    lines = (SAMPLES / "gateway_canonical.csv").read_text(encoding="utf-8").splitlines()
    table = [line.split(",") for line in lines]
    order = list(reversed(range(len(table[0]))))
    path = tmp_path / "reordered.csv"
    path.write_text("\n".join(",".join(row[i] for i in order) for row in table) + "\n", encoding="utf-8")
    assert summary(path) == summary(SAMPLES / "gateway_canonical.csv")


def test_blank_lines_and_crlf_keep_line_numbers_physical(tmp_path: Path) -> None:
    lines = (SAMPLES / "gateway_canonical.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "gaps.csv"
    path.write_text("\r\n".join([lines[0], "", lines[1], "", "", lines[2]]) + "\r\n", encoding="utf-8")
    assert [row[-1] for row in summary(path)] == [3, 6]


def test_a_file_of_several_gateways_names_them_all_and_its_file_name_in_its_identity(tmp_path: Path) -> None:
    lines = (SAMPLES / "gateway_canonical.csv").read_text(encoding="utf-8").splitlines()
    later = lines[2].replace("2026-11-25T", "2026-11-26T").replace("2026-11-26,", "2026-11-27,")
    later = later.replace(",vnptpay,", ",viettelmoney,")
    path = tmp_path / "two.csv"
    path.write_text("\n".join([lines[0], lines[1], later]) + "\n", encoding="utf-8")
    parsed = GatewayParser().parse(path)
    assert parsed.identity == "gateway:viettelmoney+vnptpay:two.csv"


def test_the_identity_is_the_file_name_so_weekend_files_settled_together_stay_apart(
    tmp_path: Path,
) -> None:
    """Friday's and Saturday's collections both settle on Monday; neither file corrects the other."""
    header = (SAMPLES / "gateway_canonical.csv").read_text(encoding="utf-8").splitlines()[0]
    row = "T{n},P{n},vnptpay,01,7111010000001,100000,0,SUCCESS,2026-11-{day}T10:00:00+07:00,2026-11-30,B{n},"
    identities = []
    for n, day in ((1, 27), (2, 28)):
        path = tmp_path / f"vnptpay-{day}.csv"
        path.write_text(f"{header}\n{row.format(n=n, day=day)}\n", encoding="utf-8")
        identities.append(GatewayParser().parse(path).identity)
    assert identities == ["gateway:vnptpay:vnptpay-27.csv", "gateway:vnptpay:vnptpay-28.csv"]


def test_a_layout_can_be_forced_by_name() -> None:
    parser = GatewayParser(layouts())
    parsed = parser.parse(SAMPLES / "gateway_momo_utf16.csv", layout="momo_utf16")
    assert parsed.format == "gateway:momo_utf16"


def test_a_canonical_file_may_carry_a_currency_column_that_says_vnd(tmp_path: Path) -> None:
    lines = (SAMPLES / "gateway_canonical.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "with_currency.csv"
    path.write_text(
        "\n".join(f"{line},{'currency' if i == 0 else 'VND'}" for i, line in enumerate(lines)) + "\n"
    )
    assert summary(path) == summary(SAMPLES / "gateway_canonical.csv")
    path.write_text(
        "\n".join(f"{line},{'currency' if i == 0 else 'EUR'}" for i, line in enumerate(lines)) + "\n"
    )
    with pytest.raises(InputError, match=r"with_currency.csv, line 2: currency 'EUR' is not VND"):
        GatewayParser().parse(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"separator": ";"}, r"layouts.vnpay_vi: unknown key\(s\) separator", id="unknown key"),
        pytest.param({"encoding": "klingon"}, "unknown encoding 'klingon'", id="encoding"),
        pytest.param({"date_format": "%d/%B/%Y"}, "bad date format", id="unsupported directive"),
        pytest.param({"trailer_total": "total"}, "trailer_total names 'total'", id="trailer total"),
    ],
)
def test_a_wrong_layout_table_is_a_configuration_error_naming_it(
    change: dict[str, str], message: str
) -> None:
    raw = tomllib.loads((FIXTURES / "layouts.toml").read_text(encoding="utf-8"))
    raw["layouts"]["vnpay_vi"].update(change)
    with pytest.raises(ConfigError, match=message):
        GatewayParser(settings_from_mapping(raw).layouts)


def test_a_layout_must_map_or_fix_every_required_column() -> None:
    raw = tomllib.loads((FIXTURES / "layouts.toml").read_text(encoding="utf-8"))
    del raw["layouts"]["momo_utf16"]["constants"]
    with pytest.raises(ConfigError, match=r"layouts.momo_utf16: no column or constant for gateway"):
        GatewayParser(settings_from_mapping(raw).layouts)


def test_layout_headers_typed_with_combining_marks_still_match() -> None:
    raw = tomllib.loads((FIXTURES / "layouts.toml").read_text(encoding="utf-8"))
    columns = raw["layouts"]["vnpay_vi"]["columns"]
    raw["layouts"]["vnpay_vi"]["columns"] = {k: unicodedata.normalize("NFD", v) for k, v in columns.items()}
    parsed = GatewayParser(settings_from_mapping(raw).layouts).parse(SAMPLES / "gateway_vnpay_vi.csv")
    assert parsed.table is not None
    assert parsed.table.num_rows == 5


def test_a_date_format_with_vietnamese_words_reads_each_field_in_place() -> None:
    spec = Date("Ngày", label="settlement_date", format="ngày %d tháng %m năm %Y")
    column = pa.chunked_array([pa.array(["ngày 05 tháng 11 năm 2026", "ngày 31 tháng 12 năm 2025"])])
    assert spec.convert(column).to_pylist() == [dt.date(2026, 11, 5), dt.date(2025, 12, 31)]
    assert spec.render(pa.array([dt.date(2026, 11, 5)], pa.date32())).to_pylist() == [
        "ngày 05 tháng 11 năm 2026"
    ]
    with pytest.raises(CellError, match=r"'ngày 31 tháng 11 năm 2026' is not a real date"):
        spec.convert(pa.chunked_array([pa.array(["ngày 31 tháng 11 năm 2026"])]))
