"""Deleted contacts: list the ones the journal kept, bring one back.

A contact deleted outside the tool (seen by a sync), by ``crm delete`` or by
``crm import undo`` is journalled as ``contact_deleted`` with its last full
Person. ``deleted_contacts`` lists those not restored since; ``undelete``
recreates one — card, phones, e-mails, company, groups that still exist —
as a new contact (Google gives it a new resource name) and journals that.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from contacts_crm.account.connected import Account
from contacts_crm.account.history import DELETED
from contacts_crm.account.journal import now as journal_now
from contacts_crm.card.events import APPLIED, JournalEvent
from contacts_crm.contact import phones
from contacts_crm.contact.model import MY_CONTACTS, Contact
from contacts_crm.contact.stamp import STAMP_KEY
from contacts_crm.errors import AmbiguousError, InputError, NotFoundError, Problem
from contacts_crm.i18n import _

UNDELETED = "contact_undeleted"
# Person fields a restore writes back (the writable ones the tool reads).
RESTORED = ("names", "nicknames", "phoneNumbers", "emailAddresses", "organizations",
            "addresses", "biographies", "memberships", "userDefined", "urls", "birthdays",
            "events", "relations", "externalIds", "clientData")  # fmt: skip
_OUTPUT_ONLY = {"metadata", "formattedType", "canonicalForm", "displayName",
                "displayNameLastFirst", "contactGroupId", "formattedValue"}  # fmt: skip
_NOT_RESTORED_DATA = {STAMP_KEY, "crm.key", "crm.import", "crm.restore"}


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


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in _OUTPUT_ONLY}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def restore_body(person: dict[str, Any], live_groups: set[str]) -> tuple[dict[str, Any], list[str]]:
    """The create body that brings ``person`` back, and the groups that no longer exist."""
    body = {f: _clean(person[f]) for f in RESTORED if person.get(f)}
    missing: list[str] = []
    members = []
    for m in body.get("memberships", []):
        rn = (m.get("contactGroupMembership") or {}).get("contactGroupResourceName", "")
        if rn == MY_CONTACTS or rn in live_groups:
            members.append({"contactGroupMembership": {"contactGroupResourceName": rn}})
        elif rn:
            missing.append(rn)
    if not any(
        m["contactGroupMembership"]["contactGroupResourceName"] == MY_CONTACTS for m in members
    ):
        members.insert(0, {"contactGroupMembership": {"contactGroupResourceName": MY_CONTACTS}})
    body["memberships"] = members
    data = [cd for cd in body.get("clientData", []) if cd.get("key") not in _NOT_RESTORED_DATA]
    if data:
        body["clientData"] = data
    else:
        body.pop("clientData", None)
    return body, missing


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
    account: Account, query: str, *, by: str | None = None, allow_duplicate: bool = False
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
                hint=_("merge by hand, or pass --allow-duplicate to restore it anyway"),
            )
    live = {g["resourceName"] for g in account.groups.all()}
    body, missing = restore_body(gone.person, live)
    created = account.contacts.create(body)
    who = (by or account.profile.user or "").strip() or None
    digest = hashlib.blake2b(gone.resource_name.encode(), digest_size=8).hexdigest()
    contact = Contact.from_person(created)
    account.journal.record([JournalEvent(
        op_id=f"undeleted-{digest}", seq=0, at=journal_now(),
        who=who, kind=UNDELETED, contact=contact.resource_name or "",
        contact_name=contact.display_name, text=contact.display_name,
        data={"from": gone.resource_name, "missing_groups": missing}, state=APPLIED,
    )], applied=True)  # fmt: skip
    return Undeleted(contact, gone.resource_name, missing)
