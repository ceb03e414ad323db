"""Streaming frees what was read, comments and processing instructions between entries included.

Comments stay in the tree while a camt file is read (so that one splitting a
value is seen), so :func:`adapters.formats.xmlsafe.release` must free them
too: otherwise a statement whose entries are separated by comments would
keep every entry and memory would follow the size of the file.
"""

from __future__ import annotations

import io

from lxml import etree

from adapters.formats.xmlsafe import iter_events, localname, release


def test_release_frees_earlier_entries_and_the_comments_between_them() -> None:
    root = etree.fromstring(
        "<Stmt><Id>S</Id><Acct/><Ntry>1</Ntry><!-- a --><Ntry>2</Ntry><?pi x?><Ntry>3</Ntry></Stmt>"
    )
    last = root[-1]
    release(last, siblings="Ntry")
    assert [localname(child) or type(child).__name__ for child in root] == ["Id", "Acct", "Ntry"]
    assert last.text is None  # cleared


def test_streaming_a_commented_statement_keeps_only_the_header_and_the_last_entry() -> None:
    entries = "\n<!-- next -->\n".join(f"<Ntry><Amt>{n}</Amt></Ntry>" for n in range(1000))
    data = f"<Doc><Stmt><Id>S</Id>{entries}</Stmt></Doc>".encode()
    kept = 0
    for _, element in iter_events(io.BytesIO(data), "s.xml", events=("end",), tags=["Ntry"]):
        kept = max(kept, len(list(element.itersiblings(preceding=True))))
        release(element, siblings="Ntry")
    assert kept <= 3  # Id, and at most the entry before and the comment after it


def test_comments_inside_values_stay_visible_to_the_reader() -> None:
    data = b"<Doc><Amt>1<!-- x -->000</Amt></Doc>"
    (element,) = [e for _, e in iter_events(io.BytesIO(data), "s.xml", events=("end",), tags=["Amt"])]
    assert (element.text, len(element)) == ("1", 1)  # not silently joined into "1000"
