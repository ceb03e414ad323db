"""A run's filter of a stored copy's part: the rows marked true, the part itself when all are."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.db.arrow_copies import kept

marks = st.lists(st.one_of(st.none(), st.booleans()), max_size=12)


@settings(max_examples=200)
@given(marks, st.integers(min_value=1, max_value=4))
def test_the_rows_marked_true_are_kept_and_a_null_keeps_none(keep: list[bool | None], chunks: int) -> None:
    table = pa.table({"row": pa.array(range(len(keep)), pa.int64())})
    size = -(-len(keep) // chunks) or 1
    mask = pa.chunked_array(
        [pa.array(keep[start : start + size], pa.bool_()) for start in range(0, len(keep), size)], pa.bool_()
    )

    result = kept(table, mask)

    assert result.column("row").to_pylist() == [row for row, mark in enumerate(keep) if mark is True]
    if keep:  # not copied when every row is kept (an empty part may be either way)
        assert (result is table) == all(mark is True for mark in keep)
