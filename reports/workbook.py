"""Shared Excel plumbing: people-friendly tables, and files whose bytes depend on the data only.

Amounts are written as integer numbers with a display format, never as
text, so an accountant can sum and filter them; ``#,##0 "₫"`` shows
``1,234,567 ₫`` in an English Excel and ``1.234.567 ₫`` in a Vietnamese one
(the grouping separator follows the reader's locale). Every cell goes
through :func:`reports.safe.safe_cell`.

openpyxl stamps the workbook with the wall-clock time (``docProps/core.xml``
and each ZIP member's date), so two saves of the same data differ.
:func:`save_workbook` pins both to a timestamp the caller derives from the
data, which makes the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from reports.safe import safe_cell

VND_FORMAT: Final = '#,##0 "₫"'
DATE_FORMAT: Final = "dd/mm/yyyy"
HEADER_FONT: Final = Font(bold=True, color="FFFFFF")
HEADER_FILL: Final = PatternFill("solid", fgColor="1F4E78")
TOTAL_FONT: Final = Font(bold=True)
_MAX_WIDTH: Final = 60
_ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)


def write_table(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    money: Iterable[str] = (),
    first_row: int = 1,
) -> int:
    """Write a header and rows from ``first_row``; return the last row written.

    Columns named in ``money`` get the VND format; dates get ``dd/mm/yyyy``.
    The header is frozen and filtered when the table starts at the top.
    """
    money_columns = {index for index, name in enumerate(headers, start=1) if name in set(money)}
    for column, name in enumerate(headers, start=1):
        cell = sheet.cell(row=first_row, column=column, value=excel_value(name))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    row_number = first_row
    for row_number, values in enumerate(rows, start=first_row + 1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column, value=excel_value(value))
            if column in money_columns:
                cell.number_format = VND_FORMAT
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
    if first_row == 1:
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(row_number, 2)}"
    return row_number


def excel_value(value: object) -> object:
    """:func:`~reports.safe.safe_cell`, and control characters an ``.xlsx`` cannot hold made visible."""
    safe = safe_cell(value)
    if isinstance(safe, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", safe)
    return safe


def fit_columns(sheet: Worksheet, minimum: int = 8) -> None:
    """Column widths from the longest text shown in each column (amounts as grouped digits)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            shown = f"{cell.value:,} ₫" if isinstance(cell.value, int) else str(cell.value)
            if isinstance(cell.value, dt.date):
                shown = "00/00/0000"
            widths[cell.column] = max(widths.get(cell.column, minimum), len(shown) + 2)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width, _MAX_WIDTH)


def new_workbook() -> Workbook:
    """An empty workbook without its default sheet."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def save_workbook(workbook: Workbook, path: Path, timestamp: dt.datetime) -> None:
    """Save with ``timestamp`` (aware) as created/modified time and fixed ZIP member dates."""
    path.write_bytes(workbook_bytes(workbook, timestamp))


def workbook_bytes(workbook: Workbook, timestamp: dt.datetime) -> bytes:
    """The ``.xlsx`` bytes, stamped with ``timestamp`` instead of the wall clock."""
    # openpyxl writes naive datetimes as UTC.
    utc = timestamp.astimezone(dt.UTC).replace(tzinfo=None)
    workbook.properties.created = utc
    workbook.properties.modified = utc
    workbook.properties.creator = "recon"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter, unlike openpyxl's save_workbook, does not overwrite ``modified`` with now().
        ExcelWriter(workbook, archive).save()
    return _pin_zip_dates(buffer.getvalue())


def _pin_zip_dates(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, source.read(info.filename))
    return output.getvalue()
