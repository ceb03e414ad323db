"""Settlement statements rendered as PDF, Excel and XML tell the same, exact story."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pypdf import PdfReader

import reports.fonts
from reconcile.errors import ConfigError, InputError
from reports.statement_model import (
    BankCredit,
    BatchStatus,
    GatewaySection,
    SettlementStatement,
    StatementBatch,
    StatementDiscrepancy,
)
from reports.statement_xml import NAMESPACE, statement_schema, statement_xml_bytes
from reports.statements import (
    render_statement,
    statement_file_name,
    validate_statement_xml,
    write_statement,
    write_statement_pdf,
    write_statement_xlsx,
    write_statement_xml,
)

DAY = dt.date(2026, 11, 25)
NEXT = dt.date(2026, 11, 26)
NS = {"s": NAMESPACE}


def _batch(batch_id: str, collected: int, credits: tuple[int, ...], *, refunded=0, fees=0, mode="gross"):
    expected = collected - refunded - (fees if mode == "net" else 0)  # as a run would have stored it
    found = tuple(BankCredit(f"VCB-{batch_id}-{i}", NEXT, amount) for i, amount in enumerate(credits))
    status = (
        BatchStatus.MISSING
        if not credits
        else (BatchStatus.MATCHED if sum(credits) == expected else BatchStatus.MISMATCH)
    )
    credited = sum(credit.amount for credit in found)
    return StatementBatch(batch_id, NEXT, 3, collected, refunded, fees, expected, found, credited, status)


def _discrepancy(category: str, **values: object) -> StatementDiscrepancy:
    fields: dict[str, object] = dict.fromkeys(StatementDiscrepancy.__dataclass_fields__)
    fields.update(category=category, severity="high", status="open", business_date=DAY, age_days=0)
    fields.update(values)
    return StatementDiscrepancy(**fields)  # type: ignore[arg-type]


@pytest.fixture
def statement() -> SettlementStatement:
    vnpay = GatewaySection(
        "vnpay",
        "gross",
        (
            _batch("VNP-01", 1_500_000, (1_400_000,), refunded=100_000, fees=3_300),
            _batch('=HYPERLINK("http://x")', 987_654_321, (987_000_000, 600_000)),
        ),
    )
    momo = GatewaySection("momo", "net", (_batch("MOMO-7", 250_000, (), fees=2_500, mode="net"),))
    discrepancies = (
        _discrepancy(
            "UNDERPAID",
            severity="medium",
            payment_code="HS-000123",
            txn_id="VNP-T-99",
            gateway="vnpay",
            expected_vnd=500_000,
            actual_vnd=450_000,
            difference_vnd=-50_000,
            detail="Lệ phí trước bạ thiếu — hồ sơ ông Nguyễn Văn Đức",
        ),
        _discrepancy("MISSING_BANK_CREDIT", status="pending", batch_id="MOMO-7", expected_vnd=247_500),
    )
    return SettlementStatement(
        "75",
        "Đồng Nai",
        "7111750000001",
        DAY,
        (momo, vnpay),
        discrepancies,
        run_id="2026-11-25-v2",
        run_version=2,
    )


def test_the_statement_totals_add_up_its_batches(statement) -> None:
    totals = statement.totals
    assert totals.batches == 3
    assert totals.collected == 1_500_000 + 987_654_321 + 250_000
    assert totals.expected == 1_400_000 + 987_654_321 + 247_500
    assert totals.credited == 1_400_000 + 987_600_000
    assert totals.difference == -54_321 - 247_500


def test_the_pdf_carries_vietnamese_text_with_its_diacritics(statement, tmp_path: Path) -> None:
    path = tmp_path / "statement.pdf"
    write_statement_pdf(statement, path)
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "BẢNG ĐỐI CHIẾU QUYẾT TOÁN — Đồng Nai" in text
    assert "Nguyễn Văn Đức" in text
    assert "Tài khoản Kho bạc Nhà nước: 7111750000001" in text
    assert "Ngày nghiệp vụ: 25/11/2026" in text
    assert "989.154.321 ₫" in text  # the vnpay gateway's collected total
    assert "-54.321 ₫" in text
    assert "Chưa ghi có" in text
    assert "Nộp thiếu" in text  # UNDERPAID, named in Vietnamese
    assert "Thiếu tiền báo có ngân hàng" in text  # MISSING_BANK_CREDIT
    assert "UNDERPAID" not in text


def test_a_long_statement_spills_onto_further_pages_and_keeps_every_batch(tmp_path: Path) -> None:
    batches = tuple(_batch(f"B-{n:03}", 1_000 * n, (1_000 * n,)) for n in range(1, 121))
    statement = SettlementStatement(
        "01", "Hà Nội", "7111010000001", DAY, (GatewaySection("vnpay", "gross", batches),)
    )
    path = tmp_path / "long.pdf"
    write_statement_pdf(statement, path)
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) > 2
    assert all(f"B-{n:03}" in text for n in range(1, 121))
    assert "Không có chênh lệch." in text


def test_the_same_statement_gives_the_same_pdf_bytes(statement, tmp_path: Path) -> None:
    write_statement_pdf(statement, tmp_path / "a.pdf")
    write_statement_pdf(statement, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_without_a_unicode_font_the_pdf_is_refused_with_a_clear_reason(
    statement, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(reports.fonts, "candidate_dirs", lambda: [tmp_path])
    with pytest.raises(ConfigError, match="fonts-dejavu-core"):
        write_statement_pdf(statement, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_the_xml_statement_validates_against_the_shipped_schema(statement, tmp_path: Path) -> None:
    path = tmp_path / "statement.xml"
    write_statement_xml(statement, path)
    validate_statement_xml(path)
    root = etree.parse(str(path)).getroot()
    assert root.findtext("s:Province/s:Name", namespaces=NS) == "Đồng Nai"
    assert root.findtext("s:Totals/s:Credited", namespaces=NS) == str(1_400_000 + 987_600_000)
    assert root.find("s:Discrepancies", NS).get("count") == "2"
    momo = root.find("s:Gateway[@name='momo']/s:Batch", NS)
    assert momo.findtext("s:ExpectedCredit", namespaces=NS) == "247500"
    assert momo.findtext("s:Status", namespaces=NS) == "missing"


def test_the_schema_rejects_a_statement_with_an_amount_that_is_not_whole_dong(statement, tmp_path) -> None:
    path = tmp_path / "tampered.xml"
    path.write_bytes(statement_xml_bytes(statement).replace(b"<Fees>3300</Fees>", b"<Fees>3300.5</Fees>"))
    with pytest.raises(InputError, match=r"tampered\.xml.*Fees"):
        validate_statement_xml(path)


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_amount = st.integers(min_value=0, max_value=10**15)
_credit = st.builds(BankCredit, st.none() | _text.filter(bool), st.none() | st.dates(), _amount)
_batches = st.builds(
    StatementBatch,
    _text.filter(bool),
    st.none() | st.dates(),
    st.integers(0, 10**6),
    _amount,
    _amount,
    _amount,
    st.integers(-(10**15), 10**15),
    st.tuples(_credit, _credit) | st.tuples(),
    st.integers(-(10**15), 10**15),
    st.sampled_from(BatchStatus),
)
_discrepancies = st.builds(
    StatementDiscrepancy,
    st.sampled_from(["UNDERPAID", "ORPHAN_PAYMENT", "LATE_SETTLEMENT"]),
    st.sampled_from(["high", "medium", "low"]),
    st.sampled_from(["pending", "open", "resolved", "written_off"]),
    st.none() | st.dates(),
    *(st.none() | _text for _ in range(5)),
    *(st.none() | st.integers(-(10**15), 10**15) for _ in range(3)),
    st.none() | st.integers(0, 400),
    st.none() | _text,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sections=st.lists(
        st.builds(
            GatewaySection,
            _text.filter(bool),
            st.sampled_from(["gross", "net"]),
            st.lists(_batches, max_size=3).map(tuple),
        ),
        max_size=3,
    ),
    discrepancies=st.lists(_discrepancies, max_size=3),
    name=_text.filter(bool),
)
def test_every_statement_renders_and_its_xml_validates_whatever_its_text(
    sections, discrepancies, name
) -> None:
    statement = SettlementStatement("01", name, "7111010000001", DAY, tuple(sections), tuple(discrepancies))
    document = etree.fromstring(statement_xml_bytes(statement))
    assert statement_schema().validate(document), statement_schema().error_log
    assert document.findtext("s:Totals/s:Credited", namespaces=NS) == str(statement.totals.credited)
    workbook = openpyxl.load_workbook(io.BytesIO(render_statement(statement, "xlsx")))
    total = list(workbook["Lô quyết toán"].iter_rows(values_only=True))[-1]
    assert total[9] == statement.totals.credited


def test_control_characters_in_outside_text_do_not_reach_the_pdf(statement, tmp_path: Path) -> None:
    noisy = dataclasses.replace(statement.discrepancies[0], detail="thiếu\x1f tiền\tlệ phí")
    path = tmp_path / "noisy.pdf"
    write_statement_pdf(dataclasses.replace(statement, discrepancies=(noisy,)), path)
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "thiếu  tiền lệ phí" in text  # each control character drawn as a space


def test_the_excel_statement_totals_equal_the_sum_of_its_batches(statement, tmp_path: Path) -> None:
    path = tmp_path / "statement.xlsx"
    write_statement_xlsx(statement, path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Tổng hợp", "Lô quyết toán", "Ghi có ngân hàng", "Chênh lệch"]
    rows = list(workbook["Lô quyết toán"].iter_rows(values_only=True))
    header, *batches, total = rows
    column = {name: i for i, name in enumerate(header)}
    assert len(batches) == 3
    for name in ("collected_vnd", "fees_vnd", "expected_credit_vnd", "credited_vnd", "difference_vnd"):
        assert total[column[name]] == sum(row[column[name]] for row in batches)
    assert total[column["credited_vnd"]] == statement.totals.credited
    summary = {row[0]: row[1] for row in workbook["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Tỉnh/thành phố"] == "Đồng Nai"
    assert summary["Chênh lệch"] == statement.totals.difference
    credits = list(workbook["Ghi có ngân hàng"].iter_rows(values_only=True))[1:]
    assert sum(row[-1] for row in credits) == statement.totals.credited


def test_the_excel_statement_stores_a_formula_like_batch_id_as_text(statement, tmp_path: Path) -> None:
    path = tmp_path / "statement.xlsx"
    write_statement_xlsx(statement, path)
    sheet = openpyxl.load_workbook(path)["Lô quyết toán"]
    cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    hostile = [cell for cell in cells if "HYPERLINK" in str(cell.value)]
    assert [(c.value, c.data_type) for c in hostile] == [('\'=HYPERLINK("http://x")', "s")]


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "xml"])
def test_the_same_statement_gives_the_same_bytes_in_every_format(statement, tmp_path: Path, fmt: str) -> None:
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    write_statement(statement, first, fmt)
    write_statement(statement, second, fmt)
    assert first.read_bytes() == second.read_bytes()
    assert render_statement(statement, fmt) == first.read_bytes()


def test_an_unknown_format_is_refused(statement, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown statement format 'docx'"):
        write_statement(statement, tmp_path / "x.docx", "docx")


def test_a_statement_file_is_named_by_province_and_date(statement) -> None:
    assert statement_file_name(statement, "pdf") == "statement-75-2026-11-25.pdf"


def test_the_pdf_charts_expected_against_credited_only_when_there_are_batches(statement, tmp_path) -> None:
    chart_title = "Phải ghi có / đã ghi có theo cổng thanh toán"
    write_statement_pdf(statement, tmp_path / "with.pdf")
    empty = SettlementStatement("01", "Hà Nội", "7111010000001", DAY, ())
    write_statement_pdf(empty, tmp_path / "without.pdf")
    assert chart_title in PdfReader(tmp_path / "with.pdf").pages[0].extract_text()
    without = PdfReader(tmp_path / "without.pdf").pages[0].extract_text()
    assert chart_title not in without
    assert "Không có lô quyết toán nào" in without


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("PAID_NOT_SETTLED", "HS-1"),
        ("TAX_RATE_MISMATCH", "HS-1"),
        ("UNDERPAID", "T1"),
        ("MISSING_BANK_CREDIT", "B1"),
        ("UNEXPECTED_BANK_CREDIT", "VCB1"),
    ],
)
def test_a_statement_discrepancys_key_is_its_categorys_key(category: str, expected: str) -> None:
    row = _discrepancy(category, payment_code="HS-1", txn_id="T1", batch_id="B1", bank_ref="VCB1")
    assert row.key == expected
