"""The parser protocol every input format implements (after beangulp's ``Importer``).

``identify`` looks at the first bytes of a file and says whether this
parser reads it; ``parse`` reads the whole file into a
:class:`~reconcile.records.Parsed` or raises
:class:`~reconcile.errors.InputError` naming the file, the line or element,
and the reason. Detection never trusts the file name's extension alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from reconcile.errors import InputError
from reconcile.records import Parsed

#: How many leading bytes ``identify`` is shown.
HEAD_BYTES = 4096


class Parser(Protocol):
    """Reads one family of input files."""

    @property
    def name(self) -> str:
        """A short name for messages (``camt``, ``mt940``, ``obligations``...)."""
        ...

    def identify(self, path: Path, head: bytes) -> bool:
        """Whether this parser reads the file whose first bytes are ``head``."""
        ...

    def parse(self, path: Path) -> Parsed:
        """Read the whole file, or raise :class:`InputError`."""
        ...


def read_head(path: Path) -> bytes:
    with path.open("rb") as stream:
        return stream.read(HEAD_BYTES)


def detect(path: Path, parsers: list[Parser]) -> Parser:
    """The first parser that identifies ``path``, or an :class:`InputError` saying why none did."""
    head = read_head(path)
    if not head.strip():
        raise InputError("the file is empty", source=path.name)
    for parser in parsers:
        if parser.identify(path, head):
            return parser
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("binary content: not a statement, settlement or obligations file", source=path.name)
    names = ", ".join(p.name for p in parsers)
    raise InputError(f"unrecognised format (tried {names})", source=path.name)
