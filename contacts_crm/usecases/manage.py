"""Use cases that keep the account clean: list, show, edit and delete contacts.

Reads come from the cache. Every write is etag-checked and re-applied to a
fresh copy on a conflict (``PeopleClient.modify``): an edit is a change
(``contact.editing.Edit``), not a whole new contact, so what someone else did
meanwhile stays. Each write is journalled first, with the old and the new
values; a deletion journals the whole contact (kind ``contact_deleted``,
``data.person``) before anything leaves the account, so ``crm undelete`` can
bring it back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.account.journal import new_op_id, now
from contacts_crm.card import free_text
from contacts_crm.card.decide import OPS_KEPT, OPS_KEY
from contacts_crm.card.events import JournalEvent
from contacts_crm.contact.editing import (
    Edit,
    Template,
    apply_fields,
    edit_from_templates,
    normalized,
    parse_template,
    render_template,
    template_of,
)
from contacts_crm.contact.model import MY_CONTACTS, Contact, Listed
from contacts_crm.errors import FieldError, UnavailableError, UsageError
from contacts_crm.i18n import _
from contacts_crm.office.cards import card_settings
from contacts_crm.usecases.contacts import group_resource, resolve

log = logging.getLogger(__name__)

DELETE_THRESHOLD = 10  # more contacts than this at once need --force
EDIT_FIELDS = [
    "names",
    "phoneNumbers",
    "emailAddresses",
    "organizations",
    "addresses",
    "biographies",
]


def summary_event(account: Account, op_id: str, kind: str, text: str, **data: Any) -> JournalEvent:
    """An operation's own entry (seq 0). It names no contact: ``crm doctor`` replays
    only card operations, and the per-contact entries (seq 1…) carry the details."""
    return JournalEvent(
        op_id=op_id,
        seq=0,
        at=now(),
        who=account.profile.user or None,
        kind=kind,
        text=text,
        data=data,
    )


def contact_event(
    account: Account, op_id: str, seq: int, kind: str, contact: Contact, text: str, **data: Any
) -> JournalEvent:
    return JournalEvent(
        op_id=op_id,
        seq=seq,
        at=now(),
        who=account.profile.user or None,
        kind=kind,
        contact=contact.resource_name or "",
        contact_name=contact.display_name,
        text=text,
        data=data,
    )


# ------------------------------------------------------------------- reading
def list_pages(
    account: Account, *, group: str | None = None, limit: int | None = None, sync: bool = False
) -> Iterator[list[Listed]]:
    """Every contact (or a group's), in name order, as a listing shows it: a page at a
    time from the local copy, so a listing of any size holds one page in memory.

    The local copy is read as every read does (filled on first use, refreshed when
    older than the profile's ``sync_minutes``); ``sync`` brings it up to date first
    (incremental: one call when little changed). Offline, it is listed as it is.
    """
    _fresh_copy(account, sync)
    rn = group_resource(account, group) if group else None
    left = limit
    for page in account.contacts.listed_pages():
        rows = page if rn is None else [row for row in page if rn in row.groups]
        if left is not None:
            rows = rows[:left]
            left -= len(rows)
        if rows:
            yield rows
        if left is not None and left <= 0:
            return


def list_contacts(
    account: Account, *, group: str | None = None, limit: int | None = None, sync: bool = False
) -> Iterator[Contact]:
    """Every contact (or a group's), whole, in name order, read a page at a time from
    the local copy (``list_pages`` says when it is refreshed)."""
    _fresh_copy(account, sync)
    rn = group_resource(account, group) if group else None
    left = limit
    for page in account.contacts.pages():
        for contact in page:
            if rn is None or rn in contact.groups:
                if left is not None and left <= 0:
                    return
                yield contact
                if left is not None:
                    left -= 1


def _fresh_copy(account: Account, sync: bool) -> None:
    if sync and account.synced:
        try:
            account.sync()
        except UnavailableError as exc:
            log.warning("listing the local copy: %s", exc.message)
    account.ensure_synced()


@dataclass
class Shown:
    """One contact as ``crm show`` presents it."""

    contact: Contact
    groups: list[str]
    card: str
    free: str

    def to_dict(self) -> dict[str, Any]:
        c = self.contact
        return {
            "resourceName": c.resource_name,
            "etag": c.etag,
            "name": c.display_name,
            "givenName": c.given_name,
            "middleName": c.middle_name,
            "familyName": c.family_name,
            "phones": [{"value": p.value, "type": p.type} for p in c.phones],
            "emails": [{"value": e.value, "type": e.type} for e in c.emails],
            "organization": c.organization,
            "title": c.title,
            "department": c.department,
            "jobDescription": c.job_description,
            "nicknames": list(c.nicknames),
            "urls": [{"value": u.value, "type": u.type} for u in c.urls],
            "birthday": c.birthday,
            "addresses": [
                {
                    "formatted": a.formatted,
                    "type": a.type,
                    "street": a.street,
                    "city": a.city,
                    "region": a.region,
                    "postalCode": a.postal_code,
                    "country": a.country,
                    "poBox": a.po_box,
                    "extendedAddress": a.extended,
                }
                for a in c.addresses
            ],
            "groups": self.groups,
            "userDefined": [{"key": k, "value": v} for k, v in c.user_defined],
            "card": self.card,
            "freeText": self.free,
        }


def show_contact(account: Account, query: str) -> Shown:
    """Every field the tool models, the groups by name and the card of one contact."""
    contact = resolve(account, query)
    names = account.groups.names()
    labels = card_settings(account.profile).labels
    return Shown(
        contact=contact,
        groups=[names.get(g, g) for g in contact.groups if g != MY_CONTACTS],
        card=contact.notes,
        free=free_text.free_of(contact.notes, labels),
    )


# ------------------------------------------------------------------- editing
@dataclass
class Edited:
    """What ``edit_contact`` did."""

    contact: Contact
    op_id: str
    changed: list[str] = field(default_factory=list)  # Person fields that changed

    def to_dict(self) -> dict[str, Any]:
        return {
            "resourceName": self.contact.resource_name,
            "name": self.contact.display_name,
            "opId": self.op_id,
            "changed": self.changed,
        }


def edit_contact(account: Account, query: str, edit: Edit, *, op_id: str | None = None) -> Edited:
    """Apply ``edit`` to the one contact ``query`` names (etag-checked, journalled).

    On a stale etag the edit is re-applied to the fresh contact, so a change
    another device made meanwhile is kept. The journal gets the old and the
    new values of every changed field before the write.
    """
    contact = resolve(account, query)
    edit = normalized(edit, account.profile.region)
    rn = contact.resource_name or ""
    op = op_id or new_op_id()
    labels = card_settings(account.profile).labels
    journal = account.journal
    state: dict[str, Any] = {"fields": []}

    def operation(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        fresh = Contact.from_person(person)
        done = fresh.client_data.get(OPS_KEY, "").split()
        if op in done:  # a retried write that had landed: nothing to do
            return None
        after = apply_fields(fresh, edit, account.profile.region)
        notes = after.notes
        if edit.free_text is not None:
            notes = free_text.replace_free(notes, *edit.free_text, labels)
        if edit.append_note:
            notes = free_text.append_free(notes, edit.append_note, labels)
        after.notes = notes
        changed = fresh.changed_fields(after)
        if not changed:
            return None
        after.client_data = {**after.client_data, OPS_KEY: " ".join([*done, op][-OPS_KEPT:])}
        new = after.to_person([*changed, "clientData"])
        old = {f: person.get(f, []) for f in changed}
        journal.record(
            [
                summary_event(account, op, "edit", f"edited {rn}", fields=changed),
                contact_event(
                    account,
                    op,
                    1,
                    "contact_edited",
                    fresh,
                    f"edited {', '.join(changed)}",
                    fields=changed,
                    before=old,
                    after={f: new[f] for f in changed},
                ),
            ]
        )
        state["fields"] = changed
        return new, [*changed, "clientData"]

    written = account.contacts.write(rn, operation)
    journal.mark_applied(op)
    return Edited(Contact.from_person(written), op, state["fields"])


def editor_text(account: Account, query: str) -> tuple[Contact, str]:
    """The contact ``query`` names and the template the editor opens for it."""
    contact = resolve(account, query)
    return contact, render_template(_template(account, contact), contact.resource_name or "")


def _template(account: Account, contact: Contact) -> Template:
    labels = card_settings(account.profile).labels
    return template_of(contact, free_text.free_of(contact.notes, labels))


def edit_from_text(account: Account, contact: Contact, text: str) -> Edit:
    """The Edit an edited template asks for (InputError on a mistake, with its line).

    Compared with the template of ``contact`` as it was shown, so only what
    the user changed is applied (to the contact as it is when written).
    """
    edit = edit_from_templates(_template(account, contact), parse_template(text))
    return normalized(edit, account.profile.region)


# ------------------------------------------------------------------ deleting
def to_delete(account: Account, queries: Sequence[str]) -> list[Contact]:
    """The contacts the queries name (each must name exactly one), without repeats."""
    account.ensure_synced()
    out: dict[str, Contact] = {}
    for q in queries:
        contact = resolve(account, q)
        out.setdefault(contact.resource_name or "", contact)
    return list(out.values())


@dataclass
class Deleted:
    op_id: str
    contacts: list[Contact]

    def to_dict(self) -> dict[str, Any]:
        return {
            "opId": self.op_id,
            "deleted": [
                {"resourceName": c.resource_name, "name": c.display_name} for c in self.contacts
            ],
        }


def delete_contacts(
    account: Account,
    contacts: Sequence[Contact],
    *,
    force: bool = False,
    threshold: int = DELETE_THRESHOLD,
    progress: Callable[[int], None] | None = None,
    queries: Sequence[str] = (),
    on_start: Callable[[str], None] | None = None,
) -> Deleted:
    """Delete contacts; each one's full Person goes to the journal first.

    More than ``threshold`` at once is refused unless ``force``. The contacts
    are read fresh (200 per call) so the journal keeps their latest version.
    One durable operation (account/operations/): ``on_start(op_id)`` hears
    its id before the first write; a kill is finished by whoever runs next.
    """
    if not contacts:
        raise UsageError(_("nothing to delete"))
    if len(contacts) > threshold and not force:
        raise FieldError(
            "force", "many_deletes",
            _("refusing to delete {n} contacts at once (more than {threshold})").format(
                n=len(contacts), threshold=threshold),
            hint=_("check the list, then confirm deleting them all"),
            n=len(contacts), threshold=threshold,
        )  # fmt: skip
    names = [c.resource_name or "" for c in contacts]
    fresh = {p["resourceName"]: p for p in account.contacts.fetch_many(names)}
    persons = [fresh[n] for n in names if n in fresh]
    events = [
        summary_event(account, "", "delete", f"deleted {len(persons)} contact(s)",
                      resourceNames=[p["resourceName"] for p in persons])
    ]  # fmt: skip
    gone = [Contact.from_person(p) for p in persons]
    events += [
        contact_event(account, "", seq, "contact_deleted", c, f"deleted {c.display_name}",
                      person=p)
        for seq, (c, p) in enumerate(zip(gone, persons, strict=True), 1)
    ]  # fmt: skip
    plan = ops.Plan(
        "delete",
        [ops.Step("delete", "", {"persons": persons, "batch": True})],
        params={"queries": list(queries)},
        text=f"deleted {len(persons)} contact(s)",
        contacts=[p["resourceName"] for p in persons],
        events=events,  # nothing leaves the account before it is here
    )
    op = ops.start(account, plan, on_start=on_start)
    account.contacts.forget(names)  # those deleted meanwhile too
    if progress:
        progress(len(gone))
    return Deleted(op.op_id, gone)


def delete_again(account: Account, queries: Sequence[str]) -> Deleted | None:
    """The interrupted delete of these queries, when this run just finished it
    (the same command run again answers with it)."""
    ops.finish_pending(account)
    op = ops.again(account, "delete", {"queries": list(queries)})
    if op is None:
        return None
    return Deleted(op.op_id, [Contact.from_person(p) for p in op.steps[0].data["persons"]])
