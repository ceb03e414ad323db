"""The settlement statement as an Excel workbook, for the province's accountants.

Sheets (Vietnamese names, as the readers are the province's staff):

* ``Tổng hợp`` (summary): province, treasury account, business date, run,
  and the totals: collected, refunded, fees, expected, credited, difference.
* ``Lô quyết toán`` (batches): one row per batch with its gateway, amounts,
  bank references and status, and a total row.
* ``Ghi có ngân hàng`` (bank credits): one row per credit found for a batch.
* ``Chênh lệch`` (discrepancies): the province's discrepancies.

Amounts are integer numbers shown as đồng; text cells are made inert
(:mod:`reports.safe`); the bytes depend on the statement only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from reconcile.columns import LOCAL_TZ
from reconcile.money import DIFFERENCE_LABELS
from reports.statement_model import SettlementStatement, StatementTotals
from reports.workbook import (
    TOTAL_FONT,
    VND_FORMAT,
    excel_value,
    fit_columns,
    new_workbook,
    workbook_bytes,
    write_table,
)

BATCH_HEADERS: Final = (
    "gateway",
    "fee_mode",
    "batch_id",
    "settlement_date",
    "transactions",
    "collected_vnd",
    "refunded_vnd",
    "fees_vnd",
    "expected_credit_vnd",
    "credited_vnd",
    "difference_vnd",
    "bank_refs",
    "status",
    "status_vi",
)
CREDIT_HEADERS: Final = ("gateway", "batch_id", "bank_ref", "booking_date", "amount_vnd")
DISCREPANCY_HEADERS: Final = (
    "category",
    "severity",
    "status",
    "business_date",
    "payment_code",
    "txn_id",
    "gateway",
    "batch_id",
    "bank_ref",
    "expected_vnd",
    "actual_vnd",
    "difference_vnd",
    "age_days",
    "detail",
)
TOTAL_ROWS: Final = (
    ("Số lô", "batches", False),
    ("Số giao dịch", "transactions", False),
    ("Tổng đã thu", "collected", True),
    ("Tổng hoàn tiền", "refunded", True),
    ("Tổng phí", "fees", True),
    ("Phải ghi có", "expected", True),
    ("Đã ghi có", "credited", True),
    ("Chênh lệch", "difference", True),
)


def write_statement_xlsx(statement: SettlementStatement, path: Path) -> None:
    """Render ``statement`` to ``path`` as an Excel workbook."""
    Path(path).write_bytes(statement_xlsx_bytes(statement))


def statement_xlsx_bytes(statement: SettlementStatement) -> bytes:
    """The statement as ``.xlsx`` bytes."""
    workbook = new_workbook()
    _write_summary(workbook.create_sheet("Tổng hợp"), statement)
    _write_batches(workbook.create_sheet("Lô quyết toán"), statement)
    _write_credits(workbook.create_sheet("Ghi có ngân hàng"), statement)
    _write_discrepancies(workbook.create_sheet("Chênh lệch"), statement)
    if statement.budget_lines:
        _write_budget_lines(workbook.create_sheet("Mục lục NSNN"), statement)
    midnight = dt.datetime.combine(statement.business_date, dt.time(), tzinfo=LOCAL_TZ)
    return workbook_bytes(workbook, midnight)


def _write_summary(sheet: Worksheet, statement: SettlementStatement) -> None:
    sheet["A1"] = excel_value(statement.title)
    sheet["A1"].font = Font(bold=True, size=14)
    facts: list[tuple[str, object]] = [
        ("Mã cơ quan" if statement.is_agency else "Mã tỉnh", statement.province_code),
        ("Cơ quan trung ương" if statement.is_agency else "Tỉnh/thành phố", statement.province_name),
        ("Tài khoản Kho bạc Nhà nước", statement.treasury_account),
        ("Ngày nghiệp vụ", statement.business_date),
    ]
    if statement.treasury is not None:
        facts += [("Mã kho bạc (SHKB)", statement.treasury.code), ("Kho bạc", statement.treasury.name)]
        facts += [("Chương", statement.treasury.chapter)] if statement.treasury.chapter else []
    if statement.run_id is not None:
        facts += [("Lần đối chiếu", statement.run_id), ("Phiên bản", statement.run_version or 1)]
    facts += [
        (DIFFERENCE_LABELS[name], value)
        for name, value in statement.discrepancy_differences.as_dict().items()
    ]
    last = write_table(sheet, ("Thông tin", "Giá trị"), facts, first_row=3)
    _write_totals(sheet, statement.totals, first_row=last + 2)
    fit_columns(sheet)
    sheet.column_dimensions["A"].width = 32


def _write_totals(sheet: Worksheet, totals: StatementTotals, first_row: int) -> None:
    rows = [(label, getattr(totals, name)) for label, name, _ in TOTAL_ROWS]
    write_table(sheet, ("Chỉ tiêu", "Giá trị"), rows, first_row=first_row)
    for offset, (_, _, is_money) in enumerate(TOTAL_ROWS, start=1):
        if is_money:
            sheet.cell(row=first_row + offset, column=2).number_format = VND_FORMAT


def _write_batches(sheet: Worksheet, statement: SettlementStatement) -> None:
    rows: list[list[object]] = []
    for section in statement.gateways:
        for batch in section.batches:
            refs = ", ".join(credit.bank_ref or "—" for credit in batch.credits)
            rows.append(
                [
                    section.gateway,
                    section.fee_mode,
                    batch.batch_id,
                    batch.settlement_date,
                    batch.transactions,
                    batch.collected,
                    batch.refunded,
                    batch.fees,
                    batch.expected_credit,
                    batch.credited,
                    batch.difference,
                    refs or None,
                    batch.status.value,
                    batch.status.label,
                ]
            )
    t = statement.totals
    total = ["Tổng cộng", None, None, None, t.transactions, t.collected, t.refunded, t.fees]
    rows.append([*total, t.expected, t.credited, t.difference, None, None, None])
    money = [name for name in BATCH_HEADERS if name.endswith("_vnd")]
    last = write_table(sheet, BATCH_HEADERS, rows, money=money)
    for cell in sheet[last]:
        cell.font = TOTAL_FONT
    fit_columns(sheet)


def _write_credits(sheet: Worksheet, statement: SettlementStatement) -> None:
    rows = [
        [section.gateway, batch.batch_id, credit.bank_ref, credit.booking_date, credit.amount]
        for section in statement.gateways
        for batch in section.batches
        for credit in batch.credits
    ]
    write_table(sheet, CREDIT_HEADERS, rows, money=("amount_vnd",))
    fit_columns(sheet)


def _write_discrepancies(sheet: Worksheet, statement: SettlementStatement) -> None:
    rows = [[getattr(d, name) for name in DISCREPANCY_HEADERS] for d in statement.discrepancies]
    write_table(sheet, DISCREPANCY_HEADERS, rows, money=("expected_vnd", "actual_vnd", "difference_vnd"))
    fit_columns(sheet)


def _write_budget_lines(sheet: Worksheet, statement: SettlementStatement) -> None:
    """The batches' collections by budget sub-item (tiểu mục), as the treasury books them."""
    rows = [
        [line.sub_item, line.name, line.transactions, line.collected, line.refunded]
        for line in statement.budget_lines
    ]
    headers = ("sub_item", "name", "transactions", "collected_vnd", "refunded_vnd")
    write_table(sheet, headers, rows, money=("collected_vnd", "refunded_vnd"))
    fit_columns(sheet)
