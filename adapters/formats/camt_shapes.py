"""Entries read by their shape: the structure checked once per shape, the values checked for every entry.

A large statement repeats a few entry shapes: the same elements, in the same
order and nesting, with other values. Whether an entry's elements stand
where the schema puts them (:mod:`adapters.formats.camt_layout`), whether a
value holds markup, and which element each field comes from depend only on
that shape: the tag of every node of the entry in document order
(comments and processing instructions included) and how many children each
has, which together fix the tree. So the first entry of each shape is read
by :func:`~adapters.formats.camt_entries.read_entry`, which checks all of it,
and a :class:`Plan` records where that entry's values stood. A later entry
of the same shape is read through the plan: only its values are read and
checked (amounts, currencies, directions, dates, the text of the choices),
by the same functions. A value the plan does not find certainly good (any
refusal, or text beside the child of a choice) sends the entry to
``read_entry`` after all, so a refusal is always worded and placed by the
general reading. Shapes the plan does not cover (charges, a ``DtTm``, a
status given as a choice of ``Prtry``) are read by ``read_entry`` every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Final

from adapters.formats.camt_elements import Scope, parse_date, read_amount, read_direction
from adapters.formats.camt_entries import (
    DETAIL_REFS,
    detail_record,
    entry_issues,
    joined,
    read_entry,
    read_reversal,
    single_end_to_end,
)
from reconcile.errors import InputError
from reconcile.records import BankEntry, Direction, Issue, TxDetail

#: At most this many shapes are remembered: a file of ever new shapes is read the general way.
MAX_SHAPES: Final = 256
_TAG: Final = attrgetter("tag")
_UNKNOWN: Final = object()
#: ``CdtDbtInd`` as :func:`read_direction` reads it, without the enum's look-up for the usual codes.
_DIRECTIONS: Final = {direction.value: direction for direction in Direction}


@dataclass(frozen=True, slots=True)
class DetailPlan:
    """Where one ``TxDtls``'s values stand in its entry's nodes (``None``: absent)."""

    end_to_end: int | None
    references: tuple[int, ...]  # the kept references (``DETAIL_REFS``), in that order
    lines: tuple[int, ...]  # ``RmtInf/Ustrd``
    amount: int | None
    direction: int | None


@dataclass(frozen=True, slots=True)
class Plan:
    """Where an entry shape's values stand, as indexes into the entry's nodes in document order."""

    amount: int
    direction: int | None
    booking: int | None  # the ``Dt`` of ``BookgDt``
    value: int | None  # the ``Dt`` of ``ValDt``
    choices: tuple[
        int, ...
    ]  # ``BookgDt``, ``ValDt``, ``Sts`` when they hold one child: their text must be blank
    reversal: int | None
    status: int | None  # ``Sts`` (plain text) or its ``Cd``
    bank_ref: int | None
    entry_ref: int | None
    info: int | None
    details: tuple[DetailPlan, ...]


class EntryReader:
    """Reads the entries of one document, remembering a plan per entry shape."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.plans: dict[tuple[Any, ...], Plan | None] = {}
        self.last: tuple[tuple[Any, ...], Plan | None] = ((), None)  # the shape just read, and its plan

    def read(self, element: Any, position: str) -> tuple[BankEntry, list[Issue], bool]:
        """The same as :func:`read_entry`: the entry, its soft issues, whether it states a status."""
        nodes = list(element.iter())
        shape = (*map(_TAG, nodes), *map(len, nodes))
        plan: object = self.last[1]  # entries come in runs of one shape: compared, not hashed
        if shape != self.last[0]:
            plan = self.plans.get(shape, _UNKNOWN)
            if plan is None or isinstance(plan, Plan):
                self.last = shape, plan
        if plan is _UNKNOWN:  # the first entry of its shape
            read = read_entry(self.scope, element, position)  # checks the structure, or refuses
            if len(self.plans) < MAX_SHAPES:
                self.plans[shape] = compile_plan(self.scope, element, nodes)
            return read
        if isinstance(plan, Plan):
            try:
                found = _read_planned(self.scope, plan, nodes, position)
            except InputError:
                found = None
            if found is not None:
                return found
        return read_entry(self.scope, element, position)


def compile_plan(scope: Scope, element: Any, nodes: list[Any]) -> Plan | None:
    """The plan for the shape of ``element``, an entry ``read_entry`` accepted; ``None`` if not covered.

    Every element the plan reads a value from must be a leaf (one that holds
    children, a comment included, is refused by the general reading only
    when its value is needed, which may differ between entries).
    """
    at = {node: index for index, node in enumerate(nodes)}
    kids = scope.kids(element)
    if "Chrgs" in kids:
        return None
    booking, value, choices = _date(scope, kids.get("BookgDt")), _date(scope, kids.get("ValDt")), []
    status = _status(scope, kids.get("Sts"))
    if booking is _UNKNOWN or value is _UNKNOWN or status is _UNKNOWN:
        return None
    for name in ("BookgDt", "ValDt", "Sts"):
        if name in kids and len(kids[name]) == 1:
            choices.append(at[kids[name]])
    details = []
    for holder in scope.findall(element, "NtryDtls"):
        for transaction in scope.findall(holder, "TxDtls"):
            detail = _detail(scope, transaction, at)
            if detail is None:
                return None
            details.append(detail)
    leaves = [
        kids.get(name) for name in ("Amt", "CdtDbtInd", "RvslInd", "AcctSvcrRef", "NtryRef", "AddtlNtryInf")
    ]
    if any(leaf is not None and len(leaf) for leaf in (*leaves, booking, value, status)):
        return None
    amount, direction, indicator, bank_ref, entry_ref, info = (_index(at, leaf) for leaf in leaves)
    if amount is None:
        return None
    return Plan(
        amount=amount,
        direction=direction,
        booking=_index(at, booking),
        value=_index(at, value),
        choices=tuple(choices),
        reversal=indicator,
        status=_index(at, status),
        bank_ref=bank_ref,
        entry_ref=entry_ref,
        info=info,
        details=tuple(details),
    )


