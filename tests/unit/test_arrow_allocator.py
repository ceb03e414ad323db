"""Every ``recon`` command allocates Arrow's buffers with glibc's ``malloc``, not mimalloc."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import adapters.cli as cli
from adapters.cli import init_cmd


@pytest.fixture
def pyarrow_default_pool() -> Iterator[None]:
    """The process's pool as pyarrow starts it (mimalloc where built), put back afterwards."""
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def test_a_command_runs_with_arrow_allocating_by_malloc(
    pyarrow_default_pool: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pools: list[str] = []

    @contextmanager
    def no_service(settings: Any) -> Iterator[None]:
        yield None

    def handle(args: argparse.Namespace, parts: Any) -> int:
        pools.append(pa.default_memory_pool().backend_name)
        pa.array(range(1000))  # allocates from it
        return 0

    monkeypatch.setattr(cli, "bootstrap", no_service)
    monkeypatch.setattr(init_cmd, "handle", handle)
    config = tmp_path / "recon.toml"
    config.write_text("", encoding="utf-8")
    assert pa.default_memory_pool().backend_name == "mimalloc"

    assert cli.main(["--config", str(config), "init"]) == 0

    assert pools == ["system"]
