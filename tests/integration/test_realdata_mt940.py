"""Every real MT940/MT942 file from public projects reads as EXPECTED.json says.

The files come from many banks and dialects (SWIFT blocks, prose headers,
SOH/ETX framing, ``?NN`` subfields, CP852) and several do not add up at
their source: each file is one test, and a break of balance continuity must
be reported as an issue, never "fixed".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from adapters.formats.base import read_head
from adapters.formats.mt940 import Mt940Parser, read_mt940
from reconcile.money import to_minor
from reconcile.records import Balance, BankStatement, Direction, Parsed
from reconcile.statements import continuity_issue


def _expected() -> dict[str, dict]:
    root = Path(os.environ.get("RECON_REALDATA", Path(__file__).resolve().parents[3] / "shared" / "realdata"))
    path = root / "EXPECTED.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


EXPECTED = _expected()
MT940_FILES = sorted(key for key in EXPECTED if key.startswith("mt940/"))


def _parse(realdata: Path, key: str) -> Parsed:
    path = realdata / key
    parser = Mt940Parser()
    assert parser.identify(path, read_head(path)), f"{key} is not identified as MT940"
    return parser.parse(path)


def _date(yymmdd: str) -> dt.date:
    year = int(yymmdd[:2])
    return dt.date(year + (1900 if year > 79 else 2000), int(yymmdd[2:4]), int(yymmdd[4:]))


def _assert_balance(balance: Balance | None, expected: dict | None) -> None:
    if expected is None:
        assert balance is None
        return
    assert balance is not None
    assert balance.currency == expected["ccy"]
    assert balance.amount == to_minor(expected["amount"], expected["ccy"])
    assert balance.date == _date(expected["date"])
    assert (balance.amount < 0) == (expected["mark"] == "D")


def _assert_sums(statement: BankStatement, record: dict) -> None:
    currency = statement.currency or "EUR"
    credits = sum(e.amount for e in statement.entries if e.direction is Direction.CREDIT)
    debits = sum(e.amount for e in statement.entries if e.direction is Direction.DEBIT)
    # SWIFT: credits = C + RD, debits = D + RC.
    assert credits == to_minor(record["sum_C"], currency) + to_minor(record["sum_RD"], currency)
    assert debits == to_minor(record["sum_D"], currency) + to_minor(record["sum_RC"], currency)
    reversals = to_minor(record["sum_RC"], currency) + to_minor(record["sum_RD"], currency)
    assert sum(e.amount for e in statement.entries if e.reversal) == reversals


def _assert_continuity(parsed: Parsed, statement: BankStatement, record: dict) -> None:
    issue = continuity_issue(statement, "f")
    mismatch = re.fullmatch(r"MISMATCH\((-?[\d.]+)\)", record["balance_check"])
    if record["balance_check"] in {"OK", "n/a"}:
        assert issue is None
        return
    assert mismatch, record["balance_check"]
    assert issue is not None
    assert statement.opening is not None
    assert statement.closing is not None
    net = sum(entry.signed_amount for entry in statement.entries)
    difference = statement.opening.amount + net - statement.closing.amount
    assert difference == to_minor(mismatch.group(1), statement.closing.currency)
    reported = [i for i in parsed.issues if "continuity" in i.message and statement.statement_id in i.message]
    assert reported, "the continuity break is not among the parsed file's issues"


def test_the_real_mt940_files_are_there(realdata: Path) -> None:
    assert len(MT940_FILES) >= 30


@pytest.mark.parametrize("key", MT940_FILES)
def test_a_real_mt940_file_reads_as_expected(realdata: Path, key: str) -> None:
    expected = EXPECTED[key]
    parsed = _parse(realdata, key)

    interim = any(record["opening_tag"] is None for record in expected["statements"])
    assert parsed.format == ("mt942" if interim else "mt940")
    assert len(parsed.statements) == len(expected["statements"])
    for statement, record in zip(parsed.statements, expected["statements"], strict=True):
        assert statement.statement_id == record["ref"]
        assert statement.account == record["account"]
        assert statement.sequence == record["number"]
        assert len(statement.entries) == record["entries"]
        assert all(entry.position and entry.position.startswith("line ") for entry in statement.entries)
        _assert_sums(statement, record)
        _assert_balance(statement.opening, record["opening"])
        _assert_balance(statement.closing, record["closing"])
        available = next((b for b in statement.balances if b.kind == "CLAV"), None)
        _assert_balance(available, record["available"])
        if record["opening_tag"]:
            kind = {"60F": "OPBD", "60M": "PRCD"}[record["opening_tag"]]
            assert statement.balances[0].kind == kind
        _assert_continuity(parsed, statement, record)


@pytest.mark.parametrize("key", MT940_FILES)
def test_a_real_mt940_file_records_the_encoding_it_was_read_in(realdata: Path, key: str) -> None:
    read = read_mt940(realdata / key)

    if EXPECTED[key]["encoding"] == "utf-8":
        assert read.encoding == "utf-8"
    else:
        assert read.encoding in {"cp852", "cp1252", "latin-1"}


def test_the_cp852_raiffeisen_statement_reads_its_hungarian_text(realdata: Path) -> None:
    read = read_mt940(realdata / "mt940/wolph-raiffeisen-cmi.sta")

    assert read.encoding == "cp852"
    assert "összevont utánvét" in (read.parsed.statements[0].entries[0].remittance or "")


def test_german_sepa_subfields_give_the_end_to_end_reference(realdata: Path) -> None:
    parsed = _parse(realdata, "mt940/jejik-commerzbank.txt")
    entry = parsed.statements[0].entries[0]

    assert entry.end_to_end_id == "A1.200080779.400143254.4961336"
    assert entry.bank_ref == "2016021783252833"
    assert entry.charges == 50
    assert entry.remittance is not None
    assert entry.remittance.startswith("EREF+A1.200080779.400143254.4961336 KREF+")


def test_a_camt_file_is_not_taken_for_mt940(realdata: Path) -> None:
    camt = sorted((realdata / "camt053").glob("*.xml"))[0]

    assert not Mt940Parser().identify(camt, read_head(camt))
