"""Province settlement statements: one model, three renderings (PDF, Excel, XML).

:class:`~reports.statement_model.SettlementStatement` holds the numbers;
each renderer lives in its own module and only lays them out. Callers (the
CLI, the web application, the scheduler's publish job) use
:func:`write_statement`, which picks the renderer by format name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from reconcile.errors import InputError
from reports.statement_model import SettlementStatement
from reports.statement_pdf import write_statement_pdf
from reports.statement_xlsx import write_statement_xlsx
from reports.statement_xml import statement_schema, validate_statement_xml, write_statement_xml

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "statement_file_name",
    "statement_schema",
    "validate_statement_xml",
    "write_statement",
    "write_statement_pdf",
    "write_statement_xlsx",
    "write_statement_xml",
]

WRITERS: Final[dict[str, Callable[[SettlementStatement, Path], None]]] = {
    "pdf": write_statement_pdf,
    "xlsx": write_statement_xlsx,
    "xml": write_statement_xml,
}
FORMATS: Final = tuple(WRITERS)
MEDIA_TYPES: Final = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xml": "application/xml",
}


def write_statement(statement: SettlementStatement, path: Path, fmt: str) -> None:
    """Write ``statement`` to ``path`` in ``fmt`` (``pdf``, ``xlsx`` or ``xml``)."""
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise InputError(f"unknown statement format {fmt!r} (expected one of {', '.join(FORMATS)})") from None
    writer(statement, Path(path))


def statement_file_name(statement: SettlementStatement, fmt: str) -> str:
    """``statement-01-2026-11-25.pdf``: the name a download or an outbox file gets."""
    return f"statement-{statement.province_code}-{statement.business_date.isoformat()}.{fmt}"
