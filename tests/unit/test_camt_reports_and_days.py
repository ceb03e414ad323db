"""camt.052 intraday reports, statements without entries, and bookings stamped with a time.

- A camt.052 account report is read as what it is: its ``Rpt`` blocks are
  statements of the account (DESIGN.md §6 counts them), its entries keep
  their status (pending ones never settle a batch), and it never says that a
  day is complete (no ``to_date``): only the day's statement does.
- A statement with no entries still has its currency (DESIGN.md §4).
- A ``DtTm`` booking or value date is dated by its day in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_camt_bad_input import BALANCES, ENTRY, accepted, line_of, refused, statement, write

from adapters.formats.base import read_head
from adapters.formats.camt import CamtParser
from reconcile.statements import credit_debit_totals

PENDING = ENTRY.replace("<Cd>BOOK</Cd>", "<Cd>PDNG</Cd>").replace("KB-0001", "KB-0002")
INTRADAY = BALANCES.replace("OPBD", "ITBD").replace("CLBD", "ITAV")


def report(entries: str = ENTRY + "\n" + PENDING, *, version: str = "001.08", blocks: int = 1) -> str:
    text = statement(entries, message=f"camt.052.{version}", balances=INTRADAY)
    text = text.replace("BkToCstmrStmt", "BkToCstmrAcctRpt").replace("Stmt>", "Rpt>")
    first = text[text.index("<Rpt>") : text.index("</Rpt>") + len("</Rpt>")]
    more = [first.replace("KBNN-01-20261125", f"KBNN-01-20261125-{n}") for n in range(2, blocks + 1)]
    return text.replace(first, "\n".join([first, *more]))


# camt.052


@pytest.mark.parametrize("version", ["001.02", "001.06", "001.08", "001.13"])
def test_an_intraday_report_is_read_as_the_account_reports_it_holds(tmp_path: Path, version: str) -> None:
    path = write(tmp_path, report(version=version, blocks=2))
    parser = CamtParser()
    assert parser.identify(path, read_head(path))
    parsed = parser.parse(path)
    assert parsed.format == f"camt.052.{version}"
    assert [s.statement_id for s in parsed.statements] == ["KBNN-01-20261125", "KBNN-01-20261125-2"]
    first = parsed.statements[0]
    assert [(e.bank_ref, e.status, e.amount) for e in first.entries] == [
        ("KB-0001", "BOOK", 150000),
        ("KB-0002", "PDNG", 150000),
    ]
    assert [e.position for e in first.entries] == ["Rpt[1]/Ntry[1]", "Rpt[1]/Ntry[2]"]
    assert [b.kind for b in first.balances] == ["ITBD", "ITAV"]


def test_an_intraday_report_does_not_say_its_day_is_complete(tmp_path: Path) -> None:
    """Coverage is the statements' ``to_date``: a report made at 10:00 must not close the day."""
    parsed = accepted(tmp_path, report())
    (only,) = parsed.statements
    assert (only.from_date, only.to_date) == (dt.date(2026, 11, 25), None)
    day_statement = accepted(tmp_path, statement()).statements[0]
    assert day_statement.to_date == dt.date(2026, 11, 25)


def test_a_report_without_a_report_block_is_refused(tmp_path: Path) -> None:
    text = report()
    text = text[: text.index("<Rpt>")] + text[text.index("</Rpt>") + len("</Rpt>") :]
    error = refused(write(tmp_path, text))
    assert error.reason == "no statement (Rpt) in this camt.052 account report message"
    assert error.where == f"BkToCstmrAcctRpt (line {line_of(text, '<BkToCstmrAcctRpt>')})"


def test_a_statement_block_inside_a_report_message_is_refused(tmp_path: Path) -> None:
    text = report("").replace("<Rpt>", "<Stmt>").replace("</Rpt>", "</Stmt>")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("unexpected element Stmt inside BkToCstmrAcctRpt")
    assert error.where == f"BkToCstmrAcctRpt/Stmt (line {line_of(text, '<Stmt>')})"


