"""Tables written by the CSV writers read back identical: money exact, in every layout."""

from __future__ import annotations

import datetime as dt
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.formats.csv_writer import write_gateway, write_obligations
from adapters.formats.gateway import GatewayParser
from adapters.formats.obligations import ObligationsParser
from adapters.settings import settings_from_mapping
from reconcile.columns import GATEWAY_TXNS, LOCAL_TZ, OBLIGATIONS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LAYOUTS = tomllib.loads((FIXTURES / "layouts.toml").read_text(encoding="utf-8"))["layouts"]
# Letters Vietnamese files carry, and the characters that force quoting.
ALPHABET = 'ABCHKXYZ0123456789-_./ăâđêôơưÁàảãạộữỹĐƯ ;,"'
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.text(ALPHABET, min_size=1, max_size=16).filter(lambda s: s == s.strip() and s.strip('"') != "")
ids = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20)
dong = st.integers(min_value=1, max_value=10**15)
moments = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31), timezones=st.just(dt.UTC)
)


def whole_seconds(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)


@st.composite
def transactions(draw: Any, *, gateway: str | None = None, exact_seconds: bool = True) -> pa.Table:
    txn_ids = draw(st.lists(ids, min_size=1, max_size=12, unique=True))
    rows = []
    for txn_id in txn_ids:
        refund = draw(st.booleans())
        paid_at = draw(moments)
        paid_at = whole_seconds(paid_at) if exact_seconds else paid_at
        province = draw(st.integers(1, 96))
        rows.append(
            {
                "txn_id": txn_id,
                "payment_code": draw(words),
                "gateway": gateway or draw(st.sampled_from(["vnptpay", "viettelmoney", "napas"])),
                "province_code": f"{province:02d}",
                "treasury_account": f"7111{province:02d}0000001",
                "amount_vnd": draw(dong),
                "fee_vnd": draw(st.integers(0, 10**9)),
                "status": "REFUND" if refund else "SUCCESS",
                "paid_at": paid_at,
                "paid_date": paid_at.astimezone(LOCAL_TZ).date(),
                "settlement_date": draw(st.dates(dt.date(2020, 1, 1), dt.date(2031, 1, 31))),
                "batch_id": draw(words),
                "original_txn_id": draw(ids.filter(lambda s, t=txn_id: s != t)) if refund else None,
                "line": 0,
            }
        )
    return pa.Table.from_pylist(rows, schema=GATEWAY_TXNS)


def read_back(table: pa.Table, layout_name: str | None) -> pa.Table:
    config = {"layouts": LAYOUTS} if layout_name else {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "settlement.csv"
        write_gateway(table, path, layout=LAYOUTS[layout_name] if layout_name else None)
        parsed = GatewayParser(settings_from_mapping(config).layouts).parse(path)
    assert parsed.table is not None
    return parsed.table


def without_lines(table: pa.Table) -> pa.Table:
    return table.drop_columns(["line"])


@EXAMPLES
@given(table=transactions(exact_seconds=False))
def test_a_canonical_file_reads_back_identical(table: pa.Table) -> None:
    back = read_back(table, None)
    assert without_lines(back).equals(without_lines(table))
    assert back.column("line").to_pylist() == list(range(2, table.num_rows + 2))


@EXAMPLES
@given(table=transactions(gateway="vnpay"))
def test_a_vnpay_vi_file_reads_back_identical(table: pa.Table) -> None:
    assert without_lines(read_back(table, "vnpay_vi")).equals(without_lines(table))


@EXAMPLES
@given(table=transactions(gateway="momo"))
def test_a_momo_utf16_file_reads_back_identical(table: pa.Table) -> None:
    assert without_lines(read_back(table, "momo_utf16")).equals(without_lines(table))


@EXAMPLES
@given(table=transactions(gateway="payoo"))
def test_a_payoo_cp1258_file_with_its_totals_row_reads_back_identical(table: pa.Table) -> None:
    back = read_back(table, "payoo_cp1258")
    assert without_lines(back).equals(without_lines(table))
    assert back.column("line").to_pylist() == list(range(3, table.num_rows + 3))


@st.composite
def obligations(draw: Any) -> pa.Table:
    codes = draw(st.lists(words, min_size=1, max_size=12, unique=True))
    rows = []
    for code in codes:
        kind = draw(st.sampled_from(["fee", "charge", "land_charge", "registration_tax"]))
        paid = draw(st.booleans())
        issued, paid_at = draw(moments), draw(moments)
        tax = kind == "registration_tax"
        rows.append(
            {
                "payment_code": code,
                "province_code": f"{draw(st.integers(1, 96)):02d}",
                "kind": kind,
                "agency_code": draw(words),
                "procedure_code": None if tax else draw(words),
                "amount_vnd": draw(dong),
                "issued_at": issued,
                "issued_date": issued.astimezone(LOCAL_TZ).date(),
                "portal_status": "paid" if paid else "unpaid",
                "portal_txn_id": draw(ids) if paid else None,
                "portal_paid_at": paid_at if paid else None,
                "portal_paid_date": paid_at.astimezone(LOCAL_TZ).date() if paid else None,
                "asset_class": draw(st.sampled_from(["car_first", "real_estate"])) if tax else None,
                "taxable_value_vnd": draw(dong) if tax else None,
            }
        )
    return pa.Table.from_pylist(rows, schema=OBLIGATIONS)


@EXAMPLES
@given(table=obligations())
def test_an_obligations_export_reads_back_identical(table: pa.Table) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "obligations.csv"
        write_obligations(table, path)
        parsed = ObligationsParser().parse(path)
    assert parsed.table is not None
    assert parsed.table.equals(table)
