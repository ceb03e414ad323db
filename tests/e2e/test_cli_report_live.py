"""``recon report`` shows what people did since the run, as the web shows it: one report, every door.

The day of :mod:`web_world` is reconciled; a treasury user assigns and
resolves an item through the web application; then ``recon report`` (a real
process, the same database) writes the item resolved with its assignee, and
writes for the run the very bytes the web download gives.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient
from web_world import DAY, build_world, csrf_of, sign_in

from adapters.db.run_tables import discrepancies
from adapters.settings import GatewaySettings, Settings
from adapters.web.app import create_app
from adapters.web.auth import secret_key

RUN = f"{DAY.isoformat()}-v1"


def recon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Engine, Settings]]:
    directory = tmp_path_factory.mktemp("report-live")
    database = f"sqlite:///{directory / 'recon.db'}"
    settings = Settings(
        database_url=database,
        gateways={"vnpay": GatewaySettings("vnpay")},
        data_dir=str(directory / "data"),
    )
    engine = build_world(settings, tmp_path_factory.mktemp("inbox"))
    config = directory / "recon.toml"
    config.write_text(
        f'[database]\nurl = "{database}"\n\n[[gateways]]\nname = "vnpay"\n',
        encoding="utf-8",
    )
    yield config, engine, settings
    engine.dispose()


def post(client: TestClient, path: str, **fields: str) -> Any:
    page = client.get(path.rsplit("/", 1)[0])
    return client.post(path, data={**fields, "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def test_an_item_resolved_on_the_web_is_resolved_with_its_assignee_in_recon_report(
    world: tuple[Path, Engine, Settings], tmp_path: Path
) -> None:
    config, engine, settings = world
    d = discrepancies.c
    with engine.connect() as conn:
        row_id, txn_id, run_status = conn.execute(
            select(d.id, d.txn_id, d.status).where(d.payment_code == "HN-2")
        ).one()
    assert run_status != "resolved"
    app = create_app(engine, secret_key(settings.data_dir))
    with TestClient(app, base_url="http://testserver") as client:
        sign_in(client, "thu")
        assert post(client, f"/discrepancies/{row_id}/assign", assignee="vien").status_code == 303
        assert post(client, f"/discrepancies/{row_id}/resolve", note="VNPay hoàn tiền").status_code == 303
        downloaded = {fmt: client.get(f"/reports/{RUN}.{fmt}").content for fmt in ("json", "csv")}

    out = tmp_path / "latest.json"
    result = recon(config, "report", "--date", DAY.isoformat(), "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = json.loads(out.read_text(encoding="utf-8"))["discrepancies"]
    (resolved,) = [row for row in rows if row["payment_code"] == "HN-2" and row["txn_id"] == txn_id]
    assert (resolved["status"], resolved["assignee"]) == ("resolved", "vien")
    others = [row for row in rows if row is not resolved]
    assert others
    assert all(row["assignee"] is None and row["status"] != "resolved" for row in others)

    for fmt, body in downloaded.items():
        written = tmp_path / f"run.{fmt}"
        result = recon(config, "report", "--run", RUN, "--format", fmt, "--out", str(written))
        assert result.returncode == 0, result.stderr
        assert written.read_bytes() == body, fmt
