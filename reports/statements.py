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
from reports.statement_pdf import statement_pdf_bytes, write_statement_pdf
from reports.statement_xlsx import statement_xlsx_bytes, write_statement_xlsx
from reports.statement_xml import (
    statement_schema,
    statement_xml_bytes,
    validate_statement_xml,
    write_statement_xml,
)

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "render_statement",
    "statement_file_name",
    "statement_schema",
    "validate_statement_xml",
    "write_statement",
    "write_statement_pdf",
    "write_statement_xlsx",
    "write_statement_xml",
]

RENDERERS: Final[dict[str, Callable[[SettlementStatement], bytes]]] = {
    "pdf": statement_pdf_bytes,
    "xlsx": statement_xlsx_bytes,
    "xml": statement_xml_bytes,
}
FORMATS: Final = tuple(RENDERERS)
MEDIA_TYPES: Final = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xml": "application/xml",
}


def render_statement(statement: SettlementStatement, fmt: str) -> bytes:
    """``statement`` in ``fmt`` (``pdf``, ``xlsx`` or ``xml``), e.g. for a download response."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise InputError(f"unknown statement format {fmt!r} (expected one of {', '.join(FORMATS)})") from None
    return renderer(statement)


def write_statement(statement: SettlementStatement, path: Path, fmt: str) -> None:
    """Write ``statement`` to ``path`` in ``fmt``; nothing is written if rendering fails."""
    Path(path).write_bytes(render_statement(statement, fmt))


def statement_file_name(statement: SettlementStatement, fmt: str) -> str:
    """``statement-01-2026-11-25.pdf``: the name a download or an outbox file gets."""
    return f"statement-{statement.province_code}-{statement.business_date.isoformat()}.{fmt}"
