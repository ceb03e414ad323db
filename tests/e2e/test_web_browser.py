"""The web application in a real browser: Debian's headless Chromium driven by Playwright.

``recon serve`` runs as a real uvicorn process on 127.0.0.1 over a database
that ``recon init``, ``recon ingest``, ``recon run`` and ``recon user add``
prepared from the day of :mod:`web_world`. The browser is the system's
``/usr/bin/chromium`` (never one Playwright downloads); where it is absent the
tests are skipped with the reason, unless ``RECON_REQUIRE_BROWSER=1`` (CI),
which turns the skip into a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_world import DAY, PASSWORD, write_world_files

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_LIMIT_S = 60


def recon(config: Path, *args: str, stdin: str = "") -> None:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"recon {' '.join(args)}: {result.stderr}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("web-browser")
    path = directory / "recon.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{directory / "recon.db"}"\n\n'
        f'[storage]\ndata_dir = "{directory / "data"}"\n\n'
        '[[gateways]]\nname = "vnpay"\nsettlement_days = 1\nfee_mode = "gross"\n',
        encoding="utf-8",
    )
    recon(path, "init")
    recon(path, "ingest", *(str(p) for p in write_world_files(directory)))
    recon(path, "run", "--date", DAY.isoformat())
    recon(path, "user", "add", "thu", "--role", "treasury", "--password-stdin", stdin=PASSWORD + "\n")
    recon(
        path,
        "user",
        "add",
        "hanoi",
        "--role",
        "province",
        "--province",
        "01",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return path


@pytest.fixture(scope="module")
def server(config: Path) -> Iterator[str]:
    """``recon serve`` on a free port; stopped at the end of the module."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "recon"),
        "--config",
        str(config),
        "serve",
        "--port",
        str(port),
    ]
    env = {k: v for k, v in os.environ.items() if k != "RECON_SECRET_KEY"}
    log = (config.parent / "serve.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, process, config.parent / "serve.log")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"recon serve exited with {process.returncode}: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(
        f"recon serve did not answer /healthz within {STARTUP_LIMIT_S} s: {log.read_text(errors='replace')}"
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (Debian package chromium)"
        if os.environ.get("RECON_REQUIRE_BROWSER") == "1":
            pytest.fail(f"a browser is required (RECON_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, locale="vi-VN")
    yield context.new_page()
    context.close()


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/")
    assert page.url == base + "/login"  # no session: sent to the form
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_a_treasury_accountant_signs_in_drills_down_downloads_a_statement_and_signs_out(
    page: Any, server: str, tmp_path: Path
) -> None:
    sign_in(page, server, "thu")
    body = page.inner_text("body")
    assert "Nộp thiếu" in body  # UNDERPAID, in Vietnamese first
    assert "HN-1" in body
    assert "HCM-2" in body
    assert "Tổng cộng" in body

    page.click("table.items >> text=Nộp thiếu")
    assert "/discrepancies/" in page.url
    assert "100.000 ₫" in page.inner_text("body")

    page.goto(server + "/?province=01")
    with page.expect_download() as info:
        page.click("a[href='/statements/01/2026-11-25.pdf']")
    download = info.value
    assert download.suggested_filename == "statement-01-2026-11-25.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    page.click("text=Đăng xuất / Sign out")
    page.wait_for_url(server + "/login")
    page.goto(server + "/")
    assert page.url == server + "/login"


def test_a_province_user_sees_only_its_province(page: Any, server: str) -> None:
    sign_in(page, server, "hanoi")
    body = page.inner_text("body")
    assert "HN-2" in body
    assert "HCM-" not in body
    assert "HYPERLINK" not in body
    assert page.request.get(server + "/statements/79/2026-11-25.pdf").status == 404
    assert page.request.get(server + "/reports/2026-11-25-v1.json").status == 404
    own = page.request.get(server + "/statements/01/2026-11-25.xml")
    assert own.status == 200
    assert own.headers["content-type"].startswith("application/xml")


def test_a_wrong_password_keeps_the_browser_on_the_form(page: Any, server: str) -> None:
    page.goto(server + "/login")
    page.fill("input[name=username]", "thu")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "Wrong username or password" in page.inner_text("[role=alert]")
    page.goto(server + "/")
    assert page.url == server + "/login"


def test_an_admin_signs_in_reads_the_audit_log_and_changes_their_password(
    page: Any, server: str, config: Path
) -> None:
    recon(config, "user", "add", "kiem", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    sign_in(page, server, "kiem")
    page.click("text=Nhật ký / Audit")
    page.wait_for_url(server + "/audit")
    first_row = page.inner_text("tbody tr >> nth=0")
    assert "kiem" in first_row
    assert "sign_in" in first_row
    assert "user:kiem" in page.inner_text("tbody")  # the CLI's user_add, further down

    page.click("text=Đổi mật khẩu / Password")
    page.wait_for_url(server + "/account/password")
    page.fill("input[name=current]", "not it")
    page.fill("input[name=new]", "mật khẩu mới của kiểm toán")
    page.fill("input[name=again]", "mật khẩu mới của kiểm toán")
    page.click("button:has-text('Đổi mật khẩu / Change password')")
    assert "current password is wrong" in page.inner_text("[role=alert]")
    page.fill("input[name=current]", PASSWORD)
    page.fill("input[name=new]", "mật khẩu mới của kiểm toán")
    page.fill("input[name=again]", "mật khẩu mới của kiểm toán")
    page.click("button:has-text('Đổi mật khẩu / Change password')")
    page.wait_for_url(server + "/account/password?changed=1")
    assert "Password changed" in page.inner_text("[role=status]")

    page.click("text=Đăng xuất / Sign out")
    page.wait_for_url(server + "/login")
    page.fill("input[name=username]", "kiem")
    page.fill("input[name=password]", "mật khẩu mới của kiểm toán")
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    page.goto(server + "/audit")
    actions = page.inner_text("tbody")
    for action in ("password_change_failed", "password_change", "sign_out", "sign_in"):
        assert action in actions


def test_an_accountant_searches_sorts_pages_and_acts_in_bulk(page: Any, server: str, config: Path) -> None:
    recon(config, "user", "add", "vien", "--role", "treasury", "--password-stdin", stdin=PASSWORD + "\n")
    sign_in(page, server, "thu")
    page.fill("input[name=q]", "hcm-2")
    page.click("button:has-text('Lọc / Filter')")
    assert "1 mục / items" in page.inner_text("#item-count")
    assert "HCM-2" in page.inner_text("table.items tbody")

    page.goto(server + "/?page_size=2")
    assert "4 mục / items · trang / page 1/2" in page.inner_text("#item-count")
    page.click("table.items th >> text=Mã TT")  # sort by payment code, ascending
    first = page.inner_text("table.items tbody")
    assert "=HYPERLINK" in first.splitlines()[0]  # '=' sorts before 'H'
    page.click("a[rel=next]")
    assert "trang / page 2/2" in page.inner_text("#item-count")
    second = page.inner_text("table.items tbody")
    assert "HN-2" in second
    assert "HCM-2" not in second

    page.goto(server + "/?province=79")
    for box in page.query_selector_all("table.items input[type=checkbox]"):
        box.check()
    page.select_option("form#bulk select[name=action]", "assign")
    page.select_option("form#bulk select[name=assign_to]", "vien")
    page.click("button:has-text('Áp dụng cho mục đã chọn')")
    assert "Đã áp dụng cho 2 mục" in page.inner_text("[role=status]")
    rows = page.inner_text("table.items tbody")
    assert rows.count("vien") == 2

    page.click("text=English")
    assert "Unexpected" in page.inner_text("body") or "Settled, not recorded" in page.inner_text("body")
    page.click("text=Tiếng Việt")
    assert "Đã quyết toán, không có giao dịch" in page.inner_text("body")


def test_a_write_off_needs_a_second_person_and_then_shows_everywhere(
    browser: Any, server: str, config: Path
) -> None:
    recon(config, "user", "add", "lan", "--role", "treasury", "--password-stdin", stdin=PASSWORD + "\n")
    requester = browser.new_context(locale="vi-VN").new_page()
    sign_in(requester, server, "thu")
    requester.goto(server + "/?q=HN-2")
    requester.click("table.items tbody a")
    item_url = requester.url
    requester.select_option("select[name=kind]", "write_off")
    requester.fill("form[action$='/request'] input[name=note]", "dưới 1.000 ₫")
    requester.click("button:has-text('Gửi phê duyệt')")
    requester.click("button:has-text('Phê duyệt / Approve')")
    assert "second person" in requester.inner_text("[role=alert]")

    approver = browser.new_context(locale="vi-VN").new_page()
    sign_in(approver, server, "lan")
    approver.goto(item_url)
    approver.click("button:has-text('Phê duyệt / Approve')")
    assert "Đã xoá sổ" in approver.inner_text("#live-status")
    approver.goto(server + "/?status=written_off")
    assert "HN-2" in approver.inner_text("table.items tbody")
    requester.context.close()
    approver.context.close()


def test_the_overview_the_evidence_and_the_operations_page_link_together(browser: Any, server: str) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    sign_in(page, server, "thu")
    # the breaks table fits a 1366 px screen: no horizontal scrolling
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 1366)"
        ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366, wide

    page.click("text=Tổng quan / Overview")
    page.wait_for_url(server + "/overview")
    assert "Nộp thiếu" in page.inner_text("#by-category")
    assert "01 Hà Nội" in page.inner_text("#by-province")
    page.click("#by-category >> text=Nộp thiếu")
    assert "category=UNDERPAID" in page.url
    assert "1 mục / items" in page.inner_text("#item-count")

    page.click("table.items tbody a")
    evidence = page.inner_text("#evidence")
    assert "vnpay.csv" in evidence
    assert "hanoi.sta" in evidence
    page.click("#evidence >> text=hanoi.sta >> nth=0")
    assert "/ops?file=" in page.url
    assert "hanoi.sta" in page.inner_text("tr.asked")
    assert "Tệp bị từ chối / Rejected files" in page.inner_text("body")
    context.close()
