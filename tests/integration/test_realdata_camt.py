"""Every real camt.053/054 file from public projects reads as EXPECTED.json says.

The files are third-party samples (several fail their XSD, several do not
add up): each is one test, and a file that has no statement must be refused.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from adapters.formats.base import read_head
from adapters.formats.camt import CamtParser
from adapters.formats.camt_writer import write_camt053
from adapters.formats.xmlsafe import safe_parser
from reconcile.errors import InputError
from reconcile.money import to_minor
from reconcile.records import Balance, BankEntry, BankStatement, Direction, Parsed, TxDetail


def _expected() -> dict[str, dict]:
    root = Path(os.environ.get("RECON_REALDATA", Path(__file__).resolve().parents[3] / "shared" / "realdata"))
    path = root / "EXPECTED.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


EXPECTED = _expected()
CAMT_FILES = sorted(key for key in EXPECTED if key.startswith(("camt053/", "camt054/")))
READABLE = [key for key in CAMT_FILES if EXPECTED[key]["records"]]
EMPTY = [key for key in CAMT_FILES if not EXPECTED[key]["records"]]


def _parse(realdata: Path, key: str) -> Parsed:
    path = realdata / key
    parser = CamtParser()
    assert parser.identify(path, read_head(path)), f"{key} is not identified as camt"
    return parser.parse(path)


def _minor(text: str | None, currency: str) -> int | None:
    return None if text is None else to_minor(text, currency)


def _entry_currency(statement: BankStatement) -> str:
    currencies = {entry.currency for entry in statement.entries}
    assert len(currencies) <= 1, f"entries in several currencies: {currencies}"
    return currencies.pop() if currencies else statement.currency or "EUR"


def test_the_real_camt_files_are_there(realdata: Path) -> None:
    assert len(READABLE) >= 30
    assert EMPTY == ["camt053/genkgo-camt053.v2.wrong.xml"]


@pytest.mark.parametrize("key", READABLE)
def test_a_real_camt_file_reads_as_expected(realdata: Path, key: str) -> None:
    expected = EXPECTED[key]
    parsed = _parse(realdata, key)

    assert parsed.format == expected["message"]
    assert len(parsed.statements) == len(expected["records"])
    for index, (statement, record) in enumerate(zip(parsed.statements, expected["records"], strict=True)):
        assert statement.statement_id == record["id"]
        assert statement.account == record["account"]
        assert statement.sequence == (record["elctrnc_seq"] or record["lgl_seq"])
        if record["account_ccy"]:
            assert statement.currency == record["account_ccy"]
        _assert_entries(statement, record)
        _assert_balances(statement, record)
        _assert_continuity(
            parsed,
            statement,
            record,
            position=f"{'Stmt' if key.startswith('camt053') else 'Ntfctn'}[{index + 1}]",
        )


def _assert_entries(statement: BankStatement, record: dict) -> None:
    currency = _entry_currency(statement)
    credits = [e for e in statement.entries if e.direction is Direction.CREDIT]
    debits = [e for e in statement.entries if e.direction is Direction.DEBIT]
    assert len(statement.entries) == record["entries"]
    assert (len(credits), len(debits)) == (record["credit_entries"], record["debit_entries"])
    assert sum(e.amount for e in credits) == to_minor(record["sum_credits"], currency)
    assert sum(e.amount for e in debits) == to_minor(record["sum_debits"], currency)
    assert sum(e.reversal for e in statement.entries) == record["reversals"]
    assert sum(len(e.details) for e in statement.entries) == record["txdtls"]
    statuses: Counter[str] = Counter()
    for status, count in record["status_counts"].items():
        statuses["BOOK" if status == "null" else status] += count  # no Sts at all is read as booked
    assert Counter(e.status for e in statement.entries) == statuses
    assert [e.position for e in statement.entries] == [
        f"{(e.position or '').split('/')[0]}/Ntry[{n}]" for n, e in enumerate(statement.entries, start=1)
    ]


def _assert_balances(statement: BankStatement, record: dict) -> None:
    expected = [
        (b["type"], to_minor(b["amount"], b["ccy"]), b["ccy"], dt.date.fromisoformat(b["date"]))
        for b in record["balances"]
    ]
    assert [(b.kind, b.amount, b.currency, b.date) for b in statement.balances] == expected
    opening, closing = statement.opening, statement.closing
    assert (opening.amount if opening else None) == _minor(
        record["opening"], opening.currency if opening else "EUR"
    )
    assert (closing.amount if closing else None) == _minor(
        record["closing"], closing.currency if closing else "EUR"
    )


def _assert_continuity(parsed: Parsed, statement: BankStatement, record: dict, position: str) -> None:
    breaks = [i for i in parsed.issues if i.where == position and "continuity" in i.message]
    if record["balance_check"] == "OK" or record["balance_check"] == "n/a":
        assert breaks == []
    else:
        assert len(breaks) == 1, f"expected one continuity issue for {statement.statement_id}"
        assert statement.account in breaks[0].message


@pytest.mark.parametrize("key", EMPTY)
def test_a_real_camt_file_without_a_statement_is_refused(realdata: Path, key: str) -> None:
    with pytest.raises(InputError) as raised:
        _parse(realdata, key)
    error = raised.value
    assert error.source == Path(key).name
    assert error.where == "BkToCstmrStmt (line 3)"
    assert "no statement (Stmt)" in error.reason


def test_an_envelope_header_that_names_another_version_is_reported(realdata: Path) -> None:
    parsed = _parse(realdata, "camt054/ballerina-cbprplus-c.54.3.1-camt054-v12-envelope.xml")
    assert parsed.format == "camt.054.001.12"
    assert any(i.where == "AppHdr/MsgDefIdr" and "camt.054.001.08" in i.message for i in parsed.issues)


def test_batch_details_keep_their_own_references_and_amounts(realdata: Path) -> None:
    parsed = _parse(realdata, "camt054/moov-FI-fffs-camt054-sample.xml")
    first = parsed.statements[0].entries[0]
    assert first.bank_ref == "091029ACCTSTMTARCH04"
    assert [d.amount for d in first.details] == [190000, 10000]
    assert first.details[0].references == ("D091029N987654321S001",)
    charged = [e for e in parsed.statements[0].entries if e.charges]
    assert [(e.position, e.charges) for e in charged] == [("Ntfctn[1]/Ntry[5]", 4000)]


def test_a_single_end_to_end_id_is_lifted_to_the_entry(realdata: Path) -> None:
    parsed = _parse(realdata, "camt053/ballerina-cbprplus-c.105.1.1-camt053-v08-envelope.xml")
    entry = parsed.statements[0].entries[0]
    assert entry.end_to_end_id == "pacs008EndToEndId-001"
    assert entry.bank_ref == "ABKREF-125646"
    assert entry.value_date == dt.date(2022, 10, 20)
    assert parsed.statements[0].created_at == dt.datetime.fromisoformat("2022-10-20T12:00:00+02:00")


@pytest.mark.parametrize("variant", ["001.02", "001.03", "001.04", "001.08", "001.12", "001.13"])
def test_the_writers_output_validates_against_the_official_schema(
    realdata: Path, variant: str, tmp_path: Path
) -> None:
    schema_path = realdata / "xsd" / f"camt.053.{variant}.xsd"
    if not schema_path.is_file():
        pytest.skip(f"no schema at {schema_path}")
    schema = etree.XMLSchema(etree.parse(str(schema_path), safe_parser()))
    day = dt.date(2026, 11, 25)
    batch = BankEntry(
        amount=300_000,
        currency="VND",
        direction=Direction.CREDIT,
        booking_date=day,
        value_date=day,
        bank_ref="KB-1",
        end_to_end_id="VNPAY-20261125-01",
        remittance="VNPAY-20261125-01 " + "lệ phí trước bạ " * 12,
        details=(
            TxDetail("VNPAY-20261125-01", 100_000, "VNPAY-20261125-01", ("A1", "I1", "T1")),
            TxDetail("VNPAY-20261125-01", 200_000, ("lệ phí trước bạ " * 12).strip()),
        ),
    )
    fee = BankEntry(5_500, "VND", Direction.DEBIT, day, None, reversal=True, status="PDNG", charges=500)
    statement = BankStatement(
        statement_id="KBNN-01-20261125",
        sequence="17",
        account="3511.0.1234567",
        currency="VND",
        created_at=dt.datetime(2026, 11, 25, 18, tzinfo=dt.UTC),
        balances=(Balance("OPBD", 0, "VND", day), Balance("CLBD", 294_500, "VND", day)),
        entries=(batch, fee),
        from_date=day,
        to_date=day,
    )
    path = tmp_path / "kbnn.xml"
    write_camt053([statement, statement], path, version=f"camt.053.{variant}")
    document = etree.parse(str(path), safe_parser())
    assert schema.validate(document), schema.error_log
