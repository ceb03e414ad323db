"""Reading the parts of a camt statement: amounts, directions, dates, balances, charges.

The element names are the same in every camt.053/054 version from 001.02 to
001.13; what moves between versions is where a few of them sit (``Sts`` is a
plain code up to 001.06 and ``Sts/Cd`` after, a detail's amount is
``AmtDtls/TxAmt/Amt`` in 001.02 and ``TxDtls/Amt`` later, charges are a list
of ``Chrgs/Amt`` in 001.02 and ``Chrgs/Rcrd/Amt`` later). Each reader
accepts every placement, so a file is read by the standard, not by a sample.

Every failure is an :class:`InputError` naming the element path and its line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from lxml import etree

from adapters.formats.camt_layout import (
    REPEATABLE,
    SHOWN,
    allowed_tags,
    check_children,
    repeated,
    shown,
    unexpected,
)
from adapters.formats.xmlsafe import localname
from adapters.formats.xmlsafe import namespace as namespace_of
from reconcile.bounds import AMOUNT_LIMIT
from reconcile.errors import InputError
from reconcile.money import exponent, to_minor
from reconcile.records import Balance, Direction

_ISO_DATE: Final = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
# Lenient where banks are (no colon in the offset), strict where it matters (a real calendar date).
_ISO_DATETIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
)
#: ISO 20022 amounts are ``xs:decimal``: ASCII digits, one ``.``, no grouping, no exponent.
_XS_DECIMAL: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: Where the path in a markup error starts: the statement or header that holds the value.
_ANCHORS: Final = frozenset({"Stmt", "Ntfctn", "Rpt", "GrpHdr", "AppHdr"})
#: The dates the service stores and computes with (DESIGN.md §4); anything else refuses its file.
FIRST_YEAR, LAST_YEAR = 1900, 2199
#: ISO 20022 amounts have at most 18 digits (``totalDigits``), which also keeps them within int64.
_MAX_DIGITS: Final = 18
#: Asia/Ho_Chi_Minh has kept UTC+7 without daylight saving since 1975.
VIETNAM: Final = dt.timezone(dt.timedelta(hours=7))


@lru_cache(maxsize=512)
def _qualified(ns: str, path: str) -> str:
    return "/".join(f"{{{ns}}}{step}" for step in path.split("/"))


@dataclass(frozen=True, slots=True)
class Scope:
    """What every reader needs: the document namespace and the file name for messages."""

    ns: str
    source: str

    def find(self, element: Any, path: str) -> Any:
        if "/" in path:
            return element.find(_qualified(self.ns, path))
        return next(element.iterchildren(_qualified(self.ns, path)), None)  # one step: no ElementPath

    def findall(self, element: Any, path: str) -> list[Any]:
        if "/" in path:
            return list(element.findall(_qualified(self.ns, path)))
        return list(element.iterchildren(_qualified(self.ns, path)))

    def text(self, element: Any, path: str) -> str | None:
        return self.value(self.find(element, path))

    def value(self, element: Any) -> str | None:
        """The stripped text of a value element; ``None`` for no element or no text.

        A value is text only: a child element, a comment or a processing
        instruction inside it (``<Amt>1<?x y?>000</Amt>``) refuses the file
        rather than letting the text before the markup stand for the value.
        """
        if element is None:
            return None
        if len(element):
            raise markup_inside(self, element)
        text = element.text
        return text.strip() or None if text is not None else None

    def kids(self, element: Any, level: str | None = None, where: str = "") -> dict[str, Any]:
        """The children of ``element`` by local name, the first of each name.

        One walk over the children instead of one path search per field: an
        entry is read with a handful of dictionary look-ups. With ``level``
        (a key of :data:`~adapters.formats.camt_layout.CHILDREN`) a child the
        schema does not allow there refuses the file, naming it.
        """
        found: dict[str, Any] = {}
        if level is None:
            prefix = f"{{{self.ns}}}"
            cut = len(prefix)
            for child in element:
                tag = child.tag
                if isinstance(tag, str) and tag.startswith(prefix):
                    found.setdefault(tag[cut:], child)
            return found
        allowed, repeatable = allowed_tags(level, self.ns), REPEATABLE[level]
        for child in element:
            name = allowed.get(child.tag)
            if name is None:
                if not isinstance(child.tag, str):
                    continue
                raise self.stray(child, element, f"{where}/{localname(child)}")
            if name in found:
                if name not in repeatable:
                    raise repeated(child, element, source=self.source, where=f"{where}/{name}")
                continue
            found[name] = child
        return found

    def stray(self, element: Any, parent: Any, where: str) -> InputError:
        """The error for an element the parser cannot place (see :mod:`adapters.formats.camt_layout`)."""
        return unexpected(element, self.ns, parent, source=self.source, where=where)

    def error(self, reason: str, where: str, element: Any | None = None) -> InputError:
        line = getattr(element, "sourceline", None)
        return InputError(reason, source=self.source, where=f"{where} (line {line})" if line else where)


def markup_inside(scope: Scope, element: Any, where: str | None = None) -> InputError:
    """The error for a value element that holds markup: which element, which markup, which line."""
    child = element[0]
    kind = (
        f"element {localname(child)}"
        if isinstance(child.tag, str)
        else "a comment"
        if child.tag is etree.Comment
        else "a processing instruction"
    )
    path = [localname(element)]
    parent = element.getparent()
    while where is None and parent is not None and len(path) < 8 and path[0] not in _ANCHORS:
        path.insert(0, localname(parent))
        parent = parent.getparent()
    reason = f"markup inside the value of {localname(element)} ({kind}): a value is text only"
    return scope.error(reason, where or "/".join(path), element)


def read_amount(scope: Scope, element: Any, where: str, *, currency: str | None = None) -> tuple[int, str]:
    """An ``…Amt Ccy="…"`` element as (minor units, currency); ``currency`` is the fallback.

    The text must be an ``xs:decimal`` and nothing else: no markup inside,
    no decimal comma, no digits of another script.
    """
    if len(element):
        raise markup_inside(scope, element, where)
    code = (element.get("Ccy") or "").strip() or currency
    if not code:
        raise scope.error("amount has no currency (Ccy attribute)", where, element)
    text = (element.text or "").strip(" \t\r\n")
    units = _whole_units(text, code)
    if units is not None:
        return units, code
    if not _XS_DECIMAL.fullmatch(text):
        raise scope.error(_not_a_decimal(text, code), where, element)
    whole, _, fraction = text.lstrip("+-").partition(".")
    if len(whole.lstrip("0") + fraction.rstrip("0")) > _MAX_DIGITS:
        reason = f"{shown(text)} has more than {_MAX_DIGITS} digits, the most an ISO 20022 amount has"
        raise scope.error(reason, where, element)
    try:
        return to_minor(text, code), code
    except InputError as exc:
        raise scope.error(exc.reason, where, element) from exc


def _whole_units(text: str, currency: str) -> int | None:
    """The common amount, ASCII digits only, in minor units when it is certainly valid; else ``None``.

    ``None`` sends the text through the general reading, which accepts or
    refuses it with its reason; this only spares the usual amount that work.
    """
    if not (text.isdigit() and text.isascii() and len(text.lstrip("0")) <= _MAX_DIGITS):
        return None
    scale = _minor_scale(currency)
    if scale is None:
        return None
    units = int(text) * scale
    return units if units < AMOUNT_LIMIT else None


@lru_cache(maxsize=64)
def _minor_scale(currency: str) -> int | None:
    """How many minor units one unit of ``currency`` holds; ``None`` for no ISO 4217 code."""
    try:
        return int(10 ** exponent(currency))
    except InputError:
        return None


def _not_a_decimal(text: str, currency: str) -> str:
    """Why ``text`` is no amount: in money's own words when it has some, else in ISO 20022's."""
    if len(text) <= SHOWN and text.isascii():
        try:
            to_minor(text, currency)
        except InputError as exc:
            return exc.reason
    return f"{shown(text)} is not an ISO 20022 decimal amount (digits 0-9 and '.')"


def read_direction(scope: Scope, indicator: Any, where: str) -> Direction | None:
    """A ``CdtDbtInd`` element as a direction; ``None`` when it is absent."""
    code = scope.value(indicator)
    if code is None:
        return None
    try:
        return Direction(code)
    except ValueError as exc:
        reason = f"CdtDbtInd {shown(code)} is neither CRDT nor DBIT"
        raise scope.error(reason, f"{where}/CdtDbtInd", indicator) from exc


def parse_date(scope: Scope, text: str, where: str, element: Any) -> dt.date:
    day = _calendar_day(text)
    if day is None:
        raise scope.error(f"impossible date {shown(text)}", where, element)
    return within_years(scope, day, text, where, element)


@lru_cache(maxsize=4096)
def _calendar_day(text: str) -> dt.date | None:
    """The day an ``xs:date`` names, ``None`` if it names none (a statement repeats a few days)."""
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def within_years(scope: Scope, day: dt.date, text: str, where: str, element: Any) -> dt.date:
    """``day`` if its year is one the service handles (1900–2199), else the file is refused."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        reason = f"date {shown(text)} is outside the years {FIRST_YEAR}–{LAST_YEAR}"
        raise scope.error(reason, where, element)
    return day


