"""The provinces of the reference data as the use cases ask for them (``ProvinceDirectory``)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from adapters.db.schema import provinces
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
        p = provinces.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(p.code, p.name, p.treasury_account, p.active).where(p.code == code)
            ).first()
        return None if row is None else Province(row.code, row.name, row.treasury_account, bool(row.active))

    def active(self) -> list[str]:
        p = provinces.c
        with self.engine.connect() as conn:
            return list(conn.execute(select(p.code).where(p.active.is_(True)).order_by(p.code)).scalars())
