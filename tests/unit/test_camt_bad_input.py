"""Bad camt files are refused with the file, the line or element, and the reason.

Odd but readable files are accepted with their soft issues. Each case is a
small document written to a temporary folder.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from adapters.formats.base import read_head
from adapters.formats.camt import CamtParser
from reconcile.errors import InputError
from reconcile.records import Parsed

ENTRY = """\
<Ntry>
<Amt Ccy="VND">150000</Amt>
<CdtDbtInd>CRDT</CdtDbtInd>
<Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-11-25</Dt></BookgDt>
<ValDt><Dt>2026-11-25</Dt></ValDt>
<AcctSvcrRef>KB-0001</AcctSvcrRef>
</Ntry>"""

BALANCES = """\
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">1000000</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">1150000</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>"""


def statement(
    entries: str = ENTRY,
    *,
    message: str = "camt.053.001.08",
    balances: str = BALANCES,
    prolog: str = "",
    account: str = "<Acct><Id><Othr><Id>3511.0.1234567</Id></Othr></Id><Ccy>VND</Ccy></Acct>",
) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{prolog}<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{message}">
<BkToCstmrStmt>
<GrpHdr><MsgId>KBNN-20261125</MsgId><CreDtTm>2026-11-25T18:00:00+07:00</CreDtTm></GrpHdr>
<Stmt>
<Id>KBNN-01-20261125</Id>
<ElctrncSeqNb>1</ElctrncSeqNb>
{account}
{balances}
{entries}
</Stmt>
</BkToCstmrStmt>
</Document>
"""


def write(tmp_path: Path, text: str, name: str = "kbnn-20261125.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as raised:
        CamtParser().parse(path)
    error = raised.value
    assert error.source == path.name
    assert path.name in str(error)
    return error


def accepted(tmp_path: Path, text: str) -> Parsed:
    return CamtParser().parse(write(tmp_path, text))


# Refused: the XML itself


def test_malformed_xml_is_refused_with_lxmls_line(tmp_path: Path) -> None:
    text = statement().replace("<AcctSvcrRef>KB-0001</AcctSvcrRef>", "<AcctSvcrRef>KB-0001</AcctSvcrRf>")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("malformed XML")
    assert error.where == f"line {line_of(text, '</AcctSvcrRf>')}"


def test_a_truncated_file_is_refused_as_malformed(tmp_path: Path) -> None:
    text = statement()
    error = refused(write(tmp_path, text[: text.index("</Stmt>")]))
    assert error.reason.startswith("malformed XML")
    assert error.where is not None
    assert error.where.startswith("line ")


def test_an_external_entity_is_refused_before_it_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    prolog = f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
    text = statement(prolog=prolog).replace("KB-0001", "&xxe;")
    error = refused(write(tmp_path, text))
    assert error.reason == "DOCTYPE/entities are not allowed"
    assert "TOP SECRET" not in str(error)


def test_a_billion_laughs_document_is_refused_without_expanding_it(tmp_path: Path) -> None:
    laughs = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    ]
    prolog = "<!DOCTYPE Document [" + "".join(laughs) + "]>\n"
    error = refused(write(tmp_path, statement(prolog=prolog).replace("KB-0001", "&lol9;")))
    assert error.reason == "DOCTYPE/entities are not allowed"


def test_any_doctype_is_refused_even_without_entities(tmp_path: Path) -> None:
    error = refused(write(tmp_path, statement(prolog="<!DOCTYPE Document>\n")))
    assert "DOCTYPE/entities are not allowed" in error.reason
    assert error.where is not None


def test_a_doctype_is_located_on_its_own_line_also_in_utf16(tmp_path: Path) -> None:
    text = statement(prolog="\n\n<!DOCTYPE Document>\n").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "kbnn-20261125.xml"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    error = refused(path)
    assert error.reason == "DOCTYPE/entities are not allowed"
    assert error.where == f"line {line_of(text, '<!DOCTYPE')}" == "line 4"


# Refused: the message


def test_an_unknown_camt_053_version_is_refused_naming_the_supported_ones(tmp_path: Path) -> None:
    text = statement(message="camt.053.001.99")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("unsupported camt.053 version 001.99; supported: 001.02, ")
    assert error.reason.endswith("001.13")
    assert error.where == f"Document (line {line_of(text, '<Document')})"


