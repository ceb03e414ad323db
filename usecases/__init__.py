"""The use cases: what the service does, once, over ports (DESIGN.md §9).

Run a date (bringing earlier dates up to date when late files arrived),
write a discrepancy report (with each item's live workflow status), write a
province's settlement statements, publish them, and the treasury workflow's
decisions on an item (comment, assign, resolve, four-eyes requests). Each
is a function that takes its ports as parameters
(:class:`reconcile.ports.RunStore`, :mod:`usecases.ports`), so the command
line, the web application, the scheduler and the demo call the same
function and get the same file. The layer sits between the core and the
world: it uses :mod:`reconcile` (the core) and :mod:`reports` (rendering),
and imports nothing of :mod:`adapters`; ``adapters.bootstrap`` builds the
ports from the configuration and hands them in.

Ingestion and fetching keep their homes in ``adapters``: ingesting a file is
one database transaction per file (``adapters.ingest.ingest_files``, which
``recon ingest`` and every fetch call), and ``adapters.fetch.fetch_source``
is already a function over its ports (a remote inbox, a ledger, an ingest
function) beside the local inbox's file locks; the bootstrap wires both.
"""
