"""The latest result overlaid with the work done since the run: a report's rows with their live status.

A run's stored rows keep the status the run gave them; ``work_items`` holds
what people did since (resolved, written off, assigned). Every view of the
web application shows the two together: the pages and the API join them in
SQL (:mod:`adapters.web.api_queries`), and a report downloaded from the web
gets the live ``status`` here, so an item resolved this morning is not
``open`` in the spreadsheet exported this afternoon.
"""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import Connection, select

from adapters.db.run_tables import discrepancies, work_items
from reconcile.discrepancies import KEY_OF, Category
from reports.tabular import DiscrepancyReport


def with_live_status(conn: Connection, report: DiscrepancyReport, run_ids: list[str]) -> DiscrepancyReport:
    """``report`` with each row's ``status`` replaced by its work item's, where one exists."""
    d, w = discrepancies.c, work_items.c
    statement = (
        select(w.item_key, w.status)
        .join(discrepancies, d.item_key == w.item_key)
        .where(d.run_id.in_(run_ids))
        .distinct()
    )
    live = {key: status for key, status in conn.execute(statement)}
    if not live:
        return report
    table = report.discrepancies
    categories = table.column("category").to_pylist()
    keys = {name: table.column(name).to_pylist() for name in set(KEY_OF.values())}
    statuses = table.column("status").to_pylist()
    overlaid = [
        live.get(f"{category}:{keys[KEY_OF[Category(category)]][i]}", status)
        for i, (category, status) in enumerate(zip(categories, statuses, strict=True))
    ]
    index = table.schema.get_field_index("status")
    column = pa.array(overlaid, type=table.schema.field("status").type)
    return DiscrepancyReport(
        report.run, table.set_column(index, "status", column), report.diff_against, report.diff
    )
