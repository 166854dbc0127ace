"""Putting contacts into a group and taking them out: stamped, etag-checked, journalled.

``contactGroups.members.modify`` would be one call per 1,000 contacts, but it
takes no clientData: the change would carry no stamp, and every other PC's
sync would journal it as a hand edit by an unknown person. So the tool writes
the memberships with ``batchUpdateContacts`` (200 per call, each contact with
its etag and the tool's stamp), re-applies the change to a fresh copy when
another device edited the contact meanwhile, and journals who did it first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.contact.model import Contact
from contacts_crm.usecases.contacts import group_resource, resolve
from contacts_crm.usecases.manage import contact_event, summary_event

FIELDS = ["memberships"]


def change_members(
    account: Account,
    group: str,
    queries: list[str] | tuple[str, ...],
    *,
    add: bool,
    on_start: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Add contacts to (or remove them from) a group; each query must name one contact.

    Contacts already where asked are ``unchanged``; a contact whose only group
    this is stays in it (``lastGroup``: Google keeps every contact in a group).
    """
    params = {"group": group, "queries": list(queries), "add": add}
    ops.finish_pending(account)
    done = ops.again(account, "group_members", params)  # this command, interrupted, now finished
    if done is not None:
        changed = [rn for s in done.steps for rn in s.result.get("changed", [])]
        return {"group": done.steps[0].data["group"], "changed": changed, "unchanged": [],
                "notFound": [], "lastGroup": []}  # fmt: skip
    rn = group_resource(account, group)
    contacts: dict[str, Contact] = {}
    for query in queries:
        found = resolve(account, query)
        if found.resource_name:
            contacts.setdefault(found.resource_name, found)
    unchanged = [name for name, c in contacts.items() if (rn in c.groups) == add]
    last = [name for name, c in contacts.items()
            if not add and name not in unchanged and not _others(c.groups, rn)]  # fmt: skip
    todo = [c for name, c in contacts.items() if name not in unchanged and name not in last]
    report: dict[str, Any] = {"group": rn, "changed": [], "unchanged": unchanged,
                              "notFound": [], "lastGroup": last}  # fmt: skip
    if not todo:
        return report
    verb = "added to" if add else "removed from"
    label = account.groups.names().get(rn) or rn
    events = [summary_event(account, "", "group_members", f"{len(todo)} {verb} {label}",
                            group=rn, add=add)]  # fmt: skip
    events += [contact_event(account, "", n, "contact_edited", c, f"{verb} group {label}",
                             fields=FIELDS, group=rn, add=add)
               for n, c in enumerate(todo, start=1)]  # fmt: skip
    persons = list(account.contacts.persons_of(c.resource_name or "" for c in todo).values())
    steps = [ops.Step("members", "", {"group": rn, "add": add, "persons": persons[i : i + 200]})
             for i in range(0, len(persons), 200)]  # fmt: skip
    plan = ops.Plan(
        "group_members", steps, params=params,
        text=f"{len(todo)} {verb} {label}", contacts=[c.resource_name or "" for c in todo],
        events=events,  # who did it, before the write
    )  # fmt: skip
    ops.start(account, plan, on_start=on_start)
    report["changed"] = [c.resource_name for c in todo]
    return report


def _others(groups: list[str], rn: str) -> list[str]:
    return [g for g in groups if g != rn]
