"""An entry read through the plan of its shape is read exactly as the general reading reads it.

Every later entry of a statement shares the first one's shape, so it goes
through :mod:`adapters.formats.camt_shapes`. One of them is broken in each
way a file gets broken (markup inside a value, text beside a choice's child,
an element renamed, deleted or repeated, an attribute dropped, a bad value),
and the file is read twice: as the parser reads it, and with no shape
remembered, so that every entry goes through ``read_entry``. The records, or
the refusal with its reason and place, must be the same.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from adapters.formats import camt_shapes
from adapters.formats.camt import CamtParser
from adapters.formats.camt_elements import Scope
from adapters.formats.camt_writer import write_camt053
from reconcile.errors import InputError
from reconcile.records import Balance, BankEntry, BankStatement, Direction, TxDetail

DAY = dt.date(2026, 11, 27)
BAD_VALUES = [
    "",
    " ",
    "abc",
    "-5",
    "7",  # a detail's amount that leaves the entry's unsummed: an issue
    "1.5",
    "1,5",
    "9" * 22,
    "2026-02-30",
    "2026-11-26",  # a value date before the booking date: an issue, not a refusal
    "1899-12-31",
    "2026-11-27T10:00:00",
    "\u0663",
    "DBIT",
    "true",
    "NOTPROVIDED",
    " 12 ",
]


def _statement(details: int) -> BankStatement:
    entries = []
    for i in range(4):
        parts = tuple(
            TxDetail(f"E2E-{i}-{k}", 1000 + k, f"lo {i} {k}", references=("R1",)[: k % 2])
            for k in range(details)
        )
        entries.append(
            BankEntry(
                amount=sum(part.amount or 0 for part in parts) or 5000 + i,
                currency="VND",
                direction=Direction.CREDIT if i % 2 == 0 else Direction.DEBIT,
                booking_date=DAY,
                value_date=DAY,
                bank_ref=f"BR{i}",
                remittance=" ".join(part.remittance or "" for part in parts) or f"r{i}",
                details=parts,
            )
        )
    return BankStatement(
        statement_id="S-1",
        sequence="1",
        account="7111010000001",
        currency="VND",
        created_at=dt.datetime(2026, 11, 27, 18, tzinfo=dt.UTC),
        balances=(Balance("OPBD", 0, "VND", DAY), Balance("CLBD", 0, "VND", DAY)),
        entries=tuple(entries),
        from_date=DAY,
        to_date=DAY,
    )


def _broken(tree: etree._ElementTree, entry: int) -> Iterator[tuple[str, etree._ElementTree]]:
    """``tree`` with the ``entry``-th ``Ntry`` broken one way at a time, element by element."""
    count = sum(1 for _ in _entries(tree)[entry].iter())
    for position in range(count):
        for way in ["comment", "child", "text", "rename", "delete", "repeat", "no-ccy", "ccy", *BAD_VALUES]:
            copied = copy.deepcopy(tree)
            element = list(_entries(copied)[entry].iter())[position]
            if isinstance(element.tag, str) and _break(element, way):
                yield f"node {position}, {way!r}", copied


def _entries(tree: etree._ElementTree) -> list[etree._Element]:
    return [
        node for node in tree.iter() if isinstance(node.tag, str) and etree.QName(node).localname == "Ntry"
    ]


def _break(element: etree._Element, way: str) -> bool:
    ns = etree.QName(element).namespace
    parent, leaf = element.getparent(), len(element) == 0
    if way == "comment":
        element.insert(0, etree.Comment(" c "))
    elif way == "child":
        element.append(etree.Element(f"{{{ns}}}Cd"))
    elif way == "text" and not leaf:
        element.text = "x"
    elif way == "rename":
        element.tag = f"{{{ns}}}Ntri"
    elif way == "delete" and parent is not None:
        parent.remove(element)
    elif way == "repeat" and parent is not None:
        element.addnext(copy.deepcopy(element))
    elif way == "no-ccy" and element.get("Ccy") is not None:
        del element.attrib["Ccy"]
    elif way == "ccy" and element.get("Ccy") is not None:
        element.set("Ccy", "EUR")
    elif way in BAD_VALUES and leaf:
        element.text = way
    else:
        return False
    return True


def _outcome(path: Path) -> str:
    try:
        return "read " + repr(CamtParser().parse(path))
    except InputError as exc:
        return f"refused {exc.reason!r} {exc.source!r} {exc.where!r}"


@pytest.mark.parametrize(
    ("version", "details"), [("camt.053.001.08", 1), ("camt.053.001.08", 2), ("camt.053.001.02", 1)]
)
def test_a_broken_later_entry_is_read_or_refused_as_the_general_reading_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, details: int
) -> None:
    original = tmp_path / "statement.xml"
    write_camt053([_statement(details)], original, version=version)
    tree = etree.parse(str(original))
    compared = read = 0
    for name, broken in _broken(tree, entry=2):
        path = tmp_path / "broken.xml"
        broken.write(str(path), xml_declaration=True, encoding="utf-8")
        planned = _outcome(path)
        with monkeypatch.context() as patched:
            patched.setattr(camt_shapes, "MAX_SHAPES", 0)  # no shape remembered: every entry read in full
            general = _outcome(path)
        assert planned == general, name
        compared += 1
        read += planned.startswith("read")
    assert compared > 200
    assert 0 < read < compared  # some breakages are read (a tail, another value), most refused


def test_the_entries_of_one_shape_share_a_plan_and_are_read_as_in_full(tmp_path: Path) -> None:
    path = tmp_path / "statement.xml"
    write_camt053([_statement(2)], path)
    tree = etree.parse(str(path))
    scope = Scope(etree.QName(tree.getroot()).namespace or "", path.name)
    reader = camt_shapes.EntryReader(scope)
    for number, entry in enumerate(_entries(tree), start=1):
        position = f"Stmt[1]/Ntry[{number}]"
        assert reader.read(entry, position) == camt_shapes.read_entry(scope, entry, position)
    assert len(reader.plans) == 1
    assert all(isinstance(plan, camt_shapes.Plan) for plan in reader.plans.values())


def test_a_shape_with_charges_has_no_plan_and_is_read_in_full(tmp_path: Path) -> None:
    path = tmp_path / "statement.xml"
    write_camt053([_statement(1)], path)
    tree = etree.parse(str(path))
    ns = etree.QName(tree.getroot()).namespace
    for entry in _entries(tree):
        charges = etree.SubElement(entry, f"{{{ns}}}Chrgs")
        etree.SubElement(charges, f"{{{ns}}}TtlChrgsAndTaxAmt", Ccy="VND").text = "100"
        entry.insert(len(entry) - 2, charges)  # before NtryDtls and AddtlNtryInf, as the schema orders them
    scope = Scope(ns or "", path.name)
    reader = camt_shapes.EntryReader(scope)
    read = [reader.read(entry, f"Stmt[1]/Ntry[{n}]")[0] for n, entry in enumerate(_entries(tree), start=1)]
    assert [entry.charges for entry in read] == [100] * 4
    assert list(reader.plans.values()) == [None]