def parse_datetime(scope: Scope, text: str, where: str, element: Any) -> dt.datetime:
    """An ISO date-time; one written without an offset is taken as Vietnam time (UTC+7).

    Keeping every time aware means times from different files always compare.
    """
    try:
        if not _ISO_DATETIME.fullmatch(text):
            raise ValueError(text)
        stamp = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise scope.error(f"impossible date and time {shown(text)}", where, element) from exc
    within_years(scope, stamp.date(), text, where, element)  # before any conversion can overflow
    local = stamp.astimezone(VIETNAM) if stamp.tzinfo else stamp.replace(tzinfo=VIETNAM)
    within_years(scope, local.date(), text, where, element)
    return stamp if stamp.tzinfo else local


def read_datetime(scope: Scope, element: Any, path: str, where: str) -> dt.datetime | None:
    found = scope.find(element, path)
    text = scope.value(found)
    if text is None:
        return None
    return parse_datetime(scope, text, f"{where}/{path}", found)


def read_date_choice(scope: Scope, choice: Any, where: str) -> dt.date | None:
    """``BookgDt``, ``ValDt``, ``Bal/Dt``: a ``Dt``, or a ``DtTm`` dated by its day in Vietnam.

    A business date is a local date (Asia/Ho_Chi_Minh, UTC+7): a credit the
    bank stamps ``2026-08-27T20:10:00+00:00`` was booked on 28 August in
    Hà Nội, and is judged by the run of that day. A ``DtTm`` without an
    offset is already local time.
    """
    if choice is None:
        return None
    if len(choice) == 1 and choice[0].tag == _qualified(scope.ns, "Dt") and not (choice.text or "").strip():
        text = scope.value(choice[0])  # the common case, read without the general walk of one_of
        return parse_date(scope, text, f"{where}/Dt", choice[0]) if text else None
    picked = one_of(scope, choice, ("Dt", "DtTm"), where)
    if picked is None:
        return None
    name = localname(picked)
    text = scope.value(picked)
    if not text:
        return None
    if name == "Dt":
        return parse_date(scope, text, f"{where}/Dt", picked)
    stamp = parse_datetime(scope, text, f"{where}/DtTm", picked)
    return stamp.astimezone(VIETNAM).date()


