"""Column specs and layouts for CSV inputs, declared in configuration (after beangulp's ``csvbase``).

A :class:`Layout` says how one family of CSV files is written: its encoding,
delimiter, title lines before the header, an optional totals row at the end
(``Tổng cộng``), constants for columns the file does not carry, and for each
canonical column the header it comes from and how its text is read
(``Date("Ngày quyết toán", "%d/%m/%Y")``, ``Amount("Số tiền", thousands=".")``).

Every spec converts a whole column at once with :mod:`pyarrow.compute` and,
when a value is wrong, raises :class:`CellError` with the row of the first bad
value; the caller turns that row into the file's physical line. Each spec can
also :meth:`render` canonical values back to the layout's text, so the file
writers and the readers share one declaration.

Layouts come from ``[layouts.NAME]`` tables in ``recon.toml`` via
:func:`layout_from_mapping`; the shape of such a table is in
``fixtures/layouts.toml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from adapters.formats import csvcells
from adapters.formats.csvcells import CellError
from reconcile.errors import ConfigError

_TS = pa.timestamp("us", tz="UTC")
ISO_DATE = "%Y-%m-%d"


@dataclass(frozen=True, slots=True)
class Text:
    """Free text, trimmed; ``values`` maps the file's words onto canonical ones."""

    source: str
    label: str = "value"
    nullable: bool = False
    values: tuple[tuple[str, str], ...] = ()
    choices: tuple[str, ...] = ()

    def convert(self, column: pa.Array) -> pa.Array:
        text = csvcells.trimmed(column)
        if self.values:
            text = csvcells.mapped(text, dict(self.values))
        csvcells.require_filled(text, self.nullable, self.label)
        if self.choices:
            csvcells.require_choice(text, self.choices, self.label)
        return text

    def render(self, column: pa.Array) -> pa.Array:
        reverse = {canonical: word for word, canonical in self.values}
        return csvcells.mapped(column, reverse) if reverse else column


@dataclass(frozen=True, slots=True)
class Code:
    """A fixed-width numeric code that keeps its leading zeros (province ``01``)."""

    source: str
    label: str = "code"
    digits: int = 2
    nullable: bool = False

    def convert(self, column: pa.Array) -> pa.Array:
        text = csvcells.trimmed(column)
        csvcells.require_filled(text, self.nullable, self.label)
        bad = pc.invert(pc.match_substring_regex(text, rf"^\d{{{self.digits}}}$"))
        row = csvcells.first_true(bad)
        if row is not None:
            value = text[row].as_py()
            example = str(value).zfill(self.digits) if str(value).isdigit() else "0" * self.digits
            raise CellError(row, f"{self.label} {value!r} must be {_words(self.digits)} digits ({example!r})")
        return text

    def render(self, column: pa.Array) -> pa.Array:
        return column


