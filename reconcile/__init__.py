"""The reconciliation core: money, calendar, reference rules, matching and runs.

Nothing in this package does I/O. It speaks to storage, file sources and
report sinks through the ports in :mod:`reconcile.ports`.
"""
