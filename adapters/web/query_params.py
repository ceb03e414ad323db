"""A request's filters, sorting and page, read the same way by the dashboard and the JSON API.

:func:`parse_query` checks every parameter and raises :class:`BadParameter`
naming the first bad one; the API answers it with ``400``, the dashboard
shows it above the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from starlette.datastructures import QueryParams

from adapters.web.api_queries import AGE_BUCKETS, SORTABLE, DiscrepancyQuery
from reconcile.discrepancies import Category, Severity, Status

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_TEXT = 128
MAX_AMOUNT = 10**18
#: The parameters both the dashboard and the API take.
QUERY_PARAMETERS = frozenset(
    {
        "date", "province", "category", "status", "severity", "gateway", "q", "sort", "page", "page_size",
        "assignee", "from", "to", "amount_min", "amount_max", "age", "mine", "agency",
    }
)  # fmt: skip
CHOICES = {
    "category": {c.value for c in Category},
    "status": {s.value for s in Status},
    "severity": {s.value for s in Severity},
    "age": set(AGE_BUCKETS),
    "mine": {"0", "1"},
}


class BadParameter(ValueError):
    """A query parameter that cannot be used; the message names it."""


def parse_query(
    params: QueryParams,
    *,
    allowed: Collection[str] = QUERY_PARAMETERS,
    default_date: dt.date | None = None,
    default_page_size: int = DEFAULT_PAGE_SIZE,
) -> DiscrepancyQuery:
    """The request's parameters, checked; ``date`` may be left out only when ``default_date`` is given."""
    for name in params:
        if name not in allowed:
            names = ", ".join(sorted(allowed))
            raise BadParameter(f"unknown parameter {name!r} (expected {names})")
        if len(params.getlist(name)) > 1:
            raise BadParameter(f"parameter {name!r} given more than once")
    values = {name: params[name].strip() or None for name in params if name in QUERY_PARAMETERS}
    date_text = values.pop("date", None)
    if date_text is None and default_date is None:
        raise BadParameter("date is required (YYYY-MM-DD)")
    business_date = _date(date_text, "date") if date_text is not None else default_date
    assert business_date is not None
    for name, choices in CHOICES.items():
        if values.get(name) is not None and values[name] not in choices:
            raise BadParameter(f"{name} {values[name]!r} is not one of {', '.join(sorted(choices))}")
    for name in ("province", "agency", "gateway", "q", "assignee"):
        if values.get(name) is not None and len(str(values[name])) > MAX_TEXT:
            raise BadParameter(f"{name} is longer than {MAX_TEXT} characters")
    sort = values.get("sort") or "id"
    descending = sort.startswith("-")
    field = sort.removeprefix("-")
    if field not in SORTABLE:
        raise BadParameter(f"cannot sort by {field!r} (sortable: {', '.join(sorted(SORTABLE))})")
    date_from = _date(values.get("from"), "from")
    date_to = _date(values.get("to"), "to")
    return DiscrepancyQuery(
        business_date=business_date,
        province=values.get("province"),
        agency=values.get("agency"),
        category=values.get("category"),
        status=values.get("status"),
        severity=values.get("severity"),
        gateway=values.get("gateway"),
        q=values.get("q"),
        assignee=values.get("assignee"),
        date_from=date_from,
        date_to=date_to,
        amount_min=_whole(values.get("amount_min"), "amount_min", minimum=0),
        amount_max=_whole(values.get("amount_max"), "amount_max", minimum=0),
        age=values.get("age"),
        mine=values.get("mine") == "1",
        sort=field,
        descending=descending,
        page=_whole(values.get("page"), "page", minimum=1) or 1,
        page_size=min(
            _whole(values.get("page_size"), "page_size", minimum=1) or default_page_size, MAX_PAGE_SIZE
        ),
    )


def _date(text: str | None, name: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadParameter(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None


def _whole(text: str | None, name: str, *, minimum: int) -> int | None:
    if text is None:
        return None
    digits = text.replace(".", "") if name.startswith("amount") else text  # 1.000.000 as Vietnamese write it
    limit = 18 if name.startswith("amount") else 9
    if not digits.isascii() or not digits.isdigit() or len(digits) > limit or int(digits) < minimum:
        raise BadParameter(f"{name} {text!r} is not a whole number from {minimum}")
    return int(digits)
