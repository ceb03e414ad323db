"""Several ``recon rerun`` of one date at once, as separate processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, select
from test_cli_run import DAY, GATEWAY_CSV, MT940, OBLIGATIONS

from adapters.db.run_tables import runs

RERUNS = 3


def recon_command(config: Path, *args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]


def configured(engine: Engine, directory: Path) -> Path:
    """A ``recon.toml`` on the test's database, with one day's three records ingested."""
    url = engine.url.render_as_string(hide_password=False)
    config = directory / "recon.toml"
    config.write_text(
        f'[database]\nurl = "{url}"\n\n'
        '[[gateways]]\nname = "vnpay"\nsettlement_days = 1\nfee_mode = "gross"\n',
        encoding="utf-8",
    )
    files = {"obligations.csv": OBLIGATIONS, "vnpay.csv": GATEWAY_CSV, "vcb.sta": MT940}
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    ingest = subprocess.run(
        recon_command(config, "ingest", *(str(directory / name) for name in files)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ingest.returncode == 0, ingest.stderr
    return config


def test_reruns_of_one_date_at_once_all_succeed_as_consecutive_versions_with_their_reasons(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    config = configured(migrated_engine, tmp_path)
    reasons = [f"corrected file no. {n}" for n in range(1, RERUNS + 1)]

    processes = [
        subprocess.Popen(
            recon_command(config, "rerun", "--date", DAY, "--reason", reason),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for reason in reasons
    ]
    finished = [(p.wait(timeout=180), *p.communicate()) for p in processes]

    assert [(code, err) for code, _, err in finished] == [(0, "")] * RERUNS
    printed_ids = sorted(out.splitlines()[0] for _, out, _ in finished)
    with migrated_engine.connect() as conn:
        stored = conn.execute(
            select(runs.c.id, runs.c.version, runs.c.reason, runs.c.finished_at, runs.c.counts).order_by(
                runs.c.version
            )
        ).all()
    assert [row.version for row in stored] == list(range(1, RERUNS + 1))
    assert sorted(row.id for row in stored) == printed_ids
    assert sorted(row.reason for row in stored) == reasons
    assert [row.finished_at for row in stored] == sorted(row.finished_at for row in stored)
    assert len({row.counts for row in stored}) == 1  # the same inputs, the same result
    assert json.loads(stored[0].counts)["discrepancies"] == 3
