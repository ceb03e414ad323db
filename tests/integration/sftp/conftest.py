"""SFTP test servers and a configured service for the tests in this folder.

See tests/sftp_fixtures.py and tests/service_fixtures.py.
"""

from service_fixtures import database_url, fetch_cron, service  # noqa: F401  (pytest finds fixtures by name)
from sftp_fixtures import client_key, sftp_inbox  # noqa: F401
