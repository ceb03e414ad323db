"""MT940 text as fields: bytes → text → ``:TAG:`` fields → one group per statement.

Real MT940 files are messier than the SWIFT book: prose or bank headers
before the data, SWIFT ``{1:}{2:}{4:`` blocks around each message, SOH/ETX
framing bytes, CRLF or LF, and single-byte encodings (CP852 from central
European banks, Windows-1252 from western ones). This module strips all of
that away so that :mod:`adapters.formats.mt940` only ever sees fields, each
with the line it started on, grouped into statements (a statement starts at
each ``:20:``).

What cannot be placed is refused with its line, never skipped: a line
shaped like a tag that is no MT940/MT942 field (``:2O:`` typed for
``:20:``), or a field outside any statement (after a message's end ``-``
and before the next ``:20:``). Prose, headers and blank lines outside the
statements are ignored; inside a statement a line without a tag continues
the field before it (banks wrap fields at 65 columns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from reconcile.errors import InputError

#: Single-byte decodings tried after strict UTF-8, best-scoring first on ties.
FALLBACK_ENCODINGS: Final = ("cp1252", "cp852", "latin-1")

_TAG: Final = re.compile(r":(\d{2}[A-Z]?|NS):")
#: Anything a writer meant as a tag: a line starting so is a field or an error, never text.
_TAG_LIKE: Final = re.compile(r":([0-9A-Za-z]{1,4}):")
#: The fields of MT940 and MT942 (``:13:``/``:13D:`` date-time, ``:34F:`` floor limit, ``:90C:``/``:90D:``
#: sums), and the ``:NS:`` lines some banks add.
KNOWN_TAGS: Final = frozenset(
    {"20", "21", "25", "25P", "28", "28C", "60F", "60M", "61", "62F", "62M", "64", "65", "86"}
    | {"13", "13D", "34F", "90C", "90D", "NS"}
)
#: A message type written as a tag line before the statements (Rabobank's ``:940:``).
_MESSAGE_TYPES: Final = frozenset({"940", "942"})
# One SWIFT block, possibly holding sub-blocks ({3:{108:REF}}).
_BLOCKS: Final = re.compile(r"^(?:\{\d:(?:[^{}]|\{[^{}]*\})*\})*\{4:")
_TERMINATOR: Final = re.compile(r"-(\}.*|X+)?")
_FRAMING: Final = str.maketrans("", "", "\x01\x03")
_LINE_END: Final = re.compile(r"\r\n|\r|\n")
# Control characters no text statement carries (tab, line ends, SOH/ETX, form feed and DOS EOF it may).
_CONTROLS: Final = re.compile("[\x00\x02\x04-\x08\x0b\x0e-\x19\x1b-\x1f\x7f-\x9f]")
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class Field:
    """One ``:TAG:value`` field.

    Attributes:
        tag: ``20``, ``25``, ``28C``, ``60F``, ``61``, ``86``, ``NS``...
        lines: the value's lines as written: the rest of the tag's line, then continuations.
        line: the 1-based line of the file the tag stands on.
    """

    tag: str
    lines: tuple[str, ...]
    line: int

    @property
    def value(self) -> str:
        """The value, its wrapped lines joined without blanks (a bank wraps at 65 columns)."""
        return "".join(line.strip() for line in self.lines)

    @property
    def where(self) -> str:
        return f"line {self.line}"


def decode(data: bytes, source: str) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    Strict UTF-8 first; else the single-byte decoding whose non-ASCII
    characters are most often letters (CP852 ``á`` reads as ``\\xa0`` in
    Windows-1252, Windows-1252 ``ß`` as ``▀`` in CP852), so that a Hungarian
    or Polish statement reads as its bank wrote it.
    """
    if data.startswith(_UTF16_BOMS):
        text, encoding = _utf16(data, source), "utf-16"
    elif b"\x00" in data:
        raise InputError("binary content: not an MT940 statement", source=source)
    else:
        text, encoding = _utf8_or_single_byte(data.removeprefix(b"\xef\xbb\xbf"))
    if len(_CONTROLS.findall(text)) > max(2, len(text) // 100):
        raise InputError("binary content: not an MT940 statement", source=source)
    return text, encoding


def _utf16(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-16 text at byte {exc.start}", source=source) from exc


def _utf8_or_single_byte(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _best_single_byte(data)


def _best_single_byte(data: bytes) -> tuple[str, str]:
    best: tuple[int, str, str] | None = None
    for encoding in FALLBACK_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        letters = sum(1 for char in text if ord(char) > 127 and char.isalpha())
        if best is None or letters > best[0]:
            best = (letters, text, encoding)
    assert best is not None  # latin-1 decodes every byte
    return best[1], best[2]


def fields(text: str, source: str | None = None) -> Iterator[Field | None]:
    """Every field in file order; ``None`` where a message ends (``-``, ``-}``, ``-XXX``).

    Lines without a tag (prose, bank headers, blank lines between messages)
    are continuation lines of the field before them, or dropped when no
    field is open. A line shaped like a tag that is no MT940 field raises
    :class:`InputError` with its line, except inside ``:86:``, whose text,
    wrapped at 65 columns, may start a line with ``:26:`` (``T16`` /
    ``:26:37``, a time cut in two).
    """
    tag: str | None = None
    lines: list[str] = []
    start = 0
    for number, raw in enumerate(_LINE_END.split(text.translate(_FRAMING)), start=1):
        line = _BLOCKS.sub("", raw) if raw.startswith("{") else raw
        match = _TAG.match(line)
        if not _known(match) and tag == "86" and _TAG_LIKE.match(line):
            match = None  # free text wrapped at 65 columns may put ``12:30`` at a line's start
        else:
            _check_tag(line, match, number, source)
        if _message_type(line):
            match = None
            line = "-"
        if match or _TERMINATOR.fullmatch(line.strip()):
            if tag is not None:
                yield Field(tag, tuple(lines), start)
            tag = None
            if not match:
                yield None
                continue
            tag, lines, start = match.group(1), [line[match.end() :]], number
        elif tag is not None:
            lines.append(line)
    if tag is not None:
        yield Field(tag, tuple(lines), start)


def _known(match: re.Match[str] | None) -> bool:
    return match is not None and match.group(1) in KNOWN_TAGS


def _check_tag(line: str, match: re.Match[str] | None, number: int, source: str | None) -> None:
    shaped = _TAG_LIKE.match(line)
    if shaped is None or _message_type(line):
        return
    if not _known(match):
        raise InputError(
            f"{line.strip()[:24]!r} starts with :{shaped.group(1)}:, which is no MT940 field "
            "(a mistyped tag such as :2O: for :20:?)",
            source=source,
            where=f"line {number}",
        )


def _message_type(line: str) -> bool:
    shaped = _TAG_LIKE.fullmatch(line.strip())
    return shaped is not None and shaped.group(1) in _MESSAGE_TYPES


def statement_groups(text: str, source: str | None = None) -> list[list[Field]]:
    """The fields of each statement: from one ``:20:`` up to the next, or the message end.

    A field after a message's end and before the next ``:20:`` belongs to no
    statement: it raises :class:`InputError` naming its line, since the
    ``:20:`` that should open its statement is missing or mistyped.
    """
    groups: list[list[Field]] = []
    current: list[Field] | None = None
    stray: Field | None = None
    for field in fields(text, source):
        if field is None:
            current = None
        elif field.tag == "20":
            current = [field]
            groups.append(current)
        elif current is not None:
            current.append(field)
        else:
            stray = stray or field
    if stray is not None and groups:
        raise InputError(
            f"field :{stray.tag}: stands outside any statement: no :20: opens it "
            "(is the statement's :20: missing or mistyped?)",
            source=source,
            where=stray.where,
        )
    return groups


def head_text(head: bytes) -> str:
    """The first bytes of a file as text good enough to spot tags in (UTF-16 or any 8-bit code)."""
    if head.startswith(_UTF16_BOMS):
        return head.decode("utf-16", errors="ignore")
    return "" if b"\x00" in head else head.decode("latin-1")


def looks_like_mt940(head: str) -> bool:
    """``:20:`` and a statement tag (or three statement tags) at the start of lines, after any prose."""
    tags = set()
    for raw in _LINE_END.split(head.translate(_FRAMING)):
        match = _TAG.match(_BLOCKS.sub("", raw))
        if match:
            tags.add(match.group(1))
    statement_tags = tags & {"25", "25P", "28C", "60F", "60M", "61", "62F", "62M", "34F"}
    # without its :20: (mistyped :2O:) a statement is still MT940, to be refused with its line
    return ("20" in tags and bool(statement_tags)) or len(statement_tags) >= 3
