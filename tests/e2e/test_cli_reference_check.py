"""``recon reference check`` on the shipped reference files and on broken copies of them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.db.reference import fixtures_dir

FILES = (
    "provinces.csv",
    "province_merges.csv",
    "registration_tax_rates.csv",
    "fee_schedule.csv",
    "holidays.csv",
    "agencies.csv",
)


def recon(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "recon"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_shipped_reference_files_are_clean() -> None:
    result = recon("reference", "check")
    assert result.returncode == 0, result.stderr
    assert "clean" in result.stdout
    assert result.stderr == ""


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(fixtures_dir() / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` on one line (1-based, the header is line 1)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line - 1], (line, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def _line_of(path: Path, prefix: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, text in enumerate(lines, start=1) if text.startswith(prefix))


def _append(path: Path, row: str) -> int:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(row + "\n")
    return len(path.read_text(encoding="utf-8").splitlines())


def _problems(directory: Path) -> list[str]:
    result = recon("reference", "check", "--fixtures", str(directory))
    assert result.returncode == 1, result.stdout
    assert result.stdout == ""
    *lines, summary = result.stderr.splitlines()
    assert summary.endswith(f"{len(lines)} problem(s)")
    return lines


def test_two_rates_of_one_key_valid_on_the_same_day_are_an_overlap(copy: Path) -> None:
    rates = copy / "registration_tax_rates.csv"
    line = _line_of(rates, "79,motorbike_first,0.05,2022-03-01,2025-06-30")
    _edit(rates, line, "2025-06-30", "2025-07-01")
    (problem,) = _problems(copy)
    assert problem.startswith(
        f"registration_tax_rates.csv, line {line + 1}: 79/motorbike_first from 2025-07-01"
    )
    assert f"overlaps line {line}" in problem


def test_a_day_no_rate_covers_is_a_gap(copy: Path) -> None:
    rates = copy / "registration_tax_rates.csv"
    line = _line_of(rates, "01,car_first_domestic,0.06,2024-09-01,2024-11-30")
    _edit(rates, line, "2024-11-30", "2024-11-28")
    (problem,) = _problems(copy)
    assert problem == (
        f"registration_tax_rates.csv, line {line + 1}: 01/car_first_domestic: "
        f"no row is valid on 2024-11-29..2024-11-30 (gap after line {line})"
    )


def test_a_rate_above_one_and_a_validity_ending_before_it_starts_name_their_lines(copy: Path) -> None:
    rates = copy / "registration_tax_rates.csv"
    _edit(rates, 2, "0.12", "1.2")
    end = _line_of(rates, "01,car_first_domestic,0.06,2020-06-28,2020-12-31")
    _edit(rates, end, "2020-12-31", "2020-06-01")
    problems = _problems(copy)
    assert problems[0] == "registration_tax_rates.csv, line 2: '1.2' is not a rate between 0 and 1"
    assert (
        f"registration_tax_rates.csv, line {end}: valid_to 2020-06-01 is before valid_from 2020-06-28"
        in problems
    )


def test_unknown_codes_and_classes_are_named(copy: Path) -> None:
    extra = _append(copy / "registration_tax_rates.csv", "99,car_first,0.10,2030-01-01,,nowhere")
    merge = _append(copy / "province_merges.csv", "98,79,Hồ Chí Minh,2025-07-01")
    fee = _append(copy / "fee_schedule.csv", "79,CAP_SO_DO,tax,1000,2030-01-01,,online,nowhere")
    problems = _problems(copy)
    assert f"registration_tax_rates.csv, line {extra}: unknown province code '99'" in problems
    assert f"province_merges.csv, line {merge}: unknown province code '98' in old_code" in problems
    assert any(p.startswith(f"fee_schedule.csv, line {fee}: kind 'tax' is not one of") for p in problems)


def test_duplicate_codes_and_dates_and_a_misplaced_swap_are_named(copy: Path) -> None:
    duplicate = _append(copy / "provinces.csv", "01,Hà Nội,7111999999999,true")
    holidays = copy / "holidays.csv"
    swap = _line_of(holidays, "2026-08-22,")
    _edit(holidays, swap, "2026-08-22", "2026-08-21")
    twice = _append(holidays, "2026-09-02,Quốc khánh (2/9),holiday")
    problems = _problems(copy)
    assert f"provinces.csv, line {duplicate}: duplicate province code '01' (first on line 2)" in problems
    assert f"holidays.csv, line {swap}: swap_work 2026-08-21 is not a Saturday or Sunday" in problems
    assert any(p.startswith(f"holidays.csv, line {twice}: duplicate date") for p in problems)


def test_an_active_province_without_an_online_amount_is_a_problem(copy: Path) -> None:
    fees = copy / "fee_schedule.csv"
    kept = [
        line
        for line in fees.read_text(encoding="utf-8").splitlines(keepends=True)
        if not (line.startswith("48,CAP_SO_DO,") and ",online," in line)
    ]
    fees.write_text("".join(kept), encoding="utf-8")
    assert _problems(copy) == ["fee_schedule.csv: active province 48 has no online amount for CAP_SO_DO"]


def test_an_unreadable_value_is_listed_and_the_other_files_still_checked(copy: Path) -> None:
    fees = copy / "fee_schedule.csv"
    line = _line_of(fees, "01,CAP_PHEP_XAY_DUNG,charge,150000,2020-01-01,,counter")
    _edit(fees, line, ",counter,", ",kiosk,")
    _edit(copy / "holidays.csv", 2, "2020-01-01", "2020-13-01")
    problems = _problems(copy)
    assert problems[0].startswith("fee_schedule.csv, line ")
    assert f"fee_schedule.csv, line {line}: 'kiosk' is not one of online, counter" in problems
    assert any(p.startswith("holidays.csv, line 2: ") for p in problems)


def test_an_agencies_file_is_checked_when_present(copy: Path) -> None:
    (copy / "agencies.csv").write_text(
        "code,name,level,province_code,treasury_account,active\n"
        "BCA,Bộ Công an,central,,7111902600001,true\n"
        "BTC,Bộ Tài chính,central,,7111900000001,true\n"
        "BTC,Bộ Tài chính (again),central,,7111900000002,true\n"
        "SYT,Sở Y tế,province,99,7111010000001,yes\n",
        encoding="utf-8",
    )
    assert _problems(copy) == [
        "agencies.csv, line 4: duplicate agency code 'BTC' (first on line 3)",
        "agencies.csv, line 5: unknown province code '99'",
        "agencies.csv, line 5: treasury account 7111010000001 is a province's",
        "agencies.csv, line 5: active 'yes' is not true or false",
    ]


def test_a_fee_row_may_name_an_agency_and_an_unknown_one_is_named(copy: Path) -> None:
    fees = copy / "fee_schedule.csv"
    ministry = _append(fees, "BTP,LY_LICH_TU_PHAP,fee,200000,2020-01-01,,online,x")
    unknown = _append(fees, "BXX,CAP_HO_CHIEU,charge,200000,2020-01-01,,online,x")
    # an agency's own procedure is not asked of the provinces, nor the provinces' of the agency
    assert _problems(copy) == [f"fee_schedule.csv, line {unknown}: unknown province or agency code 'BXX'"]
    assert ministry < unknown


def test_a_rate_whose_last_row_ends_leaves_later_days_without_a_rate(copy: Path) -> None:
    rates = copy / "registration_tax_rates.csv"
    line = _line_of(rates, "79,real_estate,0.005,2022-03-01,")
    _edit(rates, line, "2022-03-01,,", "2022-03-01,2027-12-31,")
    assert _problems(copy) == [
        f"registration_tax_rates.csv, line {line}: "
        "79/real_estate: no row is valid after 2027-12-31 (none open)"
    ]
