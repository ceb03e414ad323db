"""Statements written as camt.053 read back as the same records, to the minor unit.

Hypothesis draws accounts, currencies with 0, 2 and 3 decimals, several
statements per file, batch entries with their transaction details,
reversals and charges, in every version from 001.02 to 001.13, with and
without a business-message envelope.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.formats.base import read_head
from adapters.formats.camt import SUPPORTED_VERSIONS, CamtParser
from adapters.formats.camt_entries import single_end_to_end
from adapters.formats.camt_writer import write_camt053
from adapters.formats.xmlsafe import iter_events, release
from reconcile.records import Balance, BankEntry, BankStatement, Direction, TxDetail

CURRENCIES = st.sampled_from(["VND", "VND", "EUR", "JPY", "BHD"])
MINOR = st.integers(min_value=0, max_value=10**13)
DATES = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
ZONES = st.sampled_from([dt.timezone(dt.timedelta(hours=7)), dt.UTC])
IDS = st.text("ABCDEFGHKLMNPQRSTUVXY0123456789-", min_size=1, max_size=20).filter(lambda s: s[0] != "-")
WORD = st.text("abcdeghiklmnopqrstuvxyĐđăâêôơưạảấầểệịọụỳ0123456789/.:-", min_size=1, max_size=24)
# Long texts run over several 140-character Ustrd lines.
TEXT = st.one_of(st.lists(WORD, min_size=1, max_size=5), st.lists(WORD, min_size=15, max_size=30)).map(
    " ".join
)
DIGITS = st.integers(min_value=0, max_value=10**12)
ACCOUNTS = st.one_of(
    DIGITS.map(lambda n: f"{n % 10000:04d}.{n % 7}.{n % 10**7:07d}"),  # treasury style: 3511.0.1234567
    DIGITS.map(lambda n: f"VN{n % 97:02d}{n:012d}"),  # IBAN-shaped
)
VERSIONS = st.sampled_from([f"camt.053.{variant}" for variant in SUPPORTED_VERSIONS["053"]])


@st.composite
def details(draw: st.DrawFn) -> TxDetail:
    return TxDetail(
        end_to_end_id=draw(st.none() | IDS),
        amount=draw(st.none() | MINOR),
        remittance=draw(st.none() | TEXT),
        references=tuple(draw(st.lists(IDS, max_size=3))),
    )


@st.composite
def entries(draw: st.DrawFn, currency: str) -> BankEntry:
    parts = tuple(draw(st.lists(details(), max_size=4)))
    joined = " ".join(d.remittance for d in parts if d.remittance)
    amounts = [d.amount for d in parts]
    balanced = bool(parts) and None not in amounts and draw(st.booleans())
    return BankEntry(
        amount=sum(a for a in amounts if a is not None) if balanced else draw(MINOR),
        currency=draw(st.just(currency) | CURRENCIES),
        direction=draw(st.sampled_from(Direction)),
        booking_date=draw(st.none() | DATES),
        value_date=draw(st.none() | DATES),
        reversal=draw(st.booleans()),
        status=draw(st.sampled_from(["BOOK", "PDNG", "INFO"])),
        bank_ref=draw(st.none() | IDS),
        end_to_end_id=single_end_to_end(parts),
        remittance=joined or draw(st.none() | TEXT),
        details=parts,
        charges=draw(st.just(0) | MINOR),
    )


@st.composite
def statements(draw: st.DrawFn) -> BankStatement:
    currency = draw(CURRENCIES)
    start = draw(DATES)
    balances = draw(
        st.lists(
            st.builds(
                Balance,
                kind=st.sampled_from(["OPBD", "PRCD", "CLBD", "CLAV", "ITBD"]),
                amount=st.integers(min_value=-(10**13), max_value=10**13),
                currency=st.just(currency),
                date=DATES,
            ),
            min_size=1,
            max_size=3,
        )
    )
    return BankStatement(
        statement_id=draw(IDS),
        sequence=draw(st.none() | st.integers(min_value=1, max_value=999_999).map(str)),
        account=draw(ACCOUNTS),
        currency=currency,
        created_at=draw(
            st.datetimes(
                min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2199, 12, 30), timezones=ZONES
            )
        ),
        balances=tuple(balances),
        entries=tuple(draw(st.lists(entries(currency), max_size=6))),
        from_date=start,
        to_date=start + dt.timedelta(days=draw(st.integers(0, 31))),
    )


def placed(statement: BankStatement, index: int) -> BankStatement:
    """The statement as the parser reports it: each entry knows where it stood."""
    entries = tuple(
        BankEntry(**{**_fields(entry), "position": f"Stmt[{index}]/Ntry[{number}]"})
        for number, entry in enumerate(statement.entries, start=1)
    )
    return BankStatement(**{**_fields(statement), "entries": entries})


def _fields(record: object) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__slots__}  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written=st.lists(statements(), min_size=1, max_size=3), version=VERSIONS, envelope=st.booleans())
def test_written_statements_read_back_as_the_same_records(
    written: list[BankStatement], version: str, envelope: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kbnn.xml"
        write_camt053(written, path, version=version, envelope=envelope, message_id="KBNN-TEST")
        parser = CamtParser()
        assert parser.identify(path, read_head(path))
        parsed = parser.parse(path)

    assert parsed.format == version
    assert parsed.statements == tuple(placed(s, n) for n, s in enumerate(written, start=1))
    unbalanced = {
        f"Stmt[{n}]/Ntry[{m}]"
        for n, s in enumerate(written, start=1)
        for m, e in enumerate(s.entries, start=1)
        if e.details
        and all(d.amount is not None for d in e.details)
        and sum(d.amount or 0 for d in e.details) != e.amount
    }
    assert {i.where for i in parsed.issues if "TxDtls" in i.message} == unbalanced


def test_money_survives_in_every_exponent() -> None:
    amounts = {"VND": 150_000, "EUR": 1815, "JPY": 2700, "BHD": 1_234_567}
    written = [
        BankStatement(
            statement_id=f"S-{currency}",
            sequence=None,
            account="3511.0.1234567",
            currency=currency,
            created_at=dt.datetime(2026, 11, 25, 18, tzinfo=dt.UTC),
            balances=(Balance("OPBD", -minor, currency, dt.date(2026, 11, 25)),),
            entries=(BankEntry(minor, currency, Direction.CREDIT, dt.date(2026, 11, 25), None),),
            from_date=dt.date(2026, 11, 25),
            to_date=dt.date(2026, 11, 25),
        )
        for currency, minor in amounts.items()
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "money.xml"
        write_camt053(written, path)
        text = path.read_text(encoding="utf-8")
        parsed = CamtParser().parse(path)
    assert '<Amt Ccy="BHD">1234.567</Amt>' in text
    assert '<Amt Ccy="EUR">18.15</Amt>' in text
    assert [(s.entries[0].amount, s.balances[0].amount) for s in parsed.statements] == [
        (minor, -minor) for minor in amounts.values()
    ]


def test_a_long_statement_is_streamed_with_each_read_entry_released() -> None:
    day = dt.date(2026, 11, 25)
    entries = tuple(
        BankEntry(1000 + n, "VND", Direction.CREDIT, day, day, bank_ref=f"KB{n}") for n in range(500)
    )
    written = BankStatement("S", "1", "3511.0.1234567", "VND", None, (), entries, day, day)
    ns = "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.08}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.xml"
        write_camt053([written], path)
        live: list[int] = []
        with path.open("rb") as stream:
            for _, element in iter_events(stream, path.name, events=("end",), tags=[f"{ns}Ntry"]):
                release(element, siblings="Ntry")
                # The parser reads ahead, so only what precedes the entry just read counts.
                earlier = element.itersiblings(preceding=True)
                live.append(1 + sum(1 for sibling in earlier if sibling.tag == f"{ns}Ntry"))
                assert len(element) == 0
        parsed = CamtParser().parse(path)
    assert len(live) == 500
    assert max(live) == 1  # only the entry just read, already emptied
    assert [e.amount for e in parsed.statements[0].entries] == [1000 + n for n in range(500)]