def test_entries_of_a_statement_block_inside_a_report_message_are_refused_first(tmp_path: Path) -> None:
    text = report().replace("<Rpt>", "<Stmt>").replace("</Rpt>", "</Stmt>")
    error = refused(write(tmp_path, text))
    assert error.reason == "entry (Ntry) outside any statement (Rpt): it stands inside Stmt"
    assert error.where == f"Stmt/Ntry (line {line_of(text, '<Ntry>')})"


def test_the_first_camt_052_version_is_refused_naming_the_supported_ones(tmp_path: Path) -> None:
    error = refused(write(tmp_path, report(version="001.01")))
    assert error.reason.startswith("unsupported camt.052 version 001.01; supported: 001.02, ")


# No entries


def test_a_statement_without_entries_has_zero_totals_in_its_currency(tmp_path: Path) -> None:
    flat = BALANCES.replace(">1150000<", ">1000000<")
    parsed = accepted(tmp_path, statement("", balances=flat))
    (only,) = parsed.statements
    assert (only.entries, only.currency) == ((), "VND")
    assert credit_debit_totals(only) == {"VND": {"credit": 0, "debit": 0}}
    assert parsed.issues == ()


def test_without_an_account_currency_the_balances_give_it(tmp_path: Path) -> None:
    account = "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>"
    flat = BALANCES.replace('"VND">1150000<', '"EUR">10.00<').replace('"VND">1000000<', '"EUR">10.00<')
    (only,) = accepted(tmp_path, statement("", balances=flat, account=account)).statements
    assert credit_debit_totals(only) == {"EUR": {"credit": 0, "debit": 0}}


# Days


@pytest.mark.parametrize(
    ("stamp", "day"),
    [
        pytest.param("2026-08-27T20:10:00+00:00", dt.date(2026, 8, 28), id="utc-evening-is-next-local-day"),
        pytest.param("2026-08-27T20:10:00Z", dt.date(2026, 8, 28), id="zulu"),
        pytest.param("2026-08-27T16:59:59+00:00", dt.date(2026, 8, 27), id="23:59:59-local"),
        pytest.param("2026-08-27T17:00:00+00:00", dt.date(2026, 8, 28), id="midnight-local"),
        pytest.param("2026-08-28T01:00:00+09:00", dt.date(2026, 8, 27), id="tokyo-early-morning"),
        pytest.param("2026-08-27T20:10:00", dt.date(2026, 8, 27), id="no-offset-is-local"),
        pytest.param("2026-08-27T23:30:00-05:00", dt.date(2026, 8, 28), id="new-york-evening"),
    ],
)
def test_a_booking_stamped_with_a_time_is_dated_by_its_day_in_hanoi(
    tmp_path: Path, stamp: str, day: dt.date
) -> None:
    entry = ENTRY.replace(
        "<BookgDt><Dt>2026-11-25</Dt></BookgDt>", f"<BookgDt><DtTm>{stamp}</DtTm></BookgDt>"
    )
    entry = entry.replace("<ValDt><Dt>2026-11-25</Dt></ValDt>", f"<ValDt><DtTm>{stamp}</DtTm></ValDt>")
    (read,) = accepted(tmp_path, statement(entry)).statements[0].entries
    assert (read.booking_date, read.value_date) == (day, day)


def test_a_balance_stamped_with_a_time_is_dated_by_its_day_in_hanoi(tmp_path: Path) -> None:
    balances = BALANCES.replace(
        "<Dt><Dt>2026-11-25</Dt></Dt></Bal>\n<Bal>", "<Dt><DtTm>2026-11-24T18:00:00Z</DtTm></Dt></Bal>\n<Bal>"
    )
    (only,) = accepted(tmp_path, statement(balances=balances)).statements
    assert [b.date for b in only.balances] == [dt.date(2026, 11, 25), dt.date(2026, 11, 25)]


def test_an_impossible_booking_time_is_refused_naming_it(tmp_path: Path) -> None:
    entry = ENTRY.replace("<BookgDt><Dt>2026-11-25</Dt>", "<BookgDt><DtTm>2026-11-25T24:10:00Z</DtTm>")
    text = statement(entry)
    error = refused(write(tmp_path, text))
    assert error.reason == "impossible date and time '2026-11-25T24:10:00Z'"
    assert error.where == f"Stmt[1]/Ntry[1]/BookgDt/DtTm (line {line_of(text, '24:10')})"


