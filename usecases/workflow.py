"""Use cases: the treasury workflow's decisions on a discrepancy, over :class:`usecases.ports.WorkItems`.

A comment, an assignment or a resolution takes effect at once. A write-off
(xoá sổ), a manual match (đối chiếu thủ công), and the resolution of a
high-severity item whose absolute difference reaches the approval threshold
are requests that take effect only when a second person approves them:
:func:`decide` refuses the requester (:class:`~reconcile.errors.FourEyesError`)
and a request no longer pending; an approved manual match resolves both
items. An item may be given only to an active treasury or admin user.

``item`` is the item as the caller found it (its scope checked): a mapping
with ``item_key``, ``province_code``, ``id`` (the row's id), ``severity``,
``difference_vnd`` and its live ``status``. A refused action raises
:class:`~reconcile.errors.RefusedAction` (a ``ValueError``) with the reason
to show, and writes nothing. The web forms call these functions; so may the
command line, the scheduler and the demo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconcile.errors import FourEyesError, RefusedAction
from reconcile.manual import pairing_of
from usecases.ports import WorkAction, WorkChange, WorkItems

Item = Mapping[str, Any]

#: The kinds of request a form may ask for, and the action each records.
REQUEST_KINDS = {"write_off": "request_write_off", "manual_match": "request_manual_match"}
#: What an approved request does to the item's status.
APPROVED_STATUS = {
    "request_write_off": "written_off",
    "request_manual_match": "resolved",
    "request_resolve": "resolved",
}
#: The default approval threshold: resolving a high-severity item of at
#: least this absolute difference (đồng) needs a second person.
DEFAULT_APPROVAL_THRESHOLD_VND = 50_000_000


def needs_approval(item: Item, threshold_vnd: int) -> bool:
    """Whether resolving ``item`` needs a second person: high severity and ``|difference|`` ≥ threshold."""
    return item["severity"] == "high" and abs(int(item.get("difference_vnd") or 0)) >= threshold_vnd


def pending_requests(actions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The requests in ``actions`` that nobody has approved or rejected yet."""
    decided = {row["request_id"] for row in actions if row["kind"] in ("approve", "reject")}
    return [row for row in actions if row["kind"] in APPROVED_STATUS and row["id"] not in decided]


def comment(store: WorkItems, item: Item, actor: str, note: str | None) -> None:
    _need(note, "Cần nội dung / a comment needs text")
    store.write([_action(item, actor, "comment", note=note)], [])


def assign(store: WorkItems, item: Item, actor: str, assignee: str | None) -> None:
    """Give the item to ``assignee``, who must be an active treasury or admin user."""
    assign_many(store, [item], actor, assignee)


def resolve(store: WorkItems, item: Item, actor: str, note: str | None, threshold_vnd: int) -> str:
    """Resolve the item, or ask for approval when it needs it; returns the kind recorded."""
    _need(note, "Cần ghi chú / say how it was resolved")
    kind = "request_resolve" if needs_approval(item, threshold_vnd) else "resolve"
    store.write([_action(item, actor, kind, note=note)], _changes([item], actor, kind))
    return kind


def request(
    store: WorkItems, item: Item, actor: str, kind: str, note: str | None, match_key: str | None = None
) -> None:
    """Ask for a write-off (``kind="write_off"``) or a manual match with the item ``match_key``."""
    asked = REQUEST_KINDS.get(kind)
    _need(asked, "Loại đề nghị không hợp lệ / unknown request kind")
    _need(note, "Cần lý do / a request needs a reason")
    if asked == "request_manual_match":
        _need(match_key, "Khớp với mục nào? / a manual match names the other item's number")
        _need(match_key != item["item_key"], "Không thể khớp một mục với chính nó / not with itself")
    else:
        match_key = None
    store.write([_action(item, actor, str(asked), note=note, match_key=match_key)], [])


def decide(store: WorkItems, item: Item, actor: str, request_id: int, approve: bool) -> str | None:
    """Approve or reject a pending request on the item; the decider must not be the requester.

    Returns the other item's key when an approved manual match pairs it with this one
    in a way a run honours (a credit with a batch, a transaction with an obligation:
    :func:`reconcile.manual.pairing_of`): the caller then runs their dates again
    (:func:`usecases.runs.rerun_after_decision`), so the pairing takes effect in the
    result everyone sees. Any other pair is only resolved together.
    """
    found = next(
        (r for r in pending_requests(store.actions(item["item_key"])) if r["id"] == request_id), None
    )
    if found is None:
        raise FourEyesError(f"request {request_id} is not pending on {item['item_key']}")
    if found["actor"] == actor:
        raise FourEyesError("a write-off or manual match needs a second person's approval")
    decision = _action(item, actor, "approve" if approve else "reject", request_id=request_id)
    changes: list[WorkChange] = []
    if approve:
        changes.append(_change(item, actor, status=APPROVED_STATUS[found["kind"]]))
        if found["kind"] == "request_manual_match" and found["match_key"]:
            changes.append(WorkChange(found["match_key"], actor, status="resolved"))
    store.write([decision], changes, pending=(item["item_key"], request_id))
    paired = found["match_key"] if approve and found["kind"] == "request_manual_match" else None
    if paired and pairing_of(item["item_key"], paired) is not None:
        return str(paired)
    return None


def assign_many(store: WorkItems, items: Sequence[Item], actor: str, assignee: str | None) -> None:
    """Give every item to ``assignee``, in one transaction."""
    _need(assignee, "Cần người nhận / name someone to assign to")
    assert assignee is not None
    _need(
        store.may_be_assigned(assignee),
        f"Không có người dùng đang hoạt động / no active treasury user {assignee!r}",
    )
    _need(items, "Chưa chọn mục nào / nothing selected")
    actions = [_action(item, actor, "assign", assignee=assignee) for item in items]
    store.write(actions, _changes(items, actor, "assign", assignee=assignee))


def comment_many(store: WorkItems, items: Sequence[Item], actor: str, note: str | None) -> None:
    """The same comment on every item, in one transaction."""
    _need(note, "Cần ghi chú / a note is needed")
    _need(items, "Chưa chọn mục nào / nothing selected")
    store.write([_action(item, actor, "comment", note=note) for item in items], [])


def resolve_many(
    store: WorkItems, items: Sequence[Item], actor: str, note: str | None, threshold_vnd: int
) -> None:
    """Resolve every item, asking for approval of those that need it: all of them or none."""
    _need(note, "Cần ghi chú / a note is needed")
    _need(items, "Chưa chọn mục nào / nothing selected")
    actions, changes = [], []
    for item in items:
        kind = "request_resolve" if needs_approval(item, threshold_vnd) else "resolve"
        actions.append(_action(item, actor, kind, note=note))
        changes.extend(_changes([item], actor, kind))
    store.write(actions, changes)


def _action(item: Item, actor: str, kind: str, **values: Any) -> WorkAction:
    return WorkAction(item["item_key"], item.get("province_code"), item.get("id"), kind, actor, **values)


def _changes(
    items: Sequence[Item], actor: str, kind: str, *, assignee: str | None = None
) -> list[WorkChange]:
    if kind == "assign":
        return [_change(item, actor, assignee=assignee) for item in items]
    if kind == "resolve":
        return [_change(item, actor, status="resolved") for item in items]
    return []


def _change(item: Item, actor: str, **values: Any) -> WorkChange:
    return WorkChange(item["item_key"], actor, run_status=item.get("status") or "open", **values)


def _need(value: object, reason: str) -> None:
    if not value:
        raise RefusedAction(reason)
