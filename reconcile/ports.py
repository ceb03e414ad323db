"""The core's ports: what a run needs from storage, and what it hands back.

The use cases in :mod:`reconcile.runs` speak only to :class:`RunStore`. The
database adapter (``adapters.db.runs.SqlRunStore``) implements it with
SQLAlchemy; the unit tests implement it in memory (``FakeRunStore``). The
store reads the range the core's :func:`reconcile.history.history_range` gives
(see :class:`DayInputs`); the core decides what it means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import pyarrow as pa

from reconcile.calendar import BusinessCalendar
from reconcile.gateways import GatewayTerms
from reconcile.manual import ManualPairings
from reconcile.verdict import RunVerdict

#: Reference data tables the core expects (columns, in :class:`DayInputs`).
PROVINCES: Final = pa.schema([("code", pa.string()), ("treasury_account", pa.string())])
#: The central agencies (ministries) collecting beside the provinces: the same columns.
AGENCIES: Final = PROVINCES
TAX_RATES: Final = pa.schema(
    [
        ("province_code", pa.string()),
        ("asset_class", pa.string()),
        ("rate", pa.string()),  # exact decimal text, ``0.12``
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),  # null: open
    ]
)
FEE_SCHEDULE: Final = pa.schema(
    [
        ("province_code", pa.string()),
        ("procedure_code", pa.string()),
        ("amount_vnd", pa.int64()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
    ]
)
#: How far the ingested data reaches: per treasury account (bank) or per gateway.
COVERAGE: Final = pa.schema([("name", pa.string()), ("covered_to", pa.date32())])


@dataclass(frozen=True, slots=True)
class MatchMemory:
    """How much memory the matching engine (DuckDB) may hold, and where it puts the rest.

    The core does no I/O of its own: the adapter that loads a day names the directory, and
    DuckDB writes what exceeds ``limit`` there (its intermediate tables, its joins' and
    windows' state) and deletes it when the run's connection closes. ``None``: DuckDB's
    defaults (80 % of the machine's memory; no spilling of an in-memory database).

    Attributes:
        limit: DuckDB's ``memory_limit`` (``"1GB"``); the run's Arrow inputs are not in it.
        spill_directory: a directory under which each run's connection spills to its own
            subdirectory.
    """

    limit: str | None = None
    spill_directory: str | None = None


@dataclass(frozen=True, slots=True)
class DayInputs:
    """Everything a run for ``business_date`` looks at, as Arrow tables.

    A text column may come dictionary-encoded (a store holds few-valued columns, such as
    provinces and statuses, that way): its values are the schema's strings all the same.

    Attributes:
        obligations: current obligations (:data:`reconcile.columns.OBLIGATIONS`): at least those
            the portal says were paid on the run's date, those its transactions name, and those
            of carried items. More is harmless: rows are reported by date or carried key.
        txns: current gateway transactions (:data:`~reconcile.columns.GATEWAY_TXNS`): at least
            those paid from the earliest day whose settlement window reaches the run's date (at
            most :data:`~reconcile.history.LOOKBACK_DAYS` back, or back to the oldest carried
            item) to the end of the run's own window, plus those named by id
            (``original_txn_id``, ``portal_txn_id``).
        entries, details: current bank entries (:data:`~reconcile.columns.BANK_ENTRIES`) booked
            from the first of those days to :data:`~reconcile.history.LOOKAHEAD_DAYS` after the
            run, and their ``TxDtls``.
        provinces, tax_rates, fee_schedule: reference data (:data:`PROVINCES`, :data:`TAX_RATES`,
            :data:`FEE_SCHEDULE`); the fee schedule is the ``online`` channel's, the amounts due
            when paid through the portal, which is how every obligation here is paid.
        bank_coverage: per treasury account, the latest ``to_date`` of its current statements.
        gateway_coverage: per gateway, the latest ``paid_date`` of its current transactions.
        carried: the open and pending items of the latest earlier run
            (:data:`~reconcile.discrepancies.DISCREPANCIES` rows).
        gateways: configured settlement terms; a gateway not named gets
            :data:`reconcile.gateways.DEFAULT_TERMS`.
        calendar: business days.
        fingerprint: a digest of the input files the run used, stored with the run.
        merges: ``old_code → new_code`` of the 2025 province merger (a transaction naming the new
            province of its obligation's old one is not in the wrong province).
        decisions: what people decided about items (``item_key`` → ``resolved`` or
            ``written_off``); a row still found keeps that status instead of ``open``/``pending``.
        agencies: the central agencies (:data:`AGENCIES`): an obligation with no province is owed
            to the agency its ``agency_code`` names and settles to that agency's account.
        manual: the approved manual matches (:mod:`reconcile.manual`): credits linked to batches,
            transactions paying obligations, whatever their references say.
        memory: what the matching engine may hold (:class:`MatchMemory`), set by the adapter.
    """

    business_date: dt.date
    obligations: pa.Table
    txns: pa.Table
    entries: pa.Table
    details: pa.Table
    provinces: pa.Table
    tax_rates: pa.Table
    fee_schedule: pa.Table
    bank_coverage: pa.Table
    gateway_coverage: pa.Table
    carried: pa.Table
    calendar: BusinessCalendar
    gateways: Mapping[str, GatewayTerms] = field(default_factory=dict)
    fingerprint: str = ""
    merges: Mapping[str, str] = field(default_factory=dict)
    decisions: Mapping[str, str] = field(default_factory=dict)
    agencies: pa.Table = field(default_factory=AGENCIES.empty_table)
    manual: ManualPairings = field(default_factory=ManualPairings)
    memory: MatchMemory = field(default_factory=MatchMemory)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A finished run as stored: identity, scope, times and counts.

    Attributes:
        id: ``<business_date>-v<version>`` for an all-province run, with the payees appended
            otherwise (``2026-11-25-01-79-v2``, ``2026-11-25-BCA-v1``); stable and readable in URLs.
        provinces: the payees the run was limited to, provinces' codes and central agencies'
            (``("01", "BCA")``); empty for all.
        version: 1 for the first run of that date and scope, n+1 for each rerun.
        status: ``completed`` (a run that failed leaves no record at all).
        reason: why it was rerun (required for a rerun).
        counts: what was examined and found (see :func:`reconcile.matching.reconcile_inputs`).
    """

    id: str
    business_date: dt.date
    provinces: tuple[str, ...]
    version: int
    status: str
    reason: str | None
    started_at: dt.datetime
    finished_at: dt.datetime
    counts: Mapping[str, Any]
    fingerprint: str

    def as_dict(self) -> dict[str, Any]:
        """The ``run`` object of the JSON report (DESIGN.md §6)."""
        return {
            "id": self.id,
            "business_date": self.business_date.isoformat(),
            "provinces": list(self.provinces),
            "version": self.version,
            "status": self.status,
            "reason": self.reason,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "input_fingerprint": self.fingerprint,
            "counts": dict(self.counts),
        }


class RunStore(Protocol):
    """Where runs read their inputs and keep their results."""

    def load_inputs(self, business_date: dt.date, provinces: Sequence[str]) -> DayInputs:
        """The inputs of a run for ``business_date`` (the store decides the range, see DayInputs).

        ``carried`` comes from the latest run of an earlier date whose scope covers ``provinces``
        (an all-province run covers every scope).
        """
        ...

    def next_version(self, business_date: dt.date, provinces: Sequence[str]) -> int:
        """1 + the highest version stored for that date and province scope (a forecast only)."""
        ...

    def save_run(
        self, run: RunRecord, discrepancies: pa.Table, verdict: RunVerdict | None = None
    ) -> RunRecord:
        """Store the run, its rows and its verdict in one transaction: all of it, or nothing.

        The version is settled here, one run of a date at a time: the run becomes the
        next version of its date and scope whatever ``run.version`` forecast, so two
        runs of one date saved at once both succeed, as consecutive versions. Returns
        the record as stored (its ``version`` and ``id`` may differ from ``run``'s).
        """
        ...

    def get_run(self, run_id: str) -> RunRecord:
        """The run, or :class:`~reconcile.errors.NotFoundError`."""
        ...

    def latest_run(self, business_date: dt.date) -> RunRecord:
        """The newest run of that date, or :class:`~reconcile.errors.NotFoundError`."""
        ...

    def discrepancies(self, run_id: str) -> pa.Table:
        """The run's rows (:data:`~reconcile.discrepancies.DISCREPANCIES`), in report order."""
        ...

    def runs_of_date(self, business_date: dt.date) -> list[RunRecord]:
        """Every run of that date, whatever its scope, newest first (empty if none)."""
        ...

    def verdict(self, run_id: str) -> RunVerdict:
        """The run's batches and credits as it judged them, in the order it stored them."""
        ...

    def latest_run_covering(self, business_date: dt.date, province_code: str) -> RunRecord:
        """The newest run of that date whose scope includes the payee (every payee, or a list naming
        it: a province's code or a central agency's): the payee's latest result.
        :class:`~reconcile.errors.NotFoundError` if none."""
        ...
