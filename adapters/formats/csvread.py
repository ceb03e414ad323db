"""Read a CSV file into columns of text, knowing the physical line of every row.

The bytes are decoded as the layout declares (UTF-8 with or without BOM,
UTF-16, Windows-1258...) into UTF-8 in memory, and :mod:`pyarrow.csv` reads
every column as text (``01`` stays ``01``). Text is then NFC-normalised
column by column in Arrow, so that ``Hà Nội`` typed with combining marks
(NFD, or Windows-1258's base letter + tone mark) compares equal to the
precomposed form; columns without combining marks are left alone.

Title lines, the header and a ``Tổng cộng`` totals row are cut off the
buffer first; the line numbers of the remaining rows come from the newline
positions (a value may not span lines), so a message can say ``line 1234``.
When pyarrow refuses the data, the file is scanned line by line, in Python,
to find and name the first broken line.

Lines end with LF or CRLF. A file whose every line ends with a lone CR (old
Mac OS, some spreadsheet exports) is read as such: with no LF anywhere, each
CR is a line end. A lone CR inside a file that does use LF is a stray
control character, and the file is refused naming its line.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from adapters.formats.csvspec import Layout
from reconcile.bounds import CONTROL, utf8_has_control
from reconcile.errors import InputError

_BOMS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig"}
#: The Unicode blocks of combining marks: text without them is already NFC for our purposes.
_COMBINING = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_LONE_CR = re.compile(rb"\r(?!\n)")


@dataclass(frozen=True, slots=True)
class RawRows:
    """The text of a CSV file's data rows, by header.

    Attributes:
        header: the header cells, trimmed and NFC-normalised.
        header_line: the header row's physical line.
        columns: header → the column's text (not yet trimmed).
        lines: the physical line of each data row (1-based).
        trailer: header → cell of the totals row, if the layout has one and the file ends with it.
        trailer_line: the totals row's physical line.
        controls: whether the data rows may hold a control character (one scan of the
            whole body says no for almost every file, sparing one scan per column).
    """

    header: tuple[str, ...]
    header_line: int
    columns: dict[str, pa.ChunkedArray]
    lines: np.ndarray
    trailer: dict[str, str] | None = None
    trailer_line: int | None = None
    controls: bool = True

    def where(self, row: int) -> str:
        return f"line {int(self.lines[row])}"


def decode(data: bytes, encoding: str, source: str) -> bytes:
    """``data`` as UTF-8 bytes without a BOM (not yet NFC: see :func:`nfc_columns`)."""
    codec = _BOMS.get(encoding.lower().replace("_", "-"), encoding)
    if codec == "utf-8-sig" and data.isascii():
        return data
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid {encoding} text ({exc.reason})", source=source, where=f"line {line}"
        ) from exc
    if codec == "utf-8-sig":
        return data.removeprefix(b"\xef\xbb\xbf")  # valid as it is: spare a copy
    return text.removeprefix("\ufeff").encode("utf-8")


def nfc_columns(columns: dict[str, pa.ChunkedArray]) -> dict[str, pa.ChunkedArray]:
    """Columns in NFC; only columns that carry combining marks are touched (in Arrow, not Python)."""
    return {
        name: pc.utf8_normalize(column, "NFC")
        if pc.any(pc.match_substring_regex(column, _COMBINING)).as_py()
        else column
        for name, column in columns.items()
    }


def read_rows(data: bytes, layout: Layout, source: str) -> RawRows:
    """Split ``data`` into header, data rows and totals row, and read the rows as text."""
    if not data:
        raise InputError("the file is empty (zero bytes)", source=source)
    buffer = _line_ends(decode(data, layout.encoding, source), source)
    header_start, header_line = _header_position(buffer, layout.skip_lines, source)
    header_end = _line_end(buffer, header_start)
    header = _header(_text(buffer, header_start, header_end), layout.delimiter, source, header_line)
    body_start = min(header_end + 1, len(buffer))
    body_end, trailer, trailer_line = len(buffer), None, None
    last = _last_line(buffer, body_start)
    if layout.trailer and last is not None:
        cells = _cells(_text(buffer, *last), layout.delimiter)
        if cells and cells[0].strip() == layout.trailer:
            trailer = dict(zip(header, cells, strict=False))
            trailer_line = header_line + 1 + buffer.count(b"\n", body_start, last[0])
            body_end = last[0]
    body = memoryview(buffer)[body_start:body_end]
    columns = _read_body(body, header, layout.delimiter, source, header_line + 1)
    if not buffer.isascii():  # ASCII has no combining marks: a scan of the bytes spares one per column
        columns = nfc_columns(columns)
    rows = len(next(iter(columns.values()))) if columns else 0
    lines = _data_lines(buffer, body_start, body_end, header_line + 1, rows)
    if len(lines) != rows:
        raise _locate(
            bytes(body), len(header), layout.delimiter, source, header_line + 1, "a value spans lines"
        )
    return RawRows(header, header_line, columns, lines, trailer, trailer_line, utf8_has_control(body))


def _line_ends(buffer: bytes, source: str) -> bytes:
    """``buffer`` with LF line ends: CR-only files converted, a stray CR refused with its line."""
    if b"\r" not in buffer:  # most files: one memchr pass (counting is twenty times slower)
        return buffer
    if buffer.count(b"\r") == buffer.count(b"\r\n"):  # two passes in C spare a regular expression
        return buffer
    stray = _LONE_CR.search(buffer)
    if stray is None:
        return buffer
    if b"\n" not in buffer:
        return buffer.replace(b"\r", b"\n")
    line = buffer.count(b"\n", 0, stray.start()) + 1
    reason = "a carriage return (CR) inside a line: lines must end with LF or CRLF"
    raise InputError(reason, source=source, where=f"line {line}")


def _header_position(buffer: bytes, skip_lines: int, source: str) -> tuple[int, int]:
    """Offset and line number of the header: after the title lines and any blank lines."""
    position, line = 0, 1
    while position < len(buffer):
        end = _line_end(buffer, position)
        if line > skip_lines and _text(buffer, position, end).strip():
            return position, line
        position, line = end + 1, line + 1
    raise InputError("no header row", source=source)


def _line_end(buffer: bytes, start: int) -> int:
    end = buffer.find(b"\n", start)
    return len(buffer) if end < 0 else end


def _text(buffer: bytes, start: int, end: int) -> str:
    """One line, NFC-normalised (the header and totals rows are compared by name)."""
    return unicodedata.normalize("NFC", buffer[start:end].decode("utf-8").removesuffix("\r"))


def _last_line(buffer: bytes, start: int) -> tuple[int, int] | None:
    """Offsets of the last non-empty line at or after ``start``."""
    end = len(buffer)
    while end > start and buffer[end - 1] in b"\r\n":
        end -= 1
    if end <= start:
        return None
    return max(buffer.rfind(b"\n", start, end) + 1, start), end


def _data_lines(buffer: bytes, start: int, end: int, first_line: int, rows: int) -> np.ndarray:
    """The physical line numbers of the non-empty lines between ``start`` and ``end``.

    When there are as many physical lines as rows, none is blank and the
    numbers follow each other; only otherwise are the blank lines located.
    """
    if end <= start:
        return np.zeros(0, dtype=np.int64)
    count = buffer.count(b"\n", start, end) + (buffer[end - 1] != 10)
    if count == rows:
        return np.arange(first_line, first_line + count, dtype=np.int64)
    raw = np.frombuffer(buffer, dtype=np.uint8, count=end - start, offset=start)
    newlines = np.flatnonzero(raw == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(raw)]))
    if raw[-1] == 10:
        starts, ends = starts[:-1], ends[:-1]
    carriage = (ends > starts) & (raw[np.maximum(ends - 1, 0)] == 13)
    return np.flatnonzero(ends - carriage > starts).astype(np.int64) + first_line


def _cells(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _header(line: str, delimiter: str, source: str, number: int) -> tuple[str, ...]:
    control = CONTROL.search(line)
    if control is not None:
        reason = f"the header row contains the control character U+{ord(control.group()):04X}"
        raise InputError(reason, source=source, where=f"line {number}")
    header = tuple(cell.strip() for cell in _cells(line, delimiter))
    seen: set[str] = set()
    for name in header:
        if not name:
            raise InputError("the header row has an empty column name", source=source, where=f"line {number}")
        if name in seen:
            raise InputError(
                f"column {name!r} appears twice in the header", source=source, where=f"line {number}"
            )
        seen.add(name)
    return header


def _read_body(
    body: memoryview, header: tuple[str, ...], delimiter: str, source: str, first_line: int
) -> dict[str, pa.ChunkedArray]:
    if not bytes(body[:4096]).strip() and not bytes(body).strip():
        return {name: pa.chunked_array([], pa.string()) for name in header}
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pacsv.ReadOptions(column_names=list(header)),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _locate(bytes(body), len(header), delimiter, source, first_line, str(exc)) from exc
    return {name: table.column(name) for name in header}


def _locate(
    body: bytes, width: int, delimiter: str, source: str, first_line: int, fallback: str
) -> InputError:
    """Find the first line pyarrow could not read, and say why."""
    for offset, line in enumerate(body.decode("utf-8").split("\n")):
        text = line.removesuffix("\r")
        if not text:
            continue
        number = f"line {first_line + offset}"
        if text.count('"') % 2:
            return InputError("broken quoting (an unbalanced '\"')", source=source, where=number)
        try:
            cells = next(csv.reader([text], delimiter=delimiter, strict=True))
        except csv.Error as exc:
            return InputError(f"broken quoting ({exc})", source=source, where=number)
        if len(cells) != width:
            return InputError(f"expected {width} fields, found {len(cells)}", source=source, where=number)
    return InputError(f"unreadable CSV ({fallback})", source=source)
