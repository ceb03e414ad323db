"""``recon reference check``: every problem of the reference files, each with its file and line.

The loader (:mod:`adapters.db.reference`) stops at the first unreadable value;
this reads every row it can and then judges the files together, because most
mistakes in dated reference data are only visible across rows and files: two
rows of one key valid on the same day (the run would not know which applies),
a day between two rows where no row applies (an obligation issued that day is
not judged at all), a code no province or agency carries, a rate outside
[0, 1], a validity that ends before it starts, a duplicate code. An active
province must have every asset class and every provincial procedure's online
amount, as the run judges its obligations by them. ``agencies.csv`` is checked
when it is there: unique codes and accounts (none a province's), a known
province code. A fee row may name an agency instead of a province (its
``province_code`` holds the agency's code, as the run keys an agency's
obligations): the fees a ministry collects nationwide, judged like a province's;
an agency need not have every procedure a province has.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from adapters.db.reference import AGENCY_CODE, Row, read_reference_lines
from reconcile.columns import ASSET_CLASSES, FEE_KINDS, OBLIGATION_KINDS
from reconcile.records import Issue

Lines = list[tuple[int, Row]]
_DAY = dt.timedelta(days=1)
_FILES = (
    "provinces.csv",
    "province_merges.csv",
    "registration_tax_rates.csv",
    "fee_schedule.csv",
    "holidays.csv",
)
_AGENCIES = "agencies.csv"
#: Optional files of the budget classification: checked when present.
_CLASSIFICATION = ("treasuries.csv", "budget_items.csv")
_AGENCY_COLUMNS = ("code", "name", "level", "province_code", "treasury_account", "active")


def check_reference_files(directory: Path) -> list[Issue]:
    """Every problem found in the reference files of ``directory``, in file and line order."""
    issues: list[Issue] = []
    tables: dict[str, Lines] = {}
    for name in _FILES:
        path = directory / name
        if not path.is_file():
            issues.append(Issue(name, None, "file not found"))
            tables[name] = []
            continue
        tables[name], unreadable = read_reference_lines(path)
        issues += unreadable
    provinces = tables["provinces.csv"]
    codes = {row["code"] for _line, row in provinces}
    active = {row["code"] for _line, row in provinces if row["active"]}
    issues += _provinces(provinces)
    issues += _merges(tables["province_merges.csv"], codes)
    issues += _rates(tables["registration_tax_rates.csv"], codes, active)
    agencies: Lines = []
    if (directory / _AGENCIES).is_file():
        accounts = {row["treasury_account"] for _line, row in provinces}
        agencies, agency_issues = _agencies(directory / _AGENCIES, codes, accounts)
        issues += agency_issues
    agency_codes = {row["code"] for _line, row in agencies if row["code"] not in codes}
    issues += _fees(tables["fee_schedule.csv"], codes, agency_codes, active)
    issues += _holidays(tables["holidays.csv"])
    for name in _CLASSIFICATION:
        if (directory / name).is_file():
            lines, unreadable = read_reference_lines(directory / name)
            issues += unreadable + (_treasuries(lines, codes) if name == "treasuries.csv" else _items(lines))
    order = (*_FILES, _AGENCIES, *_CLASSIFICATION)
    return sorted(issues, key=lambda issue: (order.index(issue.source), _line_of(issue)))


def _line_of(issue: Issue) -> int:
    return int(issue.where.removeprefix("line ")) if issue.where else 0


def _at(name: str, line: int, message: str) -> Issue:
    return Issue(name, f"line {line}", message)


def _duplicates(name: str, lines: Lines, key: Callable[[Row], object], what: str) -> Iterable[Issue]:
    first: dict[object, int] = {}
    for line, row in lines:
        value = key(row)
        if value in first:
            yield _at(name, line, f"duplicate {what} {value!r} (first on line {first[value]})")
        else:
            first[value] = line


def _provinces(lines: Lines) -> list[Issue]:
    name = "provinces.csv"
    issues = list(_duplicates(name, lines, lambda row: row["code"], "province code"))
    issues += _duplicates(name, lines, lambda row: row["treasury_account"], "treasury account")
    for line, row in lines:
        if not (len(row["code"]) == 2 and row["code"].isascii() and row["code"].isdigit()):
            issues.append(_at(name, line, f"province code {row['code']!r} is not two digits"))
    return issues


def _merges(lines: Lines, codes: set[str]) -> list[Issue]:
    name = "province_merges.csv"
    issues = list(_duplicates(name, lines, lambda row: row["old_code"], "old_code"))
    for line, row in lines:
        for column in ("old_code", "new_code"):
            if row[column] not in codes:
                issues.append(_at(name, line, f"unknown province code {row[column]!r} in {column}"))
    return issues


def _rates(lines: Lines, codes: set[str], active: set[str]) -> list[Issue]:
    name = "registration_tax_rates.csv"
    issues = _coded(name, lines, codes, "asset_class", ASSET_CLASSES)
    issues += _validity(name, lines, ("province_code", "asset_class"))
    issues += _coverage(name, lines, active, "asset_class", ASSET_CLASSES)
    return issues


def _fees(lines: Lines, codes: set[str], agencies: set[str], active: set[str]) -> list[Issue]:
    """Fee rows of provinces and of agencies; every active province has each provincial procedure."""
    name = "fee_schedule.csv"
    issues = _coded(name, lines, codes | agencies, "kind", FEE_KINDS, "province or agency code")
    for line, row in lines:
        if row["amount_vnd"] < 0:
            issues.append(_at(name, line, f"amount_vnd {row['amount_vnd']} is negative"))
    issues += _validity(name, lines, ("province_code", "procedure_code", "channel"))
    provincial = [(line, row) for line, row in lines if row["province_code"] in codes]
    online = [(line, row) for line, row in provincial if row["channel"] == "online"]
    procedures = sorted({row["procedure_code"] for _line, row in provincial})
    issues += _coverage(name, online, active, "procedure_code", procedures, "online amount")
    return issues


def _coded(
    name: str,
    lines: Lines,
    codes: set[str],
    column: str,
    allowed: Iterable[str],
    payee: str = "province code",
) -> list[Issue]:
    """Unknown payee codes (``payee`` says which kinds), and values of ``column`` outside ``allowed``."""
    allowed = tuple(allowed)
    issues = []
    for line, row in lines:
        if row["province_code"] not in codes:
            issues.append(_at(name, line, f"unknown {payee} {row['province_code']!r}"))
        if row[column] not in allowed:
            issues.append(_at(name, line, f"{column} {row[column]!r} is not one of {', '.join(allowed)}"))
    return issues


def _validity(name: str, lines: Lines, key: tuple[str, ...]) -> list[Issue]:
    """Bad ranges, overlaps and gaps between consecutive rows of one key, a key that stops.

    A rate or an amount is expected on every day from a key's first row on: a key whose
    last row ends leaves every later obligation unjudged, so it is reported too.
    """
    issues = []
    by_key: Mapping[tuple[object, ...], Lines] = defaultdict(list)
    for line, row in lines:
        if row["valid_to"] is not None and row["valid_to"] < row["valid_from"]:
            issues.append(
                _at(name, line, f"valid_to {row['valid_to']} is before valid_from {row['valid_from']}")
            )
            continue
        by_key[tuple(row[column] for column in key)].append((line, row))
    for rows in by_key.values():
        rows.sort(key=lambda item: item[1]["valid_from"])
        last_line, last = rows[-1]
        if last["valid_to"] is not None:
            label = "/".join(str(last[column]) for column in key)
            issues.append(
                _at(name, last_line, f"{label}: no row is valid after {last['valid_to']} (none open)")
            )
        for (line_a, a), (line_b, b) in itertools.pairwise(rows):
            label = "/".join(str(b[column]) for column in key)
            if a["valid_to"] is None or a["valid_to"] >= b["valid_from"]:
                issues.append(_at(name, line_b, f"{label} from {b['valid_from']} overlaps line {line_a}"))
            elif a["valid_to"] + _DAY < b["valid_from"]:
                gap = f"{a['valid_to'] + _DAY}..{b['valid_from'] - _DAY}"
                issues.append(
                    _at(name, line_b, f"{label}: no row is valid on {gap} (gap after line {line_a})")
                )
    return issues


def _coverage(
    name: str, lines: Lines, active: set[str], column: str, expected: Iterable[str], what: str = "row"
) -> list[Issue]:
    """An active province with no row at all for one of the ``expected`` values of ``column``."""
    present = {(row["province_code"], row[column]) for _line, row in lines}
    return [
        Issue(name, None, f"active province {code} has no {what} for {value}")
        for code in sorted(active)
        for value in expected
        if (code, value) not in present
    ]


def _holidays(lines: Lines) -> list[Issue]:
    name = "holidays.csv"
    issues = list(_duplicates(name, lines, lambda row: row["date"], "date"))
    for line, row in lines:
        weekend = row["date"].weekday() >= 5
        if row["kind"] == "swap_work" and not weekend:
            issues.append(_at(name, line, f"swap_work {row['date']} is not a Saturday or Sunday"))
        if row["kind"] == "swap_off" and weekend:
            issues.append(_at(name, line, f"swap_off {row['date']} falls on a weekend"))
    return issues


def _treasuries(lines: Lines, codes: set[str]) -> list[Issue]:
    """Every province's treasury (SHKB) and chapter: known codes, one row a day, no gap, none ending."""
    name = "treasuries.csv"
    issues = [
        _at(name, line, f"unknown province code {row['province_code']!r}")
        for line, row in lines
        if row["province_code"] not in codes
    ]
    issues += _validity(name, lines, ("province_code",))
    present = {row["province_code"] for _line, row in lines}
    issues += [Issue(name, None, f"province {code} has no treasury") for code in sorted(codes - present)]
    return issues


