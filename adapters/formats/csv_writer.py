"""Write obligations exports and gateway settlement files, canonical or in a declared layout.

The data generator and the tests write files the way the portal and the
gateways do: the same :mod:`~adapters.formats.csvspec` declarations that
read a layout also render it (``dd/mm/yyyy``, ``1.234.567``, Vietnamese
status words, Windows-1258 or UTF-16, a title line and a ``Tổng cộng``
totals row), so what is written can be read back to the đồng.

Windows-1258 has precomposed letters for the Vietnamese vowels with their
hats and horns (``ô``, ``ư``) but not with their tone marks; Windows writes
a tone as a combining mark after the letter (``ộ`` = ``ô`` + dot below),
and so does :func:`encode_cp1258`.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from adapters.formats.csvspec import Layout, layout_from_mapping
from adapters.formats.gateway import GATEWAY_TEMPLATES, gateway_layouts
from adapters.formats.obligations import LAYOUT as OBLIGATIONS_LAYOUT

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_TONE_HANDLER = "recon-cp1258-tones"


def write_obligations(table: pa.Table, path: str | os.PathLike[str]) -> None:
    """Write an obligations export (UTF-8, no BOM, the contract's column order)."""
    Path(path).write_bytes(render(table, OBLIGATIONS_LAYOUT))


def write_gateway(
    table: pa.Table, path: str | os.PathLike[str], *, layout: Mapping[str, Any] | None = None
) -> None:
    """Write a gateway settlement file: canonical, or in ``layout`` (a ``[layouts.NAME]`` table).

    Columns the layout fixes as constants (``gateway = "momo"``) are not written.
    """
    if layout is None:
        chosen = gateway_layouts()["canonical"]
    else:
        chosen = layout_from_mapping(
            str(layout.get("name", "layout")), _without_name(layout), GATEWAY_TEMPLATES
        )
    Path(path).write_bytes(render(table, chosen))


def _without_name(layout: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in layout.items() if key != "name"}


def render(table: pa.Table, layout: Layout) -> bytes:
    """The bytes of ``table`` written in ``layout``."""
    headers = [spec.source for spec in layout.columns.values()]
    cells = [_cells(table, canonical, layout) for canonical in layout.columns]
    if layout.currency:
        headers.append(layout.currency)
        cells.append(pa.array(["VND"] * table.num_rows, pa.string()))
    text = _title(layout) + _line(headers, layout.delimiter) + _body(pa.table(cells, names=headers), layout)
    if layout.trailer:
        text += _trailer(table, layout, headers)
    return encode(text.replace("\n", layout.newline), layout.encoding)


def _cells(table: pa.Table, canonical: str, layout: Layout) -> pa.Array:
    spec = layout.columns[canonical]
    column = table.column(canonical).combine_chunks()
    return pc.cast(spec.render(column), pa.string())


def _title(layout: Layout) -> str:
    lines = [layout.title or ""] * layout.skip_lines
    return "".join(_line([line], layout.delimiter) for line in lines)


def _line(cells: list[str], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _body(cells: pa.Table, layout: Layout) -> str:
    out = io.BytesIO()
    try:
        options = pacsv.WriteOptions(include_header=False, delimiter=layout.delimiter, quoting_style="none")
        pacsv.write_csv(cells, out, options)
    except pa.ArrowInvalid:  # some value holds the delimiter or a quote: quote every text cell
        out = io.BytesIO()
        options = pacsv.WriteOptions(include_header=False, delimiter=layout.delimiter, quoting_style="needed")
        pacsv.write_csv(cells, out, options)
    return out.getvalue().decode("utf-8")


def _trailer(table: pa.Table, layout: Layout, headers: list[str]) -> str:
    row = [""] * len(headers)
    row[0] = layout.trailer or ""
    if layout.trailer_total is not None:
        spec = layout.columns[layout.trailer_total]
        total = pc.sum(table.column(layout.trailer_total)).as_py() or 0
        row[headers.index(spec.source)] = spec.render(pa.array([total], pa.int64()))[0].as_py()
    return _line(row, layout.delimiter)


def encode(text: str, encoding: str) -> bytes:
    """``text`` in ``encoding``; UTF-16 with its BOM, Windows-1258 with combining tone marks."""
    if encoding.lower().replace("-", "").replace("_", "") in {"cp1258", "windows1258"}:
        return encode_cp1258(text)
    return text.encode(encoding)


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 bytes: letters it lacks are written as base letter + combining tone mark."""
    codecs.register_error(_TONE_HANDLER, _split_tones)  # idempotent; kept out of import time
    return text.encode("cp1258", errors=_TONE_HANDLER)


def _split_tones(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chars = error.object[error.start : error.end]
    split = "".join(_split_tone(char) for char in chars)
    if any(_unencodable(char) for char in split):
        raise error
    return split, error.end


def _unencodable(char: str) -> bool:
    try:
        char.encode("cp1258")
    except UnicodeEncodeError:
        return True
    return False


def _split_tone(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    tones = "".join(mark for mark in decomposed if mark in _TONES)
    base = unicodedata.normalize("NFC", "".join(mark for mark in decomposed if mark not in _TONES))
    return base + tones
