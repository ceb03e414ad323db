"""Bad camt files through ingestion, each beside a good camt.053 of another treasury account.

The bad file starts as a good one-statement camt.053 for Hồ Chí Minh City's
treasury account (one batch-booked credit of 300,000 đồng with two
``TxDtls``), written by the product's writer, with one thing broken.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from test_ingest_bad_input import (
    DAY,
    Contents,
    assert_accepted,
    assert_rejected,
    bank_statement,
    companion,
    ingest_beside,
    line_of,
    on_backends,
    settings,
    sqlite_only,
    write,
)

from adapters.bootstrap import gateway_terms
from adapters.db import schema
from adapters.db.runs import SqlRunStore
from adapters.formats.camt_writer import write_camt053
from reconcile.runs import reconcile_day

BAD_NAME = "kbnn_hcm_20261125.xml"
CREDIT = 300000
#: What the bad statement brings when it is accepted after all.
ITS_ROWS = Contents(bank_statements=1, bank_entries=1, bank_minor=CREDIT, bank_entry_details=2)
ENTRY_AMOUNT = f'<Amt Ccy="VND">{CREDIT}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>'


def camt_text(tmp_path: Path) -> str:
    """The good text the bad files are made from."""
    path = tmp_path / "template.xml"
    write_camt053([bank_statement("KBNN-79-20261125", [CREDIT], account="7111790000001")], path)
    text = path.read_text(encoding="utf-8")
    path.unlink()
    assert ENTRY_AMOUNT in text
    return text


def entry_amount(value: str) -> Callable[[str], str]:
    return lambda text: text.replace(ENTRY_AMOUNT, ENTRY_AMOUNT.replace(f">{CREDIT}<", f">{value}<"))


def with_prolog(prolog: str, *, use: str) -> Callable[[str], str]:
    """A DOCTYPE after the XML declaration, and an entity used in the remittance text."""

    def change(text: str) -> str:
        declaration, rest = text.split("\n", 1)
        return f"{declaration}\n{prolog}\n{rest.replace('VNPAY-01-20261126 lô 1', use)}"

    return change


def as_camt052(text: str) -> str:
    return (
        text.replace("camt.053.001.08", "camt.052.001.08")
        .replace("BkToCstmrStmt", "BkToCstmrAcctRpt")
        .replace("Stmt>", "Rpt>")
    )


def without_statement(text: str) -> str:
    return text[: text.index("<Stmt>")] + text[text.index("</Stmt>") + len("</Stmt>\n") :]


OLD_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def second_statement_in(ns: str) -> Callable[[str], str]:
    """The same statement again, for another day, in namespace ``ns``, after the first."""

    def change(text: str) -> str:
        block = text[text.index("<Stmt>") : text.index("</Stmt>") + len("</Stmt>\n")]
        second = block.replace("camt.053.001.08", ns.rsplit(":", 1)[1]).replace(
            "<Stmt>", f'<Stmt xmlns="{ns}">'
        )
        return text.replace(block, block + second.replace("20261125", "20261126"))

    return change


def entry_after_the_last_statement(text: str) -> str:
    entry = text[text.index("<Ntry") : text.index("</Ntry>") + len("</Ntry>\n")]
    return text.replace("</Stmt>\n", "</Stmt>\n" + entry.replace("KBNN-79-20261125-1", "STRAY-1"))


def inside(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)

    return change


LAUGHS = "".join(
    ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
)
Where = Callable[[str], "str | re.Pattern[str]"]


def at_amount(text: str) -> str:
    return f"Stmt[1]/Ntry[1]/Amt ({line_of(text, '<Ntry')})"


def end_of(text: str) -> str:
    return f"line {text.count(chr(10)) + 1}"


REJECTED = [
    pytest.param(
        second_statement_in(OLD_NS),
        lambda t: f"BkToCstmrStmt/Stmt ({line_of(t, '<Stmt xmlns')})",
        f"unexpected element Stmt (namespace '{OLD_NS}') inside BkToCstmrStmt",
        id="second-statement-in-another-camt-namespace",
    ),
    pytest.param(
        entry_after_the_last_statement,
        lambda t: f"BkToCstmrStmt/Ntry ({line_of(t, 'STRAY-1')})",
        "entry (Ntry) outside any statement (Stmt): it stands inside BkToCstmrStmt",
        id="entry-after-the-last-statement",
    ),
    pytest.param(
        lambda t: t.replace("<Ntry ", "<Ntri ").replace("</Ntry>", "</Ntri>"),
        lambda t: f"Stmt[1]/Ntri ({line_of(t, '<Ntri')})",
        "unexpected element Ntri inside Stmt",
        id="misspelt-entry",
    ),
    pytest.param(
        inside("<AcctSvcrRef>", "<Ntry><Amt Ccy='VND'>1</Amt></Ntry><AcctSvcrRef>"),
        lambda t: f"Ntry/Ntry ({line_of(t, '<Ntry')})",
        "entry (Ntry) outside any statement (Stmt): it stands inside Ntry",
        id="entry-inside-an-entry",
    ),
    pytest.param(
        inside("<RmtInf>", "<RemittanceInfo>HS-1</RemittanceInfo><RmtInf>"),
        lambda t: f"Stmt[1]/Ntry[1]/NtryDtls/TxDtls[1]/RemittanceInfo ({line_of(t, '<Ntry')})",
        "unexpected element RemittanceInfo inside TxDtls",
        id="unknown-element-in-a-transaction",
    ),
    pytest.param(
        entry_amount("300<?x y?>000"),
        at_amount,
        "markup inside the value of Amt (a processing instruction): a value is text only",
        id="processing-instruction-inside-the-amount",
    ),
    pytest.param(
        entry_amount("300<b/>000"),
        at_amount,
        "markup inside the value of Amt (element b)",
        id="element-inside-the-amount",
    ),
    pytest.param(
        entry_amount("300<!-- thousand -->000"),
        at_amount,
        "markup inside the value of Amt (a comment)",
        id="comment-inside-the-amount",
    ),
    pytest.param(
        inside('Ccy="VND">250000<', 'Ccy="VND">250<?x?>000<'),
        lambda t: f"Stmt[1]/Ntry[1]/NtryDtls/TxDtls[1]/Amt ({line_of(t, '<Ntry')})",
        "markup inside the value of Amt (a processing instruction)",
        id="markup-inside-a-transaction-amount",
    ),
    pytest.param(
        inside('Ccy="VND">1300000<', 'Ccy="VND">1300<b/>000<'),
        lambda t: f"Stmt[1]/Bal[2]/Amt ({line_of(t, '1300<b/>')})",
        "markup inside the value of Amt (element b)",
        id="markup-inside-a-balance",
    ),
    pytest.param(
        inside("<EndToEndId>T1<", "<EndToEndId>T<!---->1<"),
        lambda t: f"Stmt/Ntry/NtryDtls/TxDtls/Refs/EndToEndId ({line_of(t, '<Ntry')})",
        "markup inside the value of EndToEndId (a comment)",
        id="markup-inside-an-end-to-end-id",
    ),
    pytest.param(
        inside("<BookgDt><Dt>2026-11-25<", "<BookgDt><Dt>2026-11-<?x?>25<"),
        lambda t: f"Stmt/Ntry/BookgDt/Dt ({line_of(t, '<Ntry')})",
        "markup inside the value of Dt (a processing instruction)",
        id="markup-inside-a-booking-date",
    ),
    pytest.param(
        inside("<Ccy>VND</Ccy>", "<Ccy>V<!---->ND</Ccy>"),
        lambda t: f"Stmt/Acct/Ccy ({line_of(t, '<Ccy>V')})",
        "markup inside the value of Ccy (a comment)",
        id="markup-inside-the-account-currency",
    ),
    pytest.param(entry_amount("9" * 20), at_amount, "digits", id="twenty-digit-amount"),
    pytest.param(
        inside('Ccy="VND">1000000<', 'Ccy="VND">99999999999999999999<'),
        lambda t: f"Stmt[1]/Bal[1]/Amt ({line_of(t, '9999999999')})",
        "digits",
        id="twenty-digit-opening-balance",
    ),
    pytest.param(
        inside('Ccy="VND">250000<', 'Ccy="VND">25000000000000000000<'),
        lambda t: f"Stmt[1]/Ntry[1]/NtryDtls/TxDtls[1]/Amt ({line_of(t, '<Ntry')})",
        "digits",
        id="twenty-digit-transaction-amount",
    ),
    pytest.param(
        inside("<CdtDbtInd>CRDT</CdtDbtInd><Sts>", "<CdtDbtInd>CRDT</CdtDbtInd><Amt Ccy='VND'>1</Amt><Sts>"),
        lambda t: f"Stmt[1]/Ntry[1]/Amt ({line_of(t, '<Ntry')})",
        "a second Amt in one Ntry",
        id="second-amount-in-an-entry",
    ),
    pytest.param(
        inside("<BookgDt><Dt>2026-11-25<", "<BookgDt><Dt>0001-01-01<"),
        lambda t: f"Stmt[1]/Ntry[1]/BookgDt/Dt ({line_of(t, '<Ntry')})",
        "date '0001-01-01' is outside the years 1900–2199",
        id="booking-in-year-1",
    ),
    pytest.param(
        inside("<BookgDt><Dt>2026-11-25</Dt>", "<BookgDt><DtTm>9999-12-31T23:59:59-12:00</DtTm>"),
        lambda t: f"Stmt[1]/Ntry[1]/BookgDt/DtTm ({line_of(t, '<Ntry')})",
        "is outside the years 1900–2199",
        id="booking-time-in-year-10000-in-hanoi",
    ),
    pytest.param(
        inside("<Sts>", "<RvslInd>maybe</RvslInd><Sts>"),
        lambda t: f"Stmt[1]/Ntry[1]/RvslInd ({line_of(t, '<Ntry')})",
        "RvslInd 'maybe' is not a boolean",
        id="reversal-indicator-not-a-boolean",
    ),
    pytest.param(
        entry_amount("300000,00"), at_amount, "is not an ISO 20022 decimal amount", id="decimal-comma"
    ),
    pytest.param(
        entry_amount("\u0663\u0660\u0660\u0660\u0660\u0660"),
        at_amount,
        "decimal amount",
        id="arabic-indic-digits",
    ),
    pytest.param(
        lambda t: t.replace("</AcctSvcrRef>", "</AcctSvcrRf>"),
        lambda t: line_of(t, "</AcctSvcrRf>"),
        "malformed XML: Opening and ending tag mismatch: AcctSvcrRef",
        id="malformed-xml",
    ),
    pytest.param(
        lambda t: t[: t.index("</Stmt>")],
        end_of,
        "malformed XML: Premature end of data in tag Stmt",
        id="truncated-after-the-entries",
    ),
    pytest.param(
        lambda t: t[: t.index("<BookgDt>")],
        end_of,
        "malformed XML: Premature end of data in tag Ntry",
        id="truncated-inside-an-entry",
    ),
    pytest.param(
        with_prolog('<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', use="&xxe;"),
        lambda t: line_of(t, "<!DOCTYPE"),
        "DOCTYPE/entities are not allowed",
        id="xxe-external-entity",
    ),
    pytest.param(
        with_prolog(f"<!DOCTYPE Document [{LAUGHS}]>", use="&lol9;"),
        lambda t: line_of(t, "<!DOCTYPE"),
        "DOCTYPE/entities are not allowed",
        id="billion-laughs",
    ),
    pytest.param(
        lambda t: t.replace("camt.053.001.08", "camt.053.001.99"),
        lambda t: f"Document ({line_of(t, '<Document')})",
        "unsupported camt.053 version 001.99; supported: 001.02, 001.03,",
        id="unknown-camt-version",
    ),
    pytest.param(
        lambda t: t.replace("camt.053.001.08", "camt.053.001.01"),
        lambda t: f"Document ({line_of(t, '<Document')})",
        "unsupported camt.053 version 001.01",
        id="camt-version-before-001.02",
    ),
    pytest.param(
        without_statement,
        lambda t: f"BkToCstmrStmt ({line_of(t, '<BkToCstmrStmt')})",
        "no statement (Stmt) in this camt.053 statement message",
        id="no-statement",
    ),
    pytest.param(
        entry_amount("300000.5"), at_amount, "more decimal digits than VND allows (0)", id="fractional-vnd"
    ),
    pytest.param(entry_amount("3E+05"), at_amount, "is not a plain decimal amount", id="exponent-amount"),
    pytest.param(entry_amount("-300000"), at_amount, "negative entry amount", id="negative-amount"),
    pytest.param(
        lambda t: t.replace('Ccy="VND">300000<', 'Ccy="dong">300000<'),
        at_amount,
        "is not an ISO 4217 currency code",
        id="not-a-currency-code",
    ),
    pytest.param(
        lambda t: t.replace("<BookgDt><Dt>2026-11-25", "<BookgDt><Dt>2026-02-30"),
        lambda t: f"Stmt[1]/Ntry[1]/BookgDt/Dt ({line_of(t, '<Ntry')})",
        "impossible date '2026-02-30'",
        id="impossible-booking-date",
    ),
    pytest.param(
        lambda t: t.replace("<Id><Othr><Id>7111790000001</Id></Othr></Id>", ""),
        lambda t: f"Stmt[1]/Acct ({line_of(t, '<Acct ')})",  # the element that names no account
        "statement has no account",
        id="no-account",
    ),
]


@pytest.mark.parametrize(
    ("engine", "change", "where", "reason"),
    on_backends(
        REJECTED,
        postgres={
            "malformed-xml",
            "xxe-external-entity",
            "second-statement-in-another-camt-namespace",
            "entry-after-the-last-statement",
            "processing-instruction-inside-the-amount",
            "twenty-digit-amount",
            "booking-time-in-year-10000-in-hanoi",
            "fractional-vnd",
        },
    ),
    indirect=["engine"],
)
def test_a_bad_camt_file_is_rejected_and_the_good_statement_is_kept(
    migrated_engine: Engine,
    tmp_path: Path,
    change: Callable[[str], str],
    where: Where,
    reason: str,
) -> None:
    good = companion("camt", tmp_path)
    text = change(camt_text(tmp_path))
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_rejected(migrated_engine, good, outcome, where=where(text), reason=reason)
    assert "root:" not in (outcome.error or "")  # nothing of /etc/passwd was read into the message


@sqlite_only
def test_a_refused_doctype_is_located_on_its_own_line(migrated_engine: Engine, tmp_path: Path) -> None:
    good = companion("camt", tmp_path)
    text = with_prolog('<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', use="&xxe;")(
        camt_text(tmp_path)
    )
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    where = line_of(text, "<!DOCTYPE")
    assert where == "line 2"
    assert_rejected(migrated_engine, good, outcome, where=where, reason="DOCTYPE/entities are not allowed")


# Accepted: odd but readable, with the documented warning


def its_details(engine: Engine) -> list[tuple[int | None, str | None]]:
    """The stored ``TxDtls`` of the bad file's account: (amount, remittance)."""
    d, e = schema.bank_entry_details.c, schema.bank_entries.c
    query = (
        select(d.amount, d.remittance)
        .join(schema.bank_entries, e.id == d.entry_id)
        .where(e.account == "7111790000001")
        .order_by(d.id)
    )
    with engine.connect() as conn:
        return [(row.amount, row.remittance) for row in conn.execute(query)]


