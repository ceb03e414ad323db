"""A small bar chart drawn straight into the PDF: expected and credited per gateway.

No plotting library: fpdf2's rectangles and text are enough for a few bars,
and keep the PDF's bytes deterministic and its fonts the document's own.
Each gateway gets two bars, what the bank should have credited and what it
did, scaled to the largest of them, so a shortfall shows at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from fpdf import FPDF

from reconcile.money import format_vnd

EXPECTED_COLOR: Final = (31, 78, 120)
CREDITED_COLOR: Final = (112, 173, 71)
SHORT_COLOR: Final = (192, 0, 0)


@dataclass(frozen=True, slots=True)
class BarPair:
    """One group of the chart: a label, what was due and what came."""

    label: str
    expected: int
    credited: int


def draw_settlement_bars(
    pdf: FPDF, pairs: Sequence[BarPair], *, x: float, y: float, width: float, family: str
) -> float:
    """Draw the chart with its top-left at (``x``, ``y``); return the y below it."""
    if not pairs:
        return y
    largest = max(max(p.expected, p.credited) for p in pairs) or 1
    label_width, row_height, bar_height = 28.0, 9.0, 3.4
    bar_room = width - label_width - 30
    pdf.set_font(family, "B", 8)
    pdf.set_xy(x, y)
    pdf.cell(width, 5, "Phải ghi có / đã ghi có theo cổng thanh toán")
    top = y + 6
    for index, pair in enumerate(pairs):
        row_y = top + index * row_height
        pdf.set_font(family, size=7)
        pdf.set_xy(x, row_y + 1)
        pdf.cell(label_width, 4, pair.label[:18])
        for offset, amount, color in (
            (0.0, pair.expected, EXPECTED_COLOR),
            (
                bar_height + 0.6,
                pair.credited,
                CREDITED_COLOR if pair.credited >= pair.expected else SHORT_COLOR,
            ),
        ):
            length = max(bar_room * amount / largest, 0.3) if amount > 0 else 0.3
            _box(pdf, color, x + label_width, row_y + offset, length, bar_height)
            pdf.set_xy(x + label_width + length + 1, row_y + offset - 0.3)
            pdf.cell(28, bar_height, format_vnd(amount))
    _legend(pdf, x + label_width, top + len(pairs) * row_height + 1)
    return top + len(pairs) * row_height + 6


def _legend(pdf: FPDF, x: float, y: float) -> None:
    for index, (color, text) in enumerate(
        ((EXPECTED_COLOR, "Phải ghi có"), (CREDITED_COLOR, "Đã ghi có"), (SHORT_COLOR, "Ghi có thiếu"))
    ):
        left = x + index * 30
        _box(pdf, color, left, y + 0.8, 3, 3)
        pdf.set_xy(left + 4, y)
        pdf.cell(24, 4.5, text)


def _box(pdf: FPDF, color: tuple[int, int, int], x: float, y: float, width: float, height: float) -> None:
    # A local context, so the fill colour does not leak into the tables drawn afterwards.
    with pdf.local_context(fill_color=color):
        pdf.rect(x, y, width, height, style="F")
