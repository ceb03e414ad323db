"""Cron expressions, fire times and the jobs a configuration asks for."""

from __future__ import annotations

import datetime as dt

import pytest

import scheduler
from adapters.bootstrap import bootstrap
from adapters.settings import PublishSettings, Settings, SourceSettings
from reconcile.errors import ConfigError

HCM = scheduler.TIMEZONE


def test_a_five_field_expression_fires_in_ho_chi_minh_time() -> None:
    trigger = scheduler.cron_trigger("30 2 * * *")
    fire = trigger.get_next_fire_time(None, dt.datetime(2026, 11, 25, 12, 0, tzinfo=HCM))
    assert fire == dt.datetime(2026, 11, 26, 2, 30, tzinfo=HCM)
    assert fire.utcoffset() == dt.timedelta(hours=7)


def test_a_six_field_expression_starts_with_seconds() -> None:
    trigger = scheduler.cron_trigger("*/20 * * * * *")
    fire = trigger.get_next_fire_time(None, dt.datetime(2026, 11, 25, 12, 0, 1, tzinfo=HCM))
    assert fire == dt.datetime(2026, 11, 25, 12, 0, 20, tzinfo=HCM)


@pytest.mark.parametrize("expression", ["30 2 * *", "61 * * * *", "every day"])
def test_a_malformed_expression_is_a_configuration_error(expression: str) -> None:
    with pytest.raises(ConfigError, match="schedule"):
        scheduler.cron_trigger(expression)


def test_the_latest_fire_time_is_the_last_one_not_after_now() -> None:
    trigger = scheduler.cron_trigger("*/30 * * * *")
    now = dt.datetime(2026, 11, 25, 9, 45, 12, tzinfo=HCM)
    assert scheduler.latest_fire_time(trigger, now) == dt.datetime(2026, 11, 25, 9, 30, tzinfo=HCM)
    on_the_dot = dt.datetime(2026, 11, 25, 10, 0, tzinfo=HCM)
    assert scheduler.latest_fire_time(trigger, on_the_dot) == on_the_dot


def test_a_daily_job_finds_its_fire_time_of_the_morning_in_the_afternoon() -> None:
    trigger = scheduler.cron_trigger("30 2 * * *")
    afternoon = dt.datetime(2026, 11, 25, 15, 0, tzinfo=HCM)
    assert scheduler.latest_fire_time(trigger, afternoon) == dt.datetime(2026, 11, 25, 2, 30, tzinfo=HCM)


def test_each_source_gets_a_fetch_job_with_its_own_or_the_default_schedule() -> None:
    settings = Settings(
        sources=(
            SourceSettings(name="vcb", host="h", host_key="k", schedule="*/10 * * * *"),
            SourceSettings(name="vnpay", host="h", host_key="k"),
        ),
        publish=(PublishSettings(province="01", host="h", host_key="k"),),
    )
    specs = {spec.id: spec for spec in scheduler.job_specs(bootstrap(settings))}
    assert set(specs) == {"fetch:vcb", "fetch:vnpay", "daily_run", "publish"}
    assert specs["fetch:vcb"].cron == "*/10 * * * *"
    assert specs["fetch:vnpay"].cron == settings.schedule.fetch
    assert specs["daily_run"].cron == settings.schedule.daily_run


def test_without_outboxes_there_is_no_publish_job() -> None:
    assert [spec.id for spec in scheduler.job_specs(bootstrap(Settings()))] == ["daily_run"]


def test_the_daily_jobs_work_on_the_local_day_before_their_fire_time() -> None:
    just_after_midnight_local = dt.datetime(
        2026, 11, 25, 17, 30, tzinfo=dt.UTC
    )  # 00:30 on the 26th in Hà Nội
    assert scheduler.previous_business_date(just_after_midnight_local) == dt.date(2026, 11, 25)
    monday = dt.datetime(2026, 11, 30, 2, 30, tzinfo=HCM)
    assert scheduler.previous_business_date(monday) == dt.date(
        2026, 11, 29
    )  # Sunday's payments get their run
