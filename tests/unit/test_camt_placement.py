"""Nothing in a camt file is skipped because the parser cannot place it, and no value holds markup.

DESIGN.md §4: an element or statement the parser cannot place (an ``Ntry``
outside a ``Stmt``, a ``Stmt`` of another namespace) rejects the file, and so
does markup inside an amount. Each refused case names the element and its
line; the accepted ones show what may stand between elements.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_camt_bad_input import BALANCES, ENTRY, accepted, line_of, refused, statement, write

OLD_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
SECOND_STATEMENT = f"""<Stmt xmlns="{OLD_NS}">
<Id>KBNN-01-20261125-B</Id>
<Acct><Id><Othr><Id>3511.0.1234567</Id></Othr></Id><Ccy>VND</Ccy></Acct>
{ENTRY.replace("KB-0001", "KB-0002")}
</Stmt>"""
STRAY = ENTRY.replace("KB-0001", "KB-STRAY").replace("<Ntry>", "<Ntry><!-- stray -->")


def after_statement(text: str, insert: str) -> str:
    return text.replace("</Stmt>\n", f"</Stmt>\n{insert}\n", 1)


# Refused: what cannot be placed


def test_a_second_statement_in_another_camt_namespace_is_refused_naming_it(tmp_path: Path) -> None:
    text = after_statement(statement(), SECOND_STATEMENT)
    error = refused(write(tmp_path, text))
    assert error.reason.startswith(f"unexpected element Stmt (namespace '{OLD_NS}') inside BkToCstmrStmt")
    assert error.where == f"BkToCstmrStmt/Stmt (line {line_of(text, OLD_NS)})"


def test_a_second_empty_statement_in_another_namespace_is_refused_at_its_own_line(tmp_path: Path) -> None:
    text = after_statement(statement(), f'<Stmt xmlns="{OLD_NS}"><Id>X</Id></Stmt>')
    error = refused(write(tmp_path, text))
    assert error.reason == (
        f"unexpected element Stmt (namespace '{OLD_NS}') inside BkToCstmrStmt: "
        "the file is refused rather than read without it"
    )
    assert error.where == f"BkToCstmrStmt/Stmt (line {line_of(text, OLD_NS)})"


def test_an_entry_after_the_last_statement_is_refused_naming_its_line(tmp_path: Path) -> None:
    text = after_statement(statement(), STRAY)
    error = refused(write(tmp_path, text))
    assert error.reason == "entry (Ntry) outside any statement (Stmt): it stands inside BkToCstmrStmt"
    assert error.where == f"BkToCstmrStmt/Ntry (line {line_of(text, '<Ntry><!-- stray')})"


def test_an_entry_before_the_first_statement_is_refused_not_given_to_it(tmp_path: Path) -> None:
    text = statement().replace("<Stmt>", f"{STRAY}\n<Stmt>")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("entry (Ntry) outside any statement (Stmt)")
    assert error.where == f"BkToCstmrStmt/Ntry (line {line_of(text, '<Ntry><!-- stray')})"


def test_an_entry_nested_in_another_entry_is_refused(tmp_path: Path) -> None:
    nested = ENTRY.replace("</Ntry>", f"<NtryDtls>{STRAY}</NtryDtls>\n</Ntry>")
    text = statement(nested)
    error = refused(write(tmp_path, text))
    assert error.reason == "entry (Ntry) outside any statement (Stmt): it stands inside NtryDtls"
    assert error.where == f"NtryDtls/Ntry (line {line_of(text, '<Ntry><!-- stray')})"


def test_an_entry_inside_the_group_header_is_refused(tmp_path: Path) -> None:
    text = statement().replace("</GrpHdr>", f"{STRAY}</GrpHdr>")
    error = refused(write(tmp_path, text))
    assert error.reason.endswith("it stands inside GrpHdr")


@pytest.mark.parametrize(
    ("change", "where", "named"),
    [
        pytest.param(
            lambda t: t.replace("</Ntry>\n", "</Ntry>\n<Ntri><Amt Ccy='VND'>5</Amt></Ntri>\n", 1),
            "Stmt[1]/Ntri",
            "<Ntri>",
            id="misspelt-entry-between-entries",
        ),
        pytest.param(
            lambda t: t.replace("<Ntry>\n", "<Ntry>\n<Amount Ccy='VND'>5</Amount>\n", 1),
            "Stmt[1]/Ntry[1]/Amount",
            "<Amount",
            id="unknown-element-in-an-entry",
        ),
        pytest.param(
            lambda t: t.replace("<Ntry>\n", "<Ntry>\n<x:Amt xmlns:x='urn:example' Ccy='VND'>5</x:Amt>\n", 1),
            "Stmt[1]/Ntry[1]/Amt",
            "<x:Amt",
            id="foreign-namespace-element-in-an-entry",
        ),
        pytest.param(
            lambda t: t.replace(
                "</Ntry>", "<NtryDtls><TxDtls><Amt Ccy='VND'>150000</Amt></TxDtls><Tx/></NtryDtls></Ntry>", 1
            ),
            "Stmt[1]/Ntry[1]/NtryDtls/Tx",
            "<NtryDtls>",
            id="unknown-element-in-entry-details",
        ),
        pytest.param(
            lambda t: t.replace(
                "</Ntry>", "<NtryDtls><TxDtls><Amount Ccy='VND'>150000</Amount></TxDtls></NtryDtls></Ntry>", 1
            ),
            "Stmt[1]/Ntry[1]/NtryDtls/TxDtls[1]/Amount",
            "<NtryDtls>",
            id="unknown-element-in-a-transaction",
        ),
        pytest.param(
            lambda t: t.replace("<Bal>", "<Bal><Amount Ccy='VND'>0</Amount>", 1),
            "Stmt[1]/Bal[1]/Amount",
            "<Bal>",
            id="unknown-element-in-a-balance",
        ),
        pytest.param(
            lambda t: t.replace("</Stmt>", "<Ntfctn><Id>N</Id></Ntfctn>\n</Stmt>"),
            "Stmt/Ntfctn",
            "<Ntfctn>",
            id="a-notification-inside-a-statement",
        ),
    ],
)
def test_an_element_the_schema_does_not_put_there_is_refused_naming_it(
    tmp_path: Path, change: object, where: str, named: str
) -> None:
    text = change(statement())  # type: ignore[operator]
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("unexpected element ")
    assert error.reason.endswith("the file is refused rather than read without it")
    assert error.where == f"{where} (line {line_of(text, named)})"


def test_a_notification_block_in_a_statement_message_is_refused(tmp_path: Path) -> None:
    text = after_statement(statement(), "<Ntfctn><Id>N</Id></Ntfctn>")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("unexpected element Ntfctn inside BkToCstmrStmt")
    assert error.where == f"BkToCstmrStmt/Ntfctn (line {line_of(text, '<Ntfctn>')})"


def test_a_second_message_in_one_document_is_refused(tmp_path: Path) -> None:
    text = statement()
    body = text[text.index("<BkToCstmrStmt>") : text.index("</Document>")]
    text = text.replace("</Document>", body.replace("KB-0001", "KB-0002") + "</Document>")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("unexpected element BkToCstmrStmt inside Document")
    assert error.where is not None
    assert error.where.startswith("Document/BkToCstmrStmt[2] (line ")


# Accepted: what may stand between elements


def test_an_extension_in_its_own_namespace_inside_supplementary_data_is_not_read(tmp_path: Path) -> None:
    supplement = (
        "<SplmtryData><Envlp><x:Stmt xmlns:x='urn:example:bank'><x:Ntry>kept aside</x:Ntry>"
        "</x:Stmt></Envlp></SplmtryData>"
    )
    parsed = accepted(tmp_path, statement().replace("</BkToCstmrStmt>", f"{supplement}\n</BkToCstmrStmt>"))
    assert [s.statement_id for s in parsed.statements] == ["KBNN-01-20261125"]
    assert [e.bank_ref for e in parsed.statements[0].entries] == ["KB-0001"]


def test_comments_and_instructions_between_elements_are_allowed(tmp_path: Path) -> None:
    between = ENTRY.replace("<CdtDbtInd>", "<!-- credit --><?bank note?>\n<CdtDbtInd>")
    many = "\n<!-- next -->\n".join(
        between.replace("KB-0001", f"KB-{n:04d}").replace(">150000<", ">1<") for n in range(1, 6)
    )
    text = statement(many, balances=BALANCES.replace(">1150000<", ">1000005<"))
    parsed = accepted(tmp_path, text.replace("<Stmt>", "<Stmt><!-- the day -->"))
    assert [e.bank_ref for e in parsed.statements[0].entries] == [f"KB-{n:04d}" for n in range(1, 6)]
    assert parsed.issues == ()


def test_every_entry_detail_block_of_a_001_02_entry_is_read(tmp_path: Path) -> None:
    details = (
        "<NtryDtls><TxDtls><Refs><EndToEndId>B-1</EndToEndId></Refs>"
        "<AmtDtls><TxAmt><Amt Ccy='VND'>100000</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls>"
        "<NtryDtls><TxDtls><Refs><EndToEndId>B-1</EndToEndId></Refs>"
        "<AmtDtls><TxAmt><Amt Ccy='VND'>50000</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls></Ntry>"
    )
    text = statement(ENTRY.replace("<Sts><Cd>BOOK</Cd></Sts>", "<Sts>BOOK</Sts>").replace("</Ntry>", details))
    parsed = accepted(tmp_path, text.replace("camt.053.001.08", "camt.053.001.02"))
    entry = parsed.statements[0].entries[0]
    assert [d.amount for d in entry.details] == [100000, 50000]
    assert parsed.issues == ()


# Refused: markup inside a value

MARKUP = [
    pytest.param("<?x y?>", "a processing instruction", id="processing-instruction"),
    pytest.param("<b/>", "element b", id="child-element"),
    pytest.param("<!-- x -->", "a comment", id="comment"),
]


@pytest.mark.parametrize(("markup", "kind"), MARKUP)
def test_markup_inside_an_amount_is_refused_not_read_as_its_first_digits(
    tmp_path: Path, markup: str, kind: str
) -> None:
    text = statement(ENTRY.replace(">150000<", f">1{markup}50000<"))
    error = refused(write(tmp_path, text))
    assert error.reason == f"markup inside the value of Amt ({kind}): a value is text only"
    assert error.where == f"Stmt[1]/Ntry[1]/Amt (line {line_of(text, '<Ntry>') + 1})"


@pytest.mark.parametrize(
    ("written", "broken", "path"),
    [
        pytest.param(
            "<Dt>2026-11-25</Dt></BookgDt>", "<Dt>2026-11-<!---->25</Dt></BookgDt>", "BookgDt/Dt", id="date"
        ),
        pytest.param("KB-0001", "KB-<?x?>0001", "AcctSvcrRef", id="bank-reference"),
        pytest.param(">CRDT<", "><!---->CRDT<", "CdtDbtInd", id="direction"),
        pytest.param("<Cd>BOOK</Cd>", "<Cd>BO<b/>OK</Cd>", "Sts/Cd", id="status"),
        pytest.param("<Sts><Cd>BOOK</Cd></Sts>", "<Sts>BOOK<!-- x --></Sts>", "Sts", id="status-as-text"),
    ],
)
def test_markup_inside_any_value_of_an_entry_is_refused_naming_it(
    tmp_path: Path, written: str, broken: str, path: str
) -> None:
    text = statement(ENTRY.replace(written, broken))
    error = refused(write(tmp_path, text))
    assert error.reason.startswith(f"markup inside the value of {path.rsplit('/', 1)[-1]} (")
    assert error.where == f"Stmt/Ntry/{path} (line {line_of(text, broken)})"


@pytest.mark.parametrize(
    ("change", "path", "named"),
    [
        pytest.param(
            lambda t: t.replace("<Id>KBNN-01-20261125</Id>", "<Id>KBNN-01<!---->-20261125</Id>"),
            "Stmt/Id",
            "KBNN-01<!",
            id="statement-id",
        ),
        pytest.param(
            lambda t: t.replace("<Ccy>VND</Ccy>", "<Ccy>V<?x?>ND</Ccy>"),
            "Stmt/Acct/Ccy",
            "<Ccy>V",
            id="account-currency",
        ),
        pytest.param(
            lambda t: t.replace(">1000000<", ">1<!---->000000<", 1),
            "Stmt[1]/Bal[1]/Amt",
            "<Bal>",
            id="balance-amount",
        ),
        pytest.param(
            lambda t: t.replace("18:00:00+07:00", "18:00<!---->:00+07:00"),
            "GrpHdr/CreDtTm",
            "<CreDtTm>",
            id="creation-time",
        ),
        pytest.param(
            lambda t: t.replace(
                "</Ntry>",
                "<NtryDtls><TxDtls><Refs><EndToEndId>B<b/>1</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>",
            ),
            "Stmt/Ntry/NtryDtls/TxDtls/Refs/EndToEndId",
            "<EndToEndId>",
            id="end-to-end-id",
        ),
    ],
)
def test_markup_inside_a_header_or_detail_value_is_refused_naming_it(
    tmp_path: Path, change: object, path: str, named: str
) -> None:
    text = change(statement())  # type: ignore[operator]
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("markup inside the value of ")
    assert error.where == f"{path} (line {line_of(text, named)})"


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        pytest.param("18,15", "EUR", id="decimal-comma"),
        pytest.param("\u0661\u0665\u0660\u0660\u0660\u0660", "VND", id="arabic-indic-digits"),
        pytest.param("\uff11\uff15\uff10\uff10\uff10\uff10", "VND", id="fullwidth-digits"),
        pytest.param("150000\u00a0", "VND", id="no-break-space"),
    ],
)
def test_an_amount_that_is_not_an_xml_decimal_is_refused(tmp_path: Path, amount: str, currency: str) -> None:
    text = statement(ENTRY.replace('Ccy="VND">150000<', f'Ccy="{currency}">{amount}<'))
    error = refused(write(tmp_path, text))
    assert error.where == f"Stmt[1]/Ntry[1]/Amt (line {line_of(text, '<Ntry>') + 1})"
    assert "decimal amount" in error.reason


@pytest.mark.parametrize("code", ["vnd", "VN", "VNDX", "V N", "1VN", "ВND"])
def test_a_currency_attribute_that_is_not_iso_4217_is_refused(tmp_path: Path, code: str) -> None:
    text = statement(ENTRY.replace('Ccy="VND"', f'Ccy="{code}"'))
    error = refused(write(tmp_path, text))
    assert error.reason == f"{code!r} is not an ISO 4217 currency code"
    assert error.where == f"Stmt[1]/Ntry[1]/Amt (line {line_of(text, '<Ntry>') + 1})"


def test_an_empty_currency_attribute_is_a_missing_currency(tmp_path: Path) -> None:
    error = refused(write(tmp_path, statement(ENTRY.replace('Ccy="VND"', 'Ccy=""'))))
    assert error.reason == "amount has no currency (Ccy attribute)"


def test_a_bare_message_without_its_document_element_is_read(tmp_path: Path) -> None:
    text = statement()
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
    text = text.replace(f'<Document xmlns="{ns}">\n<BkToCstmrStmt>', f'<BkToCstmrStmt xmlns="{ns}">')
    parsed = accepted(tmp_path, text.replace("</Document>\n", ""))
    assert [e.bank_ref for e in parsed.statements[0].entries] == ["KB-0001"]


def test_a_message_inside_another_element_than_its_document_is_refused(tmp_path: Path) -> None:
    text = statement().replace("<BkToCstmrStmt>", "<Wrapper><BkToCstmrStmt>")
    text = text.replace("</BkToCstmrStmt>", "</BkToCstmrStmt></Wrapper>")
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("unexpected element BkToCstmrStmt inside Wrapper")
    assert error.where == f"BkToCstmrStmt (line {line_of(text, '<Wrapper>')})"


# Refused: a second of what the schema allows once


@pytest.mark.parametrize(
    ("change", "where", "named"),
    [
        pytest.param(
            lambda t: t.replace('">150000</Amt>\n', '">150000</Amt>\n<Amt Ccy="VND">900000</Amt>\n', 1),
            "Stmt[1]/Ntry[1]/Amt",
            "900000",
            id="second-amount-in-an-entry",
        ),
        pytest.param(
            lambda t: t.replace("<AcctSvcrRef>KB", "<AcctSvcrRef>KB-9</AcctSvcrRef><AcctSvcrRef>KB", 1),
            "Stmt[1]/Ntry[1]/AcctSvcrRef",
            "KB-0001",
            id="second-bank-reference",
        ),
        pytest.param(
            lambda t: t.replace("</Acct>", "</Acct>\n<Acct><Id><Othr><Id>9999</Id></Othr></Id></Acct>", 1),
            "Stmt[1]/Acct",
            "9999",
            id="second-account-in-a-statement",
        ),
        pytest.param(
            lambda t: t.replace("<Id>KBNN-01-20261125</Id>", "<Id>KBNN-01-20261125</Id><Id>OTHER</Id>", 1),
            "Stmt[1]/Id",
            "OTHER",
            id="second-statement-id",
        ),
        pytest.param(
            lambda t: t.replace('"VND">1000000</Amt>', '"VND">1000000</Amt><Amt Ccy="VND">5</Amt>'),
            "Stmt[1]/Bal[1]/Amt",
            '"VND">5<',
            id="second-amount-in-a-balance",
        ),
        pytest.param(
            lambda t: t.replace(
                "</Ntry>",
                "<NtryDtls><TxDtls><Refs><EndToEndId>B-1</EndToEndId><EndToEndId>B-2</EndToEndId></Refs>"
                "</TxDtls></NtryDtls></Ntry>",
                1,
            ),
            "Stmt[1]/Ntry[1]/NtryDtls/TxDtls[1]/Refs/EndToEndId",
            "B-2",
            id="second-end-to-end-id",
        ),
        pytest.param(
            lambda t: t.replace("</BkToCstmrStmt>", "<GrpHdr><MsgId>2</MsgId></GrpHdr>\n</BkToCstmrStmt>", 1),
            "BkToCstmrStmt/GrpHdr",
            "<MsgId>2<",
            id="second-group-header",
        ),
    ],
)
def test_a_second_element_where_the_schema_allows_one_is_refused(
    tmp_path: Path, change: object, where: str, named: str
) -> None:
    text = change(statement())  # type: ignore[operator]
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("a second ")
    assert error.reason.endswith("the schema allows one, and only one would be read")
    assert error.where == f"{where} (line {line_of(text, named)})"


def test_repeatable_elements_may_repeat(tmp_path: Path) -> None:
    details = (
        "<NtryDtls><TxDtls><Refs><EndToEndId>B-1</EndToEndId><Prtry><Tp>a</Tp><Ref>1</Ref></Prtry>"
        "<Prtry><Tp>b</Tp><Ref>2</Ref></Prtry></Refs><RmtInf><Ustrd>one</Ustrd><Ustrd>two</Ustrd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>"
    )
    parsed = accepted(tmp_path, statement(ENTRY.replace("</Ntry>", details)))
    (entry,) = parsed.statements[0].entries
    assert (entry.end_to_end_id, entry.remittance) == ("B-1", "one two")


# Refused: values the reader would otherwise guess at


@pytest.mark.parametrize(
    ("written", "reversal"), [("true", True), ("1", True), ("false", False), ("0", False)]
)
def test_a_reversal_indicator_is_read_in_its_four_spellings(
    tmp_path: Path, written: str, reversal: bool
) -> None:
    text = statement(ENTRY.replace("<Sts>", f"<RvslInd>{written}</RvslInd><Sts>"))
    assert accepted(tmp_path, text).statements[0].entries[0].reversal is reversal


def test_a_reversal_indicator_that_is_not_a_boolean_is_refused(tmp_path: Path) -> None:
    text = statement(ENTRY.replace("<Sts>", "<RvslInd>yes</RvslInd><Sts>"))
    error = refused(write(tmp_path, text))
    assert error.reason == "RvslInd 'yes' is not a boolean (true, false, 1 or 0)"
    assert error.where == f"Stmt[1]/Ntry[1]/RvslInd (line {line_of(text, '<RvslInd>')})"


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1234567890123456789", "VND"), ("99999999999999999999", "VND"), ("12345678901234567.89", "EUR")],
)
def test_an_amount_of_more_than_18_digits_is_refused(tmp_path: Path, amount: str, currency: str) -> None:
    text = statement(ENTRY.replace('Ccy="VND">150000<', f'Ccy="{currency}">{amount}<'))
    error = refused(write(tmp_path, text))
    assert "digits" in error.reason
    assert error.where == f"Stmt[1]/Ntry[1]/Amt (line {line_of(text, '<Ntry>') + 1})"


def test_an_amount_of_18_digits_is_read_exactly(tmp_path: Path) -> None:
    text = statement(ENTRY.replace('Ccy="VND">150000<', 'Ccy="VND">999999999999999999<'))
    text = text.replace(">1150000<", ">1000999999999999999<")  # a closing balance beyond 18 digits is refused
    error = refused(write(tmp_path, text))
    assert error.where is not None
    assert error.where.startswith("Stmt[1]/Bal[2]/Amt")
    largest = ENTRY.replace('Ccy="VND">150000<', 'Ccy="VND">999999999999999999<')
    parsed = accepted(tmp_path, statement(largest))
    assert parsed.statements[0].entries[0].amount == 999_999_999_999_999_999


def test_an_account_identified_twice_is_refused_not_read_by_its_first_identification(
    tmp_path: Path,
) -> None:
    account = (
        "<Acct><Id><IBAN>VN12345678901234567890</IBAN>\n<Othr><Id>3511.0.1234567</Id></Othr></Id>"
        "<Ccy>VND</Ccy></Acct>"
    )
    text = statement(account=account)
    error = refused(write(tmp_path, text))
    assert error.reason == (
        "the account is identified twice (IBAN and Othr): the schema allows one identification"
    )
    assert error.where == f"Stmt[1]/Acct/Id/Othr (line {line_of(text, '<Othr>')})"


@pytest.mark.parametrize(
    ("account", "where", "named"),
    [
        pytest.param(
            "<Acct><Id><Othr><Id>3511.0.1234567</Id></Othr></Id><Ccy>VND</Ccy>\n<Ccy>USD</Ccy></Acct>",
            "Stmt[1]/Acct/Ccy",
            "<Ccy>USD",
            id="two-currencies",
        ),
        pytest.param(
            "<Acct><Id><Othr><Id>3511.0.1234567</Id>\n<Id>9999</Id></Othr></Id><Ccy>VND</Ccy></Acct>",
            "Stmt[1]/Acct/Id/Othr/Id",
            "<Id>9999",
            id="two-account-numbers",
        ),
        pytest.param(
            "<Acct><Id><Othr><Id>3511.0.1234567</Id></Othr></Id>\n<Id><IBAN>VN1</IBAN></Id></Acct>",
            "Stmt[1]/Acct/Id",
            "<Id><IBAN>",
            id="two-identifications",
        ),
    ],
)
def test_an_account_with_a_part_given_twice_is_refused(
    tmp_path: Path, account: str, where: str, named: str
) -> None:
    text = statement(account=account)
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("a second ")
    assert error.where == f"{where} (line {line_of(text, named)})"


def test_an_unknown_element_in_the_account_is_refused(tmp_path: Path) -> None:
    account = "<Acct><Id><Othr><Id>3511.0.1234567</Id></Othr></Id>\n<Account>X</Account></Acct>"
    text = statement(account=account)
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("unexpected element Account inside Acct")
    assert error.where == f"Stmt[1]/Acct/Account (line {line_of(text, '<Account>')})"


# Refused: a schema choice given both ways


@pytest.mark.parametrize(
    ("old", "new", "where", "reason"),
    [
        pytest.param(
            "<BookgDt><Dt>2026-11-25</Dt></BookgDt>",
            "<BookgDt><Dt>2026-11-25</Dt><DtTm>2026-11-26T03:00:00+07:00</DtTm></BookgDt>",
            "Stmt[1]/Ntry[1]/BookgDt/DtTm",
            "BookgDt gives both Dt and DtTm: one is allowed",
            id="booking-date-and-time",
        ),
        pytest.param(
            "<Sts><Cd>BOOK</Cd></Sts>",
            "<Sts><Cd>BOOK</Cd><Prtry>PENDING</Prtry></Sts>",
            "Stmt[1]/Ntry[1]/Sts/Prtry",
            "Sts gives both Cd and Prtry: one is allowed",
            id="status-code-and-proprietary",
        ),
        pytest.param(
            "<BookgDt><Dt>2026-11-25</Dt></BookgDt>",
            "<BookgDt><Date>2026-11-25</Date></BookgDt>",
            "Stmt[1]/Ntry[1]/BookgDt/Date",
            "unexpected element Date inside BookgDt",
            id="booking-date-misspelt",
        ),
        pytest.param(
            "<Sts><Cd>BOOK</Cd></Sts>",
            "<Sts>PDNG<Cd>BOOK</Cd></Sts>",
            "Stmt[1]/Ntry[1]/Sts",
            "markup inside the value of Sts (element Cd)",
            id="status-text-beside-a-code",
        ),
    ],
)
def test_a_choice_given_two_ways_is_refused(
    tmp_path: Path, old: str, new: str, where: str, reason: str
) -> None:
    text = statement(ENTRY.replace(old, new))
    error = refused(write(tmp_path, text))
    assert error.reason.startswith(reason)
    assert error.where == f"{where} (line {line_of(text, new)})"


def test_a_balance_type_given_as_code_and_proprietary_is_refused(tmp_path: Path) -> None:
    text = statement().replace("<Cd>OPBD</Cd>", "<Cd>OPBD</Cd><Prtry>CLOSING</Prtry>")
    error = refused(write(tmp_path, text))
    assert error.reason == "CdOrPrtry gives both Cd and Prtry: one is allowed"
    assert error.where == f"Stmt[1]/Bal[1]/Tp/CdOrPrtry/Prtry (line {line_of(text, 'CLOSING')})"


@pytest.mark.parametrize(
    "amount",
    [
        pytest.param("9" * 5000, id="five-thousand-digits"),
        pytest.param("9" * 5000 + ",5", id="five-thousand-digits-and-a-comma"),
        pytest.param("\u0669" * 5000, id="five-thousand-arabic-indic-digits"),
        pytest.param("1" + " " * 5000 + "2", id="five-thousand-spaces-inside"),
    ],
)
def test_a_huge_amount_is_refused_with_a_short_message(tmp_path: Path, amount: str) -> None:
    text = statement(ENTRY.replace('Ccy="VND">150000<', f'Ccy="VND">{amount}<'))
    error = refused(write(tmp_path, text))
    assert len(str(error)) < 200
    assert "(5" in error.reason or "digits" in error.reason
    assert error.where == f"Stmt[1]/Ntry[1]/Amt (line {line_of(text, '<Ntry>') + 1})"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("<Dt>2026-11-25</Dt></BookgDt>", f"<Dt>{'2' * 5000}</Dt></BookgDt>", id="date"),
        pytest.param(">CRDT<", f">{'C' * 5000}<", id="direction"),
        pytest.param("<Sts>", f"<RvslInd>{'t' * 5000}</RvslInd><Sts>", id="reversal"),
    ],
)
def test_a_huge_bad_value_is_refused_with_a_short_message(tmp_path: Path, old: str, new: str) -> None:
    error = refused(write(tmp_path, statement(ENTRY.replace(old, new))))
    assert len(str(error)) < 200
    assert "(5000 characters)" in error.reason


def test_an_element_with_a_huge_name_is_refused_with_a_short_message(tmp_path: Path) -> None:
    name = "N" * 5000
    text = statement(ENTRY.replace("<Sts>", f"<{name}/><Sts>"))
    error = refused(write(tmp_path, text))
    assert error.reason.startswith("unexpected element NNNN")
    assert len(str(error)) < 800


def test_an_element_in_a_huge_namespace_is_refused_with_a_short_message(tmp_path: Path) -> None:
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" + "x" * 5000
    text = after_statement(statement(), f'<Stmt xmlns="{ns}"><Id>X</Id></Stmt>')
    error = refused(write(tmp_path, text))
    assert f"({len(ns)} characters)" in error.reason
    assert len(str(error)) < 400
