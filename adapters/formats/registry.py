"""Which parsers ingestion tries, in order: bank statements first, then the CSV families.

The order matters only where two formats could claim the same bytes: camt
and MT940 are unmistakable, and the obligations export has a fixed header,
so the gateway parser (configured layouts) goes last. A format module that is
not installed is skipped, so a deployment can ship without one.
"""

from __future__ import annotations

import importlib
from typing import Any

from adapters.formats.base import Parser
from adapters.settings import Settings

#: (module, class, whether the class takes the settings)
_PARSERS = (
    ("adapters.formats.camt", "CamtParser", False),
    ("adapters.formats.mt940", "Mt940Parser", False),
    ("adapters.formats.obligations", "ObligationsParser", False),
    ("adapters.formats.gateway", "GatewayParser", True),
)


def parsers_for(settings: Settings) -> list[Parser]:
    """One parser per known format, configured from ``settings``."""
    parsers: list[Parser] = []
    for module_name, class_name, configured in _PARSERS:
        try:
            module: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        cls = getattr(module, class_name)
        parsers.append(cls(settings) if configured else cls())
    return parsers
