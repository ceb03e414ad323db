"""MT940 as SWIFT defines it and as banks write it: every optional part optional, every dialect read exactly.

Each sample is written here in the shape a bank sends (Sberbank's funds
code and blank transaction code, Rabobank's ``.`` decimals and padded
references, ING's wrapped fields and ``/CODE/`` subfields), not copied
from any bank's file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from adapters.formats.mt940 import Mt940Parser
from adapters.formats.mt940_fields import read_statement_line
from reconcile.records import BankStatement, Direction, Parsed
from reconcile.statements import credit_debit_totals


def _parse(tmp_path: Path, lines: list[str], name: str = "bank.sta") -> Parsed:
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    return Mt940Parser().parse(path)


def _statement(balance_ccy: str, entries: list[str], closing: str, opening: str = "0,") -> list[str]:
    return [
        ":20:STMT1",
        ":25:VN3711101000000",
        ":28C:1/1",
        f":60F:C261124{balance_ccy}{opening}",
        *entries,
        f":62F:C261125{balance_ccy}{closing}",
        "-",
    ]


@pytest.mark.parametrize(
    ("line", "mark", "funds", "direction", "reversal"),
    [
        (":61:1710111011DF2402,00S   X", "D", "F", Direction.DEBIT, False),
        (":61:171011CF2402,00NTRFNONREF", "C", "F", Direction.CREDIT, False),
        (":61:1710111011RCF2402,00NTRFNONREF", "RC", "F", Direction.DEBIT, True),
        (":61:1710111011RDU2402,00NTRFNONREF", "RD", "U", Direction.CREDIT, True),
        (":61:1710111011D 2402,00NTRFNONREF", "D", None, Direction.DEBIT, False),
    ],
)
def test_the_funds_code_after_the_mark_is_read_and_the_entry_date_is_optional(
    tmp_path: Path, line: str, mark: str, funds: str | None, direction: Direction, reversal: bool
) -> None:
    closing = ("C" if direction is Direction.CREDIT else "D") + "171011HUF2402,00"
    lines = [*_statement("HUF", [line], "0,")[:-2], f":62F:{closing}", "-"]

    parsed = _parse(tmp_path, lines)

    [entry] = parsed.statements[0].entries
    assert (entry.amount, entry.direction, entry.reversal) == (240200, direction, reversal)
    assert entry.status == "BOOK"
    assert (entry.value_date, entry.booking_date) == (dt.date(2017, 10, 11), dt.date(2017, 10, 11))
    assert parsed.issues == ()
    read = read_statement_line((line.removeprefix(":61:"),))
    assert (read.mark, read.funds_code) == (mark, funds)


def test_a_blank_transaction_code_leaves_the_owner_reference_after_it(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, _statement("HUF", [":61:1710111011DF2402,00S   X"], "2402,00", "4804,00"))

    [entry] = parsed.statements[0].entries
    assert (entry.owner_ref, entry.end_to_end_id, entry.bank_ref) == ("X", "X", None)


@pytest.mark.parametrize(("mark", "direction"), [("EC", Direction.CREDIT), ("ED", Direction.DEBIT)])
def test_an_expected_entry_is_pending_and_moves_no_booked_balance(
    tmp_path: Path, mark: str, direction: Direction
) -> None:
    lines = _statement("VND", [f":61:2611251125{mark}150000,NTRFNONREF//FT1"], "0,")

    parsed = _parse(tmp_path, lines)

    [entry] = parsed.statements[0].entries
    assert (entry.direction, entry.status, entry.reversal) == (direction, "PDNG", False)
    assert parsed.issues == ()  # opening 0 + booked entries 0 = closing 0


@pytest.mark.parametrize(
    ("currency", "opening", "entry", "closing", "expected"),
    [
        ("EUR", "000000000000.00", "C000000000300.00NMSC170059286", "000000000300.00", 30000),
        ("JPY", "00000000000000.", "C00000001560395.NMSCNONREF", "00000001560395.", 1560395),
        ("VND", "0.", "C150000.00NTRFNONREF", "150000.00", 150000),
        ("EUR", "0,", "C18.5NTRFNONREF", "18,50", 1850),
    ],
)
def test_amounts_with_a_decimal_point_are_read_where_a_bank_writes_them(
    tmp_path: Path, currency: str, opening: str, entry: str, closing: str, expected: int
) -> None:
    lines = _statement(currency, [f":61:0301090109{entry}"], closing, opening)

    parsed = _parse(tmp_path, lines)

    statement = parsed.statements[0]
    assert [e.amount for e in statement.entries] == [expected]
    assert statement.closing is not None
    assert statement.closing.amount == expected
    assert parsed.issues == ()


def test_a_rabobank_reference_padded_to_16_characters_is_followed_by_the_counterparty(tmp_path: Path) -> None:
    line = ":61:030111D000000000500.00NMSC1173113681      ROBECO"
    lines = _statement("EUR", [line, ":86:AANKOOP FONDSEN"], "0.00", "000000000500.00")

    [entry] = _parse(tmp_path, lines).statements[0].entries

    assert (entry.owner_ref, entry.end_to_end_id, entry.amount) == ("1173113681", "1173113681", 50000)
    assert entry.remittance == "AANKOOP FONDSEN"


def test_a_wrapped_sequence_number_and_statement_reference_are_joined(tmp_path: Path) -> None:
    lines = _statement("EUR", [], "0,")
    lines[0:3] = [":20:STMT1", ":25:NL01INGB0001234567", ":28C:00012/", "001"]

    [statement] = _parse(tmp_path, lines).statements

    assert (statement.statement_id, statement.account, statement.sequence) == (
        "STMT1",
        "NL01INGB0001234567",
        "00012/001",
    )


def test_ing_slash_subfields_give_the_end_to_end_reference_and_the_purpose(tmp_path: Path) -> None:
    entries = [
        ":61:2611251125C335,53NTRFEREF//31102000055044",
        "/TRCD/00100/",
        ":86:/EREF/SCT-1-BO230019-R1//CNTP/NL68RABO0106200123/RABONL2U/Lambrix",
        " Elektrotechniek///REMI/USTD//110130590 FACTUUR/",
    ]
    parsed = _parse(tmp_path, _statement("EUR", entries, "335,53"))

    [entry] = parsed.statements[0].entries
    assert (entry.owner_ref, entry.end_to_end_id) == ("EREF", "SCT-1-BO230019-R1")
    assert entry.bank_ref == "31102000055044"
    assert entry.purpose == "110130590 FACTUUR"
    assert entry.remittance is not None
    assert "Lambrix Elektrotechniek" in entry.remittance


def test_an_eref_that_holds_a_slash_is_read_whole(tmp_path: Path) -> None:
    entries = [
        ":61:2611251125C10,73NTRFNONREF",
        ":86:/REMI/Relatienummer 1755481/Factuurnr.7903792/IBAN/NL44ABNA0548041814/EREF/1755481/5570",
    ]
    [entry] = _parse(tmp_path, _statement("EUR", entries, "10,73")).statements[0].entries

    assert entry.end_to_end_id == "1755481/5570"
    assert entry.purpose == "Relatienummer 1755481/Factuurnr.7903792"
    assert entry.owner_ref is None


def test_german_subfields_give_the_purpose_and_eref_wins_over_the_owner_reference(tmp_path: Path) -> None:
    entries = [
        ":61:2611251125C150000,NTRFKBNN-REF-1//FT1",
        ":86:166?00SEPA-GUTSCHRIFT?20EREF+LPTB-2026-0001 SVWZ+?21Le phi truoc ba?32NGUYEN VAN A",
    ]
    [entry] = _parse(tmp_path, _statement("VND", entries, "150000,")).statements[0].entries

    assert (entry.owner_ref, entry.end_to_end_id) == ("KBNN-REF-1", "LPTB-2026-0001")
    assert entry.purpose == "EREF+LPTB-2026-0001 SVWZ+Le phi truoc ba"


def _pages() -> list[str]:
    return [
        ":20:STMT7",
        ":25:VN3711101000000",
        ":28C:7/1",
        ":60F:C261124VND1000000,",
        ":61:2611251125C150000,NTRFNONREF//FT1",
        ":62M:C261125VND1150000,",
        "-",
        ":20:STMT7",
        ":25:VN3711101000000",
        ":28C:7/2",
        ":60M:C261125VND1150000,",
        ":61:2611251125D50000,NTRFNONREF//FT2",
        ":62F:C261125VND1100000,",
        "-",
    ]


def test_intermediate_balances_carry_a_statement_across_its_pages(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, _pages())

    first, second = parsed.statements
    assert parsed.issues == ()
    assert (first.sequence, second.sequence) == ("7/1", "7/2")
    assert first.closing is not None
    assert second.opening is not None
    assert (first.closing.kind, second.opening.kind) == ("CLBD", "PRCD")
    assert first.closing.amount == second.opening.amount == 1150000


def test_a_page_that_does_not_open_where_the_last_one_closed_is_an_issue(tmp_path: Path) -> None:
    lines = _pages()
    lines[10] = ":60M:C261125VND1160000,"
    lines[12] = ":62F:C261125VND1110000,"

    parsed = _parse(tmp_path, lines)

    [issue] = parsed.issues
    assert issue.where == "line 11"
    assert "intermediate" in issue.message
    assert "opening balance 1160000 does not carry on the closing balance 1150000" in issue.message


def test_an_mt942_report_with_expected_entries_is_read(tmp_path: Path) -> None:
    lines = [
        ":20:INTRADAY1",
        ":25:VN3711101000000",
        ":28C:1/1",
        ":34F:VNDD0,",
        ":34F:VNDC0,",
        ":13D:2611251015+0700",
        ":61:2611251125C150000,NTRFVNP-B1//FT1",
        ":61:2611251125EC70000,NTRFNONREF//FT2",
        ":90D:0VND0,",
        ":90C:2VND220000,",
        "-",
    ]
    parsed = _parse(tmp_path, lines, "mt942.sta")

    [statement] = parsed.statements
    assert parsed.format == "mt942"
    assert [(e.amount, e.status, e.owner_ref) for e in statement.entries] == [
        (150000, "BOOK", "VNP-B1"),
        (70000, "PDNG", None),
    ]


def test_a_statement_without_entries_totals_zero_in_its_currency(tmp_path: Path) -> None:
    statement: BankStatement = _parse(tmp_path, _statement("EUR", [], "0,")).statements[0]

    assert statement.entries == ()
    assert credit_debit_totals(statement) == {"EUR": {"credit": 0, "debit": 0}}


def test_a_message_type_line_and_an_ing_trailer_are_not_fields(tmp_path: Path) -> None:
    lines = [
        ":940:",
        *_statement("EUR", [":61:100722D25,03NTRFNONREF", ":86:AFREKENING"], "0,", "25,03")[:-1],
        ":86:D000001C000000D25,03C0,00",
        "-XXX",
    ]
    [statement] = _parse(tmp_path, lines).statements

    assert [(e.amount, e.remittance) for e in statement.entries] == [(2503, "AFREKENING")]


def test_a_time_wrapped_onto_the_next_line_of_86_is_text_not_a_tag(tmp_path: Path) -> None:
    entries = [
        ":61:1602290301DR6,00N024KREF+",
        ":86:106?000000/661?20EREF+VZ0000000000000000?21MREF+000000?22CRED+XX0",
        "000000000000000?23ABCDEFGHIJKLMNOPQRSTUVW?24/PL 12-09-2014T16",
        ":26:37 Fo?25lgenr. 007",
    ]
    lines = [*_statement("EUR", entries, "0,", "6,00")[:-2], ":62F:C160301EUR0,00", "-"]

    [entry] = _parse(tmp_path, lines).statements[0].entries

    assert (entry.owner_ref, entry.end_to_end_id) == ("KREF+", "VZ0000000000000000")
    assert entry.purpose is not None
    assert entry.purpose.endswith("/PL 12-09-2014T16:26:37 Folgenr. 007")
    assert (entry.value_date, entry.booking_date) == (dt.date(2016, 2, 29), dt.date(2016, 3, 1))


def test_slash_subfields_cut_short_of_65_columns_are_joined_where_they_were_cut(tmp_path: Path) -> None:
    entries = [
        ":61:1612151215C109,65N654NONREF",
        ":86:/TRTP/SEPA OVERBOEKING/IBAN/NL75INGB0001234567/BIC/INGBNL2A/NAME/",
        "HR K NGUYEN/REMI/RES.NR 00042/EREF/NOTPROV",
        "IDED",
        ":61:1612151215D62,63N247NONREF",
        ":86:/TRTP/SEPA INCASSO/NAME/XXXXXXXX B.V./REMI//INV/1511682351 1.1",
        "2.2016/IBAN/NL37DEUT0123456789/EREF/0123456789123",
        "61000",
    ]
    parsed = _parse(tmp_path, _statement("EUR", entries, "47,02"))

    credit, debit = parsed.statements[0].entries
    assert (credit.end_to_end_id, credit.purpose) == (None, "RES.NR 00042")
    assert (debit.end_to_end_id, debit.purpose) == ("012345678912361000", "/INV/1511682351 1.12.2016")
