"""Shared test fixtures: where the real third-party statement files are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Database fixtures (``engine``, ``migrated_engine``, ``postgres_url``) for every test directory.
pytest_plugins = ["db_fixtures"]


def realdata_path() -> Path:
    """``../shared/realdata`` beside the checkout, or ``RECON_REALDATA``."""
    return Path(os.environ.get("RECON_REALDATA", ROOT.parent / "shared" / "realdata"))


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The real statement files; tests that need them skip visibly where they are absent."""
    path = realdata_path()
    if not (path / "EXPECTED.json").is_file():
        pytest.skip(f"real statement files not found at {path} (set RECON_REALDATA)")
    return path