def one_of(scope: Scope, choice: Any, names: tuple[str, ...], where: str) -> Any | None:
    """The one child of a schema choice (``Dt`` or ``DtTm``, ``Cd`` or ``Prtry``); ``None`` if empty.

    Two alternatives at once, or text beside them, refuse the file: reading
    one and dropping the other would be a guess.
    """
    chosen = [child for child in choice if isinstance(child.tag, str)]
    if (choice.text or "").strip() and chosen:
        raise markup_inside(scope, choice, where)
    for child in chosen:
        if namespace_of(child) != scope.ns or localname(child) not in names:
            raise scope.stray(child, choice, f"{where}/{localname(child)}")
    if len(chosen) > 1:
        first, second = localname(chosen[0]), localname(chosen[1])
        reason = f"{localname(choice)} gives both {first} and {second}: one is allowed"
        raise scope.error(reason, f"{where}/{localname(chosen[1])}", chosen[1])
    return chosen[0] if chosen else None


def read_balance(scope: Scope, element: Any, where: str, currency: str | None) -> tuple[Balance, bool]:
    """One ``Bal``, signed (DBIT negative); the flag says ``CdtDbtInd`` was missing."""
    check_children(element, "Bal", scope.ns, source=scope.source, where=where)
    code = scope.find(element, "Tp/CdOrPrtry")
    picked = one_of(scope, code, ("Cd", "Prtry"), f"{where}/Tp/CdOrPrtry") if code is not None else None
    kind = scope.value(picked)
    if kind is None:
        raise scope.error("balance has no type (Tp/CdOrPrtry/Cd)", where, element)
    amount_element = scope.find(element, "Amt")
    if amount_element is None:
        raise scope.error("balance has no amount", where, element)
    amount, code = read_amount(scope, amount_element, f"{where}/Amt", currency=currency)
    direction = read_direction(scope, scope.find(element, "CdtDbtInd"), where)
    if amount < 0 and direction is not None:
        raise scope.error("a negative balance amount with CdtDbtInd is ambiguous", f"{where}/Amt", element)
    signed = -amount if direction is Direction.DEBIT else amount
    date = read_date_choice(scope, scope.find(element, "Dt"), f"{where}/Dt")
    return Balance(kind=kind, amount=signed, currency=code, date=date), direction is None


def read_status(scope: Scope, status: Any, where: str = "Sts") -> str | None:
    """An ``Sts`` element: plain text (001.02–001.06) or ``Cd``/``Prtry`` (001.07 on)."""
    if status is None:
        return None
    if len(status) == 1 and status[0].tag == _qualified(scope.ns, "Cd") and not (status.text or "").strip():
        return scope.value(status[0])  # ``Sts/Cd``, the common case, without the general walk
    if any(isinstance(child.tag, str) for child in status):
        return scope.value(one_of(scope, status, ("Cd", "Prtry"), where))
    return scope.value(status)


def read_charges(scope: Scope, element: Any, currency: str, where: str) -> int | None:
    """The charges under ``element`` in ``currency``; ``None`` when there is no ``Chrgs``."""
    blocks = scope.findall(element, "Chrgs")
    if not blocks:
        return None
    total = 0
    for index, block in enumerate(blocks, start=1):
        at = f"{where}/Chrgs[{index}]"
        amounts = scope.findall(block, "Rcrd/Amt") or scope.findall(block, "Amt")
        if not amounts:
            amounts = scope.findall(block, "TtlChrgsAndTaxAmt")
        for amount_element in amounts:
            minor, code = read_amount(scope, amount_element, at, currency=currency)
            if code == currency:
                total += minor
    return total
