"""Use cases: write one province's statement, or every active province's statements for a day.

A central agency (a ministry of ``agencies.csv``) is a payee like a province:
its statement is written under its own code, beside the provinces'.

The wiring the CLI, the web application and the scheduler's publish job
share: read the province's latest result for the date (the newest run that
covered it) and what that run stored, its verdict on every batch and its
discrepancy rows (:class:`adapters.db.runs.SqlRunStore`), shape it into a
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
from sqlalchemy import Engine, select

from adapters.budget_lines import budget_lines, payee_treasury
from adapters.db.runs import SqlRunStore
from adapters.db.schema import agencies, provinces
from adapters.settings import Settings
from reconcile.errors import NoRunError, NotFoundError
from reconcile.verdict import RunVerdict
from reports.statement_build import statement_of_run
from reports.statement_model import SettlementStatement
from reports.statements import FORMATS, statement_file_name, write_statement

_RunCache = dict[str, tuple[RunVerdict, pa.Table]]


def load_statement(
    engine: Engine,
    settings: Settings,
    province_code: str,
    business_date: dt.date,
    *,
    cache: _RunCache | None = None,
) -> SettlementStatement:
    """The province's (or central agency's) statement from its latest run of the date.

    ``province_code`` may name a central agency of ``agencies.csv`` (``BCA``): its
    statement is read the same way, from the runs of every province (a run limited
    to some provinces never covers an agency). An unknown code is
    :class:`~reconcile.errors.NotFoundError`; a date no run covered the province
    on is :class:`~reconcile.errors.NoRunError`. ``cache`` keeps each run's
    verdict and rows for the next province of the same run.
    """
    with engine.connect() as conn:
        p, a = provinces.c, agencies.c
        payee_kind = "province"
        found = conn.execute(select(p.name, p.treasury_account).where(p.code == province_code)).first()
        if found is None:  # a central agency's statement (a ministry), under its own code
            payee_kind = "agency"
            found = conn.execute(select(a.name, a.treasury_account).where(a.code == province_code)).first()
    if found is None:
        raise NotFoundError("province or agency", province_code)
    store = SqlRunStore(engine, settings)
    run = store.latest_run_covering(business_date, province_code)
    cache = {} if cache is None else cache
    if run.id not in cache:
        cache[run.id] = (store.verdict(run.id), store.discrepancies(run.id))
    verdict, rows = cache[run.id]
    statement = statement_of_run(
        province_code, found.name, found.treasury_account, run, verdict, rows, payee_kind
    )
    with engine.connect() as conn:
        treasury = payee_treasury(conn, province_code, payee_kind, business_date)
        lines = budget_lines(conn, [batch.batch_id for batch in statement.batches])
    return dataclasses.replace(statement, treasury=treasury, budget_lines=lines)


def write_province_statement(
    engine: Engine,
    settings: Settings,
    province_code: str,
    business_date: dt.date,
    fmt: str,
    out: Path,
) -> Path:
    """Write the statement to ``out`` (a file, or a directory to put the standard name in)."""
    statement = load_statement(engine, settings, province_code, business_date)
    path = Path(out)
    if path.is_dir():
        path = path / statement_file_name(statement, fmt)
    write_statement(statement, path, fmt)
    return path


def write_day_statements(
    engine: Engine,
    settings: Settings,
    business_date: dt.date,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    *,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, list[Path]]:
    """Every active province's and agency's statement in each format under ``out_dir``: ``code → files``.

    A province no run of the date covered is left out; a date with no run at all
    is refused (:class:`~reconcile.errors.NoRunError`). Each run's result is read
    from the database once, then statements are rendered on every
    core: a PDF's layout is CPU work, and 54 provinces of it is most of a
    night's publishing. Workers are spawned, not forked, so that a caller's
    threads (an SFTP server, a scheduler) are never copied half-way through a
    lock. ``on_progress(code, done, total)`` is called as each province is
    finished. The mapping returned is what
    :func:`adapters.publish.publish_statements` takes.
    """
    with engine.connect() as conn:
        p, a = provinces.c, agencies.c
        active = list(conn.execute(select(p.code).where(p.active.is_(True)).order_by(p.code)).scalars())
        active += conn.execute(select(a.code).where(a.active.is_(True)).order_by(a.code)).scalars()
    cache: _RunCache = {}
    statements: dict[str, SettlementStatement] = {}
    for code in active:
        try:
            statements[code] = load_statement(engine, settings, code, business_date, cache=cache)
        except NoRunError:
            continue  # a run limited to other provinces: this one has no result for the date
    if not statements:
        raise NoRunError(business_date.isoformat())
    out_dir.mkdir(parents=True, exist_ok=True)
    codes = list(statements)
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
