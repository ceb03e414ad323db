"""Handing freed memory back to the system between large pieces of work.

Arrow's memory pool and glibc's heap both keep what was freed for reuse. A
process that reads a 10M-row export, or a day's inputs in parts, would keep
gigabytes it no longer uses under the next piece of work (the next file of an
ingest, the matching of a run). Calling :func:`give_back_memory` between such
pieces returns it.

:func:`collector_paused` holds Python's cyclic garbage collector off while a
parser builds a file's records, which it would otherwise walk again and
again for nothing (see there).
"""

from __future__ import annotations

import ctypes
import functools
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa


def give_back_memory() -> None:
    """Return freed memory to the system: Arrow's pool's, and the C heap's where glibc keeps it.

    Elsewhere than glibc only Arrow's pool is trimmed.
    """
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim`` from the process's own symbols, looked up when first needed; else ``None``."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):  # no dlopen of the process itself (not a POSIX system)
        return None


_pauses = threading.Lock()
_paused = 0  # how many callers, in any thread, are inside collector_paused
_resume = False  # whether the collector was on when the first of them came in


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside, back as it was once the last caller leaves.

    A parser building a statement of 100,000 entries allocates millions of
    records, tuples and lists that live on: the collector, set off by every
    few hundred allocations, walks the growing heap over and over and finds
    nothing, since records hold no cycles (freed by their reference counts
    alike). That walking is a seventh of a large camt.053's ingest. The
    first collection after a pause walks every object made during it that
    is still alive (0.07 s for 100,000 entries), so ingestion pauses from a
    file's reading until its records are freed. Cyclic garbage made
    meanwhile (an exception kept with its traceback) waits for the next
    collection after the pause. The collector is one per process:
    pauses overlapping in several threads end when the last one does, and a
    collector disabled by the application stays disabled.
    """
    global _paused, _resume
    with _pauses:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _pauses:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()
