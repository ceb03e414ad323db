"""Mangled camt files are read in full or refused: never a crash, never an entry left behind.

Hypothesis takes a good camt.053, camt.052 or camt.054 and breaks it the
ways files get broken (markup or stray elements inserted after a tag, a
stretch deleted or repeated, a tag renamed). Whatever comes out, the parser
either raises :class:`~reconcile.errors.InputError` or returns every ``Ntry``
and every statement block that the document holds (DESIGN.md §4: an element
the parser cannot place rejects the file, it never vanishes).
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_camt_bad_input import ENTRY, statement

from adapters.formats.camt import CamtParser
from adapters.formats.xmlsafe import localname, safe_parser
from reconcile.errors import InputError
from reconcile.records import Parsed

BATCH = ENTRY.replace("KB-0001", "KB-0002").replace(
    "</Ntry>",
    "<NtryDtls><TxDtls><Refs><EndToEndId>B</EndToEndId></Refs><Amt Ccy='VND'>150000</Amt>"
    "<RmtInf><Ustrd>x</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>",
)
STATEMENT = statement(ENTRY + "\n" + BATCH)
DOCUMENTS = [
    STATEMENT,
    STATEMENT.replace("BkToCstmrStmt", "BkToCstmrAcctRpt")
    .replace("Stmt>", "Rpt>")
    .replace("camt.053", "camt.052"),
    STATEMENT.replace("BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn")
    .replace("Stmt>", "Ntfctn>")
    .replace("camt.053", "camt.054"),
]
TAG = re.compile(r"<(/?)([A-Za-z]+)([^>]*)>")
INSERTS = [
    "<?x y?>",
    "<!-- c -->",
    "<b/>",
    "\u0663",
    "<Ntry/>",
    "<Stmt/>",
    "<Stmt xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'/>",
    "9" * 22,
    "<Amt Ccy='VND'>1</Amt>",
    "<DtTm>9999-12-31T23:59:59-12:00</DtTm>",
    "<x:y xmlns:x='urn:z'/>",
    "<Rpt/>",
    "<GrpHdr/>",
]
NAMES = [
    "Ntry",
    "Stmt",
    "Rpt",
    "Ntfctn",
    "Amt",
    "Dt",
    "DtTm",
    "Cd",
    "Id",
    "Acct",
    "Bal",
    "Sts",
    "TxDtls",
    "Refs",
]

mutation = st.tuples(
    st.sampled_from(["insert", "delete", "repeat", "rename"]),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
)


def mutate(text: str, steps: list[tuple[str, int, int, int]]) -> str:
    for kind, first, second, pick in steps:
        tags = list(TAG.finditer(text))
        if not tags:
            break
        at, other = tags[first % len(tags)], tags[second % len(tags)]
        start, end = sorted((at.start(), other.end()))
        if kind == "insert":
            text = text[: at.end()] + INSERTS[pick % len(INSERTS)] + text[at.end() :]
        elif kind == "delete":
            text = text[:start] + text[end:]
        elif kind == "repeat":
            text = text[:end] + text[start:end] + text[end:]
        else:
            renamed = f"<{at.group(1)}{NAMES[pick % len(NAMES)]}{at.group(3)}>"
            text = text[: at.start()] + renamed + text[at.end() :]
    return text


def held(text: str) -> tuple[int, int]:
    """The ``Ntry`` elements and statement blocks in the document, wherever they stand."""
    root = etree.fromstring(text.encode("utf-8"), safe_parser())
    names = [localname(element) for element in root.iter() if isinstance(element.tag, str)]
    return names.count("Ntry"), sum(names.count(block) for block in ("Stmt", "Rpt", "Ntfctn"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.sampled_from(DOCUMENTS), steps=st.lists(mutation, min_size=1, max_size=3))
def test_a_mangled_file_is_read_in_full_or_refused(
    tmp_path: Path, document: str, steps: list[tuple[str, int, int, int]]
) -> None:
    text = mutate(document, steps)
    path = tmp_path / "kbnn.xml"
    path.write_text(text, encoding="utf-8")
    outcome: Parsed | InputError
    try:
        outcome = CamtParser().parse(path)
    except InputError as error:
        outcome = error
    if isinstance(outcome, InputError):
        assert outcome.source == "kbnn.xml"
        assert outcome.reason
        return
    parsed = outcome
    entries, blocks = held(text)
    assert sum(len(s.entries) for s in parsed.statements) == entries
    assert len(parsed.statements) == blocks