def test_a_camt_054_version_before_001_02_is_refused(tmp_path: Path) -> None:
    text = statement(message="camt.054.001.01").replace("BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("unsupported camt.054 version 001.01")


def test_a_message_with_no_statement_is_refused(tmp_path: Path) -> None:
    text = statement()
    text = text[: text.index("<Stmt>")] + text[text.index("</Stmt>") + len("</Stmt>") :]
    error = refused(write(tmp_path, text))
    assert error.reason == "no statement (Stmt) in this camt.053 statement message"
    assert error.where == f"BkToCstmrStmt (line {line_of(text, '<BkToCstmrStmt>')})"


def test_a_malformed_camt_namespace_is_refused_naming_it(tmp_path: Path) -> None:
    text = statement(message="camt.053.001.8")
    error = refused(write(tmp_path, text))
    assert error.reason == "unrecognised camt namespace 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.8'"
    assert error.where == f"Document (line {line_of(text, '<Document')})"


def test_an_empty_document_is_refused_as_having_no_statement(tmp_path: Path) -> None:
    text = '<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>\n'
    error = refused(write(tmp_path, text))
    assert error.reason == "no statement (Ntfctn) in this camt.054 notification message"
    assert error.where == "Document"


def test_a_statement_without_an_id_is_refused(tmp_path: Path) -> None:
    text = statement().replace("<Id>KBNN-01-20261125</Id>\n", "")
    error = refused(write(tmp_path, text))
    assert error.reason == "statement has no Id"
    assert error.where == f"Stmt[1] (line {line_of(text, '<Stmt>')})"


def test_xml_in_no_camt_namespace_is_refused(tmp_path: Path) -> None:
    text = statement().replace("urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", "urn:example:other")
    path = write(tmp_path, text)
    assert not CamtParser().identify(path, read_head(path))
    assert "not a camt.053 statement or camt.054 notification" in refused(path).reason


# Refused: amounts, currencies, dates


def test_an_amount_with_more_decimals_than_its_currency_is_refused(tmp_path: Path) -> None:
    text = statement(ENTRY.replace(">150000<", ">150000.5<"))
    error = refused(write(tmp_path, text))
    assert "more decimal digits than VND allows (0)" in error.reason
    assert error.where == f"Stmt[1]/Ntry[1]/Amt (line {line_of(text, '150000.5')})"


def test_euro_cents_beyond_two_decimals_are_refused(tmp_path: Path) -> None:
    text = statement(ENTRY.replace('Ccy="VND">150000<', 'Ccy="EUR">18.155<'))
    error = refused(write(tmp_path, text))
    assert "more decimal digits than EUR allows (2)" in error.reason
    assert error.where is not None
    assert error.where.startswith("Stmt[1]/Ntry[1]/Amt")


def test_a_non_numeric_amount_is_refused(tmp_path: Path) -> None:
    text = statement(ENTRY.replace(">150000<", ">150.000 VND<"))
    error = refused(write(tmp_path, text))
    assert "is not a plain decimal amount" in error.reason
    assert error.where == f"Stmt[1]/Ntry[1]/Amt (line {line_of(text, '150.000 VND')})"


def test_an_amount_in_exponent_notation_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, statement(ENTRY.replace(">150000<", ">1.5E+05<"))))
    assert "is not a plain decimal amount" in error.reason


def test_a_negative_entry_amount_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, statement(ENTRY.replace(">150000<", ">-150000<"))))
    assert "negative entry amount" in error.reason
    assert error.where is not None
    assert error.where.startswith("Stmt[1]/Ntry[1]/Amt")


def test_an_entry_without_a_currency_is_refused(tmp_path: Path) -> None:
    text = statement(ENTRY.replace('<Amt Ccy="VND">', "<Amt>"))
    error = refused(write(tmp_path, text))
    assert error.reason == "amount has no currency (Ccy attribute)"
    assert error.where == f"Stmt[1]/Ntry[1]/Amt (line {line_of(text, '<Amt>')})"


def test_an_invalid_currency_code_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, statement(ENTRY.replace('Ccy="VND"', 'Ccy="dong"'))))
    assert "is not an ISO 4217 currency code" in error.reason


