"""Use cases: write one province's statement, or every active province's statements for a day.

A central agency (a ministry of ``agencies.csv``) is a payee like a province:
its statement is written under its own code, beside the provinces'.

What the CLI, the web application, the demo and the scheduler's publish job
(:mod:`usecases.publish`) call alike: read the province's latest result for the date (the newest run that
covered it) and what that run stored, its verdict on every batch and its
discrepancy rows (:class:`reconcile.ports.RunStore`), name the province from the
reference data (:class:`usecases.ports.ProvinceDirectory`), shape it into a
statement (:func:`reports.statement_build.statement_of_run`) and render it
(:func:`reports.statements.write_statement`). Nothing here links a credit or
judges a batch. A date (and province) that no run has reconciled is refused
with :class:`~reconcile.errors.NoRunError`, never rendered as an empty statement.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa

from reconcile.errors import NoRunError, NotFoundError
from reconcile.ports import RunStore
from reconcile.verdict import RunVerdict
from reports.statement_build import statement_of_run
from reports.statement_model import SettlementStatement
from reports.statements import FORMATS, statement_file_name, write_statement
from usecases.ports import ProvinceDirectory

_RunCache = dict[str, tuple[RunVerdict, pa.Table]]


def load_statement(
    store: RunStore,
    directory: ProvinceDirectory,
    province_code: str,
    business_date: dt.date,
    *,
    cache: _RunCache | None = None,
) -> SettlementStatement:
    """The province's (or central agency's) statement from its latest run of the date.

    ``province_code`` may name a central agency of ``agencies.csv`` (``BCA``): its
    statement is read the same way, from the runs of every province (a run limited
    to some provinces never covers an agency). The statement names the payee's
    treasury and chapter on the date and groups its batches' collections by budget
    sub-item, as the treasury books them. An unknown code is
    :class:`~reconcile.errors.NotFoundError`; a date no run covered the province
    on is :class:`~reconcile.errors.NoRunError`. ``cache`` keeps each run's
    verdict and rows for the next province of the same run.
    """
    found = directory.find(province_code)
    if found is None:
        raise NotFoundError("province or agency", province_code)
    run = store.latest_run_covering(business_date, province_code)
    cache = {} if cache is None else cache
    if run.id not in cache:
        cache[run.id] = (store.verdict(run.id), store.discrepancies(run.id))
    verdict, rows = cache[run.id]
    statement = statement_of_run(
        province_code, found.name, found.treasury_account, run, verdict, rows, found.kind
    )
    return dataclasses.replace(
        statement,
        treasury=directory.treasury(found, business_date),
        budget_lines=directory.budget_lines([batch.batch_id for batch in statement.batches]),
    )


def write_province_statement(
    store: RunStore,
    directory: ProvinceDirectory,
    province_code: str,
    business_date: dt.date,
    fmt: str,
    out: Path,
) -> Path:
    """Write the statement to ``out`` (a file, or a directory to put the standard name in)."""
    statement = load_statement(store, directory, province_code, business_date)
    path = Path(out)
    if path.is_dir():
        path = path / statement_file_name(statement, fmt)
    write_statement(statement, path, fmt)
    return path


def write_day_statements(
    store: RunStore,
    directory: ProvinceDirectory,
    business_date: dt.date,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    *,
    provinces: Iterable[str] | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, list[Path]]:
    """Every active province's and agency's statement (or those of ``provinces``) in each format.

    Returns ``code → files``. A province no run of the date covered is left out; a date with no run at all
    is refused (:class:`~reconcile.errors.NoRunError`). Each run's result is read
    from the database once, then statements are rendered on every
    core: a PDF's layout is CPU work, and 54 provinces of it is most of a
    night's publishing. Workers are spawned, not forked, so that a caller's
    threads (an SFTP server, a scheduler) are never copied half-way through a
    lock. ``on_progress(code, done, total)`` is called as each province is
    finished. The mapping returned is what :func:`usecases.publish.publish_day` delivers.
    """
    codes = directory.active() if provinces is None else sorted(set(provinces))
    cache: _RunCache = {}
    statements: dict[str, SettlementStatement] = {}
    for code in codes:
        try:
            statements[code] = load_statement(store, directory, code, business_date, cache=cache)
        except NoRunError:
            continue  # a run limited to other provinces: this one has no result for the date
    if not statements:
        raise NoRunError(business_date.isoformat())
    out_dir.mkdir(parents=True, exist_ok=True)
    codes = list(statements)  # those with a result
    jobs = [(statements[code], tuple(formats), out_dir) for code in codes]
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return _collect(map(_render_all, jobs), codes, on_progress)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return _collect(pool.map(_render_all, jobs), codes, on_progress)


def _render_all(job: tuple[SettlementStatement, tuple[str, ...], Path]) -> list[Path]:
    statement, formats, out_dir = job
    paths = []
    for fmt in formats:
        path = out_dir / statement_file_name(statement, fmt)
        write_statement(statement, path, fmt)
        paths.append(path)
    return paths


def _collect(
    results: Iterable[list[Path]],
    codes: list[str],
    on_progress: Callable[[str, int, int], None] | None,
) -> dict[str, list[Path]]:
    written: dict[str, list[Path]] = {}
    for done, (code, paths) in enumerate(zip(codes, results, strict=True), start=1):
        written[code] = paths
        if on_progress is not None:
            on_progress(code, done, len(codes))
    return written
