"""Fixtures for the scheduler tests (see tests/service_fixtures.py)."""

from service_fixtures import database_url, fetch_cron, service  # noqa: F401  (pytest finds fixtures by name)