@pytest.mark.parametrize(
    ("written", "element"),
    [
        pytest.param("<Dt>0001-01-01</Dt>", "BookgDt/Dt", id="year-1"),
        pytest.param("<Dt>1899-12-31</Dt>", "BookgDt/Dt", id="year-1899"),
        pytest.param("<Dt>2200-01-01</Dt>", "BookgDt/Dt", id="year-2200"),
        pytest.param("<DtTm>9999-12-31T23:59:59-12:00</DtTm>", "BookgDt/DtTm", id="year-9999-west"),
        pytest.param("<DtTm>2199-12-31T20:00:00-05:00</DtTm>", "BookgDt/DtTm", id="2200-in-hanoi"),
        pytest.param("<DtTm>0001-01-01T00:00:00+14:00</DtTm>", "BookgDt/DtTm", id="year-0-in-hanoi"),
    ],
)
def test_a_date_outside_1900_to_2199_is_refused_naming_it(tmp_path: Path, written: str, element: str) -> None:
    text = statement(ENTRY.replace("<BookgDt><Dt>2026-11-25</Dt>", f"<BookgDt>{written}"))
    error = refused(write(tmp_path, text))
    assert "is outside the years 1900–2199" in error.reason
    assert error.where == f"Stmt[1]/Ntry[1]/{element} (line {line_of(text, '<BookgDt>')})"


def test_the_first_and_last_days_of_the_range_are_read(tmp_path: Path) -> None:
    entry = ENTRY.replace("<BookgDt><Dt>2026-11-25", "<BookgDt><Dt>1900-01-01")
    entry = entry.replace("<ValDt><Dt>2026-11-25</Dt>", "<ValDt><DtTm>2199-12-31T16:59:59Z</DtTm>")
    (read,) = accepted(tmp_path, statement(entry)).statements[0].entries
    assert (read.booking_date, read.value_date) == (dt.date(1900, 1, 1), dt.date(2199, 12, 31))


@pytest.mark.parametrize("written", ["２０２６-11-25", "2026-١١-25", "2026-11-25T10:00"])
def test_a_date_in_other_digits_or_with_a_time_is_not_a_date(tmp_path: Path, written: str) -> None:
    text = statement(ENTRY.replace("<BookgDt><Dt>2026-11-25", f"<BookgDt><Dt>{written}"))
    error = refused(write(tmp_path, text))
    assert error.reason == f"impossible date {written!r}"


@pytest.mark.parametrize(
    ("start", "end", "period"),
    [
        pytest.param(
            "2026-11-25T00:00:00+07:00", "2026-11-25T23:59:59+07:00", ("11-25", "11-25"), id="hanoi-day"
        ),
        pytest.param(
            "2026-11-25T00:00:00", "2026-11-25T23:59:59", ("11-25", "11-25"), id="no-offset-is-local"
        ),
        pytest.param(
            "2026-11-25T00:00:00+07:00", "2026-11-26T00:00:00+07:00", ("11-25", "11-25"), id="exclusive-end"
        ),
        pytest.param("2026-11-25T00:00:00Z", "2026-11-25T23:59:59Z", ("11-25", "11-25"), id="utc-day"),
        pytest.param(
            "2026-11-25T00:00:00+09:00", "2026-11-25T23:59:59+09:00", ("11-24", "11-24"), id="tokyo-day"
        ),
        pytest.param(
            "2026-11-25T00:00:00+07:00", "2026-11-25T18:00:00+07:00", ("11-25", "11-24"), id="cut-at-18"
        ),
    ],
)
def test_a_statement_covers_the_local_days_its_period_reaches_to_their_end(
    tmp_path: Path, start: str, end: str, period: tuple[str, str]
) -> None:
    text = statement().replace(
        "<ElctrncSeqNb>1</ElctrncSeqNb>",
        f"<ElctrncSeqNb>1</ElctrncSeqNb><FrToDt><FrDtTm>{start}</FrDtTm><ToDtTm>{end}</ToDtTm></FrToDt>",
    )
    (only,) = accepted(tmp_path, text).statements
    assert (only.from_date, only.to_date) == tuple(dt.date.fromisoformat(f"2026-{day}") for day in period)
