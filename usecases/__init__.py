"""The use cases: what the service does, once, over ports (DESIGN.md §9).

Run a date (bringing earlier dates up to date when late files arrived),
write a discrepancy report, write a province's settlement statements,
publish them. Each is a function that takes its ports as parameters
(:class:`reconcile.ports.RunStore`, :mod:`usecases.ports`), so the command
line, the web application, the scheduler and the demo call the same
function and get the same file. The layer sits between the core and the
world: it uses :mod:`reconcile` (the core) and :mod:`reports` (rendering),
and imports nothing of :mod:`adapters`; ``adapters.bootstrap`` builds the
ports from the configuration and hands them in.

Ingestion and fetching are use cases over their own ports too
(:func:`adapters.fetch.fetch_source` takes a remote inbox, a ledger and an
ingest function), wired by the bootstrap.
"""
