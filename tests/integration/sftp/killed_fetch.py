"""``fetch_sources`` in a process that kills itself (SIGKILL) at a chosen point; run by the crash tests.

Usage: ``python killed_fetch.py '{"url": ..., "data_dir": ..., "source": {...}, "event": ..., "at": N}'``

The process dies, with no clean-up of any kind, the ``at``-th time ``event`` happens:

- ``claimed``: a version was claimed in the ledger, its download not yet started;
- ``partial``: the download is complete in its ``.part`` file, not yet renamed;
- ``downloaded``: the file is in place, the ledger not yet told;
- ``recorded``: the ledger recorded the download, ingestion not yet started;
- ``ingested``: ingestion committed, the ledger not yet marked;
- ``marked``: the ledger marked the file ingested.

When the event does not happen that often, the fetch finishes and the process exits 0.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import types
from collections import Counter
from typing import Any

import adapters.ingest
import adapters.sftp
from adapters.bootstrap import bootstrap
from adapters.db.engine import create_engine_for
from adapters.db.fetch_ledger import SqlFetchLedger
from adapters.fetch import fetch_sources
from adapters.settings import Settings, SourceSettings

EVENTS = ("claimed", "partial", "downloaded", "recorded", "ingested", "marked")


def main(spec: dict[str, Any]) -> int:
    seen: Counter[str] = Counter()

    def happened(event: str) -> None:
        seen[event] += 1
        if event == spec["event"] and seen[event] == spec["at"]:
            os.kill(os.getpid(), signal.SIGKILL)

    _install(happened)
    engine = create_engine_for(spec["url"])
    settings = Settings(sources=(SourceSettings(**spec["source"]),), data_dir=spec["data_dir"])
    parts = bootstrap(settings, engine=engine)
    fetch_sources(parts.sources, parts.inboxes, engine, parts.formats)
    return 0


def _install(happened: Any) -> None:
    claim, complete, mark = SqlFetchLedger.claim, SqlFetchLedger.complete, SqlFetchLedger.mark_ingested
    ingest_files = adapters.ingest.ingest_files

    def claiming(self: SqlFetchLedger, *args: Any) -> Any:
        claimed = claim(self, *args)
        if claimed is not None:
            happened("claimed")
        return claimed

    def completing(self: SqlFetchLedger, *args: Any) -> None:
        happened("downloaded")
        complete(self, *args)
        happened("recorded")

    def marking(self: SqlFetchLedger, *args: Any) -> None:
        mark(self, *args)
        happened("marked")

    def ingesting(*args: Any, **kwargs: Any) -> Any:
        outcomes = ingest_files(*args, **kwargs)
        happened("ingested")
        return outcomes

    def replacing(source: str, target: str) -> None:
        happened("partial")
        os.replace(source, target)

    SqlFetchLedger.claim = claiming  # type: ignore[method-assign]
    SqlFetchLedger.complete = completing  # type: ignore[method-assign]
    SqlFetchLedger.mark_ingested = marking  # type: ignore[method-assign]
    adapters.ingest.ingest_files = ingesting
    # only the SFTP module's renames: the download's .part -> final name
    adapters.sftp.os = types.SimpleNamespace(  # type: ignore[assignment]
        **{name: getattr(os, name) for name in dir(os) if not name.startswith("__")}
    )
    adapters.sftp.os.replace = replacing


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
