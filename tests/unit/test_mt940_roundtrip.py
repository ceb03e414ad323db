"""What the MT940 writer writes, the parser reads back to the same records, to the minor unit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.formats.base import read_head
from adapters.formats.mt940 import Mt940Parser
from adapters.formats.mt940_writer import render_mt940, write_mt940
from reconcile.records import Balance, BankEntry, BankStatement, Direction, Parsed

VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐ"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
TEXT = ALNUM + "abcdefghijklmnopqrstuvwxyz .,-()" + VIETNAMESE
DATES = st.dates(dt.date(2000, 1, 1), dt.date(2070, 12, 31))
PLACEHOLDERS = {"NONREF", "NOTPROVIDED", "EREF", "PREF", "KREF", "MREF"}


def _words(alphabet: str, max_size: int) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(alphabet), min_size=1, max_size=max_size).map(str.strip).filter(bool)


@st.composite
def bank_entries(draw: st.DrawFn, currency: str) -> BankEntry:
    value_date = draw(DATES)
    return BankEntry(
        amount=draw(st.integers(0, 10**13)),
        currency=currency,
        direction=draw(st.sampled_from(Direction)),
        booking_date=value_date + dt.timedelta(days=draw(st.integers(-10, 10))),
        value_date=value_date,
        reversal=draw(st.booleans()),
        bank_ref=draw(st.none() | _words(ALNUM, 16).filter(lambda ref: ref not in PLACEHOLDERS)),
        end_to_end_id=draw(st.none() | _words(ALNUM + "-", 35).filter(lambda ref: ref not in PLACEHOLDERS)),
        remittance=draw(st.none() | _words(TEXT, 150)),
        owner_ref=draw(st.none() | _words(ALNUM + "-.", 16).filter(lambda ref: ref not in PLACEHOLDERS)),
    )


@st.composite
def bank_statements(draw: st.DrawFn) -> BankStatement:
    currency = draw(st.sampled_from(["VND", "EUR"]))
    entries = tuple(draw(st.lists(bank_entries(currency), max_size=6)))
    opened = draw(DATES)
    opening = draw(st.integers(-(10**13), 10**13))
    closing = opening + sum(entry.signed_amount for entry in entries)
    closed = opened + dt.timedelta(days=draw(st.integers(0, 3)))
    balances = [
        Balance(draw(st.sampled_from(["OPBD", "PRCD"])), opening, currency, opened),
        Balance("CLBD", closing, currency, closed),
    ]
    if draw(st.booleans()):
        balances.append(Balance("CLAV", closing, currency, closed))
    return BankStatement(
        statement_id=draw(_words(ALNUM + "/-", 16)),
        sequence=draw(st.none() | st.from_regex(r"\d{1,5}(/\d{1,3})?", fullmatch=True)),
        account=draw(st.from_regex(r"VN\d{8,20}", fullmatch=True)),
        currency=currency,
        created_at=None,
        balances=tuple(balances),
        entries=entries,
    )


def _as_read_back(entry: BankEntry) -> BankEntry:
    """The writer puts the end-to-end reference in front of the remittance as SEPA ``EREF+``.

    The owner's reference in ``:61:`` is the end-to-end reference when
    ``:86:`` names none; the ``?NN`` text is the purpose.
    """
    remittance = entry.remittance
    if entry.end_to_end_id and entry.end_to_end_id != entry.owner_ref:
        remittance = f"EREF+{entry.end_to_end_id}" + (f" SVWZ+{remittance}" if remittance else "")
    end_to_end_id = entry.end_to_end_id or entry.owner_ref
    return dataclasses.replace(entry, remittance=remittance, end_to_end_id=end_to_end_id, purpose=remittance)


def _covered_dates(statement: BankStatement) -> list[dt.date]:
    return [b.date for b in statement.balances if b.date] + [
        e.booking_date for e in statement.entries if e.booking_date
    ]


def _assert_read_back(parsed: Parsed, statements: list[BankStatement]) -> None:
    assert parsed.format == "mt940"
    dates = [(e.value_date, e.booking_date) for statement in statements for e in statement.entries]
    assert [issue.message for issue in parsed.issues] == [
        f"value date {value} is before booking date {booked}"
        for value, booked in dates
        if value and booked and value < booked
    ]
    assert len(parsed.statements) == len(statements)
    for read, written in zip(parsed.statements, statements, strict=True):
        assert (read.statement_id, read.sequence, read.account, read.currency) == (
            written.statement_id,
            written.sequence,
            written.account,
            written.currency,
        )
        assert read.balances == written.balances
        assert [dataclasses.replace(e, position=None) for e in read.entries] == [
            _as_read_back(e) for e in written.entries
        ]
        assert read.from_date == min(_covered_dates(written))
        assert read.to_date == max(_covered_dates(written))


def _parse_text(text: str) -> Parsed:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "statement.sta"
        path.write_bytes(text.encode("utf-8"))
        parser = Mt940Parser()
        assert parser.identify(path, read_head(path))
        return parser.parse(path)


@settings(deadline=None)
@given(st.lists(bank_statements(), min_size=1, max_size=4))
def test_statements_written_as_mt940_read_back_the_same(statements: list[BankStatement]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "statement.sta"
        write_mt940(statements, path)
        parser = Mt940Parser()
        assert parser.identify(path, read_head(path))
        parsed = parser.parse(path)

    _assert_read_back(parsed, statements)


_MARKED_AMOUNT = re.compile(r"^(:(?:6[0-5][FM]?):[CD]\d{6}[A-Z]{3}|:61:\d{10}(?:RC|RD|C|D))(\d+),(\d*)")
_MARK = re.compile(r"^(:61:\d{10}(?:RC|RD|C|D))")


def _decimal_point(lines: list[str], currency: str) -> list[str]:
    """Rabobank: ``.`` as the decimal mark."""
    return [_MARKED_AMOUNT.sub(r"\1\2.\3", line) for line in lines]


def _funds_code(lines: list[str], currency: str) -> list[str]:
    """The optional funds code after the mark: the currency's third letter."""
    return [_MARK.sub(rf"\g<1>{currency[2]}", line) for line in lines]


