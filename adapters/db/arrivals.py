"""Files that arrived after the run of a date they touch (:class:`usecases.ports.Arrivals`).

A gateway settlement file touches the days from its first to its last
payment date (its columnar copy keeps both, so no transaction row is read);
a bank statement file touches the booking dates of its entries. A file
touches a date *late* when it was ingested after that date's latest run
started: that run cannot have read it. Obligations exports are left out:
the portal's register is cumulative, so an export touches most dates, and
what it changes reaches the open items of earlier dates through the items
each run carries (docs/reconciliation.md, "Late files").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, func, select

from adapters.db.files import STORED_STATUSES
from adapters.db.meta import in_lists
from adapters.db.run_tables import runs
from adapters.db.schema import bank_entries, bank_statements, files, gateway_txn_copies, gateway_txns
from usecases.ports import LateFiles

_Span = tuple[int, dt.date, dt.date]  # file id, first date, last date


class SqlArrivals:
    """Late files, read from the ``files``, input and ``runs`` tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def late_files(self, before: dt.date, since: dt.date) -> list[LateFiles]:
        with self.engine.connect() as conn:
            last_run = _last_run_started(conn, before, since)
            if not last_run:
                return []
            f = files.c
            arrived = conn.execute(
                select(f.id, f.path, f.format, f.ingested_at)
                .where(f.status.in_(STORED_STATUSES), f.ingested_at > min(last_run.values()))
                .order_by(f.ingested_at, f.id)
            ).all()
            ids = [row.id for row in arrived]
            gateway_ids = [row.id for row in arrived if (row.format or "").startswith("gateway")]
            spans = [*_gateway_spans(conn, gateway_ids), *_bank_days(conn, ids)]
        touched: dict[int, set[dt.date]] = defaultdict(set)
        for file_id, first, last in spans:
            touched[file_id] |= {day for day in last_run if first <= day <= last}
        late: dict[dt.date, list[str]] = defaultdict(list)
        for row in arrived:
            for day in sorted(touched.get(row.id, ())):
                if row.ingested_at > last_run[day] and row.path not in late[day]:
                    late[day].append(row.path)
        return [LateFiles(day, tuple(late[day])) for day in sorted(late)]


def _last_run_started(conn: Connection, before: dt.date, since: dt.date) -> dict[dt.date, dt.datetime]:
    r = runs.c
    statement = (
        select(r.business_date, func.max(r.started_at))
        .where(r.business_date >= since, r.business_date < before)
        .group_by(r.business_date)
    )
    return {day: started for day, started in conn.execute(statement)}


def _gateway_spans(conn: Connection, ids: Sequence[int]) -> list[_Span]:
    """First and last payment date of each gateway file: from its copy, else from its rows."""
    c, t = gateway_txn_copies.c, gateway_txns.c
    spans: list[_Span] = []
    for chunk in in_lists(ids):
        copied = conn.execute(  # a copy stored in parts spans from its first part's start to its last's end
            select(c.file_id, func.min(c.first_paid_date), func.max(c.last_paid_date))
            .where(c.file_id.in_(chunk))
            .group_by(c.file_id)
        ).all()
        spans += [(row[0], row[1], row[2]) for row in copied if row[1] is not None]
        without = sorted(set(chunk) - {row[0] for row in copied})
        if without:
            rows = conn.execute(
                select(t.file_id, func.min(t.paid_date), func.max(t.paid_date))
                .where(t.file_id.in_(without))
                .group_by(t.file_id)
            ).all()
            spans += [(row[0], row[1], row[2]) for row in rows if row[1] is not None]
    return spans


def _bank_days(conn: Connection, ids: Sequence[int]) -> list[_Span]:
    """Each booking date of each bank file's entries, as a one-day span."""
    s, e = bank_statements.c, bank_entries.c
    days: list[_Span] = []
    for chunk in in_lists(ids):
        rows = conn.execute(
            select(s.file_id, e.booking_date)
            .join(bank_statements, s.id == e.statement_row_id)
            .where(s.file_id.in_(chunk), e.booking_date.is_not(None))
            .distinct()
        ).all()
        days += [(file_id, day, day) for file_id, day in rows]
    return days
