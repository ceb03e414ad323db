"""The keys one column names that another lacks, as a set difference of Python values."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.keysets import absent_keys

keys = st.lists(
    st.one_of(st.none(), st.sampled_from(["HS-1", "HS-2", "hs-1", "HS-1 ", "Hồ sơ", "", "T9"])), max_size=15
)


def chunked(values: list[str | None], chunks: int) -> pa.ChunkedArray:
    column = pa.array(values, pa.string())
    size = -(-len(values) // chunks) or 1
    return pa.chunked_array([column.slice(start, size) for start in range(0, len(values), size)], pa.string())


@settings(max_examples=200)
@given(keys, keys, st.integers(min_value=1, max_value=4), st.booleans())
def test_the_absent_keys_are_the_set_difference_in_order(
    named: list[str | None], present: list[str | None], chunks: int, plain: bool
) -> None:
    expected = sorted({key for key in named if key is not None} - {key for key in present if key is not None})
    column = pa.array(named, pa.string()) if plain else chunked(named, chunks)

    assert absent_keys(column, chunked(present, chunks)) == expected


def test_a_null_is_no_key_on_either_side() -> None:
    assert absent_keys(pa.array([None, "A"], pa.string()), pa.array([None], pa.string())) == ["A"]
    assert absent_keys(pa.array([None], pa.string()), pa.array(["A"], pa.string())) == []


def test_nothing_named_or_nothing_present() -> None:
    assert absent_keys(pa.chunked_array([], pa.string()), pa.array(["A"], pa.string())) == []
    assert absent_keys(pa.array(["B", "A", "B"], pa.string()), pa.chunked_array([], pa.string())) == [
        "A",
        "B",
    ]
