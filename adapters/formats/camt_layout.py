"""Where each camt element may stand, so that nothing the parser cannot place is skipped.

The parser reads a handful of elements out of a large schema and ignores
the rest, which is right for optional detail (parties, purposes, tax) and
wrong for anything that carries money or says which statement money belongs
to: an ``Ntry`` after the last ``</Stmt>``, a ``Stmt`` in another camt
namespace, a misspelt ``Ntri`` between entries would simply vanish. So the
levels the parser walks (the message, its statements, each entry, its
details, each balance) may hold only the children the ISO 20022 schemas
allow there, in any version from 001.02 to 001.13 of camt.052, camt.053 and
camt.054, in the document's own namespace. Anything else refuses the file,
naming the element and its line. Comments and processing instructions
*between* elements are allowed; inside a value they are refused by
:func:`adapters.formats.camt_elements.text_of`.

The tables are the union over the official schemas (``../shared/realdata/xsd``):
no element is ever removed between versions, so the union accepts every
version's files. Extensions belong in ``SplmtryData``, whose content is not
looked into.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

from adapters.formats.xmlsafe import localname, namespace
from reconcile.errors import InputError

CAMT_NAMESPACE: Final = "urn:iso:std:iso:20022:tech:xsd:camt."
SUPPLEMENT: Final = "SplmtryData"
#: How much of a bad value or name an error message repeats.
SHOWN: Final = 40

#: The children allowed at each level the parser walks, by the level's local name.
CHILDREN: Final[dict[str, frozenset[str]]] = {
    "message": frozenset({"GrpHdr", "Stmt", "Ntfctn", "Rpt", SUPPLEMENT}),
    "block": frozenset(
        {
            "Id",
            "StmtPgntn",
            "NtfctnPgntn",
            "RptPgntn",
            "ElctrncSeqNb",
            "RptgSeq",
            "LglSeqNb",
            "CreDtTm",
            "FrToDt",
            "CpyDplctInd",
            "RptgSrc",
            "Acct",
            "RltdAcct",
            "Intrst",
            "Bal",
            "TxsSummry",
            "Ntry",
            "AddtlStmtInf",
            "AddtlNtfctnInf",
            "AddtlRptInf",
        }
    ),
    "Ntry": frozenset(
        {
            "NtryRef",
            "Amt",
            "CdtDbtInd",
            "RvslInd",
            "Sts",
            "BookgDt",
            "ValDt",
            "AcctSvcrRef",
            "Avlbty",
            "BkTxCd",
            "ComssnWvrInd",
            "AddtlInfInd",
            "AmtDtls",
            "Chrgs",
            "TechInptChanl",
            "Intrst",
            "CardTx",
            "NtryDtls",
            "AddtlNtryInf",
        }
    ),
    "NtryDtls": frozenset({"Btch", "TxDtls"}),
    "TxDtls": frozenset(
        {
            "Refs",
            "Amt",
            "CdtDbtInd",
            "AmtDtls",
            "Avlbty",
            "BkTxCd",
            "Chrgs",
            "Intrst",
            "RltdPties",
            "RltdAgts",
            "LclInstrm",
            "PmtTpInf",
            "Purp",
            "RltdRmtInf",
            "RmtInf",
            "RltdDts",
            "RltdPric",
            "RltdQties",
            "FinInstrmId",
            "Tax",
            "RtrInf",
            "CorpActn",
            "SfkpgAcct",
            "CshDpst",
            "CardTx",
            "AddtlTxInf",
            "InstrCpy",
            "RltdCorpActn",
            "UndrlygAllcn",
            SUPPLEMENT,
        }
    ),
    "Bal": frozenset({"Tp", "CdtLine", "Amt", "CdtDbtInd", "Dt", "Avlbty"}),
    "Refs": frozenset(
        {
            "MsgId",
            "AcctSvcrRef",
            "PmtInfId",
            "InstrId",
            "EndToEndId",
            "UETR",
            "TxId",
            "MndtId",
            "ChqNb",
            "ClrSysRef",
            "AcctOwnrTxId",
            "AcctSvcrTxId",
            "MktInfrstrctrTxId",
            "PrcgId",
            "Prtry",
        }
    ),
    "RmtInf": frozenset({"Ustrd", "Strd"}),
    "Acct": frozenset({"Id", "Tp", "Ccy", "Nm", "Prxy", "Ownr", "Svcr"}),
    "AcctId": frozenset({"IBAN", "Othr", "BBAN", "UPIC", "PrtryAcct"}),  # a choice: exactly one
    "Othr": frozenset({"Id", "SchmeNm", "Issr"}),
}
#: The children a level may hold more than once (``maxOccurs`` above 1 in some version); every
#: other child stands at most once, so a second one (a second ``Amt`` in an entry) is not left unread.
REPEATABLE: Final[dict[str, frozenset[str]]] = {
    "message": frozenset({"Stmt", "Ntfctn", "Rpt", SUPPLEMENT}),
    "block": frozenset({"Bal", "Intrst", "Ntry"}),
    "Ntry": frozenset({"Avlbty", "Chrgs", "Intrst", "NtryDtls"}),
    "NtryDtls": frozenset({"TxDtls"}),
    "TxDtls": frozenset(
        {"Avlbty", "Chrgs", "CshDpst", "Intrst", "RltdQties", "RltdRmtInf", SUPPLEMENT, "UndrlygAllcn"}
    ),
    "Bal": frozenset({"Avlbty", "CdtLine"}),
    "Refs": frozenset({"Prtry"}),
    "RmtInf": frozenset({"Ustrd", "Strd"}),
    "Acct": frozenset(),
    "AcctId": frozenset(),
    "Othr": frozenset(),
}


def shown(text: str, limit: int = SHOWN) -> str:
    """``text`` quoted for a message, cut short: a hostile value must not become a huge error."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}… ({len(text)} characters)"


