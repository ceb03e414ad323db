"""Read a CSV file into columns of text, knowing the physical line of every row.

The bytes are decoded as the layout declares (UTF-8 with or without BOM,
UTF-16, Windows-1258...) and NFC-normalised in memory, so that ``Hà Nội``
typed with combining marks (NFD, or Windows-1258's base letter + tone mark)
compares equal to the precomposed form; pure-ASCII UTF-8 skips that step.
Then :mod:`pyarrow.csv` reads every column as text (``01`` stays ``01``).

Title lines, the header and a ``Tổng cộng`` totals row are cut off the
buffer first; the line numbers of the remaining rows come from the newline
positions (a value may not span lines), so a message can say ``line 1234``.
When pyarrow refuses the data, the file is scanned line by line, in Python,
to find and name the first broken line.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from adapters.formats.csvspec import Layout
from reconcile.errors import InputError

_BOMS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig"}


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
    """

    header: tuple[str, ...]
    header_line: int
    columns: dict[str, pa.Array]
    lines: np.ndarray
    trailer: dict[str, str] | None = None
    trailer_line: int | None = None

    def where(self, row: int) -> str:
        return f"line {int(self.lines[row])}"


def decode(data: bytes, encoding: str, source: str) -> bytes:
    """``data`` as NFC UTF-8 bytes."""
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
    text = text.removeprefix("\ufeff")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.encode("utf-8")


def read_rows(data: bytes, layout: Layout, source: str) -> RawRows:
    """Split ``data`` into header, data rows and totals row, and read the rows as text."""
    if not data:
        raise InputError("the file is empty (zero bytes)", source=source)
    buffer = decode(data, layout.encoding, source)
    starts, ends = _line_bounds(buffer)
    header_index = layout.skip_lines
    while header_index < len(starts) and starts[header_index] == ends[header_index]:
        header_index += 1  # blank lines before the header are not the header
    if header_index >= len(starts):
        raise InputError("no header row", source=source)
    header = _header(_line(buffer, starts, ends, header_index), layout.delimiter, source, header_index + 1)
    body_end = len(buffer)
    trailer, trailer_line = None, None
    filled = np.flatnonzero(ends[header_index + 1 :] > starts[header_index + 1 :]) + header_index + 1
    if layout.trailer and len(filled):
        last = int(filled[-1])
        cells = _cells(_line(buffer, starts, ends, last), layout.delimiter)
        if cells and cells[0].strip() == layout.trailer:
            trailer = dict(zip(header, cells, strict=False))
            trailer_line, body_end = last + 1, int(starts[last])
            filled = filled[:-1]
    body = buffer[int(starts[header_index + 1]) if header_index + 1 < len(starts) else len(buffer) : body_end]
    columns = _read_body(body, header, layout.delimiter, source, header_index + 2, len(filled))
    return RawRows(header, header_index + 1, columns, filled + 1, trailer, trailer_line)


def _line_bounds(buffer: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (without ``\\r\\n``) offsets of every physical line."""
    raw = np.frombuffer(buffer, dtype=np.uint8)
    newlines = np.flatnonzero(raw == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(raw)]))
    if len(raw) and raw[-1] == 10:
        starts, ends = starts[:-1], ends[:-1]
    carriage = (ends > starts) & (raw[np.maximum(ends - 1, 0)] == 13)
    return starts, ends - carriage


def _line(buffer: bytes, starts: np.ndarray, ends: np.ndarray, index: int) -> str:
    return buffer[int(starts[index]) : int(ends[index])].decode("utf-8")


def _cells(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _header(line: str, delimiter: str, source: str, number: int) -> tuple[str, ...]:
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
    body: bytes, header: tuple[str, ...], delimiter: str, source: str, first_line: int, expected: int
) -> dict[str, pa.Array]:
    if expected == 0:
        return {name: pa.array([], pa.string()) for name in header}
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=list(header)),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _locate(body, len(header), delimiter, source, first_line, str(exc)) from exc
    if table.num_rows != expected:
        raise _locate(body, len(header), delimiter, source, first_line, "a quoted value spans lines")
    return {name: table.column(name).combine_chunks() for name in header}


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
