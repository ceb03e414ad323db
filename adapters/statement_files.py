"""Use cases: write one province's statement, or every active province's statements for a day.

The wiring the CLI, the web application and the scheduler's publish job
share: read the statement from the database in one read transaction
(:func:`adapters.statement_data.build_statement`), then render it
(:func:`reports.statements.write_statement`). The renderers never touch the
database and the database code never lays out a page.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import Engine, select

from adapters.db.schema import provinces
from adapters.settings import Settings
from adapters.statement_data import build_statement
from reports.statement_model import SettlementStatement
from reports.statements import FORMATS, statement_file_name, write_statement


def load_statement(
    engine: Engine,
    settings: Settings,
    province_code: str,
    business_date: dt.date,
) -> SettlementStatement:
    """The statement as of now; :class:`~reconcile.errors.NotFoundError` for an unknown province."""
    with engine.connect() as conn, conn.begin():
        return build_statement(conn, province_code, business_date, settings.gateway)


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
    """Every active province's statement in each format under ``out_dir``: ``code → files``.

    Statements are read from the database one by one, then rendered on every
    core: a PDF's layout is CPU work, and 54 provinces of it is most of a
    night's publishing. Workers are spawned, not forked, so that a caller's
    threads (an SFTP server, a scheduler) are never copied half-way through a
    lock. ``on_progress(code, done, total)`` is called as each province is
    finished. The mapping returned is what
    :func:`adapters.publish.publish_statements` takes.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with engine.connect() as conn:
        p = provinces.c
        codes = list(conn.execute(select(p.code).where(p.active.is_(True)).order_by(p.code)).scalars())
    jobs = [
        (load_statement(engine, settings, code, business_date), tuple(formats), out_dir) for code in codes
    ]
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
