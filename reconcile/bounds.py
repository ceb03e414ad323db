"""The bounds every value must keep to be stored and computed exactly, on SQLite and PostgreSQL alike.

DESIGN.md §4: a value that cannot be stored or computed exactly rejects its
file. The two databases differ where nothing stops them (SQLite stores a
NUL, a 200-character id or the year 10000 that PostgreSQL refuses, and a
later run then fails on what was stored), so the service draws the line
itself, at the edge, before either database sees the value:

- an amount has at most 18 digits in its minor unit (:data:`MAX_AMOUNT_DIGITS`),
  and every total a file adds up to fits a signed 64-bit integer
  (:data:`INT64_MAX`), the ``BIGINT`` and Arrow ``int64`` of every later sum;
- a date, and a timestamp's local date in Asia/Ho_Chi_Minh, lies within
  :data:`FIRST_DATE` .. :data:`LAST_DATE`;
- text carries no control character (:data:`CONTROL`) and is no longer than
  its database column.

The rules are pure functions returning the reason a value breaks them (or
``None``); the parsers apply them to whole columns or records and add the
file and the line or element.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Final

#: The largest value of a signed 64-bit integer (``BIGINT``, Arrow ``int64``).
INT64_MAX: Final = 2**63 - 1
#: An amount of up to 18 digits fits ``int64`` with room for its sign.
MAX_AMOUNT_DIGITS: Final = 18
#: The first amount too large to be stored (``10**18``).
AMOUNT_LIMIT: Final = 10**MAX_AMOUNT_DIGITS
FIRST_DATE: Final = dt.date(1900, 1, 1)
LAST_DATE: Final = dt.date(2199, 12, 31)
#: C0 controls but TAB, LF and CR (which the formats use as separators), DEL, and the C1 controls.
CONTROL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The same as a regular expression for Arrow (RE2), escaped so that it survives as text.
CONTROL_PATTERN: Final = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
#: The bytes a :data:`CONTROL` character's UTF-8 form begins with: a C0 control or DEL (one
#: byte each), and 0xC2, the first of the two bytes of a C1 control.
_CONTROL_LEADS: Final = bytes(value for value in range(0x80) if CONTROL.match(chr(value))) + b"\xc2"
_OTHER_BYTES: Final = bytes(value for value in range(256) if value not in _CONTROL_LEADS)
#: A C1 control (U+0080..U+009F) in UTF-8.
_C1_UTF8: Final = re.compile(b"\xc2[\x80-\x9f]")
#: How many bytes :func:`utf8_has_control` copies and deletes from at a time: a piece that stays
#: in the processor's cache, in memory reused from piece to piece (16 MiB pieces, each a new
#: mapping to fault in, took twice as long).
SCAN_BYTES: Final = 1 << 16


def utf8_has_control(text: bytes | memoryview) -> bool:
    """Whether the UTF-8 ``text`` holds a :data:`CONTROL` character, scanned as bytes.

    In UTF-8 a C0 control or DEL is a byte of its own, and a C1 control is 0xC2 and a
    byte from 0x80 to 0x9F. ``bytes.translate`` deletes every other byte in one pass in
    C (a 1.5 GB export: 0.63 s, where one RE2 match over the text took 2.4 s); what is
    left is a control, or some 0xC2 (a no-break space U+00A0 begins so too), and only then
    are the C1 forms looked for.
    """
    view = memoryview(text).cast("B")
    leads = False
    for start in range(0, len(view), SCAN_BYTES):
        left = bytes(view[start : start + SCAN_BYTES]).translate(None, _OTHER_BYTES)
        if len(left) > left.count(b"\xc2"):
            return True
        leads = leads or bool(left)
    return leads and _C1_UTF8.search(view) is not None


def amount_problem(amount: int, label: str = "amount") -> str | None:
    """Why ``amount`` (minor units) cannot be stored, or ``None``."""
    if abs(amount) >= AMOUNT_LIMIT:
        return f"{label} {amount} has more than {MAX_AMOUNT_DIGITS} digits"
    return None


def total_problem(total: int, label: str = "total") -> str | None:
    """Why a sum of amounts cannot be stored or computed exactly (beyond ``int64``), or ``None``."""
    if abs(total) > INT64_MAX:
        return f"{label} {total} is beyond what a 64-bit integer holds (at most {INT64_MAX})"
    return None


def first_overflow(amounts: Iterable[int]) -> int | None:
    """The position at which the running total of ``amounts`` leaves ``int64``, or ``None``."""
    total = 0
    for position, amount in enumerate(amounts):
        total += amount
        if abs(total) > INT64_MAX:
            return position
    return None


def date_problem(day: dt.date, label: str = "date") -> str | None:
    """Why ``day`` is outside the dates the service keeps, or ``None``."""
    if not FIRST_DATE <= day <= LAST_DATE:
        return f"{label} {day.isoformat()} is outside {FIRST_DATE.isoformat()}..{LAST_DATE.isoformat()}"
    return None


def local_date(moment: dt.datetime, tz: dt.tzinfo) -> dt.date | None:
    """The calendar date of ``moment`` in ``tz``; ``None`` when it falls beyond the years Python counts."""
    try:
        return moment.astimezone(tz).date()
    except OverflowError:
        return None


def moment_problem(moment: dt.datetime, tz: dt.tzinfo, label: str = "timestamp") -> str | None:
    """Why ``moment`` lies outside the dates the service keeps once read in ``tz``, or ``None``."""
    day = local_date(moment, tz)
    if day is not None and FIRST_DATE <= day <= LAST_DATE:
        return None
    local = "beyond the year 9999" if day is None else day.isoformat()
    return (
        f"{label} {moment.isoformat()} is outside {FIRST_DATE.isoformat()}..{LAST_DATE.isoformat()} "
        f"(as a local date: {local})"
    )


def text_problem(
    text: str, label: str, max_length: int | None = None, column: str | None = None
) -> str | None:
    """Why ``text`` cannot be stored as it is: a control character, or longer than its column."""
    control = CONTROL.search(text)
    if control is not None:
        return f"{label} contains the control character U+{ord(control.group()):04X}"
    if max_length is not None and len(text) > max_length:
        where = f"the database column {column}" if column else "its database column"
        return f"{label} is {len(text)} characters long, longer than the {max_length} {where} holds"
    return None
