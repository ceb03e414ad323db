"""Integration tests: real files, real databases, real SFTP servers.

The database fixtures live in ``tests/db_fixtures.py`` (a plugin that
``tests/conftest.py`` registers, so every test directory has them):

- ``engine``: an empty database; a test that asks for it runs twice, ``[sqlite]``
  and ``[postgresql]``;
- ``migrated_engine``: the same after ``recon init`` (schema at head, reference data);
- ``postgres_engine``: an empty PostgreSQL database only;
- ``postgres_url``: the session's PostgreSQL server (``RECON_TEST_POSTGRES_URL``,
  or a throwaway cluster started with ``initdb``/``pg_ctl`` and stopped at the end).

PostgreSQL tests skip with the reason where no server can be had, and fail
instead when ``RECON_REQUIRE_POSTGRES=1`` (CI).
"""
