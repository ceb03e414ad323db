"""Repeated values in a column: the hash pass that answers for most files, and the first repeat."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from adapters.formats.csvtable import all_distinct, first_duplicate

values = st.lists(st.one_of(st.none(), st.sampled_from(["G01", "G02", "Tổng", "", "g01"])), max_size=12)


def first_repeat(cells: list[str | None]) -> int | None:
    seen: set[str] = set()
    for row, cell in enumerate(cells):
        if cell is None:
            continue
        if cell in seen:
            return row
        seen.add(cell)
    return None


@given(values, st.integers(min_value=1, max_value=4))
def test_the_first_repeated_value_is_found_whatever_the_nulls_and_chunks(
    cells: list[str | None], chunks: int
) -> None:
    column = pa.array(cells, pa.string())
    size = -(-len(cells) // chunks) or 1
    chunked = pa.chunked_array(
        [column.slice(start, size) for start in range(0, len(cells), size)], pa.string()
    )

    assert first_duplicate(column) == first_repeat(cells)
    assert all_distinct(column) is all_distinct(chunked) is (first_repeat(cells) is None)


def test_nulls_are_not_values_and_case_and_marks_tell_values_apart() -> None:
    assert all_distinct(pa.array([None, "A", None, "a", "Á"], pa.string()))
    assert all_distinct(pa.array([], pa.string()))
    assert not all_distinct(pa.array(["A", None, "A"], pa.string()))
    assert first_duplicate(pa.array(["B", "A", None, "B", "A"], pa.string())) == 3
