"""ISO 20022 bank-to-customer statements (camt.053) and notifications (camt.054).

A file is read in two passes over a stream. The first stops at the
``Document`` element: it refuses a DOCTYPE, finds the message and its version
from the document namespace (``urn:iso:std:iso:20022:tech:xsd:camt.053.001.08``),
wherever the document sits (alone, or inside a business-message envelope
after its ``AppHdr``, with prefixed or default namespaces), and turns away
what is not a statement or notification. The second pass streams the
statements (``Stmt``, ``Ntfctn``) and their entries (``Ntry``) with
``iterparse`` and frees each entry once read, so memory follows the number
of entries kept, not the size of the XML tree.

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

from adapters.formats.camt_elements import Scope, read_balance, read_datetime
from adapters.formats.camt_entries import has_status, read_entry
from adapters.formats.xmlsafe import head_text, iter_events, localname, namespace, release
from reconcile.errors import InputError
from reconcile.records import Balance, BankEntry, BankStatement, Issue, Parsed
from reconcile.statements import continuity_issue

_CAMT: Final = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.(\d{3})\.(\d{3})\.(\d{2})")
_SNIFF: Final = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\.|MsgDefIdr>\s*camt\.05[234]\.")
#: The versions read, per message: 001.02 (2009) to 001.13 (2024).
SUPPORTED_VERSIONS: Final[dict[str, tuple[str, ...]]] = {
    "053": tuple(f"001.{n:02d}" for n in range(2, 14)),
    "054": tuple(f"001.{n:02d}" for n in range(2, 14)),
}
_STATEMENT: Final = {"053": "Stmt", "054": "Ntfctn"}
_MESSAGE: Final = {"053": "BkToCstmrStmt", "054": "BkToCstmrDbtCdtNtfctn"}


@dataclass(frozen=True, slots=True)
class _Document:
    """What the first pass learned: which message, in which namespace, as the header declared it."""

    message: str
    kind: str
    ns: str
    declared: str | None


class CamtParser:
    """Reads camt.053 statements and camt.054 notifications, 001.02 through 001.13."""

    name = "camt"

    def identify(self, path: Path, head: bytes) -> bool:
        """An ISO 20022 camt.052/053/054 namespace, or an envelope header naming one.

        camt.052 is identified too, so that it is refused with a reason rather
        than as an unknown format.
        """
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
                f"unrecognised camt namespace {namespace(element)!r}",
                source=source,
                where=f"{localname(element)} (line {element.sourceline})",
            )
    raise InputError(
        "not a camt.053 statement or camt.054 notification: no element in a camt.053/054 namespace",
        source=source,
    )


def _check_version(match: re.Match[str], declared: str | None, element: Any, source: str) -> _Document:
    kind, variant, version = match.groups()
    where = f"{localname(element)} (line {element.sourceline})"
    message = f"camt.{kind}.{variant}.{version}"
    if kind == "052":
        raise InputError(
            "camt.052 intraday account report is not accepted: send camt.053 statements or "
            "camt.054 notifications",
            source=source,
            where=where,
        )
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
    block, message = _STATEMENT[document.kind], _MESSAGE[document.kind]
    tags = [f"{{{document.ns}}}{name}" for name in ("GrpHdr", "Ntry", block, message)]
    entries: list[BankEntry] = []
    statements: list[BankStatement] = []
    issues: list[Issue] = []
    group_created: dt.datetime | None = None
    unstated = 0
    for _, element in iter_events(stream, source, events=("end",), tags=tags):
        name = localname(element)
        position = f"{block}[{len(statements) + 1}]"
        if name == "Ntry":
            entry, found = read_entry(scope, element, f"{position}/Ntry[{len(entries) + 1}]")
            entries.append(entry)
            issues.extend(found)
            unstated += not has_status(scope, element)
            release(element, siblings="Ntry")
        elif name == "GrpHdr":
            group_created = read_datetime(scope, element, "CreDtTm", "GrpHdr")
        elif name == block:
            statement, found = _statement(scope, element, position, tuple(entries), group_created)
            statements.append(statement)
            issues.extend(found)
            if unstated:
                issues.append(
                    Issue(source, position, f"{unstated} entries without status (Sts), read as booked")
                )
            entries, unstated = [], 0
            release(element)
        elif not statements:
            raise scope.error(f"no statement ({block}) in this {_kind_name(document)}", name, element)
    if not statements:
        raise InputError(
            f"no statement ({block}) in this {_kind_name(document)}", source=source, where="Document"
        )
    return statements, issues


def _kind_name(document: _Document) -> str:
    noun = "statement" if document.kind == "053" else "notification"
    return f"camt.{document.kind} {noun} message"


def _statement(
    scope: Scope,
    element: Any,
    position: str,
    entries: tuple[BankEntry, ...],
    group_created: dt.datetime | None,
) -> tuple[BankStatement, list[Issue]]:
    statement_id = scope.text(element, "Id")
    if statement_id is None:
        raise scope.error("statement has no Id", position, element)
    account = _account(scope, element, position)
    account_currency = scope.text(element, "Acct/Ccy")
    balances, unsigned = _balances(scope, element, position, account_currency)
    currency = account_currency or next((b.currency for b in balances), None)
    currency = currency or next((e.currency for e in entries), None)
    from_date, to_date = _period(scope, element, position, balances, entries)
    statement = BankStatement(
        statement_id=statement_id,
        sequence=scope.text(element, "ElctrncSeqNb") or scope.text(element, "LglSeqNb"),
        account=account,
        currency=currency,
        created_at=read_datetime(scope, element, "CreDtTm", position) or group_created,
        balances=balances,
        entries=entries,
        from_date=from_date,
        to_date=to_date,
    )
    issues = [issue for issue in (continuity_issue(statement, scope.source, position),) if issue]
    if unsigned:
        issues.append(
            Issue(scope.source, position, f"{unsigned} balance(s) without CdtDbtInd, read as credit balances")
        )
    return statement, issues


def _account(scope: Scope, element: Any, position: str) -> str:
    """The IBAN, else the bank's own account number (``Othr/Id``), else a proxy (001.13)."""
    for path in ("Acct/Id/IBAN", "Acct/Id/Othr/Id", "Acct/Prxy/Id"):
        account = scope.text(element, path)
        if account:
            return account
    reason = "statement has no account (Acct/Id/IBAN or Acct/Id/Othr/Id)"
    holder = scope.find(element, "Acct")  # its line, when the element is there but names no account
    raise scope.error(reason, f"{position}/Acct", element if holder is None else holder)


def _balances(
    scope: Scope, element: Any, position: str, currency: str | None
) -> tuple[tuple[Balance, ...], int]:
    balances: list[Balance] = []
    unsigned = 0
    for index, balance in enumerate(scope.findall(element, "Bal"), start=1):
        read, missing_direction = read_balance(scope, balance, f"{position}/Bal[{index}]", currency)
        balances.append(read)
        unsigned += missing_direction
    return tuple(balances), unsigned


def _period(
    scope: Scope,
    element: Any,
    position: str,
    balances: tuple[Balance, ...],
    entries: tuple[BankEntry, ...],
) -> tuple[dt.date | None, dt.date | None]:
    """``FrToDt`` when the bank gave it, else the span of balance and booking dates."""
    start = read_datetime(scope, element, "FrToDt/FrDtTm", position)
    end = read_datetime(scope, element, "FrToDt/ToDtTm", position)
    if start and end:
        return start.date(), end.date()
    dates = [b.date for b in balances if b.date] + [e.booking_date for e in entries if e.booking_date]
    return (min(dates), max(dates)) if dates else (None, None)