def test_a_camt_file_with_a_utf8_bom_is_read_as_it_is(migrated_engine: Engine, tmp_path: Path) -> None:
    good = companion("camt", tmp_path)
    bad = write(tmp_path, BAD_NAME, codecs.BOM_UTF8 + camt_text(tmp_path).encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS)
    assert outcome.totals == {"VND": {"credit": CREDIT, "debit": 0}}


def test_a_utf16_camt_file_is_read_to_the_dong(migrated_engine: Engine, tmp_path: Path) -> None:
    good = companion("camt", tmp_path)
    text = camt_text(tmp_path).replace("encoding='utf-8'", "encoding='UTF-16'")
    text = text.replace("<Ustrd>HS-2</Ustrd>", "<Ustrd>Lệ phí trước bạ</Ustrd>")
    bad = write(tmp_path, BAD_NAME, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS)
    assert its_details(migrated_engine) == [(250000, "HS-1"), (50000, "Lệ phí trước bạ")]


def test_a_value_date_before_the_booking_date_is_accepted_with_a_warning(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    good = companion("camt", tmp_path)
    text = camt_text(tmp_path).replace("<ValDt><Dt>2026-11-25", "<ValDt><Dt>2026-11-24")
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    warning = "Stmt[1]/Ntry[1]: value date 2026-11-24 is before booking date 2026-11-25"
    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS, warnings=(warning,))


