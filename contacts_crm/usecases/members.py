"""Putting contacts into a group and taking them out: stamped, etag-checked, journalled.

``contactGroups.members.modify`` would be one call per 1,000 contacts, but it
takes no clientData: the change would carry no stamp, and every other PC's
sync would journal it as a hand edit by an unknown person. So the tool writes
the memberships with ``batchUpdateContacts`` (200 per call, each contact with
its etag and the tool's stamp), re-applies the change to a fresh copy when
another device edited the contact meanwhile, and journals who did it first.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from contacts_crm.account.connected import Account
from contacts_crm.account.journal import new_op_id
from contacts_crm.contact.model import MY_CONTACTS, Contact
from contacts_crm.usecases.contacts import group_resource, resolve
from contacts_crm.usecases.manage import contact_event, summary_event

FIELDS = ["memberships"]


def change_members(
    account: Account, group: str, queries: list[str] | tuple[str, ...], *, add: bool
) -> dict[str, Any]:
    """Add contacts to (or remove them from) a group; each query must name one contact.

    Contacts already where asked are ``unchanged``; a contact whose only group
    this is stays in it (``lastGroup``: Google keeps every contact in a group).
    """
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
    op = new_op_id()
    verb = "added to" if add else "removed from"
    label = account.groups.names().get(rn) or rn
    journal = account.journal
    events = [summary_event(account, op, "group_members", f"{len(todo)} {verb} {label}",
                            group=rn, add=add)]  # fmt: skip
    events += [contact_event(account, op, n, "contact_edited", c, f"{verb} group {label}",
                             fields=FIELDS, group=rn, add=add)
               for n, c in enumerate(todo, start=1)]  # fmt: skip
    journal.record(events)  # who did it, before the write

    def again(fresh: dict[str, Any]) -> dict[str, Any] | None:
        groups = Contact.from_person(fresh).groups
        if (rn in groups) == add or (not add and not _others(groups, rn)):
            return None  # it holds the change already (or only this group is left)
        return _changed(Contact.from_person(fresh), rn, add)

    persons = [_changed(c, rn, add) for c in todo]
    bases = account.contacts.persons_of(c.resource_name or "" for c in todo)
    # a failure leaves the events pending, as every journalled write does (crm doctor)
    account.contacts.write_many(persons, FIELDS, again, bases=bases)
    journal.mark_applied(op)
    report["changed"] = [c.resource_name for c in todo]
    return report


def _others(groups: list[str], rn: str) -> list[str]:
    return [g for g in groups if g != rn]


def _changed(contact: Contact, rn: str, add: bool) -> dict[str, Any]:
    """The contact's memberships with ``rn`` added or removed (as a write body)."""
    groups = [*contact.groups, rn] if add else _others(contact.groups, rn)
    if not groups:
        groups = [MY_CONTACTS]
    return replace(contact, groups=groups).to_person(FIELDS)

