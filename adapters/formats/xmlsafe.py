"""XML read safely and in constant memory: the one place lxml is configured.

Bank files come from outside, so every parse is built with entities, DTDs and
the network switched off (no XXE, no billion laughs), and a document that
declares a DOCTYPE at all is refused before anything in it is used. Large
statements are streamed with ``iterparse`` and each finished element is
cleared, together with the siblings already read, so a 1 GB file does not
become a 10 GB tree.

Syntax errors become :class:`~reconcile.errors.InputError` carrying lxml's
line number.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from typing import IO, Any, Final

from lxml import etree

from reconcile.errors import InputError

#: The options every parser gets; ``iterparse`` takes them as keywords too.
SAFE_OPTIONS: Final[dict[str, bool]] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}
DOCTYPE_REFUSED: Final = "DOCTYPE/entities are not allowed"

_DTD_TROUBLE: Final = re.compile(r"DOCTYPE|DTD|entity reference loop|amplification", re.IGNORECASE)
_UTF16_BOMS: Final = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
#: How much of a stream's start is kept to locate a DOCTYPE in: the prolog is near the top.
_HEAD_BYTES: Final = 64 * 1024


def safe_parser() -> etree.XMLParser:
    """A whole-document parser with entities, DTDs and the network off (small files only)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def head_text(head: bytes) -> str:
    """The first bytes of a file as text good enough to sniff: BOMs and UTF-16 handled.

    Anything that is not UTF-16 is read as Latin-1, which keeps every ASCII
    character (all that namespace URIs and element names need) and never fails.
    """
    for bom, encoding in _UTF16_BOMS:
        if head.startswith(bom):
            return _decode_utf16(head[len(bom) :], encoding)
    if head.startswith(b"<\x00"):
        return _decode_utf16(head, "utf-16-le")
    if head.startswith(b"\x00<"):
        return _decode_utf16(head, "utf-16-be")
    return head.removeprefix(codecs.BOM_UTF8).decode("latin-1")


def _decode_utf16(data: bytes, encoding: str) -> str:
    # The head may end in the middle of a code unit.
    return data[: len(data) // 2 * 2].decode(encoding, errors="replace")


def localname(element: Any) -> str:
    """The element's name without its namespace (``Stmt`` for ``{urn:…}Stmt``)."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace(element: Any) -> str:
    """The element's namespace URI, ``""`` when it has none."""
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def refuse_doctype(element: Any, source: str, head: bytes = b"") -> None:
    """Raise if the document that ``element`` belongs to declares a DOCTYPE or entities.

    lxml keeps no line for the DOCTYPE, so it is found in ``head``, the
    first bytes of the document; without them the error names the prolog.
    """
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise InputError(DOCTYPE_REFUSED, source=source, where=_doctype_line(head))


def _doctype_line(head: bytes) -> str:
    text = head_text(head)
    start = text.find("<!DOCTYPE")
    return f"line {text.count(chr(10), 0, start) + 1}" if start >= 0 else "prolog"


class _Replay:
    """A stream whose first bytes were already read: they are given back first (lxml only calls ``read``)."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(size)
        if size is None or size < 0:
            data, self._head = self._head + self._stream.read(), b""
            return data
        data, self._head = self._head[:size], self._head[size:]
        return data


_PROLOG_SKIP: Final = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def refuse_doctype_in_prolog(head: bytes, source: str) -> None:
    """Raise if the prolog in ``head`` (a document's first bytes) declares a DOCTYPE.

    The prolog is read here, before lxml sees a byte, so the refusal does not
    depend on what a version of libxml2 does with the declaration or how it
    words its complaint: any DOCTYPE is refused, with or without entities.
    """
    text = head_text(head).removeprefix("\ufeff")
    position = 0
    while match := _PROLOG_SKIP.match(text, position):
        position = match.end()
    if text.startswith("<!DOCTYPE", position):
        raise InputError(DOCTYPE_REFUSED, source=source, where=f"line {text.count(chr(10), 0, position) + 1}")


def syntax_error(exc: etree.XMLSyntaxError, source: str) -> InputError:
    """lxml's complaint as an :class:`InputError` naming the line."""
    line = exc.lineno or (exc.position[0] if exc.position else None)
    message = (exc.msg or str(exc)).strip()
    if _DTD_TROUBLE.search(message):
        return InputError(f"{DOCTYPE_REFUSED} ({message})", source=source, where=f"line {line}")
    return InputError(f"malformed XML: {message}", source=source, where=f"line {line}" if line else None)


def iter_events(
    stream: IO[bytes], source: str, *, events: Sequence[str], tags: Sequence[str] | None = None
) -> Iterator[tuple[str, Any]]:
    """``iterparse`` with the safe options; a DOCTYPE is refused before parsing starts.

    Comments and processing instructions stay in the tree, so that a reader
    can refuse one that splits a value (``<Amt>1<!-- -->000</Amt>``) instead
    of reading the joined or the truncated text; :func:`release` frees them
    with the elements around them.

    Syntax errors, also those found after some elements were yielded (a
    truncated file), are raised as :class:`InputError` with the line.
    """
    head = stream.read(_HEAD_BYTES)
    refuse_doctype_in_prolog(head, source)
    parser = etree.iterparse(_Replay(head, stream), events=tuple(events), tag=tags, **SAFE_OPTIONS)
    checked = False
    try:
        for event, element in parser:
            if not checked:
                refuse_doctype(element, source, head)
                checked = True
            yield event, element
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, source) from exc


def release(element: Any, *, siblings: str | None = None) -> None:
    """Free a finished element and the siblings read before it.

    With ``siblings`` only earlier siblings of that local name go (an entry's
    statement header must stay until the statement ends), with the comments
    and processing instructions between them.
    """
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    while previous is not None:
        before = previous.getprevious()
        if siblings is None or localname(previous) == siblings or not isinstance(previous.tag, str):
            parent.remove(previous)
        elif siblings is not None:
            break
        previous = before
