"""PostgreSQL's binary COPY built from Arrow columns: every column type, NULLs and edge values
come back as they went in; a value its column cannot hold is refused, naming the column."""

from __future__ import annotations

import datetime as dt

import psycopg
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    delete,
    select,
)

from adapters.db import bulk
from adapters.db.bulk import bulk_insert
from adapters.db.engine import write_transaction
from adapters.db.meta import identifier

pytestmark = pytest.mark.postgres

SAMPLE = Table(
    "copy_sample",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("big", BigInteger),
    Column("small", SmallInteger),
    Column("flag", Boolean),
    Column("day", Date),
    Column("moment", DateTime(timezone=True)),
    Column("naive", DateTime),
    Column("code", identifier(12)),
    Column("words", Text),
    Column("blob", LargeBinary),
)
ARROW = pa.schema(
    [
        ("id", pa.int64()),
        ("big", pa.int64()),
        ("small", pa.int64()),
        ("flag", pa.bool_()),
        ("day", pa.date32()),
        ("moment", pa.timestamp("us", tz="Asia/Ho_Chi_Minh")),
        ("naive", pa.timestamp("us")),
        ("code", pa.string()),
        ("words", pa.large_string()),
        ("blob", pa.binary()),
    ]
)
INT64 = 2**63


@pytest.fixture
def sample(postgres_engine: Engine) -> Engine:
    SAMPLE.create(postgres_engine)
    return postgres_engine


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=max_size)


_moments = st.datetimes(min_value=dt.datetime(1, 1, 2), timezones=st.just(dt.UTC))
_row = st.fixed_dictionaries(
    {
        "big": st.none() | st.integers(-INT64, INT64 - 1),
        "small": st.none() | st.integers(-(2**15), 2**15 - 1),
        "flag": st.none() | st.booleans(),
        "day": st.none() | st.dates(),
        "moment": st.none() | _moments,
        "naive": st.none() | st.datetimes(min_value=dt.datetime(1, 1, 2)),
        "code": st.none() | _text(12),
        "words": st.none() | _text(60),
        "blob": st.none() | st.binary(max_size=40),
    }
)


def _stored(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(SAMPLE).order_by(SAMPLE.c.id))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, max_size=30))
def test_every_value_comes_back_as_it_went_in(sample: Engine, rows: list[dict[str, object]]) -> None:
    given_rows = [{"id": index, **row} for index, row in enumerate(rows)]
    with write_transaction(sample) as conn:
        conn.execute(delete(SAMPLE))
        bulk_insert(conn, SAMPLE, pa.Table.from_pylist(given_rows, schema=ARROW))

    assert _stored(sample) == given_rows


def test_a_chunked_load_keeps_the_rows_in_order(sample: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 3)
    rows = [{"id": i, "code": f"C{i}", "words": None if i % 2 else "x" * i} for i in range(10)]
    with write_transaction(sample) as conn:
        bulk_insert(
            conn,
            SAMPLE,
            pa.Table.from_pylist(rows).cast(pa.schema([ARROW.field(n) for n in ("id", "code", "words")])),
        )

    assert [(row["id"], row["code"], row["words"]) for row in _stored(sample)] == [
        (row["id"], row["code"], row["words"]) for row in rows
    ]


def test_an_integer_its_column_cannot_hold_is_refused_naming_the_column(sample: Engine) -> None:
    rows = pa.table({"id": pa.array([1], pa.int64()), "small": pa.array([2**15], pa.int64())})
    refused = pytest.raises(ValueError, match=r"copy_sample\.small: int64 values cannot be stored as int16")
    with refused, write_transaction(sample) as conn:
        bulk_insert(conn, SAMPLE, rows)

    assert _stored(sample) == []


def test_text_longer_than_its_column_is_refused_by_the_server(sample: Engine) -> None:
    rows = pa.table({"id": pa.array([1], pa.int64()), "code": ["C" * 13]})
    with pytest.raises(psycopg.DataError, match="too long"), write_transaction(sample) as conn:
        bulk_insert(conn, SAMPLE, rows)
