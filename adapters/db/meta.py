"""The one ``MetaData`` of the service, and the column types every tables module shares.

Every tables module (inputs, runs, operations) registers on :data:`metadata`,
so constraint names follow one convention and Alembic's autogenerate sees the
whole schema. Timestamps go through :class:`UtcDateTime`: SQLite has no time
zones, so the value stored is always UTC and comes back timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Keys per ``IN (...)`` list: well under every database's limit on bound parameters.
KEYS_PER_IN_LIST = 500
_Key = TypeVar("_Key")


def in_lists(keys: Sequence[_Key]) -> Iterator[list[_Key]]:
    """``keys`` in parts of at most :data:`KEYS_PER_IN_LIST`, one ``IN (...)`` list each."""
    for start in range(0, len(keys), KEYS_PER_IN_LIST):
        yield list(keys[start : start + KEYS_PER_IN_LIST])


#: Surrogate keys: BIGINT on PostgreSQL, INTEGER on SQLite (only that aliases the rowid).
Id = BigInteger().with_variant(Integer(), "sqlite")


def identifier(length: int) -> TypeEngine[str]:
    """A code that identifies, never a word: payment codes, transaction, batch and bank references.

    They are compared, sorted and indexed byte by byte: on PostgreSQL the
    column collates ``"C"`` instead of the database's locale, whose rules
    (made for words) cost time in every key comparison and can order codes
    apart from their bytes. SQLite compares text by its bytes already.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp stored as UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a time zone")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stamp: dt.datetime = value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)
