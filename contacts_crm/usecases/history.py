"""Deleted contacts: list the ones the journal kept, bring one back.

A contact deleted outside the tool (seen by a sync), by ``crm delete`` or by
``crm import undo`` is journalled as ``contact_deleted`` with its last full
Person. ``deleted_contacts`` lists those not restored since; ``undelete``
recreates one — card, phones, e-mails, company, groups that still exist —
as a new contact (Google gives it a new resource name) and journals that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.account.history import DELETED
from contacts_crm.contact import phones
from contacts_crm.contact.model import Contact
from contacts_crm.errors import AmbiguousError, InputError, NotFoundError, Problem
from contacts_crm.i18n import _

UNDELETED = "contact_undeleted"


@dataclass(frozen=True)
class Deleted:
    """A deleted contact as the journal keeps it."""

    resource_name: str
    name: str
    at: str
    who: str | None
    by_hand: bool
    person: dict[str, Any]

    @property
    def contact(self) -> Contact:
        return Contact.from_person(self.person)

    def to_dict(self) -> dict[str, Any]:
        c = self.contact
        return {
            "resourceName": self.resource_name, "name": self.name, "deletedAt": self.at,
            "who": self.who, "byHand": self.by_hand, "phones": [p.value for p in c.phones],
            "emails": [e.value for e in c.emails], "organization": c.organization,
        }  # fmt: skip


def deleted_contacts(account: Account, query: str | None = None) -> list[Deleted]:
    """Contacts the journal holds as deleted and not restored since, newest first."""
    restored = {str(e.data.get("from")) for e in account.journal.events(kinds=[UNDELETED])}
    latest: dict[str, Deleted] = {}
    for e in account.journal.events(kinds=[DELETED]):
        person = e.data.get("person")
        if not isinstance(person, dict) or e.contact in restored:
            continue
        latest[e.contact] = Deleted(e.contact, e.contact_name, e.at, e.who,
                                    bool(e.data.get("by_hand")), person)  # fmt: skip
    found = sorted(latest.values(), key=lambda d: d.at, reverse=True)
    if query is None or not query.strip():
        return found
    return [d for d in found if _matches(d, query.strip(), account.profile.region)]


def _matches(d: Deleted, query: str, region: str) -> bool:
    if query == d.resource_name:
        return True
    c = d.contact
    if phones.looks_like_phone(query):
        wanted = set(phones.lookup_keys(query, region))
        if wanted & set(c.phone_keys):
            return True
    if "@" in query and any(e.value.casefold() == query.casefold() for e in c.emails):
        return True
    text = " ".join([d.name, c.organization]).casefold()
    return all(word in text for word in query.casefold().split())


@dataclass
class Undeleted:
    contact: Contact
    restored_from: str
    missing_groups: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "resourceName": self.contact.resource_name, "name": self.contact.display_name,
            "restoredFrom": self.restored_from, "missingGroups": self.missing_groups,
        }  # fmt: skip


def undelete(
    account: Account,
    query: str,
    *,
    by: str | None = None,
    allow_duplicate: bool = False,
    on_start: Callable[[str], None] | None = None,
) -> Undeleted:
    """Recreate the one deleted contact ``query`` names, from its journalled Person.

    Refuses (InputError) when a live contact already has one of its phones,
    unless ``allow_duplicate`` — it may have been re-entered by hand meanwhile.
    """
    account.ensure_synced()
    found = deleted_contacts(account, query)
    if not found:
        raise NotFoundError(
            _("no deleted contact matches {query!r}").format(query=query),
            hint=_("'crm journal --deleted' lists the deleted contacts the journal kept"),
        )
    if len(found) > 1:
        listed = _("{name} ({rn}, deleted {day})")
        names = [listed.format(name=d.name, rn=d.resource_name, day=d.at[:10]) for d in found[:10]]
        raise AmbiguousError(
            _("{n} deleted contacts match {query!r}: {listed}").format(
                n=len(found), query=query, listed="; ".join(names)
            ),
            [d.resource_name for d in found],
            hint=_("use a phone number or the old resource name (people/c…) to pick one"),
        )
    gone = found[0]
    if not allow_duplicate:
        problems = [
            Problem(_("{number} now belongs to {name} ({rn})").format(
                number=p.value, name=other.display_name, rn=other.resource_name), column="phone")
            for p in gone.contact.phones
            for other in account.contacts.by_phone(p.value)
        ]  # fmt: skip
        if problems:
            raise InputError(
                _("cannot bring back {name!r}: its phone is on another contact").format(
                    name=gone.name
                ),
                problems,
                hint=_("merge by hand, or bring it back allowing duplicates"),
                reason="shared_phone_undelete",
            )
    who = (by or account.profile.user or "").strip() or None
    plan = ops.Plan(
        "undelete",
        [ops.Step("restore", "", {"person": gone.person, "was": gone.resource_name,
                                  "exact": False})],
        params={"query": query},
        text=f"brought back {gone.name}",
        contacts=[gone.resource_name],
        who=who,
    )  # fmt: skip
    return _undeleted(ops.start(account, plan, on_start=on_start))


def _undeleted(op: ops.Operation) -> Undeleted:
    result = op.steps[0].result
    contact = Contact.from_person(result["created"])
    return Undeleted(contact, result["was"], list(result.get("missingGroups", [])))


def undelete_again(account: Account, query: str) -> Undeleted | None:
    """The interrupted undelete of ``query``, when this run just finished it."""
    ops.finish_pending(account)
    op = ops.again(account, "undelete", {"query": query})
    return _undeleted(op) if op is not None else None


@dataclass
class UndoneOperation:
    """What ``crm undo`` did."""

    op_id: str
    kind: str
    undo_id: str
    already: bool
    kept: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"opId": self.op_id, "kind": self.kind, "undo": self.undo_id,
                "already": self.already, "kept": self.kept}  # fmt: skip


def undo_operation(account: Account, op_id: str, *, force: bool = False) -> UndoneOperation:
    """Undo any operation by the id it printed when it started (three-way: later
    work stays; a contact people worked on since is kept unless ``force``).
    An interrupted operation is finished first; a second undo answers ``already``."""
    account.ensure_synced()
    op = ops.store(account).get(op_id)
    if op is not None and op.kind == "import":  # an import's undo is its own (imports/undo.py)
        return _undo_import(account, op, force)
    done = ops.undo(account, op_id, force=force)
    return UndoneOperation(op_id, done.kind, done.undo.op_id, done.already, done.kept())


def _undo_import(account: Account, op: ops.Operation, force: bool) -> UndoneOperation:
    from contacts_crm.imports import run as importer

    report = importer.undo(account, op.op_id, force=force)
    import_id = str(op.params["import"])
    undo_ops = ops.store(account).find("import_undo", **{"import": import_id})
    kept = [str(k["resourceName"]) for k in report.kept]
    return UndoneOperation(op.op_id, op.kind, undo_ops[0] if undo_ops else "",
                           report.already_undone, kept)  # fmt: skip
