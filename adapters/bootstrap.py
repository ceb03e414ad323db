"""The one place the configuration becomes the service's parts (DESIGN.md §9).

:func:`bootstrap` turns :class:`~adapters.settings.Settings` into what the
use cases and adapters take: one database engine (built on first use and
disposed once), the gateways' settlement terms, the file parsers, the SFTP
sources and outboxes, the schedule and the data folder. Below this module
nothing receives the whole ``Settings``: the run store gets the terms,
ingestion the parsers, fetching its sources, publishing its outboxes, the web
application its engine and session key. The command line, the scheduler and
the demo all build their parts here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine

from adapters.db.arrivals import SqlArrivals
from adapters.db.engine import create_engine_for
from adapters.db.provinces import SqlProvinceDirectory
from adapters.db.runs import SqlRunStore
from adapters.db.workflow import SqlWorkItems
from adapters.formats.registry import FileFormats, parsers_for
from adapters.settings import PublishSettings, ScheduleSettings, Settings, SourceSettings, WebSettings
from reconcile.gateways import GatewayTerms


def gateway_terms(settings: Settings) -> dict[str, GatewayTerms]:
    """The configured gateways' settlement terms (an unconfigured one gets the core's defaults)."""
    return {name: GatewayTerms(g.settlement_days, g.fee_mode) for name, g in settings.gateways.items()}


def file_formats(settings: Settings) -> FileFormats:
    """The parsers (declared gateway layouts included) and the declared gateways, for ingestion."""
    return Parts(settings).formats


class Parts:
    """The service's parts, built from the configuration once.

    Attributes:
        database_url: where the engine connects.
        gateways: the configured settlement terms.
        formats: what ingestion reads files with.
        sources: the SFTP inboxes to fetch from.
        publish: the provinces' SFTP outboxes.
        schedule: the scheduled jobs' cron expressions.
        data_dir: where inboxes, statements and the web session key live.
        web: the web application's policy (approval threshold, secure cookies).
    """

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        self.database_url = settings.database_url
        self.gateways: Mapping[str, GatewayTerms] = gateway_terms(settings)
        self._layouts = settings.layouts
        self._formats: FileFormats | None = None
        self.sources: tuple[SourceSettings, ...] = settings.sources
        self.publish: tuple[PublishSettings, ...] = settings.publish
        self.schedule: ScheduleSettings = settings.schedule
        self.data_dir = Path(settings.data_dir)
        self.web: WebSettings = settings.web
        self._engine = engine
        self._owns_engine = engine is None

    @property
    def engine(self) -> Engine:
        """The database engine: built on first use, one per process."""
        if self._engine is None:
            self._engine = create_engine_for(self.database_url)
        return self._engine

    @property
    def formats(self) -> FileFormats:
        """The parsers (declared gateway layouts included) and the declared gateways."""
        if self._formats is None:
            self._formats = FileFormats(tuple(parsers_for(self._layouts)), frozenset(self.gateways))
        return self._formats

    @property
    def inboxes(self) -> Path:
        """The folder under which each SFTP source's files land."""
        return self.data_dir / "inbox"

    def statements_dir(self, business_date: dt.date) -> Path:
        """Where the publish job writes a day's statements."""
        return self.data_dir / "statements" / business_date.isoformat()

    def run_store(self) -> SqlRunStore:
        return SqlRunStore(self.engine, self.gateways)

    def arrivals(self) -> SqlArrivals:
        return SqlArrivals(self.engine)

    def provinces(self) -> SqlProvinceDirectory:
        return SqlProvinceDirectory(self.engine)

    def work_items(self) -> SqlWorkItems:
        """The treasury workflow's record: what the reports overlay and the workflow's use cases write."""
        return SqlWorkItems(self.engine)

    def close(self) -> None:
        """Dispose of the engine if this object built it."""
        if self._engine is not None and self._owns_engine:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Parts:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def bootstrap(settings: Settings, *, engine: Engine | None = None) -> Parts:
    """The parts for ``settings``; with ``engine``, that engine is used (and left open) instead."""
    return Parts(settings, engine=engine)
