"""The scheduled jobs (``recon scheduler``): fetch → ingest → run → publish, on cron triggers.

APScheduler 3 keeps the jobs in the service's database (``SQLAlchemyJobStore``),
so a restarted scheduler knows which fire times it missed; misfires are
coalesced into one run when they are younger than :data:`MISFIRE_GRACE_S`.
Triggers are cron expressions in Asia/Ho_Chi_Minh from ``[schedule]`` and
each source's ``schedule`` (five fields; a sixth, leading field gives seconds).
Day-of-week numbers follow APScheduler (0 = Monday): prefer names (``mon-fri``).

Every job runs through :func:`adapters.db.jobs.run_exclusively`: several
scheduler processes may share one database, and a database lock makes sure a
job never runs twice at once and each fire time runs once; ``job_runs`` keeps
the history. The jobs:

- ``fetch:NAME`` for each source: :func:`adapters.fetch.fetch_sources`;
- ``daily_run``: :func:`usecases.runs.run_day` for the previous business date
  (yesterday, local time: see :func:`previous_business_date`): earlier dates
  that late files touched are run again first, and the job's history lists
  them under ``caught_up`` (date, run id, files);
- ``publish``: render the previous business date's statements of every
  province with an outbox, on every core, and upload them
  (:func:`usecases.publish.publish_day`, :func:`adapters.publish.publish_statements`).

The jobs work with the parts :func:`adapters.bootstrap.bootstrap` built from
the configuration; nothing here reads the configuration itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from adapters.bootstrap import Parts
from adapters.db.jobs import JobRun, run_exclusively
from reconcile.errors import ConfigError

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MISFIRE_GRACE_S = 3600
_LOOKBACK_S = (60, 3600, 86_400, 8 * 86_400, 32 * 86_400, 367 * 86_400)
logger = logging.getLogger("recon.scheduler")


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One scheduled job: its id in the job store, its cron expression, what it does."""

    id: str
    cron: str
    kind: str  # fetch | daily_run | publish
    source: str | None = None


_runtime: list[Parts] = []  # at most one; filled at start, never at import


def job_specs(parts: Parts) -> tuple[JobSpec, ...]:
    """The jobs the configuration asks for."""
    specs = [
        JobSpec(f"fetch:{s.name}", s.schedule or parts.schedule.fetch, "fetch", s.name) for s in parts.sources
    ]
    specs.append(JobSpec("daily_run", parts.schedule.daily_run, "daily_run"))
    if parts.publish:
        specs.append(JobSpec("publish", parts.schedule.publish, "publish"))
    return tuple(specs)


def cron_trigger(expression: str) -> CronTrigger:
    """A trigger in Asia/Ho_Chi_Minh from ``"m h dom mon dow"`` or ``"s m h dom mon dow"``."""
    fields = expression.split()
    try:
        if len(fields) == 5:
            return CronTrigger.from_crontab(expression, timezone=TIMEZONE)
        if len(fields) == 6:
            second, minute, hour, day, month, dow = fields
            return CronTrigger(
                second=second,
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=dow,
                timezone=TIMEZONE,
            )
    except ValueError as exc:
        raise ConfigError(f"schedule {expression!r} is not a valid cron expression: {exc}") from exc
    raise ConfigError(f"schedule {expression!r} must have 5 fields (or 6, seconds first)")


def latest_fire_time(trigger: CronTrigger, now: dt.datetime) -> dt.datetime | None:
    """The trigger's last fire time at or before ``now`` (looking back up to a year)."""
    for window_s in _LOOKBACK_S:  # short windows first: a per-second trigger fires often
        latest: dt.datetime | None = None
        fire: dt.datetime | None = trigger.get_next_fire_time(None, now - dt.timedelta(seconds=window_s))
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(microseconds=1))
        if latest is not None:
            return latest
    return None


def run_job(job_id: str) -> JobRun | None:
    """What the job store calls (by the reference ``scheduler:run_job``) at each fire time."""
    if not _runtime:
        raise RuntimeError("the scheduler's runtime is not set: start it with start_scheduler()")
    runtime = _runtime[0]
    spec = {s.id: s for s in job_specs(runtime)}.get(job_id)
    if spec is None:
        logger.warning("job %s is no longer configured; skipped", job_id)
        return None
    now = dt.datetime.now(TIMEZONE)
    slot = latest_fire_time(cron_trigger(spec.cron), now)
    return run_now(runtime, spec, scheduled_for=slot)