def _wrapped_sequence(lines: list[str], currency: str) -> list[str]:
    """ING: ``:28C:`` wrapped onto a second line."""
    wrapped: list[str] = []
    for line in lines:
        value = line.removeprefix(":28C:")
        if line.startswith(":28C:") and len(value) > 1:
            wrapped += [f":28C:{value[:-1]}", value[-1]]
        else:
            wrapped.append(line)
    return wrapped


def _bank_header(lines: list[str], currency: str) -> list[str]:
    """A bank's header lines and a message type line before the first statement."""
    return ["0000 01INGBNL2AXXXX00001", "940 00", ":940:", *lines]


DIALECTS = {
    "decimal-point": _decimal_point,
    "funds-code": _funds_code,
    "wrapped-sequence": _wrapped_sequence,
    "bank-header": _bank_header,
}


@settings(deadline=None)
@given(
    st.lists(bank_statements(), min_size=1, max_size=3),
    st.lists(st.sampled_from(sorted(DIALECTS)), min_size=1, max_size=4, unique=True),
    st.sampled_from(["\r\n", "\n"]),
)
def test_statements_in_a_banks_dialect_read_back_the_same(
    statements: list[BankStatement], dialects: list[str], line_end: str
) -> None:
    lines = render_mt940(statements).split("\r\n")
    for statement in statements:  # a dialect applies to the statement in its currency
        assert statement.currency is not None
    for name in dialects:
        currency = statements[0].currency or "VND"
        if name in {"decimal-point", "funds-code"} and any(s.currency != currency for s in statements):
            continue
        lines = DIALECTS[name](lines, currency)

    _assert_read_back(_parse_text(line_end.join(lines)), statements)


def _one_entry_statement(entry: BankEntry) -> BankStatement:
    day = dt.date(2026, 11, 25)
    return BankStatement(
        statement_id="KBNN-01-20261125",
        sequence="1/1",
        account="VN3711101000000",
        currency="VND",
        created_at=None,
        balances=(Balance("OPBD", 0, "VND", day), Balance("CLBD", entry.signed_amount, "VND", day)),
        entries=(entry,),
    )


@pytest.mark.parametrize(
    ("direction", "reversal", "mark"),
    [
        (Direction.CREDIT, False, "C"),
        (Direction.DEBIT, False, "D"),
        (Direction.DEBIT, True, "RC"),
        (Direction.CREDIT, True, "RD"),
    ],
)
def test_a_reversal_is_written_with_its_swift_mark_and_keeps_its_booked_direction(
    direction: Direction, reversal: bool, mark: str
) -> None:
    day = dt.date(2026, 11, 25)
    entry = BankEntry(150000, "VND", direction, day, day, reversal=reversal, bank_ref="FT2633001")
    text = render_mt940([_one_entry_statement(entry)])

    assert f":61:2611251125{mark}150000,NTRFNONREF//FT2633001" in text


def test_a_booking_date_across_new_year_is_read_in_the_next_year(tmp_path: Path) -> None:
    entry = BankEntry(
        2_500_000, "VND", Direction.CREDIT, dt.date(2027, 1, 2), dt.date(2026, 12, 31), bank_ref="NY1"
    )
    path = tmp_path / "newyear.sta"
    write_mt940([_one_entry_statement(entry)], path)

    read = Mt940Parser().parse(path).statements[0].entries[0]

    assert (read.value_date, read.booking_date) == (dt.date(2026, 12, 31), dt.date(2027, 1, 2))


def test_a_statement_without_closing_balance_is_not_written() -> None:
    statement = dataclasses.replace(
        _one_entry_statement(BankEntry(1, "VND", Direction.CREDIT, None, dt.date(2026, 11, 25))),
        balances=(Balance("OPBD", 0, "VND", dt.date(2026, 11, 25)),),
    )

    with pytest.raises(ValueError, match="closing balance"):
        render_mt940([statement])
