"""How gateways settle, and what an unconfigured gateway gets: one rule, in one place.

``recon.toml`` declares each gateway's settlement window and fee mode
(:class:`adapters.settings.GatewaySettings` takes its defaults from here). A
gateway that sends files but is not declared is reconciled with
:data:`DEFAULT_TERMS`, and both ingestion and the run say so in the words of
:func:`unconfigured_warning`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal


@dataclass(frozen=True, slots=True)
class GatewayTerms:
    """How a gateway settles: window in business days and fee mode (``gross`` or ``net``)."""

    settlement_days: int = 1
    fee_mode: Literal["gross", "net"] = "gross"


#: What a gateway the configuration does not name is reconciled with (DESIGN.md §4).
DEFAULT_TERMS: Final = GatewayTerms()


def terms_of(terms: Mapping[str, GatewayTerms], gateway: str) -> GatewayTerms:
    """The gateway's configured terms, else :data:`DEFAULT_TERMS`."""
    return terms.get(gateway, DEFAULT_TERMS)


def unconfigured_warning(gateway: str) -> str:
    """``gateway payoo not configured: settlement_days=1, gross``."""
    return (
        f"gateway {gateway} not configured: "
        f"settlement_days={DEFAULT_TERMS.settlement_days}, {DEFAULT_TERMS.fee_mode}"
    )


def unconfigured_warnings(configured: Iterable[str], seen: Iterable[str]) -> list[str]:
    """One :func:`unconfigured_warning` per gateway in ``seen`` that is not ``configured``, sorted."""
    known = set(configured)
    return [unconfigured_warning(name) for name in sorted(set(seen)) if name not in known]
