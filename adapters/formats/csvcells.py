"""Whole-column checks and conversions behind the CSV column specs.

Everything here works on Arrow arrays with :mod:`pyarrow.compute`, so a
million-row file is checked without a Python loop per row. When a check
fails, only the first offending value is looked at in Python, to say
precisely what is wrong with it (:class:`CellError`
carries its row).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from reconcile.bounds import MAX_AMOUNT_DIGITS
from reconcile.errors import AmountError
from reconcile.money import grouped_to_minor, to_minor

_TS = pa.timestamp("us", tz="UTC")
_NULL = pa.scalar(None, pa.string())
_DIRECTIVES = {"d": r"\d{2}", "m": r"\d{2}", "Y": r"\d{4}", "y": r"\d{2}", "H": r"\d{2}", "M": r"\d{2}"}
_DIRECTIVES |= {"S": r"\d{2}", "%": "%"}
_READABLE = {"%d": "dd", "%m": "mm", "%Y": "yyyy", "%y": "yy", "%H": "HH", "%M": "MM", "%S": "SS"}
_COMPONENTS: dict[str, Callable[[pa.Array], pa.Array]] = {
    "d": pc.day,
    "m": pc.month,
    "Y": pc.year,
    "y": lambda stamps: pc.subtract(pc.year(stamps), pc.multiply(pc.divide(pc.year(stamps), 100), 100)),
    "H": pc.hour,
    "M": pc.minute,
    "S": pc.second,
}
_MAX_DIGITS = MAX_AMOUNT_DIGITS  # int64 holds every amount of up to 18 digits


class CellError(ValueError):
    """A bad value in a column: ``row`` counts data rows from 0."""

    def __init__(self, row: int, reason: str) -> None:
        self.row = row
        self.reason = reason
        super().__init__(f"row {row}: {reason}")


def _cell_error(row: int, reason: str) -> CellError:
    return CellError(row, reason)


def first_true(mask: pa.Array) -> int | None:
    """The index of the first true value, or ``None``."""
    index = pc.index(pc.fill_null(mask, False), True).as_py()
    return None if index < 0 else int(index)


def trimmed(column: pa.Array) -> pa.Array:
    """Text without surrounding blanks; an empty cell becomes null."""
    text = pc.utf8_trim_whitespace(column)
    empty = pc.equal(text, "")
    if not pc.any(empty).as_py():
        return text  # no empty cell: spare a copy of the whole column
    return pc.if_else(empty, _NULL, text)


def mapped(text: pa.Array, words: Mapping[str, str]) -> pa.Array:
    """``text`` with the words of ``words`` replaced; other values kept for validation."""
    keys = pa.array(list(words), pa.string())
    index = pc.index_in(text, value_set=keys)
    return pc.coalesce(pc.take(pa.array(list(words.values()), pa.string()), index), text)


def require_filled(text: pa.Array, nullable: bool, label: str) -> None:
    if nullable:
        return
    row = first_true(pc.is_null(text))
    if row is not None:
        raise _cell_error(row, f"{label} is missing")


def require_choice(text: pa.Array, choices: tuple[str, ...], label: str) -> None:
    allowed = pc.is_in(text, value_set=pa.array(choices, pa.string()))
    row = first_true(pc.and_(pc.invert(allowed), pc.is_valid(text)))
    if row is not None:
        raise _cell_error(row, f"invalid {label} {text[row].as_py()!r} (expected {', '.join(choices)})")


def format_regex(pattern: str) -> str:
    """An anchored regular expression for the exact text ``strftime(pattern)`` writes."""
    out = []
    for part in re.split(r"(%.)", pattern):
        if part.startswith("%") and len(part) == 2:
            if part[1] not in _DIRECTIVES:
                raise ValueError(f"the directive {part} is not supported")
            out.append(_DIRECTIVES[part[1]])
        else:
            out.append(re.escape(part))
    return "^" + "".join(out) + "$"


def field_offsets(pattern: str) -> dict[str, tuple[int, int]]:
    """Byte offsets of each field in text written with ``pattern`` (all fields are fixed-width)."""
    offsets: dict[str, tuple[int, int]] = {}
    position = 0
    for part in re.split(r"(%.)", pattern):
        if part.startswith("%") and len(part) == 2:
            width = 4 if part[1] == "Y" else 1 if part[1] == "%" else 2
            offsets.setdefault(part[1], (position, position + width))
            position += width
        else:
            position += len(part.encode("utf-8"))
    return offsets


def readable(pattern: str) -> str:
    """``%d/%m/%Y`` → ``dd/mm/yyyy``, for messages."""
    return re.sub(r"%.", lambda m: _READABLE.get(m.group(0), m.group(0)), pattern)


def strict_strptime(text: pa.Array, pattern: str, label: str) -> pa.Array:
    """Naive timestamps read with ``pattern``; impossible dates (30/02) are refused, not rolled over.

    Every field has a fixed width, so once the shape is checked the fields are
    cut out by position and reassembled as ISO 8601, whose cast checks the
    calendar (Arrow's ``strptime`` would roll 30/02 over to 02/03).
    """
    shaped = pc.match_substring_regex(text, format_regex(pattern))
    row = first_true(pc.and_(pc.invert(shaped), pc.is_valid(text)))
    if row is not None:
        raise _cell_error(row, f"{label} {text[row].as_py()!r} is not written as {readable(pattern)}")
    raw = pc.cast(text, pa.binary())
    named = {
        code: pc.cast(pc.binary_slice(raw, start, stop), pa.string())
        for code, (start, stop) in field_offsets(pattern).items()
    }
    year = named.get("Y") or pc.binary_join_element_wise("20", named.get("y", "00"), "")
    parts = [year, "-", named.get("m", "01"), "-", named.get("d", "01"), "T"]
    parts += [named.get("H", "00"), ":", named.get("M", "00"), ":", named.get("S", "00")]
    iso = pc.binary_join_element_wise(*parts, "")
    try:
        return pc.cast(iso, pa.timestamp("us"))
    except pa.ArrowInvalid:
        row = first_failure(iso, lambda part: pc.cast(part, pa.timestamp("us")))
    value = text[row].as_py()
    what = "date and time" if "%H" in pattern else "date"
    try:
        dt.datetime.strptime(value, pattern)  # noqa: DTZ007 - only to explain the error
    except ValueError as exc:
        raise _cell_error(row, f"{label} {value!r} is not a real {what} ({exc})") from None
    raise _cell_error(row, f"{label} {value!r} is not a real {what}")


def iso_timestamps(text: pa.Array, label: str) -> pa.Array:
    """ISO 8601 timestamps that carry their offset, as UTC."""
    try:
        return pc.cast(text, _TS)
    except pa.ArrowInvalid:
        row = first_failure(text, lambda part: pc.cast(part, _TS))
    value = text[row].as_py()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise _cell_error(row, f"{label} {value!r} is not an ISO 8601 timestamp ({exc})") from None
    if parsed.tzinfo is None:
        raise _cell_error(row, f"{label} {value!r} has no UTC offset (write it as {value}+07:00)")
    raise _cell_error(row, f"{label} {value!r} is not an ISO 8601 timestamp")


def iso_dates(text: pa.Array, label: str) -> pa.Array:
    """``YYYY-MM-DD`` dates; impossible ones (2026-02-30) are refused."""
    shaped = pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$")
    row = first_true(pc.and_(pc.invert(shaped), pc.is_valid(text)))
    if row is None:
        try:
            return pc.cast(text, pa.date32())
        except pa.ArrowInvalid:
            row = first_failure(text, lambda part: pc.cast(part, pa.date32()))
    value = text[row].as_py()
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _cell_error(row, f"{label} {value!r} is not a real date ({exc})") from None
    raise _cell_error(row, f"{label} {value!r} is not written as yyyy-mm-dd")


def first_failure(values: pa.Array, attempt: Callable[[pa.Array], object]) -> int:
    """The first row on which ``attempt`` fails, by bisecting prefixes (``attempt`` fails on all)."""
    good, bad = 0, len(values)
    while bad - good > 1:
        middle = (good + bad) // 2
        try:
            attempt(values.slice(0, middle))
        except (pa.ArrowInvalid, ValueError):
            bad = middle
        else:
            good = middle
    return bad - 1


def amount_regex(decimal: str, thousands: str | None) -> str:
    whole = r"\d+"
    if thousands:
        whole = rf"(?:\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+)"
    return rf"^{whole}(?:{re.escape(decimal)}0*)?$"


def whole_dong(text: pa.Array, decimal: str, thousands: str | None, label: str) -> pa.Array:
    """Amounts in whole đồng as ``int64``; fractions, signs and exponents are refused."""
    shaped = pc.match_substring_regex(text, amount_regex(decimal, thousands))
    row = first_true(pc.and_(pc.invert(shaped), pc.is_valid(text)))
    if row is not None:
        raise _cell_error(row, explain_amount(text[row].as_py(), decimal, thousands, label))
    digits = text
    if pc.any(pc.match_substring(text, decimal)).as_py():
        digits = pc.replace_substring_regex(text, pattern=re.escape(decimal) + "0*$", replacement="")
    if thousands and pc.any(pc.match_substring(digits, thousands)).as_py():
        digits = pc.replace_substring(digits, pattern=thousands, replacement="")
    if pc.any(pc.greater(pc.utf8_length(digits), _MAX_DIGITS)).as_py():
        digits = pc.utf8_ltrim(digits, characters="0")  # leading zeros do not make an amount large
        digits = pc.if_else(pc.equal(digits, ""), "0", digits)
        row = first_true(pc.greater(pc.utf8_length(digits), _MAX_DIGITS))
        if row is not None:
            value = text[row].as_py()
            shown = value if len(value) <= 40 else f"{value[:20]}…{value[-8:]}"
            raise _cell_error(row, f"{label} {shown!r} has more than {_MAX_DIGITS} digits")
    return pc.cast(digits, pa.int64())


def explain_amount(value: str, decimal: str, thousands: str | None, label: str) -> str:
    """Why ``value`` is not a whole-đồng amount in the declared form."""
    example = "1" + (thousands or "") + "234" + (thousands or "") + "567"
    if re.search(r"\d[eE][+-]?\d", value):
        return f"{label} {value!r}: exponent notation is not an amount"
    if value.lstrip().startswith("-"):
        return f"{label} {value!r} is negative"
    foreign = {".", ","} - {decimal, thousands or ""}
    if any(mark in value for mark in foreign):
        return f"{label} {value!r} is ambiguous: this layout writes amounts as {example}"
    try:
        if thousands:
            grouped_to_minor(value, "VND", decimal=decimal, thousands=thousands)
        else:
            to_minor(value.replace(decimal, "."), "VND")
    except AmountError as exc:
        if decimal in value and re.fullmatch(
            r"[\d" + re.escape(thousands or "") + r"]+", value.split(decimal)[0]
        ):
            return f"{label} {value!r} has a fraction of a đồng"
        return f"{label}: {exc.reason}"
    return f"{label} {value!r} is not an amount written as {example}"


def grouped(digits: pa.Array, thousands: str) -> pa.Array:
    """``1234567`` → ``1.234.567``: group by threes from the right."""
    backwards = pc.replace_substring_regex(pc.utf8_reverse(digits), pattern=r"(\d{3})", replacement=r"\1|")
    trimmed_end = pc.utf8_rtrim(backwards, characters="|")
    return pc.replace_substring(pc.utf8_reverse(trimmed_end), pattern="|", replacement=thousands)


def format_stamps(stamps: pa.Array, pattern: str) -> pa.Array:
    """``strftime`` for whole columns, built from the fields (Arrow's own is slow).

    Timestamps with a zone are written in that zone's wall-clock time.
    """
    parts: list[pa.Array | str] = []
    for part in re.split(r"(%.)", pattern):
        if part.startswith("%") and len(part) == 2 and part[1] in _COMPONENTS:
            width = 4 if part[1] == "Y" else 2
            parts.append(pc.utf8_lpad(pc.cast(_COMPONENTS[part[1]](stamps), pa.string()), width, "0"))
        elif part:
            parts.append(part.replace("%%", "%"))
    return pc.binary_join_element_wise(*parts, "")


def iso_with_offset(local: pa.Array) -> pa.Array:
    """ISO 8601 local time with its offset (``2026-11-25T09:15:00+07:00``); microseconds when present."""
    text = format_stamps(local, "%Y-%m-%dT%H:%M:%S")
    micros = pc.add(pc.multiply(pc.millisecond(local), 1000), pc.microsecond(local))
    if pc.any(pc.not_equal(micros, 0)).as_py():
        fraction = pc.utf8_lpad(pc.cast(micros, pa.string()), 6, "0")
        text = pc.binary_join_element_wise(text, ".", fraction, "")
    offset = pc.divide(
        pc.subtract(pc.local_timestamp(local).cast(pa.int64()), local.cast(pa.int64())), 60_000_000
    )
    sign = pc.if_else(pc.less(offset, 0), "-", "+")
    size = pc.abs(offset)
    hours = pc.utf8_lpad(pc.cast(pc.divide(size, 60), pa.string()), 2, "0")
    minutes = pc.utf8_lpad(
        pc.cast(pc.subtract(size, pc.multiply(pc.divide(size, 60), 60)), pa.string()), 2, "0"
    )
    return pc.binary_join_element_wise(text, sign, hours, ":", minutes, "")
