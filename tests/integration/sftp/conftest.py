"""SFTP test servers for the tests in this folder (see tests/sftp_fixtures.py)."""

from sftp_fixtures import client_key, sftp_inbox  # noqa: F401  (pytest finds fixtures by name)
