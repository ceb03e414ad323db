"""Cells that a spreadsheet will show, never evaluate (formula injection, CWE-1236).

A payment code, a remittance text or a detail comes from outside: a gateway
file, a bank statement, a citizen's form. Written as it is into a CSV or an
Excel cell, ``=HYPERLINK("http://…","click")`` or ``@SUM(A1:A9)`` becomes a
live formula when an accountant opens the file. Following OWASP's advice,
text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is prefixed with a single quote, which spreadsheets take as "this is text".

Only text is touched: an ``int`` amount of ``-150000`` stays a number, so the
report can still be summed; the same amount arriving as the *text*
``"-150000"`` is text and is quoted like any other.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

#: First characters that make a spreadsheet read a cell as a formula or a command.
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")

#: Values a spreadsheet stores as numbers or dates, which cannot carry a formula.
_INERT_TYPES: Final = (numbers.Integral, Decimal, dt.date, dt.datetime, dt.time)


def safe_text(text: str) -> str:
    """``text`` quoted with a leading ``'`` if a spreadsheet would evaluate it."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def safe_cell(value: object) -> object:
    """A value ready for a CSV or Excel cell: numbers and dates as they are, text made inert.

    ``None`` stays ``None`` (an empty cell). Anything else that is not a
    number or a date (an enum, a float that slipped through) is written as
    its text, quoted if needed.
    """
    if value is None or isinstance(value, _INERT_TYPES):
        return value
    if isinstance(value, numbers.Real):
        # A float is never money here; keep it numeric but drop NaN/inf, which Excel cannot hold.
        return value if math.isfinite(value) else None
    return safe_text(str(value))


def safe_row(values: Iterable[object]) -> list[object]:
    """:func:`safe_cell` over a row."""
    return [safe_cell(value) for value in values]
