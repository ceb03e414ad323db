"""A statement's collections as the treasury books them: treasury (SHKB), chapter, budget sub-item.

The State Treasury books budget revenue by the collecting treasury (mã kho
bạc, SHKB: one per province until 2025-02-28, one of the 20 regional
treasuries from 2025-03-01), the chapter (chương) and the sub-item (tiểu
mục) of the state budget index. The reference data says which: the payee's
treasury and chapter on the statement's date (``treasuries.csv`` for a
province, ``agencies.csv`` for a central agency) and each obligation's
sub-item from its kind and asset class or procedure (``budget_items.csv``).

This is not a judgment: the run judged the batches (their verdict is what the
statement shows); here the transactions of those same batches are only
grouped by the budget line of the obligation each pays. A payment of no known
obligation, or of a procedure the file does not classify, is grouped under no
sub-item, so the lines always add up to the batches' collections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, and_, case, func, or_, select

from adapters.db.gateway_identity import current_rows
from adapters.db.schema import agencies, budget_items, files, gateway_txns, obligations, treasuries
from reports.statement_model import BudgetLine, Treasury

UNCLASSIFIED = "Chưa phân loại (không có trong budget_items.csv)"


def payee_treasury(conn: Connection, code: str, payee_kind: str, day: dt.date) -> Treasury | None:
    """The treasury and chapter of the payee's revenue on ``day``, if the reference data says."""
    if payee_kind == "agency":
        a = agencies.c
        row = conn.execute(select(a.treasury_code, a.chapter).where(a.code == code)).first()
        if row is None or row.treasury_code is None:
            return None
        return Treasury(row.treasury_code, "Sở Giao dịch Kho bạc Nhà nước", row.chapter)
    t = treasuries.c
    found = conn.execute(
        select(t.treasury_code, t.treasury_name, t.chapter).where(
            t.province_code == code, t.valid_from <= day, or_(t.valid_to.is_(None), t.valid_to >= day)
        )
    ).first()
    return None if found is None else Treasury(found.treasury_code, found.treasury_name, found.chapter)


def budget_lines(conn: Connection, batch_ids: Sequence[str]) -> tuple[BudgetLine, ...]:
    """The current transactions of ``batch_ids`` by the budget sub-item of their obligations."""
    if not batch_ids:
        return ()
    g, o, b = gateway_txns.c, obligations.c, budget_items.c
    key = case((o.kind == "registration_tax", o.asset_class), else_=o.procedure_code)
    success = g.status == "SUCCESS"
    statement = (
        select(
            b.sub_item,
            b.name,
            func.count(),
            func.coalesce(func.sum(case((success, g.amount_vnd), else_=0)), 0),
            func.coalesce(func.sum(case((success, 0), else_=g.amount_vnd)), 0),
        )
        .select_from(gateway_txns)
        .join(files, current_rows(g))
        .outerjoin(obligations, o.payment_code == g.payment_code)
        .outerjoin(budget_items, and_(b.kind == o.kind, b.key == key))
        .where(g.batch_id.in_(list(batch_ids)))
        .group_by(b.sub_item, b.name)
    )
    lines = [
        BudgetLine(sub_item, name or UNCLASSIFIED, int(count), int(collected), int(refunded))
        for sub_item, name, count, collected, refunded in conn.execute(statement)
    ]
    return tuple(sorted(lines, key=lambda line: (line.sub_item is None, line.sub_item or "", line.name)))
