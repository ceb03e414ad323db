"""Writes bank statements as camt.053 (001.02 to 001.13), streamed to disk.

Used by the data generator (a realistic treasury day) and by the property
tests that read the files back. What :class:`~adapters.formats.camt.CamtParser`
reads from the output equals what was written: an entry's ``end_to_end_id``
and ``remittance`` are derived from its details exactly as the parser
derives them (an entry without details but with an end-to-end id gets one
``TxDtls`` carrying it; a remittance that is not the details' text goes to
``AddtlNtryInf``). Each entry is built as a small tree and serialised at
once, so millions of entries never sit in memory together.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from lxml import etree

from adapters.formats.camt import SUPPORTED_VERSIONS
from reconcile.money import format_minor
from reconcile.records import Balance, BankEntry, BankStatement, Direction, TxDetail

_ENVELOPE_NS: Final = "urn:swift:xsd:envelope"
_HEAD_NS: Final = "urn:iso:std:iso:20022:tech:xsd:head.001.001.02"
_IBAN: Final = re.compile(r"[A-Z]{2}[0-9]{2}[A-Za-z0-9]{1,30}")
_EPOCH: Final = dt.datetime(2000, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def write_camt053(
    statements: Sequence[BankStatement],
    path: Path,
    *,
    version: str = "camt.053.001.08",
    envelope: bool = False,
    message_id: str = "RECON-CAMT053",
) -> None:
    """Write ``statements`` as one ``BkToCstmrStmt`` message (inside an AppHdr envelope if asked).

    Raises ``ValueError`` for what camt cannot carry: an unknown version, a
    non-numeric sequence, more than three references on a detail, or a
    detail against its entry's direction in 001.02.
    """
    number = _version_number(version)
    ns = f"urn:iso:std:iso:20022:tech:xsd:{version}"
    created = next((s.created_at for s in statements if s.created_at), None) or _EPOCH
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        if envelope:
            with xf.element(f"{{{_ENVELOPE_NS}}}Envelope", nsmap={None: _ENVELOPE_NS}):
                xf.write(_app_header(message_id, version, created), "\n")
                _write_document(xf, ns, number, statements, message_id, created)
        else:
            _write_document(xf, ns, number, statements, message_id, created)


def _version_number(version: str) -> int:
    kind, _, variant = version.removeprefix("camt.").partition(".")
    if kind != "053" or variant not in SUPPORTED_VERSIONS["053"]:
        raise ValueError(
            f"cannot write {version!r}: supported are camt.053 {', '.join(SUPPORTED_VERSIONS['053'])}"
        )
    return int(variant.rpartition(".")[2])


def _write_document(
    xf: Any, ns: str, number: int, statements: Sequence[BankStatement], message_id: str, created: dt.datetime
) -> None:
    build = _Builder(ns, number)
    with xf.element(f"{{{ns}}}Document", nsmap={None: ns}):
        xf.write("\n")
        with xf.element(f"{{{ns}}}BkToCstmrStmt"):
            xf.write("\n")
            header = build.element("GrpHdr")
            build.child(header, "MsgId", message_id)
            build.child(header, "CreDtTm", created.isoformat())
            xf.write(header)
            for statement in statements:
                with xf.element(f"{{{ns}}}Stmt"):
                    xf.write("\n", *build.statement_header(statement, created))
                    for entry in statement.entries:
                        xf.write(build.entry(entry))
                xf.write("\n")
        xf.write("\n")


def _app_header(message_id: str, version: str, created: dt.datetime) -> Any:
    def named(parent: Any, path: str, text: str | None = None) -> Any:
        element = parent
        for step in path.split("/"):
            element = etree.SubElement(element, f"{{{_HEAD_NS}}}{step}")
        element.text = text
        return element

    header = etree.Element(f"{{{_HEAD_NS}}}AppHdr", nsmap=_default_namespace(_HEAD_NS))
    for side, bic in (("Fr", "BANKVNVX"), ("To", "KBNNVNVX")):
        named(header, f"{side}/FIId/FinInstnId/BICFI", bic)
    named(header, "BizMsgIdr", message_id)
    named(header, "MsgDefIdr", version)
    named(header, "CreDt", created.isoformat())
    header.tail = "\n"
    return header


def _default_namespace(ns: str) -> Any:
    # lxml's stubs do not admit the None key that declares a default namespace.
    return {None: ns}


class _Builder:
    """Builds the statement parts of one camt.053 version as small trees."""

    def __init__(self, ns: str, number: int) -> None:
        self.ns = ns
        self.number = number
        self._paths: dict[str, tuple[str, ...]] = {}

    def element(self, tag: str) -> Any:
        element = etree.Element(f"{{{self.ns}}}{tag}", nsmap=_default_namespace(self.ns))
        element.tail = "\n"
        return element

    def child(self, parent: Any, path: str, text: str | None = None) -> Any:
        element = parent
        for tag in self._path(path):
            element = etree.SubElement(element, tag)
        element.text = text
        return element

    def _path(self, path: str) -> tuple[str, ...]:
        # Qualified names are built once per path: a file holds millions of them.
        tags = self._paths.get(path)
        if tags is None:
            tags = self._paths[path] = tuple(f"{{{self.ns}}}{step}" for step in path.split("/"))
        return tags

    def amount(self, parent: Any, path: str, minor: int, currency: str) -> None:
        element = self.child(parent, path, format_minor(minor, currency))
        element.set("Ccy", currency)

    def statement_header(self, statement: BankStatement, created: dt.datetime) -> list[Any]:
        """``Id`` to ``Bal``, the elements written before the entries."""
        holder = self.element("Stmt")
        self.child(holder, "Id", statement.statement_id)
        if statement.sequence is not None:
            if not statement.sequence.isdigit():
                raise ValueError(f"camt sequence numbers are numeric, not {statement.sequence!r}")
            self.child(holder, "ElctrncSeqNb", statement.sequence)
        if statement.created_at or self.number <= 4:  # mandatory up to 001.04
            self.child(holder, "CreDtTm", (statement.created_at or created).isoformat())
        if statement.from_date and statement.to_date:
            period = self.child(holder, "FrToDt")
            self.child(period, "FrDtTm", f"{statement.from_date.isoformat()}T00:00:00")
            self.child(period, "ToDtTm", f"{statement.to_date.isoformat()}T23:59:59")
        account = self.child(holder, "Acct")
        if _IBAN.fullmatch(statement.account):
            self.child(account, "Id/IBAN", statement.account)
        else:
            self.child(account, "Id/Othr/Id", statement.account)
        if statement.currency:
            self.child(account, "Ccy", statement.currency)
        for balance in statement.balances:
            self.balance(holder, balance)
        parts = list(holder)
        for part in parts:
            part.tail = "\n"
        return parts

    def balance(self, parent: Any, balance: Balance) -> None:
        element = self.child(parent, "Bal")
        self.child(element, "Tp/CdOrPrtry/Cd", balance.kind)
        self.amount(element, "Amt", abs(balance.amount), balance.currency)
        self.child(element, "CdtDbtInd", "DBIT" if balance.amount < 0 else "CRDT")
        if balance.date:
            self.child(element, "Dt/Dt", balance.date.isoformat())

    def entry(self, entry: BankEntry) -> Any:
        element = self.element("Ntry")
        self.amount(element, "Amt", entry.amount, entry.currency)
        self.child(element, "CdtDbtInd", entry.direction.value)
        if entry.reversal:
            self.child(element, "RvslInd", "true")
        self.child(element, "Sts" if self.number < 7 else "Sts/Cd", entry.status)
        if entry.booking_date:
            self.child(element, "BookgDt/Dt", entry.booking_date.isoformat())
        if entry.value_date:
            self.child(element, "ValDt/Dt", entry.value_date.isoformat())
        if entry.bank_ref:
            self.child(element, "AcctSvcrRef", entry.bank_ref)
        domain = self.child(element, "BkTxCd/Domn")
        self.child(domain, "Cd", "PMNT")
        family = self.child(domain, "Fmly")
        self.child(family, "Cd", "RCDT" if entry.direction is Direction.CREDIT else "ICDT")
        self.child(family, "SubFmlyCd", "OTHR")
        if entry.charges:
            self.charges(element, entry.charges, entry.currency)
        self.details(element, entry)
        return element

    def charges(self, parent: Any, minor: int, currency: str) -> None:
        charges = self.child(parent, "Chrgs")
        if self.number == 2:
            self.amount(charges, "Amt", minor, currency)
        else:
            self.amount(charges, "TtlChrgsAndTaxAmt", minor, currency)
            self.amount(charges, "Rcrd/Amt", minor, currency)

    def details(self, parent: Any, entry: BankEntry) -> None:
        details = entry.details
        if not details and entry.end_to_end_id:
            details = (TxDetail(end_to_end_id=entry.end_to_end_id, amount=None, remittance=None),)
        if details:
            holder = self.child(parent, "NtryDtls")
            for detail in details:
                self.detail(holder, detail, entry)
        joined = " ".join(d.remittance for d in details if d.remittance)
        if entry.remittance and entry.remittance != joined:
            self.child(parent, "AddtlNtryInf", entry.remittance)

    def detail(self, parent: Any, detail: TxDetail, entry: BankEntry) -> None:
        element = self.child(parent, "TxDtls")
        if len(detail.references) > 3:
            raise ValueError(f"at most three references per detail are written, not {detail.references!r}")
        names = dict(zip(("AcctSvcrRef", "InstrId", "TxId"), detail.references, strict=False))
        if detail.end_to_end_id:
            names["EndToEndId"] = detail.end_to_end_id
        if names:
            refs = self.child(element, "Refs")
            for name in ("AcctSvcrRef", "InstrId", "EndToEndId", "TxId"):  # the schema's order
                if name in names:
                    self.child(refs, name, names[name])
        if detail.amount is not None:
            self.detail_amount(element, detail.amount, entry)
        # Ustrd lines hold 140 characters; the parser joins them with one space.
        text = detail.remittance or ""
        lines = [text] if 0 < len(text) <= 140 else textwrap.wrap(text, 140, break_on_hyphens=False)
        if lines:
            remittance = self.child(element, "RmtInf")
            for line in lines:
                self.child(remittance, "Ustrd", line)

    def detail_amount(self, element: Any, minor: int, entry: BankEntry) -> None:
        if self.number == 2:
            if minor < 0:
                raise ValueError(
                    "camt.053.001.02 details carry no direction: a negative detail cannot be written"
                )
            self.amount(element, "AmtDtls/TxAmt/Amt", minor, entry.currency)
            return
        self.amount(element, "Amt", abs(minor), entry.currency)
        against = Direction.DEBIT if entry.direction is Direction.CREDIT else Direction.CREDIT
        self.child(element, "CdtDbtInd", (entry.direction if minor >= 0 else against).value)
