"""Gateway settlement files (file đối soát của cổng thanh toán), canonical or in a declared layout.

The canonical layout (DESIGN.md §4) is built in; every ``[layouts.NAME]``
table of the settings adds one more (semicolons and Vietnamese headers,
UTF-16, Windows-1258 with a ``Tổng cộng`` totals row...). A file is read
with the layout whose headers it carries, checked as a whole, and returned
as a table with exactly the columns of
:data:`reconcile.columns.GATEWAY_TXNS`.

The identity of a file is its gateway(s) and its file name (DESIGN.md §4):
gateways send several files a day and each adds its transactions; a later
file with the same gateway and name is a correction of the earlier one.
Neither the collection nor the settlement dates identify a file: a re-sent
file may cover fewer days than the first, and a small file may follow a big
one on the same day.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from adapters.formats.csvspec import (
    Amount,
    Code,
    ColumnSpec,
    Date,
    Layout,
    Text,
    Timestamp,
    canonical_layout,
    layout_from_mapping,
)
from adapters.formats.csvtable import CanonicalRows, first_duplicate, local_dates, read_canonical
from reconcile.columns import GATEWAY_TXNS, LOCAL_TZ, TXN_STATUSES
from reconcile.errors import ConfigError, InputError
from reconcile.records import Parsed

CANONICAL = "canonical"

#: How each canonical column is read when a layout says nothing more.
GATEWAY_TEMPLATES: Mapping[str, ColumnSpec] = {
    "txn_id": Text("txn_id", label="txn_id"),
    "payment_code": Text("payment_code", label="payment_code"),
    "gateway": Text("gateway", label="gateway"),
    # Empty for a central agency's collection (DESIGN.md §4): its treasury_account says whose.
    "province_code": Code("province_code", label="province code", nullable=True),
    "treasury_account": Text("treasury_account", label="treasury_account"),
    "amount_vnd": Amount("amount_vnd", label="amount_vnd"),
    "fee_vnd": Amount("fee_vnd", label="fee_vnd"),
    "status": Text("status", label="status", choices=TXN_STATUSES),
    "paid_at": Timestamp("paid_at", label="paid_at"),
    "settlement_date": Date("settlement_date", label="settlement_date"),
    "batch_id": Text("batch_id", label="batch_id"),
    "original_txn_id": Text("original_txn_id", label="original_txn_id", nullable=True),
}
#: Canonical columns a layout may leave out (a gateway that never refunds).
OPTIONAL = frozenset({"original_txn_id"})


def gateway_layouts(declared: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Layout]:
    """The canonical layout and every declared one (``[layouts.NAME]`` tables), by name."""
    # A canonical file may add a ``currency`` column; then every value must be VND.
    canonical = dataclasses.replace(canonical_layout(CANONICAL, GATEWAY_TEMPLATES), currency="currency")
    layouts = {CANONICAL: canonical}
    for name, raw in (declared or {}).items():
        layout = layout_from_mapping(name, raw, GATEWAY_TEMPLATES)
        covered = set(layout.columns) | set(layout.constants) | OPTIONAL
        missing = [column for column in GATEWAY_TEMPLATES if column not in covered]
        if missing:
            raise ConfigError(f"layouts.{name}: no column or constant for {', '.join(missing)}")
        layouts[name] = layout
    return layouts


class GatewayParser:
    """Reads gateway settlement files in the canonical layout or any declared one."""

    name = "gateway"

    def __init__(self, declared: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.layouts = gateway_layouts(declared)

    def identify(self, path: Path, head: bytes) -> bool:
        return self.layout_for(head) is not None

    def layout_for(self, head: bytes) -> Layout | None:
        """The layout whose headers the file's header row carries best (at least half of them)."""
        best, best_share = None, 0.5
        for layout in self.layouts.values():
            share = header_share(head, layout)
            if share >= best_share and (best is None or share > best_share):
                best, best_share = layout, share
        return best

    def parse(self, path: Path, *, layout: str | None = None) -> Parsed:
        """Read ``path``; ``layout`` forces a layout by name instead of detecting it."""
        chosen = self._chosen(path, layout)
        rows = read_canonical(path, chosen)
        check_transactions(rows)
        table = gateway_table(rows)
        return Parsed(format=f"gateway:{chosen.name}", table=table, identity=identity(table, path.name))

    def _chosen(self, path: Path, name: str | None) -> Layout:
        if name is not None:
            if name not in self.layouts:
                raise ConfigError(f"no gateway layout named {name!r} (known: {', '.join(self.layouts)})")
            return self.layouts[name]
        with path.open("rb") as stream:
            head = stream.read(8192)
        found = self.layout_for(head)
        if found is None:
            known = ", ".join(self.layouts)
            raise InputError(f"the header matches no gateway layout (known: {known})", source=path.name)
        return found


def header_share(head: bytes, layout: Layout) -> float:
    """Which share of ``layout``'s headers appear in the header row at the start of ``head``."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) != layout.encoding.lower().startswith("utf-16"):
        return 0.0
    if layout.encoding.lower().startswith("utf-16"):
        head = head[: len(head) // 2 * 2]
    text = head.decode(layout.encoding.replace("utf-8", "utf-8-sig"), errors="ignore").lstrip("\ufeff")
    lines = [line for line in unicodedata.normalize("NFC", text).splitlines()[layout.skip_lines :] if line]
    if not lines:
        return 0.0
    cells = {cell.strip().strip('"').strip() for cell in lines[0].split(layout.delimiter)}
    wanted = layout.headers
    return sum(1 for name in wanted if name in cells) / len(wanted) if wanted else 0.0


def check_transactions(rows: CanonicalRows) -> None:
    """Rules across a file's rows: unique ids, positive amounts, refunds that name their original."""
    columns = rows.columns
    refund = pc.equal(columns["status"], "REFUND")
    original = columns.get("original_txn_id")
    rules = [
        (first_duplicate(columns["txn_id"]), "txn_id {txn_id!r} appears twice in the file"),
        (pc.equal(columns["amount_vnd"], 0), "amount_vnd is zero for a {status} transaction"),
    ]
    if original is None:
        rules.append((refund, "REFUND {txn_id!r} has no original_txn_id (this layout has no such column)"))
    else:
        rules.append((pc.and_(refund, pc.is_null(original)), "REFUND {txn_id!r} has no original_txn_id"))
        rules.append(
            (pc.equal(original, columns["txn_id"]), "transaction {txn_id!r} names itself as original")
        )
    rows.reject_first(rules)


def gateway_table(rows: CanonicalRows) -> pa.Table:
    """The rows as a table with exactly the columns of ``GATEWAY_TXNS``."""
    columns = dict(rows.columns)
    columns["paid_date"] = local_dates(columns["paid_at"], str(LOCAL_TZ))
    columns["line"] = pa.array(rows.lines, pa.int64())
    arrays = []
    for field in GATEWAY_TXNS:
        column = columns.get(field.name)
        arrays.append(pa.nulls(rows.num_rows, field.type) if column is None else column.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=GATEWAY_TXNS)


def identity(table: pa.Table, name: str) -> str | None:
    """``gateway:NAME:FILE_NAME``; several gateways in one file are joined by ``+``; None without rows."""
    gateways = sorted(set(pc.unique(table.column("gateway")).drop_null().to_pylist()))
    return f"gateway:{'+'.join(gateways)}:{name}" if gateways else None