def _items(lines: Lines) -> list[Issue]:
    """Budget sub-items: one per kind and key, a known kind, an asset class for registration tax."""
    name = "budget_items.csv"
    issues = list(_duplicates(name, lines, lambda row: (row["kind"], row["key"]), "kind and key"))
    for line, row in lines:
        if row["kind"] not in OBLIGATION_KINDS:
            issues.append(
                _at(name, line, f"kind {row['kind']!r} is not one of {', '.join(OBLIGATION_KINDS)}")
            )
        elif row["kind"] == "registration_tax" and row["key"] not in ASSET_CLASSES:
            issues.append(
                _at(name, line, f"asset class {row['key']!r} is not one of {', '.join(ASSET_CLASSES)}")
            )
        if not (row["sub_item"].isascii() and row["sub_item"].isdigit() and len(row["sub_item"]) == 4):
            issues.append(_at(name, line, f"sub_item {row['sub_item']!r} is not four digits"))
    return issues


def _agencies(path: Path, codes: set[str], province_accounts: set[str]) -> tuple[Lines, list[Issue]]:
    """``agencies.csv`` (optional): its rows, and its problems: unique codes and accounts, a known
    province when one is named."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        missing = set(_AGENCY_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            return [], [_at(_AGENCIES, 1, f"missing column(s) {', '.join(sorted(missing))}")]
        lines: Lines = [
            (reader.line_num, {k: (row.get(k) or "").strip() for k in _AGENCY_COLUMNS}) for row in reader
        ]
    issues = list(_duplicates(_AGENCIES, lines, lambda row: row["code"], "agency code"))
    issues += _duplicates(_AGENCIES, lines, lambda row: row["treasury_account"], "treasury account")
    for line, row in lines:
        if not row["code"] or not row["treasury_account"] or not row["level"]:
            issues.append(_at(_AGENCIES, line, "code, level and treasury_account must not be empty"))
        if row["province_code"] and row["province_code"] not in codes:
            issues.append(_at(_AGENCIES, line, f"unknown province code {row['province_code']!r}"))
        if row["code"] in codes or not AGENCY_CODE.fullmatch(row["code"]):
            issues.append(
                _at(_AGENCIES, line, f"agency code {row['code']!r} is not 2–8 capitals (nor a province's)")
            )
        if row["treasury_account"] in province_accounts:
            issues.append(_at(_AGENCIES, line, f"treasury account {row['treasury_account']} is a province's"))
        if row["active"].lower() not in ("true", "false"):
            issues.append(_at(_AGENCIES, line, f"active {row['active']!r} is not true or false"))
    return lines, issues
