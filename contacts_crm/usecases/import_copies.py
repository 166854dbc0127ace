"""Contacts that exist twice: one import row (one import key) on several contacts.

Creates are never re-sent before the client knows they did not land, but a
copy that slipped through anyway (an older version, a request that outlived
every wait) must not stay hidden: ``crm doctor`` lists it and ``--repair``
deletes the extra copy, journaled first with the full contact (kind
``contact_deleted``). A copy someone worked on (fields differ, or journal
events) is never deleted: it is listed for a person to merge.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from contacts_crm.account.connected import Account
from contacts_crm.contact.model import WRITABLE, Contact, same_fields
from contacts_crm.imports.apply import states
from contacts_crm.imports.plan import IMPORT_KEY
from contacts_crm.imports.undo import delete_journalled, deleted_event


@dataclass
class Duplicate:
    """One import row on several contacts: which to keep, which are extra copies."""

    key: str
    name: str
    keep: str
    extra: list[str] = field(default_factory=list)  # identical, untouched copies
    worked_on: list[str] = field(default_factory=list)  # copies that differ: merge by hand

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_duplicates(account: Account) -> list[Duplicate]:
    """Every import key on two or more contacts in the local copy (sync first)."""
    account.ensure_synced()
    recorded: dict[str, str] = {}
    for state in states(account):
        recorded.update(state.created)
    out = []
    for key, names in account.contacts.marker_duplicates(IMPORT_KEY).items():
        persons = account.contacts.persons_of(names)
        if len(persons) < 2:
            continue
        keep = _keeper(account, key, list(persons), recorded)
        dup = Duplicate(key, Contact.from_person(persons[keep]).display_name, keep)
        for rn, person in persons.items():
            if rn == keep:
                continue
            untouched = not account.journal.history(rn) and same_fields(
                person, persons[keep], WRITABLE
            )
            (dup.extra if untouched else dup.worked_on).append(rn)
        out.append(dup)
    return out


def remove_extra_copies(account: Account, duplicates: list[Duplicate]) -> list[str]:
    """Delete the untouched extra copies (re-checked fresh), each journaled first."""
    names = [rn for d in duplicates for rn in (d.keep, *d.extra)]
    fresh = {p["resourceName"]: p for p in account.contacts.fetch_many(names)}
    doomed = []
    for d in duplicates:
        kept = fresh.get(d.keep)
        for rn in d.extra:
            person = fresh.get(rn)
            if kept is not None and person is not None and same_fields(person, kept, WRITABLE):
                doomed.append(person)
    if not doomed:
        return []
    return delete_journalled(account, [
        deleted_event(account, f"doctor-duplicate:{p['resourceName']}", p, _import_id(p),
                      why="an extra copy of an import row")
        for p in doomed
    ])  # fmt: skip


def _keeper(account: Account, key: str, names: list[str], recorded: dict[str, str]) -> str:
    """The copy the import recorded, else one with history, else the first."""
    if recorded.get(key) in names:
        return recorded[key]
    with_history = [rn for rn in names if account.journal.history(rn)]
    return (with_history or sorted(names))[0]


def _import_id(person: dict[str, Any]) -> str:
    key = Contact.from_person(person).client_data.get(IMPORT_KEY, "")
    return key.split(":")[0]
