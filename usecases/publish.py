"""Use case: render a day's settlement statements for the provinces with an outbox, and deliver them.

The statements are rendered as the demo renders them, on every core and each
run's result read once (:func:`usecases.statements.write_day_statements`), in
the union of the formats the provinces ask for; ``deliver`` (the SFTP upload
of :func:`adapters.publish.publish_statements`) takes ``code → files`` and
keeps to each province's own formats. A province the reference data does not
know, or that no run of the date covered, gets nothing, with a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from reconcile.errors import NoRunError
from reconcile.ports import RunStore
from usecases.ports import ProvinceDirectory
from usecases.statements import write_day_statements

logger = logging.getLogger("recon.publish")
Delivered = TypeVar("Delivered")


def publish_day(
    store: RunStore,
    directory: ProvinceDirectory,
    business_date: dt.date,
    folder: Path,
    wanted: Mapping[str, Sequence[str]],
    deliver: Callable[[Mapping[str, Sequence[Path]]], Delivered],
) -> Delivered:
    """Write the statements of the provinces in ``wanted`` (``code → formats``) in ``folder``; deliver."""
    known = []
    for code in sorted(wanted):
        if directory.find(code) is None:
            logger.warning("publish: province %s is not in the reference data", code)
        else:
            known.append(code)
    formats = sorted({fmt for code in known for fmt in wanted[code]})
    files: Mapping[str, Sequence[Path]] = {}
    if known and formats:
        try:
            files = write_day_statements(store, directory, business_date, folder, formats, provinces=known)
        except NoRunError as exc:
            logger.warning("publish: %s", exc)
    for code in known:
        if code not in files:
            logger.warning("publish: province %s has no run on %s", code, business_date.isoformat())
    return deliver(files)