def test_an_impossible_booking_date_is_refused(tmp_path: Path) -> None:
    text = statement(ENTRY.replace("<BookgDt><Dt>2026-11-25", "<BookgDt><Dt>2026-02-30"))
    error = refused(write(tmp_path, text))
    assert error.reason == "impossible date '2026-02-30'"
    assert error.where == f"Stmt[1]/Ntry[1]/BookgDt/Dt (line {line_of(text, '2026-02-30')})"


def test_an_impossible_balance_date_is_refused(tmp_path: Path) -> None:
    text = statement(
        balances=BALANCES.replace(
            "<Dt><Dt>2026-11-25</Dt></Dt></Bal>\n<Bal>", "<Dt><Dt>2026-13-01</Dt></Dt></Bal>\n<Bal>"
        )
    )
    error = refused(write(tmp_path, text))
    assert error.reason == "impossible date '2026-13-01'"
    assert error.where is not None
    assert error.where.startswith("Stmt[1]/Bal[1]/Dt/Dt")


def test_an_impossible_creation_time_is_refused(tmp_path: Path) -> None:
    text = statement().replace("2026-11-25T18:00:00+07:00", "2026-11-25T25:00:00+07:00")
    error = refused(write(tmp_path, text))
    assert error.reason == "impossible date and time '2026-11-25T25:00:00+07:00'"
    assert error.where is not None
    assert error.where.startswith("GrpHdr/CreDtTm")


def test_an_entry_without_a_direction_is_refused(tmp_path: Path) -> None:
    text = statement(ENTRY.replace("<CdtDbtInd>CRDT</CdtDbtInd>\n", ""))
    error = refused(write(tmp_path, text))
    assert error.reason == "entry has no CdtDbtInd"
    assert error.where == f"Stmt[1]/Ntry[1] (line {line_of(text, '<Ntry>')})"


def test_an_unknown_direction_code_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, statement(ENTRY.replace(">CRDT<", ">CRED<"))))
    assert error.reason == "CdtDbtInd 'CRED' is neither CRDT nor DBIT"
    assert error.where is not None
    assert error.where.startswith("Stmt[1]/Ntry[1]/CdtDbtInd")


def test_a_statement_without_an_account_is_refused_at_its_acct_element(tmp_path: Path) -> None:
    text = statement(account="<Acct><Ccy>VND</Ccy></Acct>")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("statement has no account")
    assert error.where == f"Stmt[1]/Acct (line {line_of(text, '<Acct>')})"


def test_a_statement_without_an_acct_element_is_refused_at_the_statement(tmp_path: Path) -> None:
    text = statement(account="")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("statement has no account")
    assert error.where == f"Stmt[1]/Acct (line {line_of(text, '<Stmt>')})"


def test_the_second_entrys_error_names_the_second_entry(tmp_path: Path) -> None:
    text = statement(ENTRY + "\n" + ENTRY.replace("KB-0001", "KB-0002").replace(">150000<", ">1,2,3<"))
    error = refused(write(tmp_path, text))
    assert error.where == f"Stmt[1]/Ntry[2]/Amt (line {line_of(text, '1,2,3')})"


# Accepted, with soft issues


def test_a_balance_that_does_not_add_up_is_accepted_and_reported(tmp_path: Path) -> None:
    parsed = accepted(tmp_path, statement(balances=BALANCES.replace(">1150000<", ">1150001<")))
    assert [issue.where for issue in parsed.issues] == ["Stmt[1]"]
    assert "balance continuity broken" in parsed.issues[0].message
    assert "difference -1" in parsed.issues[0].message


def test_a_value_date_before_the_booking_date_is_a_warning(tmp_path: Path) -> None:
    parsed = accepted(tmp_path, statement(ENTRY.replace("<ValDt><Dt>2026-11-25", "<ValDt><Dt>2026-11-24")))
    assert [(i.where, i.message) for i in parsed.issues] == [
        ("Stmt[1]/Ntry[1]", "value date 2026-11-24 is before booking date 2026-11-25")
    ]


