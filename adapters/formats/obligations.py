"""The portal's obligations export (sổ nghĩa vụ thu của Cổng Dịch vụ công), DESIGN.md §4.

UTF-8 CSV (a BOM is allowed) with exactly the contract's columns, in any
order. The register is cumulative: a later export carrying the same
``payment_code`` updates that obligation, so a file has no business
identity of its own (``Parsed.identity`` is ``None``); within one export a
payment code may appear only once.

A file with only the header row is accepted with no rows (a day with no
new or changed obligations); a zero-byte file is rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from adapters.formats.csvspec import Amount, Code, ColumnSpec, Text, Timestamp, canonical_layout
from adapters.formats.csvtable import CanonicalRows, first_duplicate, local_dates, read_canonical
from reconcile.columns import LOCAL_TZ, OBLIGATION_KINDS, OBLIGATIONS, PORTAL_STATUSES
from reconcile.records import Parsed

OBLIGATION_TEMPLATES: Mapping[str, ColumnSpec] = {
    "payment_code": Text("payment_code", label="payment_code"),
    # Empty for an obligation owed to a central agency (DESIGN.md §4): its agency_code names it.
    "province_code": Code("province_code", label="province code", nullable=True),
    "kind": Text("kind", label="kind", choices=OBLIGATION_KINDS),
    "agency_code": Text("agency_code", label="agency_code"),
    "procedure_code": Text("procedure_code", label="procedure_code", nullable=True),
    "amount_vnd": Amount("amount_vnd", label="amount_vnd"),
    "issued_at": Timestamp("issued_at", label="issued_at"),
    "portal_status": Text("portal_status", label="portal_status", choices=PORTAL_STATUSES),
    "portal_txn_id": Text("portal_txn_id", label="portal_txn_id", nullable=True),
    "portal_paid_at": Timestamp("portal_paid_at", label="portal_paid_at", nullable=True),
    "asset_class": Text("asset_class", label="asset_class", nullable=True),
    "taxable_value_vnd": Amount("taxable_value_vnd", label="taxable_value_vnd", nullable=True),
}
LAYOUT = canonical_layout("obligations", OBLIGATION_TEMPLATES)


class ObligationsParser:
    """Reads the portal's obligations export."""

    name = "obligations"

    def identify(self, path: Path, head: bytes) -> bool:
        first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", errors="ignore")
        cells = {cell.strip().strip('"') for cell in first.split(",")}
        return "payment_code" in cells and len(cells & set(OBLIGATION_TEMPLATES)) * 2 >= len(
            OBLIGATION_TEMPLATES
        )

    def parse(self, path: Path) -> Parsed:
        rows = read_canonical(path, LAYOUT)
        check_obligations(rows)
        return Parsed(format="obligations", table=obligations_table(rows), identity=None)


def check_obligations(rows: CanonicalRows) -> None:
    """Rules across columns: one row per payment code; what paid and registration tax require."""
    columns = rows.columns
    rules = [
        (
            first_duplicate(columns["payment_code"]),
            "payment_code {payment_code!r} appears twice in the export",
        )
    ]
    paid = pc.equal(columns["portal_status"], "paid")
    for column in ("portal_txn_id", "portal_paid_at"):
        rules.append(
            (
                pc.and_(paid, pc.is_null(columns[column])),
                f"paid obligation {{payment_code!r}} has no {column}",
            )
        )
        rules.append(
            (
                pc.and_(pc.invert(paid), pc.is_valid(columns[column])),
                f"unpaid obligation {{payment_code!r}} carries a {column}",
            )
        )
    tax = pc.equal(columns["kind"], "registration_tax")
    for column in ("asset_class", "taxable_value_vnd"):
        rules.append(
            (
                pc.and_(tax, pc.is_null(columns[column])),
                f"registration_tax {{payment_code!r}} has no {column}",
            )
        )
        rules.append(
            (
                pc.and_(pc.invert(tax), pc.is_valid(columns[column])),
                f"{{kind}} obligation {{payment_code!r}} carries a {column} (registration_tax only)",
            )
        )
    rows.reject_first(rules)


def obligations_table(rows: CanonicalRows) -> pa.Table:
    """The rows as a table with exactly the columns of ``OBLIGATIONS``."""
    columns = dict(rows.columns)
    tz = str(LOCAL_TZ)
    columns["issued_date"] = local_dates(columns["issued_at"], tz)
    columns["portal_paid_date"] = local_dates(columns["portal_paid_at"], tz)
    arrays = [columns[field.name].cast(field.type) for field in OBLIGATIONS]
    return pa.Table.from_arrays(arrays, schema=OBLIGATIONS)
