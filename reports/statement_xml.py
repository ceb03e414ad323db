"""The settlement statement as XML for the province's systems, and its schema.

Namespace ``urn:recon:settlement-statement:1``; the schema ships beside this
module as ``settlement_statement.xsd`` and every statement written here
validates against it (:func:`validate_statement_xml`, used by the tests).
Amounts are integer đồng. The output is UTF-8 with the elements in schema
order, so the same statement gives the same bytes.

The schema is read with entities, DTDs and network access switched off,
like every XML the service reads.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from lxml import etree

from reconcile.errors import InputError
from reports.statement_model import (
    SettlementStatement,
    StatementBatch,
    StatementDiscrepancy,
    StatementTotals,
)

NAMESPACE: Final = "urn:recon:settlement-statement:1"
SCHEMA_FILE: Final = "settlement_statement.xsd"
_NS: Final = f"{{{NAMESPACE}}}"
# Characters XML 1.0 cannot carry at all; a detail text from outside may contain them.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write_statement_xml(statement: SettlementStatement, path: Path) -> None:
    """Write ``statement`` to ``path`` as UTF-8 XML."""
    Path(path).write_bytes(statement_xml_bytes(statement))


def statement_xml_bytes(statement: SettlementStatement) -> bytes:
    root = etree.Element(_NS + "SettlementStatement", nsmap={None: NAMESPACE})  # type: ignore[dict-item]
    _set(root, "schemaVersion", "1")
    province = _sub(root, "Agency" if statement.is_agency else "Province")
    _set(province, "code", statement.province_code)
    _sub(province, "Name", statement.province_name)
    _sub(province, "TreasuryAccount", statement.treasury_account)
    if statement.treasury is not None:
        treasury = _sub(province, "Treasury", statement.treasury.name)
        _set(treasury, "code", statement.treasury.code)
        if statement.treasury.chapter:
            _set(treasury, "chapter", statement.treasury.chapter)
    _sub(root, "BusinessDate", statement.business_date.isoformat())
    _sub(root, "Currency", "VND")
    if statement.run_id is not None:
        run = _sub(root, "Run")
        _set(run, "id", str(statement.run_id))
        _set(run, "version", str(statement.run_version or 1))
    _add_totals(root, statement.totals)
    for section in statement.gateways:
        gateway = _sub(root, "Gateway")
        _set(gateway, "name", section.gateway)
        _set(gateway, "feeMode", section.fee_mode)
        for batch in section.batches:
            _add_batch(gateway, batch)
        _add_totals(gateway, section.totals)
    discrepancies = _sub(root, "Discrepancies")
    _set(discrepancies, "count", str(len(statement.discrepancies)))
    for discrepancy in statement.discrepancies:
        _add_discrepancy(discrepancies, discrepancy)
    differences = statement.discrepancy_differences
    _sub(discrepancies, "NetDifference", differences.net)
    _sub(discrepancies, "AbsoluteDifference", differences.absolute)
    if statement.budget_lines:
        classification = _sub(root, "BudgetClassification")
        for line in statement.budget_lines:
            element = _sub(classification, "Line")
            if line.sub_item is not None:
                _set(element, "subItem", line.sub_item)
            _sub(element, "Name", line.name)
            _sub(element, "Transactions", line.transactions)
            _sub(element, "Collected", line.collected)
            _sub(element, "Refunded", line.refunded)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _sub(parent: etree._Element, name: str, text: str | int | None = None) -> etree._Element:
    element = etree.SubElement(parent, _NS + name)
    if text is not None:
        element.text = _xml_text(text)
    return element


def _set(element: etree._Element, name: str, value: str | int) -> None:
    element.set(name, _xml_text(value))


def _xml_text(value: str | int) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _add_totals(parent: etree._Element, totals: StatementTotals) -> None:
    element = _sub(parent, "Totals")
    for name, value in (
        ("Batches", totals.batches),
        ("Transactions", totals.transactions),
        ("Collected", totals.collected),
        ("Refunded", totals.refunded),
        ("Fees", totals.fees),
        ("Expected", totals.expected),
        ("Credited", totals.credited),
        ("Difference", totals.difference),
    ):
        _sub(element, name, value)


def _add_batch(parent: etree._Element, batch: StatementBatch) -> None:
    element = _sub(parent, "Batch")
    _set(element, "id", batch.batch_id)
    if batch.settlement_date is not None:
        _sub(element, "SettlementDate", batch.settlement_date.isoformat())
    for name, value in (
        ("Transactions", batch.transactions),
        ("Collected", batch.collected),
        ("Refunded", batch.refunded),
        ("Fees", batch.fees),
        ("ExpectedCredit", batch.expected_credit),
        ("Credited", batch.credited),
        ("Difference", batch.difference),
        ("Status", batch.status.value),
    ):
        _sub(element, name, value)
    for credit in batch.credits:
        credit_element = _sub(element, "BankCredit")
        if credit.bank_ref:
            _sub(credit_element, "BankRef", credit.bank_ref)
        if credit.booking_date is not None:
            _sub(credit_element, "BookingDate", credit.booking_date.isoformat())
        _sub(credit_element, "Amount", credit.amount)


def _add_discrepancy(parent: etree._Element, discrepancy: StatementDiscrepancy) -> None:
    element = _sub(parent, "Discrepancy")
    _set(element, "category", discrepancy.category)
    _set(element, "severity", discrepancy.severity)
    _set(element, "status", discrepancy.status)
    business_date = discrepancy.business_date.isoformat() if discrepancy.business_date else None
    for name, value in (
        ("BusinessDate", business_date),
        ("PaymentCode", discrepancy.payment_code),
        ("TxnId", discrepancy.txn_id),
        ("Gateway", discrepancy.gateway),
        ("BatchId", discrepancy.batch_id),
        ("BankRef", discrepancy.bank_ref),
        ("Expected", discrepancy.expected_vnd),
        ("Actual", discrepancy.actual_vnd),
        ("Difference", discrepancy.difference_vnd),
        ("AgeDays", discrepancy.age_days),
        ("Detail", discrepancy.detail),
    ):
        if value is not None:
            _sub(element, name, value)


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@cache
def statement_schema() -> etree.XMLSchema:
    """The shipped schema of the XML statement."""
    data = resources.files("reports").joinpath(SCHEMA_FILE).read_bytes()
    return etree.XMLSchema(etree.fromstring(data, _safe_parser()))


def validate_statement_xml(path: Path) -> None:
    """Raise :class:`~reconcile.errors.InputError` naming the first error if ``path`` is not valid."""
    document = etree.parse(str(path), _safe_parser())
    try:
        statement_schema().assertValid(document)
    except etree.DocumentInvalid as exc:
        raise InputError(str(exc), source=Path(path).name) from exc
