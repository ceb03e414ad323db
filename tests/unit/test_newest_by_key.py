"""The last row of each key, in key order: what an upsert writes, computed from the Python values."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.db.bulk import newest_by_key

keys = st.lists(st.one_of(st.none(), st.sampled_from(["HS-1", "HS-2", "hs-1", "HS-10", "Hồ sơ", "", "T9"])))


@settings(max_examples=200)
@given(keys, st.integers(min_value=1, max_value=4), st.booleans())
def test_each_key_s_last_row_in_key_order_and_every_null_row_last(
    values: list[str | None], chunks: int, plain: bool
) -> None:
    last = {value: row for row, value in enumerate(values) if value is not None}
    nulls = [row for row, value in enumerate(values) if value is None]
    expected = [last[value] for value in sorted(last, key=lambda text: text.encode())] + nulls
    size = -(-len(values) // chunks) or 1
    pieces = [pa.array(values[start : start + size], pa.string()) for start in range(0, len(values), size)]
    column = pa.array(values, pa.string()) if plain else pa.chunked_array(pieces, pa.string())

    assert newest_by_key(column).to_pylist() == expected
