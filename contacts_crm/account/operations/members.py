"""The step kind ``members``: contacts put into a group or taken out of it."""

from __future__ import annotations

from typing import Any

from contacts_crm.account.operations.kinds import KINDS, Kind, Runner
from contacts_crm.account.operations.records import Operation, Step


def _run_members(r: Runner) -> dict[str, Any]:
    """Put contacts into a group or take them out (``data``: group, add, persons —
    their before-images). Lands once by itself: a contact already where asked is
    left alone; a contact whose only group this is stays in it."""
    from contacts_crm.contact.model import MY_CONTACTS, Contact

    data = r.step.data
    group, add = data["group"], bool(data["add"])
    names = [p["resourceName"] for p in data["persons"]]
    if r.resuming or data.get("fresh"):
        current = {p["resourceName"]: p for p in r.account.client.get_many(names)}
        r.account.remember(list(current.values()))
    else:
        current = {p["resourceName"]: p for p in data["persons"]}

    def again(intended: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any] | None:
        groups = Contact.from_person(fresh).groups
        others = [g for g in groups if g != group]
        if (group in groups) == add or (not add and not others):
            return None
        new = [*groups, group] if add else others
        return {"memberships": [{"contactGroupMembership": {"contactGroupResourceName": g}}
                                for g in (new or [MY_CONTACTS])]}  # fmt: skip

    todo = []
    for rn in names:
        person = current.get(rn)
        body = again({}, person) if person is not None else None
        if body is not None and person is not None:
            todo.append({**body, "resourceName": rn, "etag": person.get("etag")})
    written = r.account.client.update_many(todo, ["memberships"], reapply=again, bases=current)
    r.account.remember(written)
    final = {**current, **{p["resourceName"]: p for p in written}}
    # what holds the change now: this run's writes, or a killed run's that landed
    held = [rn for rn in names if rn in final
            and (group in Contact.from_person(final[rn]).groups) == add]  # fmt: skip
    return {"changed": held}


def _invert_members(op: Operation, step: Step) -> list[Step]:
    changed = set(step.result.get("changed", []))
    persons = [p for p in step.data["persons"] if p["resourceName"] in changed]
    data = {"group": step.data["group"], "add": not step.data["add"], "persons": persons,
            "fresh": True}  # fmt: skip
    return [Step("members", "", data)] if persons else []


KINDS.update(members=Kind(_run_members, _invert_members))