def _index(at: dict[Any, int], node: Any) -> int | None:
    return None if node is None else at[node]


def _date(scope: Scope, choice: Any) -> Any:
    """The ``Dt`` of a ``BookgDt``/``ValDt`` holding only that, ``None`` without one, else unknown."""
    if choice is None:
        return None
    if len(choice) == 1 and choice[0].tag == f"{{{scope.ns}}}Dt":
        return choice[0]
    return _UNKNOWN


def _status(scope: Scope, status: Any) -> Any:
    """``Sts`` as text, or its ``Cd`` alone; anything else is unknown."""
    if status is None or len(status) == 0:
        return status
    if len(status) == 1 and status[0].tag == f"{{{scope.ns}}}Cd":
        return status[0]
    return _UNKNOWN


def _detail(scope: Scope, element: Any, at: dict[Any, int]) -> DetailPlan | None:
    kids = scope.kids(element)
    if "Chrgs" in kids:
        return None
    refs = scope.kids(kids["Refs"]) if "Refs" in kids else {}
    kept = [refs[name] for name in DETAIL_REFS if name in refs]
    lines = scope.findall(kids["RmtInf"], "Ustrd") if "RmtInf" in kids else []
    amount = kids.get("Amt")
    if amount is None and "AmtDtls" in kids:
        amount = scope.find(kids["AmtDtls"], "TxAmt/Amt")
    end_to_end, direction = refs.get("EndToEndId"), kids.get("CdtDbtInd")
    if any(
        len(leaf) for leaf in (*kept, *lines, *(n for n in (amount, end_to_end, direction) if n is not None))
    ):
        return None
    return DetailPlan(
        end_to_end=_index(at, end_to_end),
        references=tuple(at[ref] for ref in kept),
        lines=tuple(at[line] for line in lines),
        amount=_index(at, amount),
        direction=_index(at, direction),
    )


def _text(nodes: list[Any], index: int | None) -> str | None:
    """What :meth:`Scope.value` gives for a leaf: its stripped text, ``None`` if blank or absent."""
    if index is None:
        return None
    text = nodes[index].text
    return text.strip() or None if text is not None else None


def _direction(scope: Scope, nodes: list[Any], index: int | None) -> Direction | None:
    text = _text(nodes, index)
    if text in _DIRECTIONS:
        return _DIRECTIONS[text]
    return read_direction(scope, None if index is None else nodes[index], "")  # absent, or refused


def _read_planned(
    scope: Scope, plan: Plan, nodes: list[Any], position: str
) -> tuple[BankEntry, list[Issue], bool] | None:
    """The entry through ``plan``, or ``None`` where only the general reading may answer.

    What the general reading does for any entry is done here for the usual one
    in fewer steps (one detail with one line, no reversal flag), with the same
    result: the general helpers answer wherever the entry is not the usual one.
    """
    for index in plan.choices:
        text = nodes[index].text
        if text is not None and text.strip():
            return None
    amount, currency = read_amount(scope, nodes[plan.amount], "")
    direction = _direction(scope, nodes, plan.direction)
    if amount < 0 or direction is None:
        return None
    details = tuple([_read_detail(scope, detail, nodes, currency, direction) for detail in plan.details])
    if len(details) == 1:  # a detail's remittance and end-to-end id are already blank-free
        remittance, end_to_end = details[0].remittance, details[0].end_to_end_id
    else:
        remittance, end_to_end = joined([detail.remittance for detail in details]), single_end_to_end(details)
    booking = _text(nodes, plan.booking)
    valued = _text(nodes, plan.value)
    status = _text(nodes, plan.status)
    booked = parse_date(scope, booking, "", None) if booking else None
    value_date = (booked if valued == booking else parse_date(scope, valued, "", None)) if valued else None
    entry = BankEntry(
        amount=amount,
        currency=currency,
        direction=direction,
        booking_date=booked,
        value_date=value_date,
        reversal=False if plan.reversal is None else read_reversal(scope, nodes[plan.reversal], ""),
        status=status or "BOOK",
        bank_ref=_text(nodes, plan.bank_ref) or _text(nodes, plan.entry_ref),
        end_to_end_id=end_to_end,
        remittance=remittance or _text(nodes, plan.info),
        details=details,
        charges=0,
        position=position,
    )
    return entry, entry_issues(scope, entry), status is not None


def _read_detail(
    scope: Scope, plan: DetailPlan, nodes: list[Any], currency: str, direction: Direction
) -> TxDetail:
    end_to_end = _text(nodes, plan.end_to_end)
    references: tuple[str, ...] = ()
    if plan.references:  # most details keep none
        references = tuple(ref for index in plan.references if (ref := _text(nodes, index)))
    stated: tuple[int, str] | None = None
    own: Direction | None = None
    if plan.amount is not None:
        stated = read_amount(scope, nodes[plan.amount], "", currency=currency)
        own = _direction(scope, nodes, plan.direction)
    lines = plan.lines  # one, usually: its text is what joined() would make of it
    remittance = _text(nodes, lines[0]) if len(lines) == 1 else joined([_text(nodes, i) for i in lines])
    return detail_record(end_to_end, references, remittance, stated, own, currency, direction)
