"""Handing freed memory back to the system between large pieces of work.

Arrow's memory pool and glibc's heap both keep what was freed for reuse. A
process that reads a 10M-row export, or a day's inputs in parts, would keep
gigabytes it no longer uses under the next piece of work (the next file of an
ingest, the matching of a run). Calling :func:`give_back_memory` between such
pieces returns it.
"""

from __future__ import annotations

import ctypes
import functools
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
