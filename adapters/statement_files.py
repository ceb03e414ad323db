"""Use cases: write one province's statement, or every active province's statements for a day.

The wiring the CLI, the web application and the scheduler's publish job
share: read the statement from the database in one read transaction
(:func:`adapters.statement_data.build_statement`), then render it
(:func:`reports.statements.write_statement`). The renderers never touch the
database and the database code never lays out a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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
) -> dict[str, list[Path]]:
    """Every active province's statement in each format under ``out_dir``: ``code → files``.

    The mapping is what :func:`adapters.publish.publish_statements` takes.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with engine.connect() as conn:
        p = provinces.c
        codes = list(conn.execute(select(p.code).where(p.active.is_(True)).order_by(p.code)).scalars())
    written: dict[str, list[Path]] = {}
    for code in codes:
        statement = load_statement(engine, settings, code, business_date)
        for fmt in formats:
            path = out_dir / statement_file_name(statement, fmt)
            write_statement(statement, path, fmt)
            written.setdefault(code, []).append(path)
    return written
