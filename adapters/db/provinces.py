"""The payees of the reference data (provinces and central agencies) as the use cases ask for them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine, select

from adapters.budget_lines import budget_lines, payee_treasury
from adapters.db.schema import agencies, provinces
from reports.statement_model import BudgetLine, Treasury
from usecases.ports import Province


class SqlProvinceDirectory:
    """The ``provinces`` table: names for reports, name and account for statements."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def names(self) -> dict[str, str]:
        p = provinces.c
        with self.engine.connect() as conn:
            return {row.code: row.name for row in conn.execute(select(p.code, p.name))}

    def find(self, code: str) -> Province | None:
        p, a = provinces.c, agencies.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(p.code, p.name, p.treasury_account, p.active).where(p.code == code)
            ).first()
            if row is not None:
                return Province(row.code, row.name, row.treasury_account, bool(row.active))
            row = conn.execute(
                select(a.code, a.name, a.treasury_account, a.active).where(a.code == code)
            ).first()
        return (
            None
            if row is None
            else Province(row.code, row.name, row.treasury_account, bool(row.active), "agency")
        )

    def active(self) -> list[str]:
        p, a = provinces.c, agencies.c
        with self.engine.connect() as conn:
            codes = list(conn.execute(select(p.code).where(p.active.is_(True)).order_by(p.code)).scalars())
            codes += conn.execute(select(a.code).where(a.active.is_(True)).order_by(a.code)).scalars()
        return codes

    def treasury(self, payee: Province, on: dt.date) -> Treasury | None:
        with self.engine.connect() as conn:
            return payee_treasury(conn, payee.code, payee.kind, on)

    def budget_lines(self, batch_ids: Sequence[str]) -> tuple[BudgetLine, ...]:
        with self.engine.connect() as conn:
            return budget_lines(conn, batch_ids)
