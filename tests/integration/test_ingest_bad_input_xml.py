"""Bad camt files through ingestion, each beside a good camt.053 of another treasury account.

The bad file starts as a good one-statement camt.053 for Hồ Chí Minh City's
treasury account (one batch-booked credit of 300,000 đồng with two
``TxDtls``), written by the product's writer, with one thing broken.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from test_ingest_bad_input import (
    Contents,
    assert_accepted,
    assert_rejected,
    bank_statement,
    companion,
    ingest_beside,
    line_of,
    on_backends,
    sqlite_only,
    write,
)

from adapters.db import schema
from adapters.formats.camt_writer import write_camt053

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
        as_camt052,
        lambda t: f"Document ({line_of(t, '<Document')})",
        "camt.052 intraday account report is not accepted: send camt.053 statements or camt.054",
        id="camt.052-where-camt.053-is-expected",
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
            "camt.052-where-camt.053-is-expected",
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
