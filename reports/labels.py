"""Vietnamese names, first, for the codes people read: categories, statuses, severities, requests.

The codes (``MISSING_BANK_CREDIT``, ``open``) stay what the files, the API and
the database carry; pages, workbooks and PDFs show these names, in
Vietnamese unless English is asked for (``lang="en"``). An unknown code is
shown as itself.
"""

from __future__ import annotations

from typing import Final

VI: Final = "vi"
EN: Final = "en"
LANGUAGES: Final = (VI, EN)

CATEGORY: Final[dict[str, tuple[str, str]]] = {
    "ORPHAN_PAYMENT": ("Giao dịch không có nghĩa vụ", "Payment without obligation"),
    "UNDERPAID": ("Nộp thiếu", "Underpaid"),
    "OVERPAID": ("Nộp thừa", "Overpaid"),
    "DUPLICATE_PAYMENT": ("Nộp trùng", "Duplicate payment"),
    "WRONG_PROVINCE": ("Sai tỉnh", "Wrong province"),
    "PAID_NOT_SETTLED": ("Đã nộp, chưa quyết toán", "Paid, not settled"),
    "SETTLED_NOT_RECORDED": ("Đã quyết toán, không có giao dịch", "Settled, not recorded"),
    "MISSING_BANK_CREDIT": ("Thiếu tiền báo có ngân hàng", "Missing bank credit"),
    "SETTLEMENT_AMOUNT_MISMATCH": ("Lệch số tiền quyết toán", "Settlement amount mismatch"),
    "LATE_SETTLEMENT": ("Quyết toán chậm", "Late settlement"),
    "UNEXPECTED_BANK_CREDIT": ("Báo có không xác định", "Unexpected bank credit"),
    "UNMATCHED_REFUND": ("Hoàn tiền không khớp", "Unmatched refund"),
    "TAX_RATE_MISMATCH": ("Sai thuế suất", "Tax rate mismatch"),
    "FEE_SCHEDULE_MISMATCH": ("Sai biểu phí", "Fee schedule mismatch"),
}
STATUS: Final[dict[str, tuple[str, str]]] = {
    "pending": ("Đang chờ", "Pending"),
    "open": ("Cần xử lý", "Open"),
    "resolved": ("Đã xử lý", "Resolved"),
    "written_off": ("Đã xoá sổ", "Written off"),
    "closed": ("Đã đóng", "Closed"),
}
SEVERITY: Final[dict[str, tuple[str, str]]] = {
    "high": ("Cao", "High"),
    "medium": ("Trung bình", "Medium"),
    "low": ("Thấp", "Low"),
}
#: Workflow actions and requests (``discrepancy_actions.kind``).
ACTION: Final[dict[str, tuple[str, str]]] = {
    "comment": ("Bình luận", "Comment"),
    "assign": ("Giao việc", "Assign"),
    "resolve": ("Đánh dấu đã xử lý", "Resolve"),
    "request_write_off": ("Đề nghị xoá sổ", "Write-off request"),
    "request_manual_match": ("Đề nghị khớp thủ công", "Manual match request"),
    "request_resolve": ("Đề nghị xác nhận đã xử lý", "Resolution request"),
    "approve": ("Phê duyệt", "Approve"),
    "reject": ("Từ chối", "Reject"),
}
TABLES: Final = {"category": CATEGORY, "status": STATUS, "severity": SEVERITY, "action": ACTION}


def name(kind: str, code: str | None, lang: str = VI) -> str:
    """The name of ``code`` in the table ``kind`` (category, status, severity, action)."""
    if code is None:
        return ""
    names = TABLES[kind].get(code)
    if names is None:
        return code
    return names[1] if lang == EN else names[0]


def category(code: str | None, lang: str = VI) -> str:
    return name("category", code, lang)


def status(code: str | None, lang: str = VI) -> str:
    return name("status", code, lang)


def severity(code: str | None, lang: str = VI) -> str:
    return name("severity", code, lang)
