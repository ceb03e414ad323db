"""Which parsers ingestion tries, in order: bank statements first, then the CSV families.

The order matters only where two formats could claim the same bytes: camt
and MT940 are unmistakable, and the obligations export has a fixed header,
so the gateway parser (configured layouts) goes last. A format module that is
not installed is skipped, so a deployment can ship without one.

Every parser is handed out inside :class:`Bounded`, the one place where what
any format parsed is held to the bounds of :mod:`reconcile.bounds` before
it is stored: the bank formats' records here
(:mod:`adapters.formats.statement_bounds`), on their entries read into
columns once (:mod:`reconcile.entry_columns`), which the parsed file then
carries to the store; the CSV formats check their
whole columns while reading, where the line of each row is known
(:mod:`adapters.formats.csvbounds`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from adapters.formats.base import Parser
from adapters.formats.statement_bounds import check_statements, entry_columns
from adapters.memory import collector_paused
from reconcile.records import Parsed

#: (module, class, whether the class takes the declared layouts)
_PARSERS = (
    ("adapters.formats.camt", "CamtParser", False),
    ("adapters.formats.mt940", "Mt940Parser", False),
    ("adapters.formats.obligations", "ObligationsParser", False),
    ("adapters.formats.gateway", "GatewayParser", True),
)


@dataclass(frozen=True, slots=True)
class FileFormats:
    """What ingestion reads files with: the parsers, and the gateways the configuration declares.

    A gateway file naming a gateway not in ``gateways`` is accepted with
    :func:`reconcile.gateways.unconfigured_warning`.
    """

    parsers: tuple[Parser, ...]
    gateways: frozenset[str] = frozenset()

    @classmethod
    def default(cls) -> FileFormats:
        """Every format, the canonical gateway layout only, no gateway declared."""
        return cls(tuple(parsers_for()))


def parsers_for(layouts: Mapping[str, Mapping[str, Any]] | None = None) -> list[Parser]:
    """One parser per known format; the gateway parser knows the declared ``[layouts.NAME]`` tables."""
    parsers: list[Parser] = []
    for module_name, class_name, configured in _PARSERS:
        try:
            module: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        cls = getattr(module, class_name)
        parsers.append(Bounded(cls(layouts) if configured else cls()))
    return parsers


class Bounded:
    """A parser whose bank statements are checked against the storage bounds once parsed."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser

    @property
    def name(self) -> str:
        return str(self.parser.name)

    def identify(self, path: Path, head: bytes) -> bool:
        return bool(self.parser.identify(path, head))

    def parse(self, path: Path, **options: Any) -> Parsed:
        with collector_paused():  # the records are built by the million and hold no cycles
            parsed: Parsed = self.parser.parse(path, **options)
            if not parsed.statements:
                return parsed
            columns = entry_columns(parsed.statements)
            check_statements(parsed.statements, path.name, columns)
        return replace(parsed, entry_columns=columns)
