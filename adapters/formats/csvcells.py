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

from reconcile.errors import AmountError
from reconcile.money import grouped_to_minor, to_minor

_TS = pa.timestamp("us", tz="UTC")
_NULL = pa.scalar(None, pa.string())
_DIRECTIVES = {"d": r"\d{2}", "m": r"\d{2}", "Y": r"\d{4}", "y": r"\d{2}", "H": r"\d{2}", "M": r"\d{2}"}
_DIRECTIVES |= {"S": r"\d{2}", "%": "%"}
_READABLE = {"%d": "dd", "%m": "mm", "%Y": "yyyy", "%y": "yy", "%H": "HH", "%M": "MM", "%S": "SS"}
_MAX_DIGITS = 18  # int64 holds every amount of up to 18 digits


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
    return pc.if_else(pc.equal(text, ""), _NULL, text)


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
    parts = re.split(r"(%.)", pattern)
    out = []
    for part in parts:
        if part.startswith("%") and len(part) == 2:
            if part[1] not in _DIRECTIVES:
                raise ValueError(f"the directive {part} is not supported")
            out.append(_DIRECTIVES[part[1]])
        else:
            out.append(re.escape(part))
    return "^" + "".join(out) + "$"


def readable(pattern: str) -> str:
    """``%d/%m/%Y`` → ``dd/mm/yyyy``, for messages."""
    return re.sub(r"%.", lambda m: _READABLE.get(m.group(0), m.group(0)), pattern)


def strict_strptime(text: pa.Array, pattern: str, label: str) -> pa.Array:
    """Naive timestamps read with ``pattern``; impossible dates (30/02) are refused, not rolled over."""
    shaped = pc.match_substring_regex(text, format_regex(pattern))
    row = first_true(pc.and_(pc.invert(shaped), pc.is_valid(text)))
    if row is not None:
        raise _cell_error(row, f"{label} {text[row].as_py()!r} is not written as {readable(pattern)}")
    stamps = pc.strptime(text, format=pattern, unit="us", error_is_null=True)
    again = pc.strftime(pc.cast(stamps, pa.timestamp("s")), format=pattern)
    row = first_true(pc.or_(pc.not_equal(again, text), pc.and_(pc.is_null(stamps), pc.is_valid(text))))
    if row is not None:
        value = text[row].as_py()
        try:
            dt.datetime.strptime(value, pattern)  # noqa: DTZ007 - only to explain the error
            reason = "is not a real date"
        except ValueError as exc:
            reason = f"is not a real date ({exc})"
        raise _cell_error(row, f"{label} {value!r} {reason}")
    return stamps


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
    digits = pc.replace_substring_regex(text, pattern=re.escape(decimal) + "0*$", replacement="")
    if thousands:
        digits = pc.replace_substring(digits, pattern=thousands, replacement="")
    digits = pc.utf8_ltrim(digits, characters="0")
    digits = pc.if_else(pc.equal(digits, ""), "0", digits)
    row = first_true(pc.greater(pc.utf8_length(digits), _MAX_DIGITS))
    if row is not None:
        raise _cell_error(row, f"{label} {text[row].as_py()!r} is too large")
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


def iso_with_offset(local: pa.Array, tz: str) -> pa.Array:
    """ISO 8601 local time with its offset (``2026-11-25T09:15:00+07:00``)."""
    whole = pc.cast(local, pa.timestamp("s", tz=tz), safe=False)
    exact = pc.all(pc.equal(pc.cast(whole, local.type), local)).as_py()
    shown = whole if exact is not False else local
    text = pc.strftime(shown, format="%Y-%m-%dT%H:%M:%S%z")
    return pc.replace_substring_regex(text, pattern=r"([+-]\d{2})(\d{2})$", replacement=r"\1:\2")