def describe(element: Any, document_ns: str) -> str:
    """The element's local name, with its namespace when that is not the document's."""
    ns = namespace(element)
    name = short(localname(element))
    if ns == document_ns:
        return name
    return f"{name} (namespace {shown(ns, 4 * SHOWN)})" if ns else f"{name} (no namespace)"


def short(name: str) -> str:
    """An element name or path cut short for a message (ISO 20022 names are short; a hostile one is not)."""
    return name if len(name) <= 4 * SHOWN else f"{name[: 4 * SHOWN]}…"


def unexpected(element: Any, document_ns: str, parent: Any, *, source: str, where: str) -> InputError:
    """The error for an element the parser cannot place: its name, where it stood, and its line."""
    inside = short(localname(parent)) if parent is not None else "the document root"
    reason = (
        f"unexpected element {describe(element, document_ns)} inside {inside}: "
        "the file is refused rather than read without it"
    )
    line = getattr(element, "sourceline", None)
    where = short(where)
    return InputError(reason, source=source, where=f"{where} (line {line})" if line else where)


@lru_cache(maxsize=256)
def allowed_tags(level: str, document_ns: str) -> dict[str, str]:
    """The children allowed at ``level`` as qualified tag to local name: one look-up per child."""
    return {f"{{{document_ns}}}{name}": name for name in CHILDREN[level]}


def check_children(element: Any, level: str, document_ns: str, *, source: str, where: str) -> None:
    """Raise if ``element`` (a ``level`` of :data:`CHILDREN`) holds an element it may not hold."""
    allowed, repeatable = allowed_tags(level, document_ns), REPEATABLE[level]
    seen: set[str] = set()
    for child in element:
        name = allowed.get(child.tag)
        if name is None:
            if not isinstance(child.tag, str):
                continue  # a comment or processing instruction between elements holds no value
            raise unexpected(child, document_ns, element, source=source, where=f"{where}/{localname(child)}")
        if name in seen and name not in repeatable:
            raise repeated(child, element, source=source, where=f"{where}/{name}")
        seen.add(name)


def repeated(element: Any, parent: Any, *, source: str, where: str) -> InputError:
    """The error for a second occurrence of a child the schema allows once."""
    name = localname(element)  # a name the schema allows: short
    reason = f"a second {name} in one {localname(parent)}: the schema allows one, and only one would be read"
    line = getattr(element, "sourceline", None)
    return InputError(reason, source=source, where=f"{where} (line {line})" if line else where)


def in_supplement(element: Any) -> bool:
    """Whether ``element`` stands inside a ``SplmtryData`` extension, which is not read."""
    parent = element.getparent()
    while parent is not None:
        if localname(parent) == SUPPLEMENT:
            return True
        parent = parent.getparent()
    return False


def is_camt_namespace(ns: str) -> bool:
    return ns.startswith(CAMT_NAMESPACE)