def run_now(runtime: Parts, spec: JobSpec, *, scheduled_for: dt.datetime | None = None) -> JobRun | None:
    """Run one job under its database lock, recorded in the history."""
    body = JOB_BODIES[spec.kind]
    run = run_exclusively(
        runtime.engine, spec.id, lambda: body(runtime, spec, scheduled_for), scheduled_for=scheduled_for
    )
    if run is not None:
        logger.info("job %s %s: %s", spec.id, run.outcome, dict(run.detail))
    return run


def _fetch(parts: Parts, spec: JobSpec, _slot: dt.datetime | None) -> Mapping[str, Any]:
    from adapters.fetch import fetch_sources

    summary = fetch_sources(parts.sources, parts.inboxes, parts.engine, parts.formats, source=spec.source)
    return {
        "ok": summary.ok,
        "fetched": [name for r in summary.sources for name in r.fetched],
        "growing": [name for r in summary.sources for name in r.growing],
        # a list, not a mapping: two versions of one remote name may be ingested by one fetch
        "ingested": [[i.path.name, i.status] for r in summary.sources for i in r.ingested],
        "errors": [e for r in summary.sources for e in r.errors],
        "failure": next((r.failure for r in summary.sources if r.failure), None),
    }


def previous_business_date(slot: dt.datetime | None) -> dt.date:
    """The business date a job firing at ``slot`` works on: the local day before.

    A business date is a local date (DESIGN.md §2) and the portal takes
    payments every day, weekends and holidays included, so every date gets its
    run; business days count only inside the core's settlement windows.
    """
    return (slot or dt.datetime.now(TIMEZONE)).astimezone(TIMEZONE).date() - dt.timedelta(days=1)


def _daily_run(parts: Parts, _spec: JobSpec, slot: dt.datetime | None) -> Mapping[str, Any]:
    from usecases.runs import run_day

    business_date = previous_business_date(slot)
    done = run_day(parts.run_store(), parts.arrivals(), business_date, reason="scheduled")
    return {
        "ok": True,
        "business_date": business_date.isoformat(),
        "run_id": done.id,
        "discrepancies": done.summary.run.counts.get("discrepancies", 0),
        "caught_up": [caught.as_dict() for caught in done.caught_up],
    }


def _publish(parts: Parts, _spec: JobSpec, slot: dt.datetime | None) -> Mapping[str, Any]:
    from adapters.publish import publish_statements
    from usecases.publish import publish_day

    business_date = previous_business_date(slot)
    summary = publish_day(
        parts.run_store(),
        parts.provinces(),
        business_date,
        parts.statements_dir(business_date),
        {target.province: target.formats for target in parts.publish},
        lambda files: publish_statements(parts.publish, files),
    )
    return {
        "ok": summary.ok,
        "business_date": business_date.isoformat(),
        "uploaded": {p.province: list(p.uploaded) for p in summary.provinces},
        "failures": {p.province: p.failure for p in summary.provinces if p.failure},
    }


JOB_BODIES: Mapping[str, Callable[[Parts, JobSpec, dt.datetime | None], Mapping[str, Any]]] = {
    "fetch": _fetch,
    "daily_run": _daily_run,
    "publish": _publish,
}


def start_scheduler(parts: Parts) -> BackgroundScheduler:
    """Start the jobs in background threads of this process; the caller waits and shuts down."""
    specs = job_specs(parts)
    triggers = {spec.id: cron_trigger(spec.cron) for spec in specs}  # a bad expression fails here
    _runtime[:] = [parts]
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=parts.engine)},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
        timezone=TIMEZONE,
    )
    scheduler.start(paused=True)
    sync_jobs(scheduler, triggers)
    scheduler.resume()
    return scheduler


def sync_jobs(scheduler: BackgroundScheduler, triggers: Mapping[str, CronTrigger]) -> None:
    """Make the store hold exactly these jobs; an unchanged job keeps its next fire time.

    Keeping it is what lets a restarted scheduler see (and coalesce) what it missed.
    """
    for job in scheduler.get_jobs():
        if job.id not in triggers:
            scheduler.remove_job(job.id)
    for job_id, trigger in triggers.items():
        existing = scheduler.get_job(job_id)
        if existing is not None and repr(existing.trigger) == repr(trigger):
            continue
        scheduler.add_job(
            "scheduler:run_job", trigger, args=[job_id], id=job_id, name=job_id, replace_existing=True
        )


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Stop firing, wait for running jobs, forget this process's runtime."""
    scheduler.shutdown(wait=True)
    _runtime.clear()
