"""The content side of ingestion: checks against reference data, totals, and where rows go.

Kept apart from :mod:`adapters.ingest` (which decides duplicates, rejections
and transactions) so each reads on its own: this module knows the three
families of content (obligations, gateway transactions, bank statements).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from adapters.db.files import FileFacts, amend_file, record_file
from adapters.db.gateway_identity import (
    any_stored_between,
    correction_warning,
    last_row_id,
    retire_files,
    same_name_files,
    supersede_carried,
)
from adapters.db.reference import agency_codes, province_codes
from adapters.db.stores import store_gateway_txns, store_obligations, store_statements
from adapters.formats.gateway import identity as gateway_identity
from reconcile.errors import InputError
from reconcile.gateways import unconfigured_warnings
from reconcile.records import Parsed
from reconcile.statements import credit_debit_totals

Totals = dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True)
class Summary:
    """The counts ``recon ingest`` reports for a file."""

    statements: int | None
    entries: int
    totals: Totals


def table_kind(table: pa.Table) -> str:
    """``gateway`` or ``obligations``, by the canonical columns the parser produced."""
    if "txn_id" in table.column_names:
        return "gateway"
    if "portal_status" in table.column_names:
        return "obligations"
    raise ValueError(f"a parsed table with columns {table.column_names} is neither kind")


def _sum(values: pa.Array) -> int:
    total = pc.sum(values).as_py()
    return int(total or 0)


def summarise(parsed: Parsed) -> Summary:
    if parsed.table is None:
        totals: Totals = {}
        for statement in parsed.statements:
            for currency, sides in credit_debit_totals(statement).items():
                bucket = totals.setdefault(currency, {"credit": 0, "debit": 0})
                bucket["credit"] += sides["credit"]
                bucket["debit"] += sides["debit"]
        entries = sum(len(statement.entries) for statement in parsed.statements)
        return Summary(len(parsed.statements), entries, totals)
    table = parsed.table
    if table_kind(table) == "obligations":
        return Summary(None, table.num_rows, {"VND": {"credit": _sum(table["amount_vnd"]), "debit": 0}})
    status = table["status"]
    success = _sum(pc.filter(table["amount_vnd"], pc.equal(status, "SUCCESS")))
    refund = _sum(pc.filter(table["amount_vnd"], pc.equal(status, "REFUND")))
    return Summary(None, table.num_rows, {"VND": {"credit": success, "debit": refund}})


def check_parsed(conn: Connection, parsed: Parsed, gateways: Collection[str], source: str) -> list[str]:
    """Warnings for the file; :class:`InputError` for what makes it unacceptable.

    ``gateways`` are the gateways the configuration declares.
    """
    warnings = [str(issue) for issue in parsed.issues]
    table = parsed.table
    if table is None:
        return warnings
    warnings += _check_provinces(conn, table, source)
    if table_kind(table) == "gateway":
        warnings += unconfigured_warnings(gateways, pc.unique(table["gateway"]).drop_null().to_pylist())
    # an export repeats no payment code: its parser refuses the file (check_obligations)
    return warnings


def _check_provinces(conn: Connection, table: pa.Table, source: str) -> list[str]:
    known = province_codes(conn)
    codes = table["province_code"]
    unknown = pc.and_(pc.invert(pc.is_in(codes, pa.array(list(known), pa.string()))), pc.is_valid(codes))
    bad = pc.indices_nonzero(pc.fill_null(unknown, False))
    if len(bad):
        row = bad[0].as_py()
        line = table["line"][row].as_py() if "line" in table.column_names else row + 2  # after the header
        code = codes[row].as_py()
        raise InputError(f"unknown province code {code!r}", source=source, where=f"line {line}")
    if "agency_code" in table.column_names:
        _check_agencies(conn, table, source)
    used = set(pc.unique(codes).drop_null().to_pylist())
    return [
        f"province {code} is not connected to the service (inactive in the reference data)"
        for code in sorted(used)
        if not known[code]
    ]


def _check_agencies(conn: Connection, table: pa.Table, source: str) -> None:
    """An obligation without a province is owed to a central agency: its agency_code must name one."""
    central = pc.is_null(table["province_code"])
    unknown = pc.and_(
        central, pc.invert(pc.is_in(table["agency_code"], pa.array(list(agency_codes(conn)), pa.string())))
    )
    bad = pc.indices_nonzero(pc.fill_null(unknown, False))
    if len(bad):
        row = bad[0].as_py()
        code = table["agency_code"][row].as_py()
        raise InputError(
            f"obligation with no province_code names agency {code!r}, which agencies.csv does not list",
            source=source,
            where=f"line {row + 2}",
        )


def store_content(
    conn: Connection, facts: FileFacts, parsed: Parsed, *, replacing: int | None
) -> tuple[str, tuple[str, ...]]:
    """Record the file and store its content; returns its status and any further warnings."""
    if parsed.table is None:
        return _store_bank_file(conn, facts, parsed, replacing)
    if table_kind(parsed.table) == "obligations":
        file_id = record_file(conn, dataclasses.replace(facts, identity=None), replacing=replacing)
        store_obligations(conn, file_id, parsed.table)
        return facts.status, ()
    return _store_gateway_file(conn, facts, parsed.table, replacing)


def _store_gateway_file(
    conn: Connection, facts: FileFacts, table: pa.Table, replacing: int | None
) -> tuple[str, tuple[str, ...]]:
    """A gateway file is (gateway, file name): the same again corrects; its transactions supersede."""
    gateways = pc.unique(table["gateway"]).drop_null().to_pylist()
    earlier = same_name_files(conn, gateways, facts.path)
    identity = gateway_identity(table, facts.path)
    if identity is None and earlier:  # no rows: the new version of the files it corrects
        named = sorted(set().union(*(e.gateways for e in earlier)))
        identity = f"gateway:{'+'.join(named)}:{facts.path}"
    facts = dataclasses.replace(facts, identity=identity)
    if earlier:
        retire_files(conn, earlier)
        facts = dataclasses.replace(
            facts,
            status="correction",
            version=max(e.version for e in earlier) + 1,
            supersedes_id=earlier[-1].id,
        )
    ids = pc.min_max(table["txn_id"])  # before the file's own are stored: may it carry a stored one?
    carrying = ids["min"].is_valid and any_stored_between(conn, ids["min"].as_py(), ids["max"].as_py())
    file_id = record_file(conn, facts, replacing=replacing)
    after = last_row_id(conn)
    store_gateway_txns(conn, file_id, table)
    extra = [correction_warning(conn, file_id, earlier)] if earlier else []
    if carrying:
        extra += supersede_carried(conn, file_id, after).warnings
    if extra:
        amend_file(conn, file_id, status=facts.status, warnings=(*facts.warnings, *extra))
    return facts.status, tuple(extra)


def _store_bank_file(
    conn: Connection, facts: FileFacts, parsed: Parsed, replacing: int | None
) -> tuple[str, tuple[str, ...]]:
    file_id = record_file(conn, dataclasses.replace(facts, identity=None), replacing=replacing)
    stored = store_statements(conn, file_id, parsed.statements, parsed.entry_columns)
    status = "correction" if stored.corrections else "accepted"
    extra = tuple(stored.warnings)
    if extra or status != facts.status:
        amend_file(conn, file_id, status=status, warnings=(*facts.warnings, *extra))
    return status, extra
