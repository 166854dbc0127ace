"""Step kinds that change contacts in place: ``update`` / ``update_many``
(a before -> after change applied three-way to the fresh contact, marked in its
``crm.ops`` so it lands once) and their inverses ``revert`` / ``revert_many``;
``batch`` is the shared one-batch write of a per-contact change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contacts_crm.account.operations.kinds import KINDS, Kind, Runner, ops_of, with_mark
from contacts_crm.account.operations.records import Operation, Step
from contacts_crm.contact.model import same_fields, three_way
from contacts_crm.contact.revert import revert as revert_fields
from contacts_crm.errors import NotFoundError


def _fields(data: dict[str, Any]) -> list[str]:
    fields = list(data["fields"])
    return fields if "clientData" in fields else [*fields, "clientData"]


def _change(
    current: dict[str, Any], mark: str, before: dict[str, Any], after: dict[str, Any],
    fields: list[str], reverting: bool,
) -> dict[str, Any] | None:  # fmt: skip
    if reverting:  # lands once by itself: on a contact that holds it, it changes nothing
        body = revert_fields(before, after, current, fields)
        return None if same_fields(current, body, fields) else body
    if mark in ops_of(current):
        return None
    body = three_way(before, current, after, fields)
    body["clientData"] = with_mark(
        {"clientData": body.get("clientData", current.get("clientData", []))}, mark
    )
    return body


def _run_update(r: Runner) -> dict[str, Any]:
    rn = r.ref(r.step.target)
    data = r.step.data
    fields = _fields(data)
    reverting = r.step.kind == "revert"

    def operation(current: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        body = _change(current, r.mark, data["before"], data["after"], fields, reverting)
        return None if body is None else (body, fields)

    client = r.account.client
    try:
        start = None if r.resuming or reverting else r.account.cache.person(rn)
        if start is not None and start.get("etag") != data["before"].get("etag"):
            start = None
        written = client.modify(rn, operation, person=start)
    except NotFoundError:
        return {"gone": True}
    r.account.remember([written])
    return {"written": written}


def _invert_update(op: Operation, step: Step) -> list[Step]:
    if step.result.get("gone"):
        return []
    data = {"before": step.data["before"], "after": step.result["written"],
            "fields": step.data["fields"]}  # fmt: skip
    return [Step("revert", step.target if not step.target.startswith("@") else
                 str(op.result(int(step.target[1:])).get("resourceName", "")), data)]  # fmt: skip


def _run_update_many(r: Runner) -> dict[str, Any]:
    """Many contacts, one batch write: ``data.items`` = [{before, after}]."""
    data = r.step.data
    fields = _fields(data)
    reverting = r.step.kind == "revert_many"
    items = {i["before"]["resourceName"]: i for i in data["items"]}

    def again(intended: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any] | None:
        item = items[fresh["resourceName"]]
        return _change(fresh, r.mark, item["before"], item["after"], fields, reverting)

    names = list(items)
    if r.resuming or reverting or data.get("fresh"):
        current = {p["resourceName"]: p for p in r.account.client.get_many(names)}
    else:
        current = {rn: i["before"] for rn, i in items.items()}
    todo, done = [], []
    for rn in names:
        person = current.get(rn)
        if person is None:
            continue
        body = again({}, person)
        if body is None:
            done.append(person)
        else:
            todo.append({**body, "resourceName": rn, "etag": person.get("etag")})
    written = r.account.client.update_many(todo, fields, reapply=again, bases=current)
    r.account.remember(written)
    gone = [rn for rn in names if rn not in current]
    seen = [current[p["resourceName"]] for p in written if p["resourceName"] in current]
    return {"written": [*done, *written], "gone": gone, "seen": seen}


def _invert_revert_many(op: Operation, step: Step) -> list[Step]:
    """A revert taken back: the reverted change applied again (three-way), to every
    contact of the step (a killed run's writes that landed count too)."""
    data = {**step.data, "fresh": True}  # the contacts changed since their before-images
    return [Step("update_many", "", data)] if step.data["items"] else []


def _invert_update_many(op: Operation, step: Step) -> list[Step]:
    after = {p["resourceName"]: p for p in step.result.get("written", [])}
    items = [{"before": i["before"], "after": after[i["before"]["resourceName"]]}
             for i in step.data["items"] if i["before"]["resourceName"] in after]  # fmt: skip
    return (
        [Step("revert_many", "", {"items": items, "fields": step.data["fields"]})] if items else []
    )


def batch(
    r: Runner,
    fields: list[str],
    again: Callable[[dict[str, Any]], dict[str, Any] | None],
    *,
    names: list[str] | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """One batch write of ``again`` applied to each contact (its before-image in
    ``data.persons``, or read fresh when resuming); what was written and seen."""
    if names is None:
        names = [p["resourceName"] for p in r.step.data["persons"]]
    if r.resuming or fresh:
        current = {p["resourceName"]: p for p in r.account.client.get_many(names)}
        r.account.remember(list(current.values()))
    else:
        current = {p["resourceName"]: p for p in r.step.data["persons"]}
    todo = []
    for rn in names:
        person = current.get(rn)
        body = again(person) if person is not None else None
        if body is not None and person is not None:
            todo.append({**body, "resourceName": rn, "etag": person.get("etag")})
    written = r.account.client.update_many(
        todo, fields, reapply=lambda _, fresh_copy: again(fresh_copy), bases=current
    )
    r.account.remember(written)
    seen = [current[p["resourceName"]] for p in written if p["resourceName"] in current]
    return {"written": written, "seen": seen}


KINDS.update(
    update=Kind(_run_update, _invert_update),
    revert=Kind(_run_update),
    update_many=Kind(_run_update_many, _invert_update_many),
    revert_many=Kind(_run_update_many, _invert_revert_many),
)
