"""Bad gateway settlement files and obligations exports through ingestion, each beside a good file.

A bad gateway file is ingested beside a good obligations export, a bad
export beside a good canonical gateway file. Each bad file starts as a good
one written by the product's writer (canonical UTF-8 CSV, or a layout
declared in ``fixtures/layouts.toml``) with one thing broken. What a layout
declares (semicolons, UTF-16, Windows-1258 with a title line and a
``Tổng cộng`` totals row) and what the contract allows (a BOM, columns in
any order, text typed in NFD) is accepted and read to the đồng.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from test_ingest_bad_input import (
    Contents,
    assert_accepted,
    assert_rejected,
    companion,
    gateway_table,
    ingest_beside,
    obligations_table,
    on_backends,
    settings,
    write,
)

from adapters.db import schema
from adapters.formats.csv_writer import encode_cp1258, write_gateway, write_obligations

TXNS = (("G1", "HS-11", 120000), ("G2", "HS-12", 80000), ("G3", "HS-13", 45000))
TXNS_VND = sum(amount for *_, amount in TXNS)
OBLIGATIONS = (("HS-21", "01", 150000), ("HS-22", "48", 2500000), ("HS-23", "79", 96000))
OBLIGATIONS_VND = sum(amount for *_, amount in OBLIGATIONS)
Lines = list[str]


def gateway_lines(tmp_path: Path) -> Lines:
    """A good canonical file's lines: the header, then G1, G2, G3 on lines 2 to 4."""
    path = tmp_path / "template.csv"
    write_gateway(gateway_table(*TXNS), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.unlink()
    return lines


def obligations_lines(tmp_path: Path) -> Lines:
    path = tmp_path / "template.csv"
    write_obligations(obligations_table(*OBLIGATIONS), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.unlink()
    return lines


def cell(line: int, column: str, value: str) -> Callable[[Lines], Lines]:
    """Change one cell, named by its header, on a physical line (1-based)."""

    def change(lines: Lines) -> Lines:
        changed = list(lines)
        cells = changed[line - 1].split(",")
        cells[lines[0].split(",").index(column)] = value
        changed[line - 1] = ",".join(cells)
        return changed

    return change


def column_dropped(column: str) -> Callable[[Lines], Lines]:
    def change(lines: Lines) -> Lines:
        index = lines[0].split(",").index(column)
        return [",".join(c for i, c in enumerate(line.split(",")) if i != index) for line in lines]

    return change


def joined(lines: Lines) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


GATEWAY_REJECTED = [
    pytest.param(
        lambda ls: [line.replace(",", ";") for line in ls],
        None,
        "unrecognised format (tried camt, mt940, obligations, gateway)",
        id="semicolons-in-an-undeclared-layout",
    ),
    pytest.param(
        lambda ls: [ls[0], ls[1], ls[0], *ls[2:]],
        "line 3",
        "the header row is repeated inside the data",
        id="repeated-header",
    ),
    pytest.param(
        lambda ls: [*ls, "Tổng cộng,,,,,245000,,,,,,,"],
        "line 5",
        "is missing",
        id="totals-row-in-a-layout-without-one",
    ),
    pytest.param(
        column_dropped("fee_vnd"), "line 1", "missing required column(s): fee_vnd", id="missing-column"
    ),
    pytest.param(
        lambda ls: [ls[0] + ",ghi_chu", *(line + ",x" for line in ls[1:])],
        "line 1",
        "unknown column(s): ghi_chu",
        id="extra-column",
    ),
    pytest.param(cell(3, "batch_id", '"VNPAY-01'), "line 3", "broken quoting", id="broken-quoting"),
    pytest.param(
        lambda ls: [*ls[:2], ls[2] + ",x", *ls[3:]],
        "line 3",
        "expected 13 fields, found 14",
        id="extra-field",
    ),
    pytest.param(
        lambda ls: [*ls[:3], ls[3][: len(ls[3]) // 2]],
        "line 4",
        "expected 13 fields, found",
        id="truncated-last-row",
    ),
    pytest.param(
        cell(2, "amount_vnd", '"120,000"'),
        "line 2",
        "amount_vnd '120,000' is ambiguous",
        id="ambiguous-vnd",
    ),
    pytest.param(
        cell(3, "amount_vnd", "80000.5"), "line 3", "'80000.5' has a fraction of a đồng", id="fractional-vnd"
    ),
    pytest.param(
        cell(2, "amount_vnd", "1.5E+06"),
        "line 2",
        "'1.5E+06': exponent notation is not an amount",
        id="exponent-amount",
    ),
    pytest.param(cell(3, "amount_vnd", "-80000"), "line 3", "'-80000' is negative", id="negative-amount"),
    pytest.param(
        cell(4, "amount_vnd", "0"),
        "line 4",
        "amount_vnd is zero for a SUCCESS transaction",
        id="zero-amount",
    ),
    pytest.param(cell(3, "currency", "USD"), "line 3", "currency 'USD' is not VND", id="currency-mismatch"),
    pytest.param(
        cell(3, "currency", ""),
        "line 3",
        "currency is missing",
        id="empty-currency-cell",
    ),
    pytest.param(
        cell(4, "province_code", "99"), "line 4", "unknown province code '99'", id="unknown-province"
    ),
    pytest.param(
        cell(2, "province_code", "1"),
        "line 2",
        "province code '1' must be two digits ('01')",
        id="01-read-as-1",
    ),
    pytest.param(
        cell(4, "txn_id", "G1"), "line 4", "txn_id 'G1' appears twice in the file", id="duplicate-txn-id"
    ),
    pytest.param(
        cell(3, "settlement_date", "2026-02-30"),
        "line 3",
        "settlement_date '2026-02-30' is not a real date",
        id="impossible-date",
    ),
    pytest.param(
        cell(2, "paid_at", "2026-11-25T10:15:00"),
        "line 2",
        "'2026-11-25T10:15:00' has no UTC offset",
        id="time-without-offset",
    ),
]


@pytest.mark.parametrize(
    ("engine", "change", "where", "reason"),
    on_backends(
        GATEWAY_REJECTED,
        postgres={"repeated-header", "currency-mismatch", "unknown-province", "duplicate-txn-id"},
    ),
    indirect=["engine"],
)
def test_a_bad_gateway_file_is_rejected_and_the_obligations_beside_it_are_kept(
    migrated_engine: Engine,
    tmp_path: Path,
    change: Callable[[Lines], Lines],
    where: str | None,
    reason: str,
) -> None:
    good = companion("obligations", tmp_path)
    bad = write(tmp_path, "vnpay_20261126.csv", joined(change(gateway_lines(tmp_path))))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_rejected(migrated_engine, good, outcome, where=where, reason=reason)


def test_windows_1258_bytes_in_a_utf8_layout_are_rejected_at_their_line(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    good = companion("obligations", tmp_path)
    lines = cell(3, "batch_id", "VNPAY-HÀ-NỘI")(gateway_lines(tmp_path))
    bad = write(tmp_path, "vnpay_20261126.csv", encode_cp1258("\n".join(lines) + "\n"))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_rejected(migrated_engine, good, outcome, where="line 3", reason="not valid utf-8 text")


OBLIGATIONS_REJECTED = [
    pytest.param(
        cell(3, "payment_code", "HS-21"),
        "line 3",
        "payment_code 'HS-21' appears twice in the export",
        id="duplicate-payment-code",
    ),
    pytest.param(
        cell(4, "issued_at", "2026-13-01T08:00:00+07:00"),
        "line 4",
        "issued_at '2026-13-01T08:00:00+07:00' is not an ISO 8601 timestamp",
        id="impossible-timestamp",
    ),
    pytest.param(
        cell(2, "province_code", "99"), "line 2", "unknown province code '99'", id="unknown-province"
    ),
    pytest.param(cell(3, "amount_vnd", "2.500.000"), "line 3", "'2.500.000'", id="grouped-amount"),
    pytest.param(
        lambda ls: [*ls, ls[0]], "line 5", "the header row is repeated inside the data", id="trailing-header"
    ),
]


@pytest.mark.parametrize(
    ("engine", "change", "where", "reason"),
    on_backends(OBLIGATIONS_REJECTED, postgres={"duplicate-payment-code", "unknown-province"}),
    indirect=["engine"],
)
def test_a_bad_obligations_export_is_rejected_and_the_gateway_file_beside_it_is_kept(
    migrated_engine: Engine,
    tmp_path: Path,
    change: Callable[[Lines], Lines],
    where: str,
    reason: str,
) -> None:
    good = companion("gateway", tmp_path)
    bad = write(tmp_path, "obligations_20261126.csv", joined(change(obligations_lines(tmp_path))))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_rejected(migrated_engine, good, outcome, where=where, reason=reason)


# Accepted: what the contract allows and what a layout declares

ITS_OBLIGATIONS = Contents(obligations=3, obligation_versions=3, obligations_vnd=OBLIGATIONS_VND)


def stored_obligations(engine: Engine) -> list[tuple[str, str, int, str]]:
    o = schema.obligations.c
    query = select(o.payment_code, o.province_code, o.amount_vnd, o.portal_txn_id).order_by(o.payment_code)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


EXPECTED_OBLIGATIONS = [(code, province, amount, f"T-{code}") for code, province, amount in OBLIGATIONS]


def test_an_obligations_export_with_a_bom_is_read_as_it_is(migrated_engine: Engine, tmp_path: Path) -> None:
    good = companion("gateway", tmp_path)
    bad = write(tmp_path, "obligations_20261126.csv", codecs.BOM_UTF8 + joined(obligations_lines(tmp_path)))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_OBLIGATIONS)
    assert stored_obligations(migrated_engine) == EXPECTED_OBLIGATIONS


def test_reordered_columns_are_read_by_their_names_and_01_stays_01(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    good = companion("gateway", tmp_path)
    rows = [line.split(",") for line in obligations_lines(tmp_path)]
    reordered = [",".join(reversed(row)) for row in rows]
    bad = write(tmp_path, "obligations_20261126.csv", joined(reordered))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_OBLIGATIONS)
    assert stored_obligations(migrated_engine) == EXPECTED_OBLIGATIONS


def layout_file(tmp_path: Path, layout: str, gateway: str) -> Path:
    path = tmp_path / f"{gateway}_20261126.csv"
    write_gateway(gateway_table(*TXNS, gateway=gateway), path, layout=settings().layouts[layout])
    return path


def stored_txns(engine: Engine) -> list[tuple[str, str, str, int, str]]:
    g = schema.gateway_txns.c
    query = select(g.txn_id, g.gateway, g.province_code, g.amount_vnd, g.status).order_by(g.txn_id)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


ITS_TXNS = Contents(gateway_txns=3, gateway_vnd=TXNS_VND)


LAYOUTS = [
    pytest.param("vnpay_vi", "vnpay", None, id="semicolons-declared"),
    pytest.param("momo_utf16", "momo", None, id="utf-16-declared"),
    pytest.param("payoo_cp1258", "payoo", None, id="windows-1258-title-and-totals-row-declared"),
    pytest.param(
        "vnpay_vi",
        "vnpay",
        lambda text: unicodedata.normalize("NFD", text),
        id="nfd-headers-and-status-words",
    ),
]


@pytest.mark.parametrize(
    ("engine", "layout", "gateway", "recode"),
    on_backends(LAYOUTS, postgres={"utf-16-declared", "windows-1258-title-and-totals-row-declared"}),
    indirect=["engine"],
)
def test_a_layout_declared_in_the_configuration_is_read_to_the_dong(
    migrated_engine: Engine,
    tmp_path: Path,
    layout: str,
    gateway: str,
    recode: Callable[[str], str] | None,
) -> None:
    good = companion("obligations", tmp_path)
    bad = layout_file(tmp_path, layout, gateway)
    if recode is not None:
        bad.write_text(recode(bad.read_text(encoding="utf-8")), encoding="utf-8")

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_accepted(migrated_engine, good, outcome, adds=ITS_TXNS)
    assert outcome.format == f"gateway:{layout}"
    assert stored_txns(migrated_engine) == [(t, gateway, "01", amount, "SUCCESS") for t, _, amount in TXNS]


TOTALS_ROWS = [
    pytest.param(
        lambda text: text.replace('"245,000"', '"245,001"'),
        "line 6",
        "totals row states 245001 but the rows add up to 245000",
        id="totals-row-that-disagrees",
    ),
    pytest.param(
        lambda text: (lambda ls: "\r\n".join([*ls[:3], ls[-2], *ls[3:-2], ""]))(text.split("\r\n")),
        "line 4",
        "a 'Tổng cộng' totals row must be the file's last row",
        id="totals-row-in-the-middle",
    ),
]


@pytest.mark.parametrize(
    ("engine", "change", "where", "reason"),
    on_backends(TOTALS_ROWS, postgres={"totals-row-that-disagrees"}),
    indirect=["engine"],
)
def test_a_declared_totals_row_that_is_wrong_is_rejected(
    migrated_engine: Engine,
    tmp_path: Path,
    change: Callable[[str], str],
    where: str,
    reason: str,
) -> None:
    good = companion("obligations", tmp_path)
    bad = layout_file(tmp_path, "payoo_cp1258", "payoo")
    bad.write_bytes(encode_cp1258(change(bad.read_bytes().decode("cp1258"))))

    outcome = ingest_beside(migrated_engine, good, bad)

    assert_rejected(migrated_engine, good, outcome, where=where, reason=reason)
