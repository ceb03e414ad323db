"""The scheduler in this process: a job run by hand, history on the command line, missed fire times."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from service_fixtures import Service
from sqlalchemy import func, select

import scheduler
from adapters.bootstrap import bootstrap
from adapters.cli import main
from adapters.db.jobs import job_history
from adapters.db.ops_tables import fetched_files

WAIT_S = 60.0


def wait_for(condition, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def test_a_job_run_by_hand_fetches_and_shows_in_the_history(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    service.serve_sample("gateway_canonical.csv", "vnptpay-2026-11-25.csv")

    assert main(["--config", str(service.config), "scheduler", "--run", "fetch:bank"]) == 0
    assert main(["--config", str(service.config), "scheduler", "--history"]) == 0

    out = capsys.readouterr().out
    assert "fetch:bank" in out
    assert "succeeded" in out
    assert "vnptpay-2026-11-25.csv" in out
    assert "by hand" in out
    with service.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(fetched_files)).scalar_one() == 1


def test_an_unknown_job_is_refused_with_one_line(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(service.config), "scheduler", "--run", "fetch:nowhere"]) == 2
    assert "fetch:nowhere" in capsys.readouterr().err


def pretend_down_since(service: Service, job_id: str, when: dt.datetime) -> None:
    """Set a stored job's next fire time, as the job store holds it after a long stop."""
    store = SQLAlchemyJobStore(engine=service.engine)
    store.start(BackgroundScheduler(timezone=scheduler.TIMEZONE), "default")
    job = store.lookup_job(job_id)
    job._modify(next_run_time=when)
    store.update_job(job)


def test_a_restarted_scheduler_runs_the_fire_times_it_missed_once(service: Service) -> None:
    settings = service.settings()
    service.serve_sample("gateway_canonical.csv", "vnptpay-2026-11-25.csv")
    trigger = scheduler.cron_trigger("0 * * * *")  # hourly: the last fire time is always within the grace

    first = scheduler.start_scheduler(bootstrap(settings, engine=service.engine))
    scheduler.stop_scheduler(first)
    # The process was down for five hours: the job store still says the job was due then.
    pretend_down_since(service, "fetch:bank", dt.datetime.now(scheduler.TIMEZONE) - dt.timedelta(hours=5))
    before = scheduler.latest_fire_time(trigger, dt.datetime.now(scheduler.TIMEZONE))

    second = scheduler.start_scheduler(bootstrap(settings, engine=service.engine))
    stored = second.get_job("fetch:bank")
    assert (stored.coalesce, stored.max_instances) == (True, 1)
    try:
        runs = wait_for(
            lambda: [r for r in job_history(service.engine, job_id="fetch:bank") if r.outcome != "running"],
            "the missed fetch to run",
        )
        wait_for(lambda: second.get_job("fetch:bank").next_run_time > dt.datetime.now(dt.UTC), "rescheduling")
    finally:
        scheduler.stop_scheduler(second)
    after = scheduler.latest_fire_time(trigger, dt.datetime.now(scheduler.TIMEZONE))

    runs = job_history(service.engine, job_id="fetch:bank")
    assert len(runs) == 1  # five missed fire times, coalesced into one run
    assert runs[0].outcome == "succeeded"
    assert runs[0].scheduled_for in {before, after}
    assert runs[0].detail["fetched"] == ["vnptpay-2026-11-25.csv"]


def test_a_job_no_longer_configured_is_removed_from_the_store(service: Service) -> None:
    settings = service.settings()
    running = scheduler.start_scheduler(bootstrap(settings, engine=service.engine))
    try:
        assert {job.id for job in running.get_jobs()} == {"fetch:bank", "daily_run", "publish"}
        running.add_job("scheduler:run_job", "interval", args=["fetch:old"], id="fetch:old", hours=1)
        scheduler.sync_jobs(
            running, {s.id: scheduler.cron_trigger(s.cron) for s in scheduler.job_specs(bootstrap(settings))}
        )
        assert {job.id for job in running.get_jobs()} == {"fetch:bank", "daily_run", "publish"}
    finally:
        scheduler.stop_scheduler(running)


def test_the_daily_run_and_publishing_work_on_the_previous_business_date(service: Service) -> None:
    runtime = bootstrap(service.settings(), engine=service.engine)
    specs = {spec.id: spec for spec in scheduler.job_specs(runtime)}
    service.serve_sample("obligations.csv", "portal-2026-11-25.csv")
    service.serve_sample("gateway_canonical.csv", "vnptpay-2026-11-25.csv")
    thursday_morning = dt.datetime(2026, 11, 26, 2, 30, tzinfo=scheduler.TIMEZONE)

    fetched = scheduler.run_now(runtime, specs["fetch:bank"])
    ran = scheduler.run_now(runtime, specs["daily_run"], scheduled_for=thursday_morning)
    published = scheduler.run_now(runtime, specs["publish"], scheduled_for=thursday_morning.replace(hour=6))

    assert fetched is not None
    assert fetched.outcome == "succeeded", fetched
    assert ran is not None
    assert ran.outcome == "succeeded", ran
    assert ran.detail["business_date"] == "2026-11-25"
    assert ran.detail["run_id"] == "2026-11-25-v1"
    assert published is not None
    assert published.outcome == "succeeded", published
    outbox = sorted(p.name for p in (service.served / "outbox").iterdir())
    assert outbox == ["statement-01-2026-11-25.pdf", "statement-01-2026-11-25.xml"]
    assert (service.served / "outbox" / outbox[0]).read_bytes().startswith(b"%PDF")


def test_the_same_fire_time_run_twice_runs_once(service: Service) -> None:
    runtime = bootstrap(service.settings(), engine=service.engine)
    spec = {spec.id: spec for spec in scheduler.job_specs(runtime)}["daily_run"]
    fire_time = dt.datetime(2026, 11, 26, 2, 30, tzinfo=scheduler.TIMEZONE)

    first = scheduler.run_now(runtime, spec, scheduled_for=fire_time)
    second = scheduler.run_now(runtime, spec, scheduled_for=fire_time)

    assert first is not None
    assert first.outcome == "succeeded"
    assert second is None
    assert len(job_history(service.engine, job_id="daily_run")) == 1
