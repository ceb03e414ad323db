"""A bad MT940 file is refused with its name, the line and the reason; soft problems become issues."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.formats.mt940 import Mt940Parser, read_mt940
from reconcile.errors import AmountError, InputError

GOOD = [
    ":20:KBNN0125112026",
    ":25:VN3711101000000",
    ":28C:00001/001",
    ":60F:C261124VND1000000,",
    ":61:2611251125C150000,NTRFNONREF//FT2633001",
    ":86:166?20EREF+LPTB-2026-0001 SVWZ+?21Le phi truoc ba",
    ":61:2611251125D50000,NTRFNONREF//FT2633002",
    ":86:Phi dich vu",
    ":62F:C261125VND1100000,",
    "-",
]


def _write(tmp_path: Path, lines: list[str], name: str = "kbnn.sta") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    return path


def _replaced(prefix: str, line: str) -> list[str]:
    return [line if original.startswith(prefix) else original for original in GOOD]


def _line_of(lines: list[str], prefix: str) -> str:
    return f"line {next(i for i, text in enumerate(lines, start=1) if text.startswith(prefix))}"


def _refused(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        Mt940Parser().parse(path)
    return caught.value


def test_the_good_sample_is_read(tmp_path: Path) -> None:
    parsed = Mt940Parser().parse(_write(tmp_path, GOOD))

    assert parsed.issues == ()
    assert [entry.signed_amount for entry in parsed.statements[0].entries] == [150000, -50000]
    assert parsed.statements[0].entries[0].end_to_end_id == "LPTB-2026-0001"


@pytest.mark.parametrize(
    ("lines", "at", "reason"),
    [
        pytest.param(
            [line for line in GOOD if not line.startswith(":62F:")],
            ":20:",
            "MT940 statement KBNN0125112026 has no closing balance (:62F:)",
            id="no-closing-balance",
        ),
        pytest.param(
            [line for line in GOOD if not line.startswith(":60F:")],
            ":20:",
            "MT940 statement KBNN0125112026 has no opening balance (:60F:)",
            id="no-opening-balance",
        ),
        pytest.param(
            [line for line in GOOD if not line.startswith(":25:")],
            ":20:",
            "MT940 statement KBNN0125112026 has no account (:25:)",
            id="no-account",
        ),
        pytest.param(
            _replaced(":61:2611251125C", ":61:2611251125C150.000,NTRFNONREF//FT2633001"),
            ":61:2611251125C",
            "amount in '2611251125C150.000,NTRFNONREF//FT2633001' is not readable",
            id="unreadable-amount",
        ),
        pytest.param(
            _replaced(":61:2611251125C", ":61:2611251125C1.5E+05,NTRFNONREF//FT2633001"),
            ":61:2611251125C",
            "amount in '2611251125C1.5E+05,NTRFNONREF//FT2633001' is not readable",
            id="exponent-amount",
        ),
        pytest.param(
            _replaced(":61:2611251125C", ":61:2611251125C15E4NTRFNONREF//FT2633001"),
            ":61:2611251125C",
            "amount in '2611251125C15E4NTRFNONREF//FT2633001' is not readable",
            id="exponent-amount-without-a-comma",
        ),
        pytest.param(
            _replaced(":61:2611251125C", ":61:2611251125C150000,XTRFNONREF//FT2633001"),
            ":61:2611251125C",
            "then a transaction type such as NTRF",
            id="no-transaction-type-after-the-amount",
        ),
        pytest.param(
            _replaced(":60F:", ":60F:C261124VND1E+06,"),
            ":60F:",
            ":60F: 'C261124VND1E+06,' is not a balance",
            id="exponent-opening-balance",
        ),
        pytest.param(
            _replaced(":62F:", ":62F:C261125VND1.1E+06"),
            ":62F:",
            ":62F: 'C261125VND1.1E+06' is not a balance",
            id="exponent-closing-balance",
        ),
        pytest.param(
            _replaced(":61:2611251125C", ":61:2313451125C150000,NTRFNONREF//FT2633001"),
            ":61:2313451125C",
            ":61: value date '231345' is not a valid YYMMDD date",
            id="impossible-value-date",
        ),
        pytest.param(
            _replaced(":61:2611251125C", ":61:2611251345C150000,NTRFNONREF//FT2633001"),
            ":61:2611251345C",
            ":61: entry date '1345' is not a valid MMDD date",
            id="impossible-entry-date",
        ),
        pytest.param(
            _replaced(":61:2611251125C", ":61:2611251125X150000,NTRFNONREF//FT2633001"),
            ":61:2611251125X",
            "debit/credit mark (C, D, RC, RD, EC, ED)",
            id="no-debit-credit-mark",
        ),
        pytest.param(
            _replaced(":60F:", ":60F:C2611VND1000000,"),
            ":60F:",
            ":60F: 'C2611VND1000000,' is not a balance",
            id="malformed-balance",
        ),
        pytest.param(
            _replaced(":62F:", ":62F:C261345VND1100000,"),
            ":62F:",
            ":62F: date '261345' is not a valid YYMMDD date",
            id="impossible-balance-date",
        ),
        pytest.param(
            _replaced(":62F:", ":62F:C261125USD1100000,"),
            ":62F:",
            "MT940 statement KBNN0125112026: closing balance currency USD differs from the statement "
            "currency VND",
            id="closing-balance-in-another-currency",
        ),
        pytest.param(
            [*GOOD[:-1], ":64:C261125EUR1100000,", GOOD[-1]],
            ":64:",
            "closing available balance currency EUR differs from the statement currency VND",
            id="available-balance-in-another-currency",
        ),
        pytest.param(
            _replaced(":20:", ":20:   "),
            ":20:",
            "MT940 statement reference :20: is empty",
            id="empty-statement-reference",
        ),
    ],
)
def test_a_bad_statement_is_refused_with_file_line_and_reason(
    tmp_path: Path, lines: list[str], at: str, reason: str
) -> None:
    error = _refused(_write(tmp_path, lines))

    assert error.source == "kbnn.sta"
    assert error.where == _line_of(lines, at)
    assert reason in error.reason
    assert str(error).startswith(f"kbnn.sta, {error.where}: ")


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("150000,5", "VND"), ("12,345", "EUR")],
)
def test_an_amount_finer_than_its_currency_is_refused(tmp_path: Path, amount: str, currency: str) -> None:
    lines = [
        ":20:STMT1",
        ":25:VN3711101000000",
        f":60F:C261124{currency}0,",
        f":61:2611251125C{amount}NTRFNONREF//FT1",
        f":62F:C261125{currency}0,",
        "-",
    ]
    with pytest.raises(AmountError) as caught:
        Mt940Parser().parse(_write(tmp_path, lines, "fine.sta"))

    assert caught.value.source == "fine.sta"
    assert caught.value.where == "line 4"
    assert "more decimal digits than" in caught.value.reason
    assert "MT940 statement STMT1" in caught.value.reason


@pytest.mark.parametrize(
    "line",
    [
        ":61:2611251125C150000,NTRFNONREF//FT2633001",
        ":61:2611251125C150000NTRFNONREF//FT2633001",  # no decimal comma: the type ends the amount
        ":61:2611251125C150000,NET NONREF",  # a three-letter type and a blank
        ":61:2611251125C150000, NTRFNONREF//FT2633001",  # a blank before the type
        ":61:2611251125C150000,//FT2633001",  # no type, the bank's reference at once
        ":61:2611251125C150000,",  # nothing after the amount
    ],
)
def test_an_amount_is_read_in_every_dialect_that_ends_it_clearly(tmp_path: Path, line: str) -> None:
    lines = _replaced(":61:2611251125C", line)

    parsed = Mt940Parser().parse(_write(tmp_path, lines))

    assert parsed.statements[0].entries[0].amount == 150000


SECOND = [
    ":20:KBNN0225112026",
    ":25:VN3711101000000",
    ":28C:00002/001",
    ":60F:C261125VND1100000,",
    ":61:2611261126C70000,NTRFNONREF//FT2633009",
    ":62F:C261126VND1170000,",
    "-",
]


def _with_second(first_line: str | None, *, terminated: bool = True) -> list[str]:
    """GOOD, then a second statement whose ``:20:`` line is replaced (or dropped when ``None``)."""
    second = SECOND[1:] if first_line is None else [first_line, *SECOND[1:]]
    return [*(GOOD if terminated else GOOD[:-1]), *second]


@pytest.mark.parametrize(
    ("lines", "at", "reason"),
    [
        pytest.param(
            _with_second(":2O:KBNN0225112026"),
            ":2O:",
            "starts with :2O:, which is no MT940 field",
            id="mistyped-20-after-a-message-end",
        ),
        pytest.param(
            _with_second(":2O:KBNN0225112026", terminated=False),
            ":2O:",
            "starts with :2O:, which is no MT940 field",
            id="mistyped-20-without-a-message-end",
        ),
        pytest.param(
            _with_second(None),
            11,
            "field :25: stands outside any statement: no :20: opens it",
            id="second-statement-without-20",
        ),
        pytest.param(
            _with_second("20:KBNN0225112026", terminated=False),
            11,
            "has a second account :25: (first on line 2): is the :20: of a next statement missing",
            id="20-without-its-colon-runs-into-the-statement-before",
        ),
        pytest.param(
            [*GOOD[:2], ":99:SOMETHING", *GOOD[2:]],
            ":99:",
            "starts with :99:, which is no MT940 field",
            id="unknown-tag",
        ),
        pytest.param(
            [GOOD[0], *["0123456789" * 6] * 3, *GOOD[1:]],
            ":20:",
            "statement reference :20: '",
            id="statement-reference-wrapped-past-its-column",
        ),
        pytest.param(
            [*GOOD[:2], "9" * 64, *GOOD[2:]],
            ":25:",
            "is longer than 64 characters",
            id="account-wrapped-past-its-column",
        ),
        pytest.param(
            [*GOOD[:-1], ":86:SO DU CUOI NGAY", ":2O:KBNN0225112026", *SECOND[1:]],
            12,
            "has a second account :25: (first on line 2)",
            id="mistyped-20-after-statement-information-in-86",
        ),
        pytest.param(
            [*GOOD[:-1], ":61:2611251125C1,NTRFNONREF//LATE", GOOD[-1]],
            ":61:2611251125C1,",
            "has an entry :61: after its closing balance",
            id="entry-after-the-closing-balance",
        ),
        pytest.param(
            _replaced(":61:2611251125C", ":61:2611251125C150.000NTRFNONREF//FT2633001"),
            ":61:2611251125C",
            "amount '150.000' has 3 digits after '.', more than VND has",
            id="dot-that-may-be-a-thousands-separator",
        ),
        pytest.param(
            _replaced(":60F:", ":60F:C261124VND1000.000"),
            ":60F:",
            "amount '1000.000' has 3 digits after '.'",
            id="balance-dot-that-may-be-a-thousands-separator",
        ),
        pytest.param(
            _replaced(":61:2611251125C", ":61:2611251125C150000,NTRF" + "R" * 40 + "//FT2633001"),
            ":61:2611251125C",
            "is longer than 35 characters",
            id="owner-reference-too-long",
        ),
        pytest.param(
            _replaced(":86:166", ":86:/EREF/" + "E" * 200 + "//REMI/USTD//LPTB/"),
            ":61:2611251125C",
            "end-to-end reference (/EREF/)",
            id="eref-too-long-for-its-column",
        ),
    ],
)
def test_a_field_the_parser_cannot_place_rejects_the_file_with_its_line(
    tmp_path: Path, lines: list[str], at: str | int, reason: str
) -> None:
    error = _refused(_write(tmp_path, lines))

    assert error.source == "kbnn.sta"
    assert error.where == (f"line {at}" if isinstance(at, int) else _line_of(lines, at))
    assert reason in error.reason


def test_a_file_without_any_statement_reference_is_refused(tmp_path: Path) -> None:
    lines = [line for line in GOOD if not line.startswith(":20:")]

    error = _refused(_write(tmp_path, lines, "noref.sta"))

    assert error.source == "noref.sta"
    assert error.where is None  # the whole file is wrong, no line is to blame
    assert error.reason == "no MT940 statement in the file: no :20: field found"


def test_binary_content_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.sta"
    path.write_bytes(b":20:X\r\n" + bytes(range(256)) * 4)

    error = _refused(path)

    assert error.source == "image.sta"
    assert "binary content" in error.reason
    assert not Mt940Parser().identify(path, path.read_bytes()[:4096])


def test_a_balance_that_does_not_add_up_is_an_issue_not_a_refusal(tmp_path: Path) -> None:
    lines = _replaced(":62F:", ":62F:C261125VND1100001,")

    parsed = Mt940Parser().parse(_write(tmp_path, lines))

    [issue] = parsed.issues
    assert (issue.source, issue.where) == ("kbnn.sta", "line 1")
    assert "balance continuity broken" in issue.message
    assert "difference -1" in issue.message


def test_an_entry_date_far_from_its_value_date_is_an_issue(tmp_path: Path) -> None:
    lines = _replaced(":61:2611251125C", ":61:2612311125C150000,NTRFNONREF//FT2633001")

    parsed = Mt940Parser().parse(_write(tmp_path, lines))

    [issue] = parsed.issues
    assert issue.where == _line_of(lines, ":61:2612311125C")
    assert "value date 2026-12-31 is 36 days from entry date 2026-11-25" in issue.message


@pytest.mark.parametrize(
    ("value_date", "message"),
    [
        ("261124", "value date 2026-11-24 is before booking date 2026-11-25"),
        ("260901", "value date 2026-09-01 is before booking date 2026-11-25 (85 days)"),
    ],
)
def test_an_entry_valued_before_its_entry_date_is_an_issue_in_camts_words(
    tmp_path: Path, value_date: str, message: str
) -> None:
    lines = _replaced(":61:2611251125C", f":61:{value_date}1125C150000,NTRFNONREF//FT2633001")

    parsed = Mt940Parser().parse(_write(tmp_path, lines))

    [issue] = parsed.issues
    assert (issue.source, issue.where, issue.message) == ("kbnn.sta", _line_of(lines, ":61:"), message)


@pytest.mark.parametrize("encoding", ["cp852", "cp1252"])
def test_single_byte_text_is_read_in_its_code_page(tmp_path: Path, encoding: str) -> None:
    text = {"cp852": "Átutalás díja, Łódź", "cp1252": "Überweisung Straße"}[encoding]
    lines = [*GOOD[:7], f":86:{text}", *GOOD[8:]]
    path = tmp_path / f"{encoding}.sta"
    path.write_bytes("\r\n".join(lines).encode(encoding))

    read = read_mt940(path)

    assert read.encoding == encoding
    assert read.parsed.statements[0].entries[1].remittance == text


def test_prose_swift_blocks_and_framing_bytes_around_the_data_are_ignored(tmp_path: Path) -> None:
    lines = [
        "Kho bac Nha nuoc - sao ke tai khoan",
        "",
        "\x01{1:F01BFTVVNVXAXXX0000000000}{2:O940BFTVVNVXAXXXN}{3:{108:REF}}{4:",
        *GOOD[:-1],
        "-}{5:{CHK:123}}\x03",
    ]
    path = _write(tmp_path, lines, "swift.sta")

    parsed = Mt940Parser().parse(path)

    assert Mt940Parser().identify(path, path.read_bytes())
    assert [statement.statement_id for statement in parsed.statements] == ["KBNN0125112026"]
    assert parsed.statements[0].entries[0].position == "line 8"


def test_utf16_text_with_its_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "utf16.sta"
    path.write_bytes("\r\n".join(GOOD).encode("utf-16"))

    read = read_mt940(path)

    assert Mt940Parser().identify(path, path.read_bytes()[:4096])
    assert read.encoding == "utf-16"
    assert [entry.signed_amount for entry in read.parsed.statements[0].entries] == [150000, -50000]


def test_ns_lines_account_with_bic_and_lf_line_ends_are_read(tmp_path: Path) -> None:
    lines = [
        ":20:KBNN0225112026",
        ":25P:VN3711101000000",
        "BFTVVNVX",
        ":60M:D261124VND500000,",
        ":61:2611251125RC500000,NTRFNONREF//FT9",
        ":NS:22Hoan tra",
        ":86:Hoan tra giao dich",
        ":62M:D261125VND1000000,",
        "-",
    ]
    path = tmp_path / "lf.sta"
    path.write_text("\n".join(lines), encoding="utf-8")

    [statement] = Mt940Parser().parse(path).statements

    assert statement.account == "VN3711101000000"
    assert statement.opening is not None
    assert (statement.opening.kind, statement.opening.amount) == ("PRCD", -500000)
    [entry] = statement.entries
    assert (entry.signed_amount, entry.reversal, entry.remittance) == (-500000, True, "Hoan tra giao dich")


def test_an_mt942_interim_report_needs_no_balances(tmp_path: Path) -> None:
    lines = [
        ":20:INTRADAY1",
        ":25:VN3711101000000",
        ":28C:1/1",
        ":34F:VND0,",
        ":13D:2611251015+0700",
        ":61:2611251125C150000,NTRFNONREF//FT1",
        ":90C:1VND150000,",
        "-",
    ]
    parsed = Mt940Parser().parse(_write(tmp_path, lines, "mt942.sta"))

    [statement] = parsed.statements
    assert parsed.format == "mt942"
    assert statement.balances == ()
    assert statement.created_at is not None
    assert statement.created_at.isoformat() == "2026-11-25T10:15:00+07:00"
    assert [(e.currency, e.signed_amount) for e in statement.entries] == [("VND", 150000)]
