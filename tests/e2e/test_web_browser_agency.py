"""A ministry's login in a real browser (Debian's headless Chromium driven by Playwright).

``recon serve`` runs over the ministry's day of :mod:`test_cli_agencies`,
prepared with ``recon init``, ``ingest``, ``run`` and ``user add --role agency``.
The Ministry of Public Security's login sees its own rows and statement and
nothing of a province's. Skipped where ``/usr/bin/chromium`` is absent, unless
``RECON_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_cli_agencies import DAY, PASSWORD, _files, recon
from test_web_browser import CHROMIUM, CHROMIUM_ARGS, _wait_until_healthy, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("ministry-browser")
    config = directory / "recon.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{directory / "recon.db"}"\n\n'
        f'[storage]\ndata_dir = "{directory / "data"}"\n\n'
        '[[gateways]]\nname = "vnpay"\nsettlement_days = 1\nfee_mode = "gross"\n',
        encoding="utf-8",
    )
    for name, text in _files().items():
        (directory / name).write_text(text, encoding="utf-8")
    for command in (
        ["init"],
        ["ingest", *(str(directory / name) for name in _files())],
        ["run", "--date", DAY],
    ):
        assert recon(config, *command).returncode == 0
    made = recon(
        config,
        "user",
        "add",
        "bca",
        "--role",
        "agency",
        "--agency",
        "BCA",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
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
    with (directory / "serve.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_until_healthy(f"http://127.0.0.1:{port}", process, directory / "serve.log")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_a_ministry_login_sees_only_its_own_in_the_browser(browser: Any, base: str) -> None:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(base + "/login")
        page.fill("input[name=username]", "bca")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        body = page.inner_text("body")
        assert "BCA-2" in body
        assert "DOM-" not in body
        assert "MB-" not in body
        assert page.request.get(f"{base}/statements/BCA/{DAY}.pdf").status == 200
        assert page.request.get(f"{base}/statements/01/{DAY}.pdf").status == 404
    finally:
        context.close()
