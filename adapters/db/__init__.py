"""Storage: SQLAlchemy 2 Core over SQLite (embedded default) or PostgreSQL (production).

- :mod:`adapters.db.meta` holds the one ``MetaData`` every tables module registers on;
- :mod:`adapters.db.schema` the input tables (files, obligations, gateway transactions,
  bank statements) and the reference data;
- :mod:`adapters.db.engine` builds engines and runs the packaged Alembic migrations;
- :mod:`adapters.db.bulk` loads and reads Arrow tables fast (``COPY`` on PostgreSQL);
- :mod:`adapters.db.files`, :mod:`adapters.db.stores` record ingested files and their content;
- :mod:`adapters.db.run_inputs` reads a run's current inputs back as Arrow tables, and
  :mod:`adapters.db.runs` keeps the runs (tables in ``run_tables``, ``ops_tables``);
- :mod:`adapters.db.reference` loads and returns the reference data (``fixtures/*.csv``).
"""
