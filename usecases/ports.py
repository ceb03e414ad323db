"""What the use cases need from the world beyond :class:`reconcile.ports.RunStore`.

Each port is a small :class:`typing.Protocol`; the database implements them
(``adapters.db.provinces.SqlProvinceDirectory``, ``adapters.db.arrivals.SqlArrivals``),
tests may implement them in memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Province:
    """A province of the reference data: its code, Vietnamese name, treasury account, and if connected."""

    code: str
    name: str
    treasury_account: str
    active: bool


class ProvinceDirectory(Protocol):
    """The provinces the reference data knows."""

    def names(self) -> dict[str, str]:
        """``code → name`` of every province."""
        ...

    def find(self, code: str) -> Province | None:
        """The province with that code, or ``None``."""
        ...

    def active(self) -> list[str]:
        """The codes of the connected provinces, in order."""
        ...


@dataclass(frozen=True, slots=True)
class LateFiles:
    """Files that arrived after a business date's latest run and carry payments of that date.

    Attributes:
        business_date: the earlier date the files touch.
        files: their names, in the order they were ingested.
    """

    business_date: dt.date
    files: tuple[str, ...]


class Arrivals(Protocol):
    """Which input files arrived when, against the runs of the dates they touch."""

    def late_files(self, before: dt.date, since: dt.date) -> list[LateFiles]:
        """Per date from ``since`` up to (not including) ``before`` that has a run: the gateway
        settlement files and bank statements ingested after that date's latest run started whose
        transactions were paid, or whose entries were booked, on that date. Oldest date first;
        dates without such files are left out."""
        ...
