"""The settlement statement as a PDF for people: A4 landscape, Vietnamese with its diacritics.

Text is set in DejaVu Sans (see :mod:`reports.fonts`) because the PDF core
fonts cannot write ``Đ`` or ``ộ``. Amounts are shown as ``1.234.567 ₫`` by
:func:`reconcile.money.format_vnd`. The creation date is the business date,
not the wall clock, so the same statement gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from fpdf import FPDF
from fpdf.fonts import FontFace

from reconcile.columns import LOCAL_TZ
from reconcile.money import DIFFERENCE_LABELS, DifferenceTotals, format_vnd
from reports import labels
from reports.charts import BarPair, draw_settlement_bars
from reports.fonts import find_unicode_font
from reports.statement_model import (
    GatewaySection,
    SettlementStatement,
    StatementBatch,
    StatementDiscrepancy,
    StatementTotals,
)

FAMILY: Final = "DejaVu"
HEADINGS: Final = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=(31, 78, 120))
BATCH_COLUMNS: Final = (
    ("Mã lô", 34),
    ("Ngày quyết toán", 22),
    ("Số GD", 13),
    ("Đã thu", 29),
    ("Hoàn tiền", 25),
    ("Phí", 22),
    ("Phải ghi có", 29),
    ("Đã ghi có", 29),
    ("Chênh lệch", 25),
    ("Tham chiếu NH / ngày", 29),
    ("Trạng thái", 20),
)
DISCREPANCY_COLUMNS: Final = (
    ("Loại", 52),
    ("Mức độ", 15),
    ("Trạng thái", 18),
    ("Mã tham chiếu", 38),
    ("Cổng", 18),
    ("Phải thu", 27),
    ("Thực tế", 27),
    ("Chênh lệch", 27),
    ("Tuổi", 11),
    ("Chi tiết", 44),
)
TOTAL_LABELS: Final = (
    ("Số lô", "batches"),
    ("Số giao dịch", "transactions"),
    ("Tổng đã thu", "collected"),
    ("Tổng hoàn tiền", "refunded"),
    ("Tổng phí", "fees"),
    ("Phải ghi có", "expected"),
    ("Đã ghi có", "credited"),
    ("Chênh lệch (đã ghi có − phải ghi có)", "difference"),
)
_COUNTS: Final = {"batches", "transactions"}
_CONTROL: Final = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


class _StatementPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=7)
        self.cell(0, 5, f"{self._footer_text} — Trang {self.page_no()}/{{nb}}", align="C")


def write_statement_pdf(statement: SettlementStatement, path: Path) -> None:
    """Render ``statement`` to ``path`` as PDF."""
    Path(path).write_bytes(statement_pdf_bytes(statement))


def statement_pdf_bytes(statement: SettlementStatement) -> bytes:
    """The statement as PDF bytes."""
    pdf = _new_pdf(statement)
    _write_heading(pdf, statement)
    _write_totals(pdf, statement)
    for section in statement.gateways:
        _write_gateway(pdf, section)
    if not statement.gateways:
        _note(pdf, "Không có lô quyết toán nào cho tài khoản này trong ngày.")
    _write_discrepancies(pdf, statement.discrepancies)
    _write_differences(pdf, statement.discrepancy_differences)
    if statement.budget_lines:
        _section_title(pdf, "Theo mục lục ngân sách (tiểu mục)")
        rows = [
            (
                line.sub_item or "—",
                line.name,
                str(line.transactions),
                format_vnd(line.collected),
                format_vnd(line.refunded),
            )
            for line in statement.budget_lines
        ]
        columns = [
            ("Tiểu mục", 22),
            ("Nội dung", 120),
            ("Số giao dịch", 30),
            ("Đã thu", 45),
            ("Hoàn tiền", 45),
        ]
        _table(pdf, columns, rows, numeric_from=2, numeric_to=4)
    return bytes(pdf.output())


def _new_pdf(statement: SettlementStatement) -> FPDF:
    fonts = find_unicode_font()
    pdf = _StatementPDF(
        f"{statement.province_code} {statement.province_name} — {_date(statement.business_date)}"
    )
    pdf.add_font(FAMILY, "", str(fonts.regular))
    pdf.add_font(FAMILY, "B", str(fonts.bold))
    pdf.set_creation_date(dt.datetime.combine(statement.business_date, dt.time(), tzinfo=LOCAL_TZ))
    pdf.set_title(statement.title)
    pdf.set_author("recon")
    pdf.set_lang("vi")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def _write_heading(pdf: FPDF, statement: SettlementStatement) -> None:
    pdf.set_font(FAMILY, "B", 15)
    pdf.multi_cell(0, 8, _printable(statement.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=10)
    lines = [
        f"{'Cơ quan trung ương' if statement.is_agency else 'Tỉnh/thành phố'}: "
        f"{statement.province_code} — {statement.province_name}",
        f"Tài khoản Kho bạc Nhà nước: {statement.treasury_account}",
        f"Ngày nghiệp vụ: {_date(statement.business_date)}",
    ]
    if statement.treasury is not None:
        chapter = f", chương {statement.treasury.chapter}" if statement.treasury.chapter else ""
        lines.append(f"Kho bạc: {statement.treasury.code} — {statement.treasury.name}{chapter}")
    if statement.run_id is not None:
        lines.append(f"Lần đối chiếu: {statement.run_id} (phiên bản {statement.run_version or 1})")
    for line in lines:
        pdf.cell(0, 6, _printable(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _write_totals(pdf: FPDF, statement: SettlementStatement) -> None:
    _section_title(pdf, "Tổng hợp")
    top = pdf.get_y()
    _write_totals_table(pdf, statement.totals)
    below_table = pdf.get_y()
    pairs = [BarPair(s.gateway, s.totals.expected, s.totals.credited) for s in statement.gateways]
    below_chart = draw_settlement_bars(pdf, pairs, x=165, y=top, width=120, family=FAMILY)
    pdf.set_xy(pdf.l_margin, max(below_table, below_chart))


def _write_totals_table(pdf: FPDF, totals: StatementTotals) -> None:
    rows = [
        (label, str(value) if name in _COUNTS else format_vnd(value))
        for label, name in TOTAL_LABELS
        for value in (getattr(totals, name),)
    ]
    _table(pdf, [("Chỉ tiêu", 90), ("Giá trị", 50)], rows, align="LEFT", numeric_from=1)


def _write_gateway(pdf: FPDF, section: GatewaySection) -> None:
    mode = "thu gộp (gross)" if section.fee_mode == "gross" else "trừ phí (net)"
    _section_title(pdf, f"Cổng thanh toán: {section.gateway} — {mode}")
    rows = [_batch_row(batch) for batch in section.batches]
    totals = section.totals
    rows.append(
        (
            "Tổng cộng",
            "",
            str(totals.transactions),
            *(format_vnd(v) for v in (totals.collected, totals.refunded, totals.fees)),
            *(format_vnd(v) for v in (totals.expected, totals.credited, totals.difference)),
            "",
            "",
        )
    )
    _table(pdf, BATCH_COLUMNS, rows, numeric_from=2, numeric_to=8)


def _batch_row(batch: StatementBatch) -> tuple[str, ...]:
    credits = "\n".join(
        f"{credit.bank_ref or '—'} ({_date(credit.booking_date)})" for credit in batch.credits
    )
    return (
        batch.batch_id,
        _date(batch.settlement_date),
        str(batch.transactions),
        format_vnd(batch.collected),
        format_vnd(batch.refunded),
        format_vnd(batch.fees),
        format_vnd(batch.expected_credit),
        format_vnd(batch.credited),
        format_vnd(batch.difference),
        credits or "—",
        batch.status.label,
    )


def _write_discrepancies(pdf: FPDF, discrepancies: Sequence[StatementDiscrepancy]) -> None:
    _section_title(pdf, f"Chênh lệch cần xử lý ({len(discrepancies)})")
    if not discrepancies:
        _note(pdf, "Không có chênh lệch.")
        return
    rows = [
        (
            labels.category(d.category),
            labels.severity(d.severity),
            labels.status(d.status),
            d.key or "—",
            d.gateway or "—",
            *(_amount(v) for v in (d.expected_vnd, d.actual_vnd, d.difference_vnd)),
            "" if d.age_days is None else str(d.age_days),
            d.detail or "",
        )
        for d in discrepancies
    ]
    _table(pdf, DISCREPANCY_COLUMNS, rows, numeric_from=5, numeric_to=8)


def _write_differences(pdf: FPDF, totals: DifferenceTotals) -> None:
    for name, value in totals.as_dict().items():
        _note(pdf, f"{DIFFERENCE_LABELS[name]}: {format_vnd(value)}")


def _note(pdf: FPDF, text: str) -> None:
    pdf.set_font(FAMILY, size=9)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _section_title(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")


def _table(
    pdf: FPDF,
    columns: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[str]],
    *,
    align: str = "CENTER",
    numeric_from: int = 0,
    numeric_to: int | None = None,
) -> None:
    """A bordered table; columns ``numeric_from..numeric_to`` are right-aligned amounts."""
    last = len(columns) - 1 if numeric_to is None else numeric_to
    text_align = tuple("RIGHT" if numeric_from <= i <= last else "LEFT" for i in range(len(columns)))
    pdf.set_font(FAMILY, size=7.5)
    with pdf.table(
        col_widths=tuple(width for _, width in columns),
        width=sum(width for _, width in columns),
        align=align,
        text_align=text_align,
        headings_style=HEADINGS,
        line_height=4.2,
        padding=1,
    ) as table:
        table.row([name for name, _ in columns])
        for values in rows:
            table.row([_printable(value) for value in values])
    pdf.ln(2)


def _printable(text: str) -> str:
    """Control characters from outside text (a tab, a stray \\x1f) as spaces; line breaks kept."""
    return _CONTROL.sub(" ", text)


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def _amount(value: int | None) -> str:
    return "" if value is None else format_vnd(value)
