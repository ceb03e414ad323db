"""Hostile input, table by table: no value, however malformed, crashes an ingest or a later run.

DESIGN.md §4: a value that cannot be stored or computed exactly (an amount
beyond 18 digits or a total beyond int64, a date outside 1900–2199, a
non-ASCII digit, a NUL or control character, text longer than its column)
rejects its file, the same on SQLite and PostgreSQL. Every case below
writes one small file in one format with one such value, ingests it beside
a good file of another format in the same ``ingest_files`` call, and checks
on both databases: no exception, the good file stored whole, the hostile
file ``rejected`` with an error naming the file, the line or element and
the reason, nothing of it stored, and a run of the business date afterwards
completes.

The files are written here from small templates (one per format: the
portal's obligations export, the canonical gateway file, the ``vnpay_vi``
and ``momo_utf16`` layouts of ``fixtures/layouts.toml``, camt.053 and
MT940), each with one cell, element or field replaced, so that a case
reads as the value it tries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine
from test_ingest_bad_input import DAY, assert_rejected, companion, ingest_beside, settings, write

from adapters.bootstrap import gateway_terms
from adapters.db.runs import SqlRunStore
from reconcile.runs import reconcile_day

BIG = "999999999999999999"  # 18 digits: the largest amount stored
DIGITS_19 = "1234567890123456789"
DIGITS_20 = "12345678901234567890"
HUGE = "9" * 5000  # beyond what Python's int() reads from text
ARABIC = "٧٥٠٠٠"  # 75000 in Arabic-Indic digits
FULLWIDTH = "７５０００"
DEVANAGARI = "७५०००"
LONG = "X" * 200


def at_line(number: int) -> str:
    return f"line {number}"


# The templates: one good row, entry or statement per format


OBLIGATIONS = {
    "payment_code": "HS-79-{n}",
    "province_code": "79",
    "kind": "fee",
    "agency_code": "000.00.79.H29",
    "procedure_code": "1.001234",
    "amount_vnd": "75000",
    "issued_at": "2026-11-22T09:00:00+07:00",
    "portal_status": "paid",
    "portal_txn_id": "T-79-{n}",
    "portal_paid_at": "2026-11-25T10:15:00+07:00",
    "asset_class": "",
    "taxable_value_vnd": "",
}
GATEWAY = {
    "txn_id": "G79-{n}",
    "payment_code": "HS-79-{n}",
    "gateway": "vnpay",
    "province_code": "79",
    "treasury_account": "7111790000001",
    "amount_vnd": "75000",
    "fee_vnd": "1100",
    "status": "SUCCESS",
    "paid_at": "2026-11-25T10:15:00+07:00",
    "settlement_date": "2026-11-26",
    "batch_id": "VNPAY-79-20261126",
    "original_txn_id": "",
}
#: ``vnpay_vi``: semicolons, Vietnamese headers, dd/mm/yyyy, amounts grouped as 1.234.567.
VNPAY_VI = {
    "Mã giao dịch": "V79-{n}",
    "Mã hồ sơ": "HS-79-{n}",
    "Cổng thanh toán": "vnpay",
    "Mã tỉnh": "79",
    "Tài khoản KBNN": "7111790000001",
    "Số tiền": "75.000",
    "Phí": "1.100",
    "Trạng thái": "Thành công",
    "Thời gian thanh toán": "25/11/2026 10:15:00",
    "Ngày quyết toán": "26/11/2026",
    "Mã lô": "VNPAY-79-20261126",
    "Mã GD gốc": "",
}
#: ``momo_utf16``: UTF-16 with BOM, tabs, CRLF, a currency column.
MOMO = {
    "Transaction ID": "M79-{n}",
    "Bill Code": "HS-79-{n}",
    "Province Code": "79",
    "Beneficiary Account": "7111790000001",
    "Amount": "75000",
    "Service Fee": "1100",
    "Type": "PAYMENT",
    "Transaction Time": "2026-11-25 10:15:00",
    "Settlement Date": "2026-11-26",
    "Batch No": "MOMO-79-20261126",
    "Original Transaction ID": "",
    "Currency": "VND",
}
CAMT_STATEMENT = {
    "stmt_id": "KBNN-79-20261125",
    "sequence": "1",
    "created": "2026-11-25T18:00:00+07:00",
    "from": "2026-11-25T00:00:00+07:00",
    "account": "7111790000001",
    "opening": "1000000",
    "opening_date": "2026-11-25",
    "closing": "1075000",
}
CAMT_ENTRY = {
    "amount": "75000",
    "direction": "CRDT",
    "status": "BOOK",
    "booked": "2026-11-25",
    "valued": "2026-11-25",
    "bank_ref": "KBNN-79-{n}",
    "charges": "",
    "e2e": "VNPAY-79-20261126",
    "detail": "75000",
    "remittance": "VNPAY-79-20261126",
}
CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>KBNN-79-20261125</MsgId><CreDtTm>2026-11-25T18:00:00+07:00</CreDtTm></GrpHdr>
<Stmt>
<Id>{stmt_id}</Id><ElctrncSeqNb>{sequence}</ElctrncSeqNb><CreDtTm>{created}</CreDtTm>
<FrToDt><FrDtTm>{from}</FrDtTm><ToDtTm>2026-11-25T23:59:59+07:00</ToDtTm></FrToDt>
<Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>VND</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">{opening}</Amt>\
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{opening_date}</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">{closing}</Amt>\
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>
{entries}
</Stmt>
</BkToCstmrStmt></Document>
"""
NTRY = """<Ntry><Amt Ccy="VND">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd><Sts><Cd>{status}</Cd></Sts>\
<BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{valued}</Dt></ValDt><AcctSvcrRef>{bank_ref}</AcctSvcrRef>\
{charges}<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs><Amt Ccy="VND">{detail}</Amt>\
<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
MT940_STATEMENT = {
    "stmt_id": "KBNN7920261125",
    "account": "7111790000001",
    "sequence": "1/1",
    "opening": "1000000,",
    "closing": "1075000,",
}
MT940_ENTRY = {"amount": "75000,", "mark": "C", "bank_ref": "KBNN79-{n}", "remittance": "VNPAY-79-20261126"}
MT940 = (
    ":20:{stmt_id}\n:25:{account}\n:28C:{sequence}\n:60F:C261125VND{opening}\n"
    "{entries}:62F:C261125VND{closing}\n-\n"
)
MT940_LINE = ":61:2611251125{mark}{amount}NTRFNONREF//{bank_ref}\n:86:{remittance}\n"


@dataclass(frozen=True, slots=True)
class Hostile:
    """One hostile file: its format, the values changed, where the error must point and why.

    ``changes`` replace the template's values in the row or entry number
    ``at`` (from 1) of ``rows`` (``{n}`` is that number); ``everywhere`` changes every row instead;
    ``statement`` changes the statement (camt, MT940); ``edit`` rewrites the
    file's text last (line endings).
    """

    format: str
    changes: Mapping[str, str] = field(default_factory=dict)
    rows: int = 2
    at: int = 2
    everywhere: bool = False
    statement: Mapping[str, str] = field(default_factory=dict)
    edit: tuple[str, str] | None = None

    def render(self) -> tuple[str, bytes]:
        return RENDER[self.format](self)

    def row(self, template: Mapping[str, str], number: int) -> dict[str, str]:
        values = {name: value.format(n=number) for name, value in template.items()}
        if self.everywhere or number == self.at:
            values.update({name: value.format(n=number) for name, value in self.changes.items()})
        return values

    def edited(self, text: str) -> str:
        return text.replace(*self.edit) if self.edit else text


def _csv(case: Hostile, template: Mapping[str, str], delimiter: str) -> str:
    lines = [delimiter.join(template)]
    lines += [delimiter.join(case.row(template, n).values()) for n in range(1, case.rows + 1)]
    return case.edited("\n".join(lines) + "\n")


def _camt(case: Hostile) -> tuple[str, bytes]:
    entries = "\n".join(NTRY.format(**case.row(CAMT_ENTRY, n)) for n in range(1, case.rows + 1))
    text = CAMT.format(**{**CAMT_STATEMENT, **case.statement}, entries=entries)
    return "kbnn_hcm_20261125.xml", case.edited(text).encode("utf-8")


def _mt940(case: Hostile) -> tuple[str, bytes]:
    entries = "".join(MT940_LINE.format(**case.row(MT940_ENTRY, n)) for n in range(1, case.rows + 1))
    text = MT940.format(**{**MT940_STATEMENT, **case.statement}, entries=entries)
    return "kbnn_hcm_20261125.sta", case.edited(text).replace("\n", "\r\n").encode("utf-8")


def _momo(case: Hostile) -> tuple[str, bytes]:
    return "momo_20261126.csv", _csv(case, MOMO, "\t").replace("\n", "\r\n").encode("utf-16")


RENDER = {
    "obligations": lambda case: ("obligations_hcm.csv", _csv(case, OBLIGATIONS, ",").encode("utf-8")),
    "gateway": lambda case: ("vnpay_hcm_20261126.csv", _csv(case, GATEWAY, ",").encode("utf-8")),
    "vnpay_vi": lambda case: ("vnpay_vi_20261126.csv", _csv(case, VNPAY_VI, ";").encode("utf-8")),
    "momo_utf16": _momo,
    "camt": _camt,
    "mt940": _mt940,
}
#: The good file ingested beside each format's hostile one: always another format.
COMPANION = {
    "obligations": "gateway",
    "gateway": "obligations",
    "vnpay_vi": "camt",
    "momo_utf16": "mt940",
    "camt": "obligations",
    "mt940": "gateway",
}


Where = str | re.Pattern[str] | None


def case(
    case_id: str,
    hostile: Hostile,
    where: Where,
    reason: str,
    *,
    or_: tuple[Where, str] | None = None,
) -> object:
    """One hostile file and its refusal; ``or_`` is an equally good refusal from the format's own reader.

    The storage bounds are the last line: a format's reader may refuse the
    same value first, closer to it (camt names the element and its line).
    """
    refusals = ((where, reason),) if or_ is None else ((where, reason), or_)
    return pytest.param(hostile, refusals, id=f"{hostile.format}-{case_id}")


def element(path: str) -> re.Pattern[str]:
    """A camt element path followed by its line: ``Stmt[1]/Ntry[2]/Amt (line 9)``."""
    return re.compile(re.escape(path) + r" \(line \d+\)")


STATEMENT = re.compile(r"statement '[^']*' \(number 1 in the file\)")
#: Where an MT940 field too long for its column is refused: at its line by the MT940 reader's own
#: limits, else at its statement by the storage bounds; the reason says "longer than" either way.
MT940_FIELD = re.compile(r"(?:line \d+|statement '[^']*' \(number 1 in the file\))")
LONGER = "longer than"
#: Builders of each format's hostile file.
OBL, GW, VI, MO, XML, STA = (
    partial(Hostile, name) for name in ("obligations", "gateway", "vnpay_vi", "momo_utf16", "camt", "mt940")
)
TOO_MANY_DIGITS = "has more than 18 digits"
NOT_ASCII = "has a digit that is not an ASCII digit 0-9"
OUTSIDE = "is outside 1900-01-01..2199-12-31"
BEYOND_INT64 = "is beyond what a 64-bit integer holds"


def control(name: str, code: int) -> str:
    return f"column {name!r} contains the control character U+{code:04X}"


def too_long(label: str, length: int, column: str, limit: int) -> str:
    return f"{label} is {length} characters long, longer than the {limit} the database column {column} holds"


OBLIGATION_CASES = [
    case("amount-19-digits", OBL(changes={"amount_vnd": DIGITS_19}), "line 3", TOO_MANY_DIGITS),
    case("amount-20-digits", OBL(changes={"amount_vnd": DIGITS_20}), "line 3", TOO_MANY_DIGITS),
    case("amount-5000-digits", OBL(changes={"amount_vnd": HUGE}), "line 3", TOO_MANY_DIGITS),
    case("amount-arabic-indic", OBL(changes={"amount_vnd": ARABIC}), "line 3", NOT_ASCII),
    case("amount-fullwidth", OBL(changes={"amount_vnd": FULLWIDTH}), "line 3", NOT_ASCII),
    case("amount-devanagari", OBL(changes={"amount_vnd": DEVANAGARI}), "line 3", NOT_ASCII),
    case(
        "twelve-amounts-of-18-nines",
        OBL(changes={"amount_vnd": BIG}, rows=12, everywhere=True),
        "line 11",
        f"the file's total of amount_vnd (11999999999999999988) {BEYOND_INT64}",
    ),
    case(
        "taxable-values-beyond-int64",
        OBL(
            changes={"kind": "registration_tax", "asset_class": "real_estate", "taxable_value_vnd": BIG},
            rows=10,
            everywhere=True,
        ),
        "line 11",
        f"total of taxable_value_vnd (9999999999999999990) {BEYOND_INT64}",
    ),
    case(
        "issued-at-year-10000-in-utc",
        OBL(changes={"issued_at": "9999-12-31T23:59:59-12:00"}),
        "line 3",
        f"issued_at '9999-12-31T23:59:59-12:00' {OUTSIDE}",
    ),
    case(
        "issued-at-year-1",
        OBL(changes={"issued_at": "0001-01-01T00:00:00+00:00"}),
        "line 3",
        f"issued_at '0001-01-01T00:00:00+00:00' {OUTSIDE}",
    ),
    case(
        "issued-at-1899",
        OBL(changes={"issued_at": "1899-12-31T12:00:00+07:00"}),
        "line 3",
        f"issued_at '1899-12-31T12:00:00+07:00' {OUTSIDE}",
    ),
    case(
        "issued-at-2199-utc-is-2200-local",
        OBL(changes={"issued_at": "2199-12-31T20:00:00+00:00"}),
        "line 3",
        f"issued_at '2199-12-31T20:00:00+00:00' {OUTSIDE}",
    ),
    case(
        "portal-paid-at-9999",
        OBL(changes={"portal_paid_at": "9999-12-31T23:59:59+07:00"}),
        "line 3",
        f"portal_paid_at '9999-12-31T23:59:59+07:00' {OUTSIDE}",
    ),
    case(
        "portal-paid-at-1000",
        OBL(changes={"portal_paid_at": "1000-06-15T10:00:00+07:00"}),
        "line 3",
        f"portal_paid_at '1000-06-15T10:00:00+07:00' {OUTSIDE}",
    ),
    case(
        "nul-in-payment-code",
        OBL(changes={"payment_code": "HS\x00-79"}),
        "line 3",
        control("payment_code", 0),
    ),
    case("nul-in-agency-code", OBL(changes={"agency_code": "\x00"}), "line 3", control("agency_code", 0)),
    case(
        "soh-in-procedure",
        OBL(changes={"procedure_code": "1.00\x011234"}),
        "line 3",
        control("procedure_code", 1),
    ),
    case(
        "del-in-txn-id", OBL(changes={"portal_txn_id": "T-79\x7f"}), "line 3", control("portal_txn_id", 0x7F)
    ),
    case(
        "c1-nel-in-payment-code",
        OBL(changes={"payment_code": "HS-79\x85"}),
        "line 3",
        control("payment_code", 0x85),
    ),
    case(
        "escape-in-asset-class",
        OBL(changes={"asset_class": "\x1b[31m"}),
        "line 3",
        control("asset_class", 0x1B),
    ),
    case(
        "payment-code-129-chars",
        OBL(changes={"payment_code": "H" * 129}),
        "line 3",
        too_long("payment_code", 129, "obligations.payment_code", 128),
    ),
    case(
        "portal-txn-id-200-chars",
        OBL(changes={"portal_txn_id": LONG}),
        "line 3",
        too_long("portal_txn_id", 200, "obligations.portal_txn_id", 128),
    ),
    case(
        "agency-code-65-chars",
        OBL(changes={"agency_code": "A" * 65}),
        "line 3",
        too_long("agency_code", 65, "obligations.agency_code", 64),
    ),
    case(
        "procedure-code-300-chars",
        OBL(changes={"procedure_code": "P" * 300}),
        "line 3",
        too_long("procedure_code", 300, "obligations.procedure_code", 64),
    ),
    case(
        "stray-cr-inside-a-line",
        OBL(changes={"agency_code": "000.00\r.79"}),
        "line 3",
        "a carriage return (CR) inside a line",
    ),
    case(
        "cr-only-line-ends-and-a-long-code",
        OBL(changes={"payment_code": LONG}, edit=("\n", "\r")),
        "line 3",
        too_long("payment_code", 200, "obligations.payment_code", 128),
    ),
    case(
        "nul-in-the-header",
        OBL(edit=("portal_status", "portal_status\x00")),
        "line 1",
        "the header row contains the control character U+0000",
    ),
]

GATEWAY_CASES = [
    case("amount-19-digits", GW(changes={"amount_vnd": DIGITS_19}), "line 3", TOO_MANY_DIGITS),
    case("amount-25-digits", GW(changes={"amount_vnd": "1" * 25}), "line 3", TOO_MANY_DIGITS),
    case("amount-5000-digits", GW(changes={"amount_vnd": HUGE}), "line 3", TOO_MANY_DIGITS),
    case(
        "amount-zero-padded-then-19", GW(changes={"amount_vnd": "000" + DIGITS_19}), "line 3", TOO_MANY_DIGITS
    ),
    case("fee-19-digits", GW(changes={"fee_vnd": DIGITS_19}), "line 3", TOO_MANY_DIGITS),
    case("amount-arabic-indic", GW(changes={"amount_vnd": ARABIC}), "line 3", NOT_ASCII),
    case("amount-fullwidth", GW(changes={"amount_vnd": FULLWIDTH}), "line 3", NOT_ASCII),
    case("fee-fullwidth", GW(changes={"fee_vnd": "１１００"}), "line 3", NOT_ASCII),
    case("amount-mixed-ascii-and-arabic", GW(changes={"amount_vnd": "75٠٠٠"}), "line 3", NOT_ASCII),
    case(
        "twelve-amounts-of-18-nines",
        GW(changes={"amount_vnd": BIG}, rows=12, everywhere=True),
        "line 11",
        f"the file's total of amount_vnd (11999999999999999988) {BEYOND_INT64}",
    ),
    case(
        "fees-beyond-int64",
        GW(changes={"fee_vnd": BIG}, rows=12, everywhere=True),
        "line 11",
        f"total of fee_vnd (11999999999999999988) {BEYOND_INT64}",
    ),
    case(
        "amounts-and-fees-together-beyond-int64",
        GW(changes={"amount_vnd": BIG, "fee_vnd": BIG}, rows=5, everywhere=True),
        "line 6",
        f"total of amount_vnd + fee_vnd (9999999999999999990) {BEYOND_INT64}",
    ),
    case(
        "paid-at-year-1",
        GW(changes={"paid_at": "0001-01-01T00:00:00+07:00"}),
        "line 3",
        f"paid_at '0001-01-01T00:00:00+07:00' {OUTSIDE}",
    ),
    case(
        "paid-at-year-9999",
        GW(changes={"paid_at": "9999-12-31T23:59:59-12:00"}),
        "line 3",
        f"paid_at '9999-12-31T23:59:59-12:00' {OUTSIDE}",
    ),
    case(
        "paid-at-1899-local",
        GW(changes={"paid_at": "1899-12-31T12:00:00+00:00"}),
        "line 3",
        f"paid_at '1899-12-31T12:00:00+00:00' {OUTSIDE}",
    ),
    case(
        "paid-at-2200",
        GW(changes={"paid_at": "2200-01-01T00:00:00+07:00"}),
        "line 3",
        f"paid_at '2200-01-01T00:00:00+07:00' {OUTSIDE}",
    ),
    case(
        "settlement-date-9999",
        GW(changes={"settlement_date": "9999-12-31"}),
        "line 3",
        f"settlement_date '9999-12-31' {OUTSIDE}",
    ),
    case(
        "settlement-date-year-1",
        GW(changes={"settlement_date": "0001-01-01"}),
        "line 3",
        f"settlement_date '0001-01-01' {OUTSIDE}",
    ),
    case(
        "settlement-date-1899",
        GW(changes={"settlement_date": "1899-12-31"}),
        "line 3",
        f"settlement_date '1899-12-31' {OUTSIDE}",
    ),
    case(
        "settlement-date-2200",
        GW(changes={"settlement_date": "2200-01-01"}),
        "line 3",
        f"settlement_date '2200-01-01' {OUTSIDE}",
    ),
    case("nul-in-txn-id", GW(changes={"txn_id": "G79\x00"}), "line 3", control("txn_id", 0)),
    case("nul-alone-as-batch-id", GW(changes={"batch_id": "\x00"}), "line 3", control("batch_id", 0)),
    case(
        "nul-in-payment-code", GW(changes={"payment_code": "HS-\x0079"}), "line 3", control("payment_code", 0)
    ),
    case(
        "nul-in-account",
        GW(changes={"treasury_account": "7111790000001\x00"}),
        "line 3",
        control("treasury_account", 0),
    ),
    case("bell-in-gateway", GW(changes={"gateway": "vnpay\x07"}), "line 3", control("gateway", 7)),
    case("backspace-in-txn-id", GW(changes={"txn_id": "G79\x08\x08"}), "line 3", control("txn_id", 8)),
    case(
        "vertical-tab-in-batch", GW(changes={"batch_id": "VNPAY\x0b79"}), "line 3", control("batch_id", 0x0B)
    ),
    case("form-feed-in-batch", GW(changes={"batch_id": "VNPAY\x0c79"}), "line 3", control("batch_id", 0x0C)),
    case(
        "escape-in-payment-code",
        GW(changes={"payment_code": "\x1b[2J"}),
        "line 3",
        control("payment_code", 0x1B),
    ),
    case("unit-separator-in-txn-id", GW(changes={"txn_id": "G\x1f79"}), "line 3", control("txn_id", 0x1F)),
    case("c1-csi-in-txn-id", GW(changes={"txn_id": "G79\x9b"}), "line 3", control("txn_id", 0x9B)),
    case(
        "del-in-original", GW(changes={"original_txn_id": "\x7f"}), "line 3", control("original_txn_id", 0x7F)
    ),
    case(
        "txn-id-129-chars",
        GW(changes={"txn_id": "T" * 129}),
        "line 3",
        too_long("txn_id", 129, "gateway_txns.txn_id", 128),
    ),
    case(
        "txn-id-200-chars",
        GW(changes={"txn_id": LONG}),
        "line 3",
        too_long("txn_id", 200, "gateway_txns.txn_id", 128),
    ),
    case(
        "batch-id-200-chars",
        GW(changes={"batch_id": LONG}),
        "line 3",
        too_long("batch_id", 200, "gateway_txns.batch_id", 128),
    ),
    case(
        "payment-code-1000-chars",
        GW(changes={"payment_code": "H" * 1000}),
        "line 3",
        too_long("payment_code", 1000, "gateway_txns.payment_code", 128),
    ),
    case(
        "gateway-name-65-chars",
        GW(changes={"gateway": "g" * 65}),
        "line 3",
        too_long("gateway", 65, "gateway_txns.gateway", 64),
    ),
    case(
        "account-65-digits",
        GW(changes={"treasury_account": "7" * 65}),
        "line 3",
        too_long("treasury_account", 65, "gateway_txns.treasury_account", 64),
    ),
    case(
        "original-txn-id-200-chars",
        GW(changes={"status": "REFUND", "original_txn_id": LONG}),
        "line 3",
        too_long("original_txn_id", 200, "gateway_txns.original_txn_id", 128),
    ),
    case(
        "long-vietnamese-txn-id-counts-characters",
        GW(changes={"txn_id": "Giao dịch " + "đ" * 130}),
        "line 3",
        too_long("txn_id", 140, "gateway_txns.txn_id", 128),
    ),
    case(
        "stray-cr-inside-a-line",
        GW(changes={"batch_id": "VNPAY\r79"}),
        "line 3",
        "a carriage return (CR) inside a line",
    ),
    case(
        "cr-only-line-ends-and-a-nul",
        GW(changes={"txn_id": "G\x0079"}, edit=("\n", "\r")),
        "line 3",
        control("txn_id", 0),
    ),
]

LAYOUT_CASES = [
    case(
        "grouped-amount-19-digits",
        VI(changes={"Số tiền": "1.234.567.890.123.456.789"}),
        "line 3",
        TOO_MANY_DIGITS,
    ),
    case("amount-arabic-indic", VI(changes={"Số tiền": ARABIC}), "line 3", NOT_ASCII),
    case(
        "twelve-grouped-amounts-of-18-nines",
        VI(changes={"Số tiền": "999.999.999.999.999.999"}, rows=12, everywhere=True),
        "line 11",
        BEYOND_INT64,
    ),
    case(
        "paid-at-year-1",
        VI(changes={"Thời gian thanh toán": "01/01/0001 00:00:00"}),
        "line 3",
        f"paid_at '01/01/0001 00:00:00' {OUTSIDE}",
    ),
    case(
        "paid-at-year-9999",
        VI(changes={"Thời gian thanh toán": "31/12/9999 23:59:59"}),
        "line 3",
        f"paid_at '31/12/9999 23:59:59' {OUTSIDE}",
    ),
    case(
        "settlement-date-1899",
        VI(changes={"Ngày quyết toán": "31/12/1899"}),
        "line 3",
        f"settlement_date '31/12/1899' {OUTSIDE}",
    ),
    case("nul-in-txn-id", VI(changes={"Mã giao dịch": "V79\x00"}), "line 3", control("Mã giao dịch", 0)),
    case("escape-in-batch", VI(changes={"Mã lô": "\x1bVNPAY"}), "line 3", control("Mã lô", 0x1B)),
    case(
        "txn-id-200-chars",
        VI(changes={"Mã giao dịch": LONG}),
        "line 3",
        too_long("txn_id", 200, "gateway_txns.txn_id", 128),
    ),
    case(
        "stray-cr-inside-a-line",
        VI(changes={"Mã lô": "VNPAY\r79"}),
        "line 3",
        "a carriage return (CR) inside a line",
    ),
    case(
        "cr-only-line-ends-and-a-c1-control",
        VI(changes={"Mã hồ sơ": "HS\x8579"}, edit=("\n", "\r")),
        "line 3",
        control("Mã hồ sơ", 0x85),
    ),
    case("utf16-amount-19-digits", MO(changes={"Amount": DIGITS_19}), "line 3", TOO_MANY_DIGITS),
    case("utf16-amount-fullwidth", MO(changes={"Amount": FULLWIDTH}), "line 3", NOT_ASCII),
    case(
        "utf16-time-year-9999",
        MO(changes={"Transaction Time": "9999-12-31 23:59:59"}),
        "line 3",
        f"paid_at '9999-12-31 23:59:59' {OUTSIDE}",
    ),
    case(
        "utf16-settlement-1800",
        MO(changes={"Settlement Date": "1800-01-01"}),
        "line 3",
        f"settlement_date '1800-01-01' {OUTSIDE}",
    ),
    case(
        "utf16-nul-in-txn-id",
        MO(changes={"Transaction ID": "M\x0079"}),
        "line 3",
        control("Transaction ID", 0),
    ),
    case(
        "utf16-us-in-bill-code", MO(changes={"Bill Code": "HS\x1f79"}), "line 3", control("Bill Code", 0x1F)
    ),
    case(
        "utf16-batch-200-chars",
        MO(changes={"Batch No": LONG}),
        "line 3",
        too_long("batch_id", 200, "gateway_txns.batch_id", 128),
    ),
]

CAMT_CASES = [
    case(
        "entry-amount-20-digits",
        XML(changes={"amount": DIGITS_20}),
        element("Stmt[1]/Ntry[2]/Amt"),
        TOO_MANY_DIGITS,
    ),
    case(
        "entry-amount-19-digits-with-decimals",
        XML(changes={"amount": DIGITS_19 + ".00"}),
        element("Stmt[1]/Ntry[2]/Amt"),
        TOO_MANY_DIGITS,
    ),
    case(
        "entry-amount-5000-digits",
        XML(changes={"amount": HUGE}),
        element("Stmt[1]/Ntry[2]/Amt"),
        TOO_MANY_DIGITS,
    ),
    case(
        "entry-amount-arabic-indic",
        XML(changes={"amount": ARABIC}),
        element("Stmt[1]/Ntry[2]/Amt"),
        NOT_ASCII,
        or_=(element("Stmt[1]/Ntry[2]/Amt"), "is not an ISO 20022 decimal amount (digits 0-9 and '.')"),
    ),
    case(
        "entry-amount-fullwidth",
        XML(changes={"amount": FULLWIDTH}),
        element("Stmt[1]/Ntry[2]/Amt"),
        NOT_ASCII,
        or_=(element("Stmt[1]/Ntry[2]/Amt"), "is not an ISO 20022 decimal amount (digits 0-9 and '.')"),
    ),
    case(
        "detail-amount-20-digits",
        XML(changes={"detail": DIGITS_20}),
        element("Stmt[1]/Ntry[2]/NtryDtls/TxDtls[1]/Amt"),
        TOO_MANY_DIGITS,
    ),
    case(
        "detail-amount-devanagari",
        XML(changes={"detail": DEVANAGARI}),
        element("Stmt[1]/Ntry[2]/NtryDtls/TxDtls[1]/Amt"),
        NOT_ASCII,
        or_=(
            element("Stmt[1]/Ntry[2]/NtryDtls/TxDtls[1]/Amt"),
            "is not an ISO 20022 decimal amount (digits 0-9 and '.')",
        ),
    ),
    case(
        "charges-20-digits",
        XML(changes={"charges": f'<Chrgs><Rcrd><Amt Ccy="VND">{DIGITS_20}</Amt></Rcrd></Chrgs>'}),
        element("Stmt[1]/Ntry[2]/Chrgs[1]"),
        TOO_MANY_DIGITS,
    ),
    case(
        "opening-balance-20-digits",
        XML(statement={"opening": DIGITS_20}),
        element("Stmt[1]/Bal[1]/Amt"),
        TOO_MANY_DIGITS,
    ),
    case(
        "closing-balance-fullwidth",
        XML(statement={"closing": FULLWIDTH}),
        element("Stmt[1]/Bal[2]/Amt"),
        NOT_ASCII,
        or_=(element("Stmt[1]/Bal[2]/Amt"), "is not an ISO 20022 decimal amount (digits 0-9 and '.')"),
    ),
    case(
        "twelve-credits-of-18-nines",
        XML(changes={"amount": BIG, "detail": BIG}, rows=12, everywhere=True),
        "Stmt[1]/Ntry[10]",
        f"the file's credit total in VND 9999999999999999990 {BEYOND_INT64}",
    ),
    case(
        "twelve-debits-of-18-nines",
        XML(changes={"amount": BIG, "detail": BIG, "direction": "DBIT"}, rows=12, everywhere=True),
        "Stmt[1]/Ntry[10]",
        f"the file's debit total in VND 9999999999999999990 {BEYOND_INT64}",
    ),
    case(
        "charges-beyond-int64",
        XML(
            changes={"charges": f'<Chrgs><Rcrd><Amt Ccy="VND">{BIG}</Amt></Rcrd></Chrgs>'},
            rows=12,
            everywhere=True,
        ),
        "Stmt[1]/Ntry[10]",
        f"the file's charges total in VND 9999999999999999990 {BEYOND_INT64}",
    ),
    case(
        "booking-date-9999",
        XML(changes={"booked": "9999-12-31"}),
        "Stmt[1]/Ntry[2]",
        f"booking_date 9999-12-31 {OUTSIDE}",
        or_=(element("Stmt[1]/Ntry[2]/BookgDt/Dt"), "date '9999-12-31' is outside the years 1900–2199"),
    ),
    case(
        "booking-date-year-1",
        XML(changes={"booked": "0001-01-01"}),
        "Stmt[1]/Ntry[2]",
        f"booking_date 0001-01-01 {OUTSIDE}",
        or_=(element("Stmt[1]/Ntry[2]/BookgDt/Dt"), "date '0001-01-01' is outside the years 1900–2199"),
    ),
    case(
        "booking-date-1899",
        XML(changes={"booked": "1899-12-31"}),
        "Stmt[1]/Ntry[2]",
        f"booking_date 1899-12-31 {OUTSIDE}",
        or_=(element("Stmt[1]/Ntry[2]/BookgDt/Dt"), "date '1899-12-31' is outside the years 1900–2199"),
    ),
    case(
        "value-date-2200",
        XML(changes={"valued": "2200-01-01"}),
        "Stmt[1]/Ntry[2]",
        f"value_date 2200-01-01 {OUTSIDE}",
        or_=(element("Stmt[1]/Ntry[2]/ValDt/Dt"), "date '2200-01-01' is outside the years 1900–2199"),
    ),
    case(
        "balance-date-1800",
        XML(statement={"opening_date": "1800-01-01"}),
        STATEMENT,
        f"balance OPBD date 1800-01-01 {OUTSIDE}",
        or_=(element("Stmt[1]/Bal[1]/Dt/Dt"), "date '1800-01-01' is outside the years 1900–2199"),
    ),
    case(
        "created-year-10000-in-local-time",
        XML(statement={"created": "9999-12-31T23:59:59-12:00"}),
        STATEMENT,
        f"creation time 9999-12-31T23:59:59-12:00 {OUTSIDE} (as a local date: beyond the year 9999)",
        or_=(element("Stmt[1]/CreDtTm"), "date '9999-12-31T23:59:59-12:00' is outside the years 1900–2199"),
    ),
    case(
        "created-year-1",
        XML(statement={"created": "0001-01-01T00:00:00+00:00"}),
        STATEMENT,
        f"creation time 0001-01-01T00:00:00+00:00 {OUTSIDE} (as a local date: 0001-01-01)",
        or_=(element("Stmt[1]/CreDtTm"), "date '0001-01-01T00:00:00+00:00' is outside the years 1900–2199"),
    ),
    case(
        "period-from-year-2500",
        XML(statement={"from": "2500-01-01T00:00:00+07:00"}),
        STATEMENT,
        f"from_date 2500-01-01 {OUTSIDE}",
        or_=(
            element("Stmt[1]/FrToDt/FrDtTm"),
            "date '2500-01-01T00:00:00+07:00' is outside the years 1900–2199",
        ),
    ),
    case(
        "del-in-bank-ref",
        XML(changes={"bank_ref": "KBNN&#x7f;79"}),
        "Stmt[1]/Ntry[2]",
        "bank_ref contains the control character U+007F",
    ),
    case(
        "c1-in-end-to-end-id",
        XML(changes={"e2e": "VNPAY&#x85;79"}),
        "Stmt[1]/Ntry[2]",
        "end_to_end_id contains the control character U+0085",
    ),
    case(
        "c1-in-remittance",
        XML(changes={"remittance": "HS-79\u009b"}),
        "Stmt[1]/Ntry[2]",
        "remittance contains the control character U+009B",
    ),
    case(
        "c1-in-statement-id",
        XML(statement={"stmt_id": "KBNN&#x9f;79"}),
        STATEMENT,
        "statement_id contains the control character U+009F",
    ),
    case(
        "bank-ref-200-chars",
        XML(changes={"bank_ref": LONG}),
        "Stmt[1]/Ntry[2]",
        too_long("bank_ref", 200, "bank_entries.bank_ref", 128),
    ),
    case(
        "end-to-end-id-200-chars",
        XML(changes={"e2e": LONG}),
        "Stmt[1]/Ntry[2]",
        too_long("end_to_end_id", 200, "bank_entries.end_to_end_id", 128),
    ),
    case(
        "status-code-9-chars",
        XML(changes={"status": "BOOKBOOKB"}),
        "Stmt[1]/Ntry[2]",
        too_long("status", 9, "bank_entries.status", 8),
    ),
    case(
        "statement-id-200-chars",
        XML(statement={"stmt_id": LONG}),
        STATEMENT,
        too_long("statement_id", 200, "bank_statements.statement_id", 128),
    ),
    case(
        "account-100-chars",
        XML(statement={"account": "7" * 100}),
        STATEMENT,
        too_long("account", 100, "bank_statements.account", 64),
    ),
    case(
        "sequence-65-chars",
        XML(statement={"sequence": "1" * 65}),
        STATEMENT,
        too_long("sequence", 65, "bank_statements.sequence", 64),
    ),
]

MT940_CASES = [
    case("entry-amount-20-digits", STA(changes={"amount": DIGITS_20 + ","}), "line 7", TOO_MANY_DIGITS),
    case(
        "entry-amount-19-digits-and-cents",
        STA(changes={"amount": DIGITS_19 + ",00"}),
        "line 7",
        TOO_MANY_DIGITS,
    ),
    case("entry-amount-5000-digits", STA(changes={"amount": HUGE + ","}), "line 7", TOO_MANY_DIGITS),
    case("entry-amount-arabic-indic", STA(changes={"amount": ARABIC + ","}), "line 7", NOT_ASCII),
    case("opening-balance-20-digits", STA(statement={"opening": DIGITS_20 + ","}), "line 4", TOO_MANY_DIGITS),
    case("closing-balance-20-digits", STA(statement={"closing": DIGITS_20 + ","}), "line 9", TOO_MANY_DIGITS),
    case(
        "twelve-credits-of-18-nines",
        STA(changes={"amount": BIG + ","}, rows=12, everywhere=True),
        "line 23",
        f"the file's credit total in VND 9999999999999999990 {BEYOND_INT64}",
    ),
    case(
        "twelve-debits-of-18-nines",
        STA(changes={"amount": BIG + ",", "mark": "D"}, rows=12, everywhere=True),
        "line 23",
        f"the file's debit total in VND 9999999999999999990 {BEYOND_INT64}",
    ),
    case(
        "nul-in-the-first-4-kib-is-binary",
        STA(changes={"remittance": "VNPAY\x0079"}),
        None,
        "binary content: not a statement, settlement or obligations file",
    ),
    case(
        "nul-in-a-remittance-after-4-kib",
        STA(changes={"remittance": "VNPAY\x0079"}, rows=70, at=70),
        None,
        "binary content: not an MT940 statement",
    ),
    case(
        "escape-in-remittance",
        STA(changes={"remittance": "\x1b[31mVNPAY"}),
        "line 7",
        "remittance contains the control character U+001B",
    ),
    case(
        "bell-in-statement-id",
        STA(statement={"stmt_id": "KBNN\x0779"}),
        STATEMENT,
        "statement_id contains the control character U+0007",
    ),
    case(
        "bank-ref-200-chars",
        STA(changes={"bank_ref": LONG}),
        MT940_FIELD,
        LONGER,
    ),
    case(
        "account-100-chars",
        STA(statement={"account": "7" * 100}),
        MT940_FIELD,
        LONGER,
    ),
    case(
        "statement-id-200-chars",
        STA(statement={"stmt_id": LONG}),
        MT940_FIELD,
        LONGER,
    ),
    case(
        "sequence-100-chars",
        STA(statement={"sequence": "1" * 100}),
        MT940_FIELD,
        LONGER,
    ),
]

CASES = [*OBLIGATION_CASES, *GATEWAY_CASES, *LAYOUT_CASES, *CAMT_CASES, *MT940_CASES]


def run_completes(engine: Engine, day: dt.date = DAY) -> None:
    summary = reconcile_day(SqlRunStore(engine, gateway_terms(settings())), day)
    assert summary.run.status == "completed"


@pytest.mark.parametrize(("hostile", "refusals"), CASES)
def test_a_hostile_file_is_rejected_beside_a_good_one_and_the_day_still_runs(
    migrated_engine: Engine, tmp_path: Path, hostile: Hostile, refusals: tuple[tuple[Where, str], ...]
) -> None:
    good = companion(COMPANION[hostile.format], tmp_path)
    name, data = hostile.render()
    bad = write(tmp_path, name, data)

    outcome = ingest_beside(migrated_engine, good, bad)

    where, reason = next((r for r in refusals if r[1] in (outcome.error or "")), refusals[0])
    assert_rejected(migrated_engine, good, outcome, where=where, reason=reason)
    run_completes(migrated_engine)