def test_details_that_do_not_sum_to_their_entry_are_accepted_with_a_warning(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    good = companion("camt", tmp_path)
    text = camt_text(tmp_path).replace('Ccy="VND">50000<', 'Ccy="VND">40000<')
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    warning = (
        "Stmt[1]/Ntry[1]: the 2 transaction details (TxDtls) of entry KBNN-79-20261125-1 "
        "sum to 290000, not to the entry's 300000 minor units of VND"
    )
    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS, warnings=(warning,))
    assert its_details(migrated_engine) == [(250000, "HS-1"), (40000, "HS-2")]  # as written, not "fixed"


@sqlite_only
def test_a_vnd_amount_with_a_decimal_point_is_read_as_iso_20022_writes_it(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    """``300.000`` VND is exactly 300 đồng: accepted, with the warnings that the small amount brings.

    ISO 20022 writes amounts with ``.`` as the decimal separator and no
    grouping, and DESIGN.md §2 says "An amount with a non-zero digit beyond
    its currency's exponent is bad input (`18.150` EUR is 1815 cents;
    `150000.5` VND is an error)": the digits beyond VND's exponent of 0 here
    are all zero, so the amount is not bad input. A bank that meant three
    hundred thousand đồng is caught by the checks that do not add up.
    """
    good = companion("camt", tmp_path)
    text = entry_amount("300.000")(camt_text(tmp_path))
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    warnings = (
        "Stmt[1]/Ntry[1]: the 2 transaction details (TxDtls) of entry KBNN-79-20261125-1 "
        "sum to 300000, not to the entry's 300 minor units of VND",
        "Stmt[1]: balance continuity broken for account 7111790000001 statement KBNN-79-20261125: "
        "opening 1000000 + entries 300 ≠ closing 1300000 (difference -299700 minor units of VND)",
    )
    assert_accepted(
        migrated_engine, good, outcome, adds=ITS_ROWS + Contents(bank_minor=300 - CREDIT), warnings=warnings
    )
    assert outcome.totals == {"VND": {"credit": 300, "debit": 0}}


def test_a_usd_credit_on_a_vnd_treasury_account_is_kept_in_its_own_currency(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    good = companion("camt", tmp_path)
    text = entry_amount("12.50")(camt_text(tmp_path)).replace('VND">12.50<', 'USD">12.50<')
    text = text.replace(">1300000<", ">1000000<")  # the VND balance does not move
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS + Contents(bank_minor=1250 - CREDIT))
    assert outcome.totals["USD"] == {"credit": 1250, "debit": 0}
    e = schema.bank_entries.c
    with migrated_engine.connect() as conn:
        stored = conn.execute(select(e.currency, e.amount).where(e.account == "7111790000001")).all()
    assert [tuple(row) for row in stored] == [("USD", 1250)]


def test_a_camt_052_intraday_report_is_read_with_its_report_blocks_counted(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    good = companion("camt", tmp_path)
    text = as_camt052(camt_text(tmp_path))
    block = text[text.index("<Rpt>") : text.index("</Rpt>") + len("</Rpt>\n")]
    text = text.replace(block, block + block.replace("20261125", "20261126"))
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    two = ITS_ROWS + ITS_ROWS
    assert_accepted(migrated_engine, good, outcome, adds=two)
    assert (outcome.format, outcome.statements, outcome.entries) == ("camt.052.001.08", 2, 2)
    assert outcome.totals == {"VND": {"credit": 2 * CREDIT, "debit": 0}}
    s = schema.bank_statements.c
    with migrated_engine.connect() as conn:
        reports = conn.execute(select(s.statement_id, s.to_date).where(s.account == "7111790000001")).all()
    # an intraday report adds its bookings, but never says that a day is complete
    assert sorted(tuple(row) for row in reports) == [("KBNN-79-20261125", None), ("KBNN-79-20261126", None)]
    assert run_status(migrated_engine) == "completed"


def run_status(engine: Engine) -> str:
    """A reconciliation of the day over what was stored: it must go through."""
    store = SqlRunStore(engine, gateway_terms(settings()))
    return store.get_run(reconcile_day(store, DAY).id).status


def without_entries(text: str) -> str:
    return re.sub(r"<Ntry .*?</Ntry>\n", "", text).replace(">1300000<", ">1000000<")


@pytest.mark.parametrize(
    ("engine", "currency"),
    [("sqlite", "VND"), ("sqlite", "EUR"), pytest.param("postgresql", "EUR", marks=pytest.mark.postgres)],
    indirect=["engine"],
)
def test_a_statement_without_entries_has_zero_totals_in_its_currency(
    migrated_engine: Engine, tmp_path: Path, currency: str
) -> None:
    good = companion("camt", tmp_path)
    text = without_entries(camt_text(tmp_path)).replace("VND", currency)
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=Contents(bank_statements=1))
    assert (outcome.statements, outcome.entries) == (1, 0)
    assert outcome.totals == {currency: {"credit": 0, "debit": 0}}
    assert json.loads(outcome.to_json())["totals"] == {currency: {"credit": 0, "debit": 0}}
    assert run_status(migrated_engine) == "completed"


@pytest.mark.parametrize(
    ("engine", "stamp", "day"),
    [
        ("sqlite", "2026-11-24T20:10:00+00:00", "2026-11-25"),
        ("sqlite", "2026-11-25T20:10:00", "2026-11-25"),
        pytest.param("postgresql", "2026-11-24T20:10:00Z", "2026-11-25", marks=pytest.mark.postgres),
    ],
    indirect=["engine"],
)
def test_a_booking_stamped_with_a_time_is_stored_under_its_day_in_hanoi(
    migrated_engine: Engine, tmp_path: Path, stamp: str, day: str
) -> None:
    good = companion("camt", tmp_path)
    text = camt_text(tmp_path).replace("<BookgDt><Dt>2026-11-25</Dt>", f"<BookgDt><DtTm>{stamp}</DtTm>")
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS)
    e = schema.bank_entries.c
    with migrated_engine.connect() as conn:
        stored = conn.execute(select(e.booking_date).where(e.account == "7111790000001")).scalar_one()
    assert stored.isoformat() == day
    assert run_status(migrated_engine) == "completed"


def test_comments_between_elements_are_read_past(migrated_engine: Engine, tmp_path: Path) -> None:
    good = companion("camt", tmp_path)
    text = camt_text(tmp_path).replace("<Ntry ", "<!-- the day's one credit --><?bank note?>\n<Ntry ")
    text = text.replace("<CdtDbtInd>CRDT</CdtDbtInd><Sts>", "<CdtDbtInd>CRDT</CdtDbtInd><!-- booked --><Sts>")
    bad = write(tmp_path, BAD_NAME, text.encode("utf-8"))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_ROWS)
