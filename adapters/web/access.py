"""Who may see what: the roles of DESIGN.md §1 in one place.

=========  ==================================================================
role       may
=========  ==================================================================
treasury   see every province; download reports and statements; work on items
ops        see every province; download reports and statements
admin      everything treasury may
province   see its own province only: its rows and its statements; no reports
agency     see its own central agency (a ministry) only, as a province user
           sees its province: its rows (``agency_code``) and its statements
=========  ==================================================================

Every database query of the web application that returns discrepancy rows
takes its ``WHERE`` clause for the province from :func:`province_clause`,
and every download asks :func:`may_see_province`, so a province user's
scope is decided here and nowhere else. Whatever a user may not see is
answered as if it did not exist (404), so a province login cannot even
learn which other provinces have data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true
from starlette.requests import Request

from adapters.db.users import SqlUserStore, User

STAFF_ROLES = frozenset({"treasury", "ops", "admin"})
WORKFLOW_ROLES = frozenset({"treasury", "admin"})
SESSION_USER = "user_id"


class SignInRequired(Exception):
    """No valid session. Pages redirect to the sign-in form; downloads answer 401."""

    def __init__(self, download: bool = False) -> None:
        super().__init__("sign in required")
        self.download = download


class Hidden(Exception):
    """The thing exists, or not, but this user may not know: answered 404."""


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def may_see_province(user: User, province_code: str | None) -> bool:
    """Whether ``user`` may see the payee ``province_code`` (a province's code, or an agency's)."""
    if is_staff(user):
        return True
    if province_code is None:
        return False
    if user.role == "agency":
        return province_code == user.agency_code
    return user.role == "province" and province_code == user.province_code


def may_download_reports(user: User) -> bool:
    """Whole-run reports span every province: staff only."""
    return is_staff(user)


def may_work_items(user: User) -> bool:
    """Comment, assign, resolve, request and approve (treasury accountants and admins)."""
    return user.role in WORKFLOW_ROLES


def province_clause(user: User, column: Any) -> ColumnElement[bool]:
    """The ``WHERE`` part that keeps ``user`` inside its provinces (rows without a province are staff's).

    An agency user's rows are those whose table's ``agency_code`` is its agency (a
    ministry's rows have no province); a table without that column shows it nothing.
    """
    if is_staff(user):
        return true()
    result: ColumnElement[bool]
    if user.role == "province" and user.province_code:
        result = column == user.province_code
        return result
    agency_column = _agency_column(column)
    if user.role == "agency" and user.agency_code and agency_column is not None:
        result = agency_column == user.agency_code
        return result
    return false()


def _agency_column(column: Any) -> Any:
    """The ``agency_code`` column beside ``column`` in its table (or alias), else ``None``."""
    table = getattr(column, "table", None)
    columns = getattr(table, "c", None)
    return None if columns is None else columns.get("agency_code")


def current_user(request: Request, *, download: bool = False) -> User:
    """The signed-in, still active user of the request; else :class:`SignInRequired`."""
    user_id = request.session.get(SESSION_USER)
    if not isinstance(user_id, int):
        raise SignInRequired(download)
    user = SqlUserStore(request.app.state.engine).by_id(user_id)
    if user is None or not user.active:
        request.session.clear()
        raise SignInRequired(download)
    return user


def require(allowed: bool) -> None:
    """Raise :class:`Hidden` unless ``allowed``."""
    if not allowed:
        raise Hidden