@dataclass(frozen=True, slots=True)
class Date:
    """A local calendar date; ``format`` is a ``strftime`` pattern, ISO 8601 by default."""

    source: str
    label: str = "date"
    format: str = ISO_DATE
    nullable: bool = False

    def convert(self, column: pa.Array) -> pa.Array:
        text = csvcells.trimmed(column)
        csvcells.require_filled(text, self.nullable, self.label)
        if self.format == ISO_DATE:
            return csvcells.iso_dates(text, self.label)
        stamps = csvcells.strict_strptime(text, self.format, self.label)
        return pc.cast(stamps, pa.date32())

    def render(self, column: pa.Array) -> pa.Array:
        return csvcells.format_stamps(column, self.format)


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A moment. Without ``format``: ISO 8601 that must carry its UTC offset.

    With ``format`` (``%d/%m/%Y %H:%M:%S``) the text is wall-clock time in ``tz``.
    """

    source: str
    label: str = "timestamp"
    format: str | None = None
    tz: str = "Asia/Ho_Chi_Minh"
    nullable: bool = False

    def convert(self, column: pa.Array) -> pa.Array:
        text = csvcells.trimmed(column)
        csvcells.require_filled(text, self.nullable, self.label)
        if self.format is None:
            return csvcells.iso_timestamps(text, self.label)
        local = csvcells.strict_strptime(text, self.format, self.label)
        try:
            return pc.cast(pc.assume_timezone(local, self.tz), _TS)
        except pa.ArrowInvalid:  # a wall-clock time skipped or repeated by a DST change
            row = csvcells.first_failure(local, lambda part: pc.assume_timezone(part, self.tz))
            raise CellError(
                row, f"{self.label} {text[row].as_py()!r} is not a single moment in {self.tz}"
            ) from None

    def render(self, column: pa.Array) -> pa.Array:
        local = pc.cast(pc.cast(column, pa.timestamp("us", tz="UTC")), pa.timestamp("us", tz=self.tz))
        if self.format is not None:
            return csvcells.format_stamps(local, self.format)
        return csvcells.iso_with_offset(local)


@dataclass(frozen=True, slots=True)
class Amount:
    """A non-negative VND amount in đồng, written as the layout declares (``1.234.567``)."""

    source: str
    label: str = "amount"
    decimal: str = "."
    thousands: str | None = None
    nullable: bool = False

    def convert(self, column: pa.Array) -> pa.Array:
        text = csvcells.trimmed(column)
        csvcells.require_filled(text, self.nullable, self.label)
        return csvcells.whole_dong(text, self.decimal, self.thousands, self.label)

    def render(self, column: pa.Array) -> pa.Array:
        digits = pc.cast(column, pa.string())
        return csvcells.grouped(digits, self.thousands) if self.thousands else digits


ColumnSpec = Text | Code | Date | Timestamp | Amount


@dataclass(frozen=True, slots=True)
class Layout:
    """How one family of CSV files is written, mapped onto canonical columns.

    Attributes:
        columns: canonical column → its spec (source header and reading rules).
        constants: canonical column → a fixed text value, for columns the file lacks.
        skip_lines: title lines before the header row; ``title`` is what writers put there.
        trailer: the first cell of a totals row ending the file (``Tổng cộng``), if any.
        trailer_total: the canonical column whose sum the totals row states.
        strict: whether header columns that the layout does not map are rejected.
        currency: the header of a currency column whose every value must be ``VND``.
        templates: every canonical column's spec, for reading constants.
        newline: the line ending writers use (readers take ``\n``, ``\r\n`` and CR-only files alike).
    """

    name: str
    columns: Mapping[str, ColumnSpec]
    encoding: str = "utf-8"
    delimiter: str = ","
    skip_lines: int = 0
    title: str | None = None
    trailer: str | None = None
    trailer_total: str | None = None
    constants: Mapping[str, str] = field(default_factory=dict)
    strict: bool = False
    currency: str | None = None
    templates: Mapping[str, ColumnSpec] = field(default_factory=dict)
    newline: str = "\n"

    @property
    def headers(self) -> tuple[str, ...]:
        """The source headers the file must carry, in declaration order."""
        return tuple(spec.source for spec in self.columns.values())


_LAYOUT_KEYS = {
    "encoding",
    "delimiter",
    "skip_lines",
    "title",
    "trailer",
    "trailer_total",
    "columns",
    "values",
    "constants",
    "strict",
    "currency",
    "date_format",
    "timestamp_format",
    "timezone",
    "decimal",
    "thousands",
    "newline",
}
_SPEC_OPTIONS = {
    Date: {"format": "date_format"},
    Timestamp: {"format": "timestamp_format", "tz": "timezone"},
    Amount: {"decimal": "decimal", "thousands": "thousands"},
}


def layout_from_mapping(name: str, raw: Mapping[str, Any], templates: Mapping[str, ColumnSpec]) -> Layout:
    """Build a layout from a ``[layouts.NAME]`` table over canonical ``templates``.

    ``columns`` maps each canonical column to its header (a string) or to a
    table with ``column`` plus per-column overrides of the layout-wide
    ``date_format``, ``timestamp_format``, ``timezone``, ``decimal``,
    ``thousands``. Canonical columns that are neither mapped nor constant are
    absent; the parser decides which of those it can do without.
    """
    where = f"layouts.{name}"
    unknown = set(raw) - _LAYOUT_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    columns_raw = _table(raw, "columns", where)
    constants = {str(k): _nfc(v) for k, v in _table(raw, "constants", where).items()}
    values = _table(raw, "values", where)
    columns: dict[str, ColumnSpec] = {}
    for canonical, declared in columns_raw.items():
        if canonical not in templates:
            raise ConfigError(f"{where}.columns: {canonical!r} is not a canonical column")
        columns[canonical] = _spec(templates[canonical], declared, raw, values.get(canonical), where)
    for canonical in constants:
        if canonical not in templates:
            raise ConfigError(f"{where}.constants: {canonical!r} is not a canonical column")
    return _checked(
        Layout(
            name=name,
            columns=columns,
            encoding=str(raw.get("encoding", "utf-8")),
            delimiter=str(raw.get("delimiter", ",")),
            skip_lines=int(raw.get("skip_lines", 0)),
            title=raw.get("title"),
            trailer=_nfc(raw["trailer"]) if "trailer" in raw else None,
            trailer_total=raw.get("trailer_total"),
            constants=constants,
            strict=bool(raw.get("strict", False)),
            currency=_nfc(raw["currency"]) if "currency" in raw else None,
            templates=templates,
            newline=str(raw.get("newline", "\n")),
        ),
        where,
    )


def canonical_layout(name: str, templates: Mapping[str, ColumnSpec]) -> Layout:
    """The layout whose headers are the canonical column names themselves, extras rejected."""
    return Layout(name=name, columns=dict(templates), strict=True, templates=templates)


def _spec(template: ColumnSpec, declared: Any, raw: Mapping[str, Any], values: Any, where: str) -> ColumnSpec:
    options = dict(declared) if isinstance(declared, Mapping) else {"column": declared}
    source = options.pop("column", None)
    if not isinstance(source, str) or not source:
        raise ConfigError(f"{where}.columns.{template.label}: give the source column's header")
    changes: dict[str, Any] = {"source": _nfc(source)}
    for attribute, key in _SPEC_OPTIONS.get(type(template), {}).items():
        if key in options or key in raw:
            changes[attribute] = options.pop(key, raw.get(key))
    if options:
        raise ConfigError(f"{where}.columns: unknown option(s) {', '.join(sorted(options))} for {source!r}")
    if values is not None:
        if not isinstance(template, Text) or not isinstance(values, Mapping):
            raise ConfigError(f"{where}.values: only text columns take a value map")
        changes["values"] = tuple((_nfc(k), str(v)) for k, v in values.items())
    return dataclasses.replace(template, **changes)


def _checked(layout: Layout, where: str) -> Layout:
    try:
        "".encode(layout.encoding)
    except LookupError as exc:
        raise ConfigError(f"{where}.encoding: unknown encoding {layout.encoding!r}") from exc
    if len(layout.delimiter) != 1:
        raise ConfigError(f"{where}.delimiter must be one character")
    if layout.trailer_total is not None and layout.trailer_total not in layout.columns:
        raise ConfigError(f"{where}.trailer_total names {layout.trailer_total!r}, which is not mapped")
    for spec in layout.columns.values():
        if isinstance(spec, Amount) and spec.decimal == spec.thousands:
            raise ConfigError(f"{where}: decimal and thousands separators must differ")
        if isinstance(spec, Timestamp | Date) and spec.format is not None:
            _check_format(spec.format, where)
    headers = layout.headers
    if len(set(headers)) != len(headers):
        raise ConfigError(f"{where}.columns: a source column is mapped twice")
    return layout


def _check_format(pattern: str, where: str) -> None:
    try:
        dt.datetime(2026, 1, 2, 3, 4, 5).strftime(pattern)  # noqa: DTZ001 - a format probe
        csvcells.format_regex(pattern)
    except ValueError as exc:
        raise ConfigError(f"{where}: bad date format {pattern!r}: {exc}") from exc


def _table(raw: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}.{key} must be a table")
    return value


def _nfc(text: object) -> str:
    """Configuration typed with combining marks matches files read as NFC."""
    return unicodedata.normalize("NFC", str(text))


def _words(count: int) -> str:
    return {1: "one", 2: "two", 3: "three", 4: "four"}.get(count, str(count))
