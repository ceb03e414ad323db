"""What the use cases need from the world beyond :class:`reconcile.ports.RunStore`.

Each port is a small :class:`typing.Protocol`; the database implements them
(``adapters.db.provinces.SqlProvinceDirectory``, ``adapters.db.arrivals.SqlArrivals``,
``adapters.db.workflow.SqlWorkItems``),
tests may implement them in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from reports.statement_model import BudgetLine, Treasury


@dataclass(frozen=True, slots=True)
class Province:
    """A payee of the reference data: its code, Vietnamese name, treasury account, and if connected.

    ``kind`` is ``"province"`` or ``"agency"`` (a central agency of ``agencies.csv``,
    a ministry, whose collections settle to its own account like a province's).
    """

    code: str
    name: str
    treasury_account: str
    active: bool
    kind: str = "province"


class ProvinceDirectory(Protocol):
    """The payees the reference data knows (provinces, then central agencies), and their treasury books."""

    def names(self) -> dict[str, str]:
        """``code → name`` of every province."""
        ...

    def find(self, code: str) -> Province | None:
        """The province, else the central agency, with that code, or ``None``."""
        ...

    def active(self) -> list[str]:
        """The codes of the connected provinces, then of the active central agencies, in order."""
        ...

    def treasury(self, payee: Province, on: dt.date) -> Treasury | None:
        """The treasury (SHKB) and budget chapter that book ``payee``'s revenue on ``on``, if known."""
        ...

    def budget_lines(self, batch_ids: Sequence[str]) -> tuple[BudgetLine, ...]:
        """The current transactions of ``batch_ids`` grouped by their obligations' budget sub-item."""
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


@dataclass(frozen=True, slots=True)
class WorkAction:
    """One entry of an item's workflow, appended and never changed.

    ``kind`` is ``comment``, ``assign``, ``resolve``, ``request_write_off``,
    ``request_manual_match``, ``request_resolve``, ``approve`` or ``reject``;
    ``request_id`` names the request an ``approve``/``reject`` decides.
    """

    item_key: str
    province_code: str | None
    row_id: int | None
    kind: str
    actor: str
    note: str | None = None
    assignee: str | None = None
    match_key: str | None = None
    request_id: int | None = None


@dataclass(frozen=True, slots=True)
class WorkChange:
    """A new live state of an item: its ``status`` and/or ``assignee`` (``None`` leaves it as is).

    ``run_status`` is what the item starts from when it has no live state yet.
    """

    item_key: str
    actor: str
    status: str | None = None
    assignee: str | None = None
    run_status: str = "open"


@dataclass(frozen=True, slots=True)
class LiveState:
    """What people made of an item since the run: its status and who has it."""

    status: str
    assignee: str | None


class WorkItems(Protocol):
    """The treasury workflow's record: each item's actions, its live state, who may be given items."""

    def actions(self, item_key: str) -> list[Mapping[str, Any]]:
        """The item's actions, oldest first: rows with ``id``, ``kind``, ``actor``, ``note``,
        ``assignee``, ``match_key``, ``request_id``, ``created_at``."""
        ...

    def may_be_assigned(self, username: str) -> bool:
        """Whether ``username`` is an active treasury or admin user."""
        ...

    def write(
        self,
        actions: Sequence[WorkAction],
        changes: Sequence[WorkChange],
        *,
        pending: tuple[str, int] | None = None,
    ) -> None:
        """Append ``actions`` and apply ``changes`` in one transaction: all of them or none.

        With ``pending`` (an item key and a request id), first make sure, inside
        that transaction, that the request is still undecided, else raise
        :class:`reconcile.errors.FourEyesError` and write nothing.
        """
        ...

    def live(self, run_ids: Sequence[str]) -> dict[str, LiveState]:
        """``item_key → LiveState`` of the items of ``run_ids`` that have a live state."""
        ...
