"""The reference check on ``agencies.csv``, ``treasuries.csv`` and ``budget_items.csv`` (broken copies)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.db.reference import fixtures_dir
from adapters.reference_check import check_reference_files

FILES = (
    "provinces.csv",
    "province_merges.csv",
    "registration_tax_rates.csv",
    "fee_schedule.csv",
    "holidays.csv",
    "agencies.csv",
    "treasuries.csv",
    "budget_items.csv",
)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(fixtures_dir() / name, tmp_path / name)
    return tmp_path


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _messages(directory: Path) -> list[str]:
    return [f"{issue.source} {issue.where}: {issue.message}" for issue in check_reference_files(directory)]


def test_the_shipped_files_are_clean() -> None:
    assert _messages(fixtures_dir()) == []


def test_a_regional_treasury_starting_a_day_late_leaves_a_gap(copy: Path) -> None:
    _replace(
        copy / "treasuries.csv",
        "01,9901,Kho bạc Nhà nước khu vực I,757,2025-03-01",
        "01,9901,Kho bạc Nhà nước khu vực I,757,2025-03-02",
    )
    assert _messages(copy) == [
        "treasuries.csv line 3: 01: no row is valid on 2025-03-01..2025-03-01 (gap after line 2)"
    ]


def test_a_province_without_a_treasury_and_an_unknown_code_are_named(copy: Path) -> None:
    path = copy / "treasuries.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("96,")]
    path.write_text("".join(kept) + "99,9999,Nowhere,757,2020-01-01,,x\n", encoding="utf-8")
    messages = _messages(copy)
    assert any("unknown province code '99'" in m for m in messages)
    assert "treasuries.csv None: province 96 has no treasury" in messages


def test_a_sub_item_an_asset_class_and_a_kind_are_checked(copy: Path) -> None:
    _replace(copy / "budget_items.csv", "registration_tax,real_estate,2801", "registration_tax,houseboat,281")
    _replace(copy / "budget_items.csv", "charge,CAP_PHEP_XAY_DUNG,2815", "levy,CAP_PHEP_XAY_DUNG,2815")
    messages = _messages(copy)
    assert any("asset class 'houseboat'" in m for m in messages)
    assert any("sub_item '281' is not four digits" in m for m in messages)
    assert any("kind 'levy'" in m for m in messages)


def test_an_agency_code_that_is_a_province_code_is_refused(copy: Path) -> None:
    _replace(copy / "agencies.csv", "BCA,Bộ Công an", "01,Bộ Công an")
    assert any("agency code '01'" in m for m in _messages(copy))
