"""The Excel discrepancy report: sheets, exact amounts, inert text, summaries that add up."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.discrepancies import DISCREPANCIES
from reports.labels import category
from reports.safe import safe_cell, safe_text
from reports.xlsx import write_report_xlsx

DAY = dt.date(2026, 11, 25)
RUN = {
    "id": 42,
    "business_date": DAY,
    "version": 2,
    "status": "finished",
    "started_at": dt.datetime(2026, 11, 26, 2, 30, tzinfo=dt.UTC),
    "finished_at": dt.datetime(2026, 11, 26, 2, 31, tzinfo=dt.UTC),
    "counts": {"discrepancies": 4, "open": 2},
}


def _row(**values: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(DISCREPANCIES.names)
    row.update(severity="high", status="open", business_date=DAY, age_days=0)
    row.update(values)
    return row


@pytest.fixture
def discrepancies() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            _row(
                category="UNDERPAID",
                province_code="01",
                payment_code='=HYPERLINK("http://evil.example","bấm vào đây")',
                txn_id="VNP-1",
                gateway="vnpay",
                expected_vnd=1_234_567_890_123,
                actual_vnd=1_234_567_890_000,
                difference_vnd=-123,
                detail="+1",
            ),
            _row(
                category="ORPHAN_PAYMENT",
                severity="medium",
                status="pending",
                province_code="01",
                payment_code="@SUM(A1:A9)",
                txn_id="MOMO-7",
                actual_vnd=2_500_000,
                detail="-2+3",
            ),
            _row(
                category="MISSING_BANK_CREDIT",
                province_code="79",
                batch_id="B-79-1",
                expected_vnd=9_000_000,
                difference_vnd=-9_000_000,
                age_days=3,
                detail="\tTab",
            ),
            _row(
                category="UNDERPAID",
                severity="low",
                status="resolved",
                province_code="79",
                txn_id="VNP-9",
                expected_vnd=500_000,
                actual_vnd=499_000,
                difference_vnd=-1_000,
                detail="Thiếu 1.000 ₫",
            ),
        ]
    )
    # As the store hands them over: nullable integers, not floats.
    for column in ("expected_vnd", "actual_vnd", "difference_vnd", "age_days"):
        frame[column] = frame[column].astype("Int64")
    return frame


@pytest.fixture
def workbook(tmp_path: Path, discrepancies: pd.DataFrame) -> openpyxl.Workbook:
    path = tmp_path / "report.xlsx"
    write_report_xlsx(
        RUN, discrepancies, path, province_names={"01": "Hà Nội", "79": "Hồ Chí Minh"}, lang="en"
    )
    return openpyxl.load_workbook(path)


def _records(sheet) -> list[dict[str, object]]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_report_has_detail_summary_and_run_sheets(workbook) -> None:
    assert workbook.sheetnames == ["Discrepancies", "By province", "By category", "Run"]


def test_every_discrepancy_is_a_row_with_the_report_columns_in_order(workbook) -> None:
    sheet = workbook["Discrepancies"]
    header = [cell.value for cell in sheet[1]]
    assert header == [*DISCREPANCIES.names, "assignee"]
    assert sheet.max_row == 5
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith(f"A1:{chr(ord('A') + len(header) - 1)}")


def test_amounts_are_exact_integer_numbers_with_a_dong_format(workbook) -> None:
    sheet = workbook["Discrepancies"]
    first = _records(sheet)[0]
    assert first["expected_vnd"] == 1_234_567_890_123
    assert type(first["expected_vnd"]) is int
    assert first["difference_vnd"] == -123
    assert sheet["K2"].data_type == "n"
    assert "₫" in sheet["K2"].number_format
    missing = _records(sheet)[1]["expected_vnd"]
    assert missing is None


@pytest.mark.parametrize(
    ("row", "column", "written"),
    [
        (2, "payment_code", '\'=HYPERLINK("http://evil.example","bấm vào đây")'),
        (2, "detail", "'+1"),
        (3, "payment_code", "'@SUM(A1:A9)"),
        (3, "detail", "'-2+3"),
        (4, "detail", "'\tTab"),
    ],
)
def test_text_that_looks_like_a_formula_is_stored_as_inert_text(workbook, row, column, written) -> None:
    sheet = workbook["Discrepancies"]
    cell = sheet.cell(row=row, column=DISCREPANCIES.names.index(column) + 1)
    assert cell.data_type == "s"
    assert cell.value == written


def test_no_cell_in_any_sheet_is_a_formula(workbook) -> None:
    for sheet in workbook:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title


def test_the_province_summary_adds_up_to_the_detail_sheet(workbook, discrepancies) -> None:
    rows = _records(workbook["By province"])
    *provinces, total = rows
    assert [(r["province_code"], r["province_name"]) for r in provinces] == [
        ("01", "Hà Nội"),
        ("79", "Hồ Chí Minh"),
    ]
    assert total["province_code"] == "Tổng cộng"
    assert total["discrepancies"] == len(discrepancies) == sum(r["discrepancies"] for r in provinces)
    assert total["expected_vnd"] == int(discrepancies["expected_vnd"].sum())
    assert total["net_difference_vnd"] == int(discrepancies["difference_vnd"].sum())
    assert total["absolute_difference_vnd"] == int(discrepancies["difference_vnd"].abs().sum())
    hanoi = provinces[0]
    assert (hanoi["open"], hanoi["pending"], hanoi["high"], hanoi["medium"]) == (1, 1, 1, 1)
    assert hanoi["actual_vnd"] == 1_234_567_890_000 + 2_500_000


def test_the_category_summary_counts_each_category_with_its_key(workbook) -> None:
    *categories, total = _records(workbook["By category"])
    by_name = {r["category"]: r for r in categories}
    assert by_name["UNDERPAID"]["discrepancies"] == 2
    assert by_name["UNDERPAID"]["key"] == "txn_id"
    assert by_name["MISSING_BANK_CREDIT"]["key"] == "batch_id"
    assert by_name["UNDERPAID"]["closed"] == 1
    assert total["discrepancies"] == 4
    assert total["actual_vnd"] == 1_234_567_890_000 + 2_500_000 + 499_000


def test_the_run_sheet_names_the_run_and_its_counts(workbook) -> None:
    fields = {r["field"]: r["value"] for r in _records(workbook["Run"])}
    assert fields["id"] == 42
    assert fields["version"] == 2
    assert fields["status"] == "finished"
    assert fields["started_at"] == "2026-11-26T02:30:00+00:00"
    assert fields["counts.open"] == 2
    assert fields["report_rows"] == 4


def test_the_same_inputs_give_the_same_bytes(tmp_path: Path, discrepancies) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_report_xlsx(RUN, discrepancies, first)
    write_report_xlsx(RUN, discrepancies, second)
    assert first.read_bytes() == second.read_bytes()


def test_an_empty_report_still_has_its_sheets_and_a_zero_total(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    write_report_xlsx(RUN, pd.DataFrame(columns=DISCREPANCIES.names), path, lang="en")
    workbook = openpyxl.load_workbook(path)
    assert workbook["Discrepancies"].max_row == 1
    assert _records(workbook["By category"]) == [
        dict.fromkeys(
            [c.value for c in workbook["By category"][1]],
            0,
        )
        | {"category": "Tổng cộng", "key": None}
    ]


@pytest.mark.parametrize("text", ["=1+1", "+33 6", "-x", "@cmd", "\tx", "\rx"])
def test_safe_text_quotes_every_formula_trigger(text: str) -> None:
    assert safe_text(text) == "'" + text


def test_safe_cell_leaves_numbers_and_dates_alone_but_quotes_numeric_text() -> None:
    assert safe_cell(-150_000) == -150_000
    assert safe_cell(DAY) == DAY
    assert safe_cell(None) is None
    assert safe_cell("-150000") == "'-150000"
    assert safe_cell("Hà Nội") == "Hà Nội"


_amounts = st.none() | st.integers(min_value=-(10**14), max_value=10**14)
_rows = st.lists(
    st.fixed_dictionaries(
        {
            "category": st.sampled_from(["UNDERPAID", "ORPHAN_PAYMENT", "LATE_SETTLEMENT"]),
            "severity": st.sampled_from(["high", "medium", "low"]),
            "status": st.sampled_from(["open", "pending", "resolved", "written_off"]),
            "province_code": st.sampled_from(["01", "48", "79"]),
            "payment_code": st.text(max_size=12),
            "expected_vnd": _amounts,
            "actual_vnd": _amounts,
            "difference_vnd": _amounts,
        }
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None)
@given(rows=_rows)
def test_every_summary_adds_up_to_the_detail_rows_to_the_dong(rows) -> None:
    frame = pd.DataFrame([_row(**row) for row in rows], columns=DISCREPANCIES.names)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "report.xlsx"
        write_report_xlsx(RUN, frame, path, lang="en")
        workbook = openpyxl.load_workbook(path)
    detail = _records(workbook["Discrepancies"])
    assert len(detail) == len(rows)
    for sheet in ("By province", "By category"):
        *groups, total = _records(workbook[sheet])
        sums = {
            "expected_vnd": sum(row["expected_vnd"] or 0 for row in rows),
            "actual_vnd": sum(row["actual_vnd"] or 0 for row in rows),
            "net_difference_vnd": sum(row["difference_vnd"] or 0 for row in rows),
            "absolute_difference_vnd": sum(abs(row["difference_vnd"] or 0) for row in rows),
        }
        for column, exact in sums.items():
            assert total[column] == exact
            assert sum(group[column] for group in groups) == exact
        assert total["discrepancies"] == len(rows)
        assert total["open"] + total["pending"] + total["closed"] == len(rows)


def test_vietnamese_is_the_default_for_sheets_headers_and_names(tmp_path: Path, discrepancies) -> None:
    path = tmp_path / "vi.xlsx"
    write_report_xlsx(RUN, discrepancies, path, province_names={"01": "Hà Nội"})
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Chênh lệch", "Theo tỉnh", "Theo loại", "Lần đối soát"]
    detail = _records(workbook["Chênh lệch"])
    header = [cell.value for cell in workbook["Chênh lệch"][1]]
    assert header[:3] == ["Loại sai lệch", "Mức độ", "Trạng thái"]
    assert len(detail) == len(discrepancies)
    codes = {str(v) for v in discrepancies["category"]}
    assert {row["Loại sai lệch"] for row in detail} == {category(code) for code in codes}
    assert "₫" in workbook["Chênh lệch"]["K2"].number_format
    summary = _records(workbook["Theo loại"])
    assert summary[-1]["Loại sai lệch"] == "Tổng cộng"
    assert summary[-1]["Số sai lệch"] == len(discrepancies)
