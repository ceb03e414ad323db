"""The summary ``recon demo`` ends with: what a treasury accountant reads first.

Money collected and credited, the breaks by category and by province, where
the files are, and whether every problem the generator planted was found
(its ``ground_truth.json`` against the report).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.fetch import FetchSummary
from reconcile.discrepancies import KEY_OF, Category
from reconcile.money import (
    ABSOLUTE_DIFFERENCE,
    DIFFERENCE_LABELS,
    NET_DIFFERENCE,
    difference_totals,
    format_vnd,
)
from reconcile.runs import RunSummary

TOP_PROVINCES = 10


def print_summary(
    run: RunSummary,
    written: Mapping[str, Path],
    fetched: FetchSummary,
    ground_truth: Path,
    province_names: Mapping[str, str],
) -> None:
    rows = json.loads(written["json"].read_text(encoding="utf-8"))["discrepancies"]
    counts = run.run.counts
    print()
    print(f"Đối soát ngày {run.run.business_date} — reconciliation of {run.run.business_date}, run {run.id}")
    print(f"  files fetched over SFTP:   {_fetched_line(fetched)}")
    print(f"  collected by the gateways: {format_vnd(int(counts.get('amount_collected_vnd', 0))):>24}")
    print(f"  credited to the treasury:  {format_vnd(int(counts.get('amount_settled_vnd', 0))):>24}")
    print(f"  transactions examined:     {int(counts.get('txns_examined', 0)):>22,}".replace(",", "."))
    print(f"  breaks reported:           {len(rows):>22}")
    totals = difference_totals(row.get("difference_vnd") for row in rows).as_dict()
    for name in (NET_DIFFERENCE, ABSOLUTE_DIFFERENCE):
        print(f"  {DIFFERENCE_LABELS[name]}: {format_vnd(totals[name])}")
    _print_categories(rows)
    _print_provinces(rows, province_names)
    print(f"  {_ground_truth_line(rows, ground_truth)}")
    print("  files:")
    for fmt in ("json", "csv", "xlsx"):
        print(f"    report ({fmt}): {written[fmt]}")
    print(f"    settlement statements (PDF, Excel, XML): {written['statements']}")


def _fetched_line(fetched: FetchSummary) -> str:
    parts = [f"{r.source} {len(r.fetched)}" for r in fetched.sources]
    statuses = Counter(i.status for r in fetched.sources for i in r.ingested)
    verdicts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    return f"{fetched.fetched} ({', '.join(parts)}); ingested: {verdicts}"


def _print_categories(rows: list[dict[str, Any]]) -> None:
    print("  by category:")
    by_category = Counter(row["category"] for row in rows)
    gaps = {
        category: difference_totals(r.get("difference_vnd") for r in rows if r["category"] == category)
        for category in by_category
    }
    for category, number in sorted(by_category.items(), key=lambda item: (-item[1], item[0])):
        net, absolute = gaps[category].net, gaps[category].absolute
        gap = f"  net {format_vnd(net)}, absolute {format_vnd(absolute)}" if absolute else ""
        print(f"    {category:<28} {number:>6}{gap}")


def _print_provinces(rows: list[dict[str, Any]], names: Mapping[str, str]) -> None:
    by_province = Counter(row.get("province_code") or "??" for row in rows if not row.get("agency_code"))
    print(f"  provinces with the most breaks ({len(by_province)} with any):")
    for code, number in sorted(by_province.items(), key=lambda item: (-item[1], item[0]))[:TOP_PROVINCES]:
        print(f"    {code} {names.get(code, ''):<26} {number:>6}")
    by_agency = Counter(row["agency_code"] for row in rows if row.get("agency_code"))
    if by_agency:
        listed = ", ".join(f"{code} {number}" for code, number in sorted(by_agency.items()))
        print(f"  central agencies (ministries) with breaks: {listed}")


def _ground_truth_line(rows: list[dict[str, Any]], ground_truth: Path) -> str:
    planted = {
        (item["category"], item["key"]) for item in json.loads(ground_truth.read_text(encoding="utf-8"))
    }
    reported = {(row["category"], row.get(KEY_OF[Category(row["category"])])) for row in rows}
    missed = planted - reported
    head = f"the generator planted {len(planted)} problems ({ground_truth.name}):"
    if not missed:
        return f"{head} all {len(planted)} reported"
    return f"{head} {len(missed)} NOT reported, e.g. {sorted(missed)[:3]}"