def test_details_that_do_not_sum_to_their_entry_are_reported_naming_it(tmp_path: Path) -> None:
    details = """<NtryDtls>
<TxDtls><Refs><EndToEndId>BATCH-1</EndToEndId></Refs><Amt Ccy="VND">100000</Amt></TxDtls>
<TxDtls><Refs><EndToEndId>BATCH-1</EndToEndId></Refs><Amt Ccy="VND">40000</Amt></TxDtls>
</NtryDtls>
</Ntry>"""
    parsed = accepted(tmp_path, statement(ENTRY.replace("</Ntry>", details)))
    entry = parsed.statements[0].entries[0]
    assert entry.end_to_end_id == "BATCH-1"
    (issue,) = [i for i in parsed.issues if "TxDtls" in i.message]
    assert issue.where == "Stmt[1]/Ntry[1]"
    assert "entry KB-0001" in issue.message
    assert "sum to 140000, not to the entry's 150000" in issue.message


def test_a_non_vnd_entry_is_read_as_it_is(tmp_path: Path) -> None:
    parsed = accepted(tmp_path, statement(ENTRY.replace('Ccy="VND">150000<', 'Ccy="USD">12.50<')))
    entry = parsed.statements[0].entries[0]
    assert (entry.amount, entry.currency) == (1250, "USD")


def test_a_creation_time_without_offset_is_taken_as_vietnam_time(tmp_path: Path) -> None:
    parsed = accepted(tmp_path, statement().replace("2026-11-25T18:00:00+07:00", "2026-11-25T18:00:00"))
    created = parsed.statements[0].created_at
    assert created is not None
    assert created.isoformat() == "2026-11-25T18:00:00+07:00"


# Identification


def test_a_utf8_bom_and_a_utf16_file_are_identified_and_read(tmp_path: Path) -> None:
    text = statement()
    with_bom = tmp_path / "bom.xml"
    with_bom.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    utf16 = tmp_path / "utf16.xml"
    utf16.write_bytes(
        codecs.BOM_UTF16_LE + text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")
    )
    parser = CamtParser()
    for path in (with_bom, utf16):
        assert parser.identify(path, read_head(path))
        assert parser.parse(path).statements[0].entries[0].amount == 150000


def test_an_envelope_is_identified_by_its_header_when_the_document_starts_late(tmp_path: Path) -> None:
    padding = "<!-- " + "x" * 5000 + " -->\n"
    text = (
        '<?xml version="1.0"?>\n<Envelope xmlns="urn:swift:xsd:envelope">\n'
        '<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">'
        "<MsgDefIdr>camt.053.001.08</MsgDefIdr></AppHdr>\n"
        f"{padding}{statement().split(chr(10), 1)[1]}</Envelope>\n"
    )
    path = write(tmp_path, text)
    assert "xsd:camt.053" not in read_head(path).decode("latin-1")  # the document's namespace is further on
    assert CamtParser().identify(path, read_head(path))
    assert CamtParser().parse(path).statements[0].statement_id == "KBNN-01-20261125"


def test_an_unrelated_xml_file_is_not_identified(tmp_path: Path) -> None:
    path = write(
        tmp_path, '<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>'
    )
    assert not CamtParser().identify(path, read_head(path))


def test_a_prefixed_document_inside_an_envelope_is_read(tmp_path: Path) -> None:
    inner = statement().split("\n", 1)[1]
    inner = inner.replace("<", "<c:").replace("<c:/", "</c:").replace('xmlns="', 'xmlns:c="')
    text = (
        '<?xml version="1.0"?>\n<BizMsg xmlns="urn:example:wrapper">\n'
        '<h:AppHdr xmlns:h="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">'
        "<h:MsgDefIdr>camt.053.001.08</h:MsgDefIdr></h:AppHdr>\n"
        f"{inner}</BizMsg>\n"
    )
    parsed = accepted(tmp_path, text)
    assert parsed.format == "camt.053.001.08"
    assert parsed.issues == ()
    assert parsed.statements[0].account == "3511.0.1234567"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2026-11-25T18:00:00.123456789+07:00", "2026-11-25T18:00:00.123456+07:00"),
        ("2026-11-25T11:00:00Z", "2026-11-25T11:00:00+00:00"),
        ("2026-11-25T18:00:00+0700", "2026-11-25T18:00:00+07:00"),
    ],
)
def test_creation_times_are_read_in_the_forms_banks_write(tmp_path: Path, written: str, read: str) -> None:
    parsed = accepted(tmp_path, statement().replace("2026-11-25T18:00:00+07:00", written))
    created = parsed.statements[0].created_at
    assert created is not None
    assert created.isoformat() == read
