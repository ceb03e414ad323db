"""ISO 20022 bank-to-customer statements (camt.053), notifications (camt.054) and reports (camt.052).

A file is read in two passes over a stream. The first stops at the
``Document`` element: it refuses a DOCTYPE, finds the message and its version
from the document namespace (``urn:iso:std:iso:20022:tech:xsd:camt.053.001.08``),
wherever the document sits (alone, or inside a business-message envelope
after its ``AppHdr``, with prefixed or default namespaces), and turns away
what is not a statement, notification or account report. The second pass
streams the statements (``Stmt``, ``Ntfctn``, ``Rpt``) and their entries
(``Ntry``) with ``iterparse`` and frees each entry once read, so memory
follows the number of entries kept, not the size of the XML tree. It is told
about those elements in every namespace and checks where each stands
(:mod:`adapters.formats.camt_layout`): what it cannot place refuses the file
instead of being skipped.

A camt.052 intraday report is read as what it is: its ``Rpt`` blocks are
statements whose entries keep their status, and it never says that a day is
complete (no ``to_date``), so only a statement extends an account's coverage
(``docs/bank-statements.md``).

Schema validation is not done here: real banks send files that fail their
XSD (redacted accounts, ``Sts`` as plain text, balances without
``CdtDbtInd``) and the service reads them and reports what is odd.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from adapters.formats.camt_elements import Scope, read_datetime
from adapters.formats.camt_layout import (
    CHILDREN,
    SHOWN,
    check_children,
    describe,
    in_supplement,
    is_camt_namespace,
    repeated,
    shown,
)
from adapters.formats.camt_shapes import EntryReader
from adapters.formats.camt_statement import read_statement
from adapters.formats.xmlsafe import head_text, iter_events, localname, namespace, release
from reconcile.errors import InputError
from reconcile.records import BankEntry, BankStatement, Issue, Parsed

_CAMT: Final = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.(\d{3})\.(\d{3})\.(\d{2})")
_SNIFF: Final = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\.|MsgDefIdr>\s*camt\.05[234]\.")
#: The versions read, per message: 001.02 (2009) to 001.13 (2024).
SUPPORTED_VERSIONS: Final[dict[str, tuple[str, ...]]] = {
    kind: tuple(f"001.{n:02d}" for n in range(2, 14)) for kind in ("052", "053", "054")
}
_STATEMENT: Final = {"052": "Rpt", "053": "Stmt", "054": "Ntfctn"}
_MESSAGE: Final = {"052": "BkToCstmrAcctRpt", "053": "BkToCstmrStmt", "054": "BkToCstmrDbtCdtNtfctn"}
_NOUN: Final = {"052": "account report", "053": "statement", "054": "notification"}
_BLOCKS: Final = frozenset(_STATEMENT.values())
#: The elements the second pass is told about, in any namespace: the skeleton every statement hangs on.
_WATCHED: Final = ("GrpHdr", "Ntry", *_STATEMENT.values(), *_MESSAGE.values())


@dataclass(frozen=True, slots=True)
class _Document:
    """What the first pass learned: which message, in which namespace, as the header declared it."""

    message: str
    kind: str
    ns: str
    declared: str | None


class CamtParser:
    """Reads camt.053 statements, camt.054 notifications and camt.052 reports, 001.02 through 001.13."""

    name = "camt"

    def identify(self, path: Path, head: bytes) -> bool:
        """An ISO 20022 camt.052/053/054 namespace, or an envelope header naming one."""
        return bool(_SNIFF.search(head_text(head)))

    def parse(self, path: Path) -> Parsed:
        source = path.name
        with path.open("rb") as stream:
            document = _find_document(stream, source)
        with path.open("rb") as stream:
            statements, issues = _read_statements(stream, document, source)
        if document.declared and document.declared != document.message:
            issues.insert(
                0,
                Issue(
                    source,
                    "AppHdr/MsgDefIdr",
                    f"the envelope header declares {document.declared} but the document is "
                    f"{document.message}; read as {document.message}",
                ),
            )
        return Parsed(format=document.message, statements=tuple(statements), issues=tuple(issues))


def _find_document(stream: IO[bytes], source: str) -> _Document:
    declared: str | None = None
    for event, element in iter_events(stream, source, events=("start", "end")):
        if event == "end":
            if localname(element) == "MsgDefIdr":
                declared = (element.text or "").strip() or None
            continue
        match = _CAMT.fullmatch(namespace(element))
        if match:
            return _check_version(match, declared, element, source)
        if namespace(element).startswith("urn:iso:std:iso:20022:tech:xsd:camt."):
            raise InputError(
                f"unrecognised camt namespace {shown(namespace(element), 4 * SHOWN)}",
                source=source,
                where=f"{localname(element)} (line {element.sourceline})",
            )
    raise InputError(
        "not a camt.053 statement or camt.054 notification: no element in a camt.052/053/054 namespace",
        source=source,
    )


def _check_version(match: re.Match[str], declared: str | None, element: Any, source: str) -> _Document:
    kind, variant, version = match.groups()
    where = f"{localname(element)} (line {element.sourceline})"
    message = f"camt.{kind}.{variant}.{version}"
    if kind not in SUPPORTED_VERSIONS:
        raise InputError(f"camt.{kind} is not a bank statement or notification", source=source, where=where)
    supported = SUPPORTED_VERSIONS[kind]
    if f"{variant}.{version}" not in supported:
        raise InputError(
            f"unsupported camt.{kind} version {variant}.{version}; supported: {', '.join(supported)}",
            source=source,
            where=where,
        )
    return _Document(message=message, kind=kind, ns=match.group(0), declared=declared)


def _read_statements(
    stream: IO[bytes], document: _Document, source: str
) -> tuple[list[BankStatement], list[Issue]]:
    scope = Scope(document.ns, source)
    reader = _Reader(scope, document)
    tags = [f"{{*}}{name}" for name in _WATCHED]  # any namespace: a stray one is refused, not skipped
    for _, element in iter_events(stream, source, events=("end",), tags=tags):
        reader.end(element)
    if not reader.statements:
        raise InputError(
            f"no statement ({reader.block}) in this {_kind_name(document)}", source=source, where="Document"
        )
    return reader.statements, reader.issues


class _Reader:
    """The second pass: each watched element placed where the schema puts it, then read."""

    def __init__(self, scope: Scope, document: _Document) -> None:
        self.scope = scope
        self.document = document
        self.reader = EntryReader(scope)
        self.block, self.message = _STATEMENT[document.kind], _MESSAGE[document.kind]
        ns = document.ns
        self.tag = {name: f"{{{ns}}}{name}" for name in (*_WATCHED, "Document")}
        self.entries: list[BankEntry] = []
        self.statements: list[BankStatement] = []
        self.issues: list[Issue] = []
        self.group_created: dt.datetime | None = None
        self.unstated = 0
        self.messages = 0
        self.headers = 0

    @property
    def position(self) -> str:
        return f"{self.block}[{len(self.statements) + 1}]"

    def end(self, element: Any) -> None:
        if element.tag == self.tag["Ntry"]:  # nearly every element: told apart by one comparison
            self._entry(element)
            return
        name = localname(element)
        if namespace(element) != self.document.ns:
            self._foreign(element)
        elif name == "Ntry":
            self._entry(element)
        elif name == "GrpHdr":
            self._placed(element, self.message, "GrpHdr")
            if self.headers:
                source, where = self.scope.source, f"{self.message}/GrpHdr"
                raise repeated(element, element.getparent(), source=source, where=where)
            self.headers += 1
            self.group_created = read_datetime(self.scope, element, "CreDtTm", "GrpHdr")
        elif name == self.block:
            self._statement(element)
        elif name == self.message and self.messages == 0:
            if element.getparent() is not None:  # a bare message as the root is read too
                self._placed(element, "Document", name)
            self._check_message(element)
            self.messages += 1
            self.headers = 0
            if not self.statements:
                reason = f"no statement ({self.block}) in this {_kind_name(self.document)}"
                raise self.scope.error(reason, name, element)
        else:  # another kind's block or message, or a second message
            parent = element.getparent()
            where = f"{localname(parent)}/{name}" if parent is not None else name
            where += f"[{self.messages + 1}]" if self.messages else ""
            raise self.scope.stray(element, parent, where)

    def _foreign(self, element: Any) -> None:
        """A watched name in another namespace: read nowhere, so refused unless inside an extension.

        The outermost element of the foreign run is named (the ``Stmt``, not
        the ``Ntry`` inside it that ends first).
        """
        ns = self.document.ns
        if not is_camt_namespace(namespace(element)) and in_supplement(element):
            return
        top, parent = element, element.getparent()
        while parent is not None and namespace(parent) != ns and parent.getparent() is not None:
            top, parent = parent, parent.getparent()
        where = f"{localname(parent)}/{localname(top)}" if parent is not None else localname(top)
        raise self.scope.stray(top, parent, where)

    def _placed(self, element: Any, parent_name: str, where: str) -> None:
        parent = element.getparent()
        if parent is None or parent.tag != self.tag[parent_name]:
            raise self.scope.stray(element, parent, where)

    def _entry(self, element: Any) -> None:
        position = f"{self.position}/Ntry[{len(self.entries) + 1}]"
        parent = element.getparent()
        if parent is None or parent.tag != self.tag[self.block]:
            reason = (
                f"entry (Ntry) outside any statement ({self.block}): it stands inside "
                f"{describe(parent, self.document.ns) if parent is not None else 'nothing'}"
            )
            where = f"{describe(parent, self.document.ns)}/Ntry" if parent is not None else "Ntry"
            raise self.scope.error(reason, where, element)
        entry, found, stated = self.reader.read(element, position)
        self.entries.append(entry)
        self.issues.extend(found)
        self.unstated += not stated
        release(element, siblings="Ntry")

    def _statement(self, element: Any) -> None:
        position = self.position
        self._placed(element, self.message, position)
        check_children(element, "block", self.document.ns, source=self.scope.source, where=position)
        self._check_message(element.getparent(), before=element)
        intraday = self.document.kind == "052"
        statement, found = read_statement(
            self.scope, element, position, tuple(self.entries), self.group_created, intraday=intraday
        )
        self.statements.append(statement)
        self.issues.extend(found)
        if self.unstated:
            message = f"{self.unstated} entries without status (Sts), read as booked"
            self.issues.append(Issue(self.scope.source, position, message))
        self.entries, self.unstated = [], 0
        release(element)

    def _check_message(self, element: Any, before: Any | None = None) -> None:
        """The message's children (only those before ``before``, which are complete) are its own."""
        for child in element:
            if child is before:
                break
            if not isinstance(child.tag, str):
                continue
            name = localname(child)
            if (
                namespace(child) != self.document.ns
                or name not in CHILDREN["message"]
                or (name in _BLOCKS and name != self.block)
            ):
                raise self.scope.stray(child, element, f"{self.message}/{name}")


def _kind_name(document: _Document) -> str:
    return f"camt.{document.kind} {_NOUN[document.kind]} message"
