"""Merge two contacts of one client into one, and undo a merge.

``merge`` reads both contacts fresh, journals the whole operation first (kind
``merge``: both before-images; ``contact_deleted`` for the contact that goes,
with its whole Person, as ``crm delete`` does), writes the merged contact
(etag-checked: on a conflict the merge is re-applied to the fresh copy, and
the operation's id in ``crm.ops`` keeps a retried write from merging twice),
folds in whatever changed on the other contact meanwhile, deletes it, and
re-points its journal history to the survivor.

``undo_merge`` restores the survivor to its before-image three-way (a later
edit of it stays), recreates the other contact from its before-image (once:
it carries ``crm.restore`` = its old resource name) and points its history
back at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contacts_crm.account.connected import Account
from contacts_crm.account.journal import new_op_id
from contacts_crm.card import free_text
from contacts_crm.card.decide import OPS_KEPT, OPS_KEY
from contacts_crm.card.grammar import parse, render
from contacts_crm.card.merging import merge_cards
from contacts_crm.card.wording import Labels
from contacts_crm.contact.merging import merge_contacts
from contacts_crm.contact.model import WRITABLE, Contact, three_way
from contacts_crm.errors import NotFoundError, UsageError
from contacts_crm.i18n import _
from contacts_crm.office.cards import card_settings
from contacts_crm.usecases.contacts import resolve
from contacts_crm.usecases.export import RESTORE_KEY, _restorable
from contacts_crm.usecases.manage import contact_event, summary_event

MERGE_FIELDS = list(WRITABLE)
CATCH_UP_ROUNDS = 3  # how often a contact changing under the merge is folded in again


@dataclass
class Merged:
    """What a merge did."""

    contact: Contact
    other: str
    op_id: str
    renumbered: dict[int, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resourceName": self.contact.resource_name,
            "name": self.contact.display_name,
            "deleted": self.other,
            "opId": self.op_id,
            "renumbered": {str(k): v for k, v in self.renumbered.items()},
            "notes": self.notes,
            "card": self.contact.notes,
        }


def merged_person(
    first: dict[str, Any], other: dict[str, Any], labels: Labels, region: str
) -> tuple[Contact, dict[int, int], list[str]]:
    """The merged contact of two Persons (the first survives), its renumbering, its notes."""
    a, b = Contact.from_person(first), Contact.from_person(other)
    contact, notes = merge_contacts(a, b, region)
    card = merge_cards(parse(a.notes, labels), parse(b.notes, labels))
    text = render(card.card)
    for note in notes:
        text = free_text.append_free(text, note, labels)
    contact.notes = text
    return contact, card.renumbered, notes


def _with_op(contact: Contact, op_id: str) -> Contact:
    done = contact.client_data.get(OPS_KEY, "").split()
    contact.client_data[OPS_KEY] = " ".join([*done, op_id][-OPS_KEPT:])
    return contact


def _done(person: dict[str, Any], op_id: str) -> bool:
    return op_id in Contact.from_person(person).client_data.get(OPS_KEY, "").split()


def merge(account: Account, first: str, other: str, *, into: str | None = None) -> Merged:
    """Merge the contacts ``first`` and ``other`` names; ``into`` (one of them) survives."""
    account.ensure_synced()
    a, b = resolve(account, first), resolve(account, other)
    if a.resource_name == b.resource_name:
        raise UsageError(_("{a!r} and {b!r} are the same contact ({rn})").format(
            a=first, b=other, rn=a.resource_name))  # fmt: skip
    if into is not None:
        keep = resolve(account, into)
        if keep.resource_name not in (a.resource_name, b.resource_name):
            raise UsageError(
                _("--into {into!r} is neither of the two contacts").format(into=into),
                hint=_("name one of the two contacts being merged"),
            )
        if keep.resource_name == b.resource_name:
            a, b = b, a
    rn_a, rn_b = a.resource_name or "", b.resource_name or ""
    fresh = {p["resourceName"]: p for p in account.contacts.fetch_many([rn_a, rn_b])}
    if rn_a not in fresh or rn_b not in fresh:
        raise NotFoundError(_("one of the two contacts is gone"),
                            hint=_("run 'crm sync' and retry"))  # fmt: skip
    person_a, person_b = fresh[rn_a], fresh[rn_b]
    labels = card_settings(account.profile).labels
    region = account.profile.region
    op = new_op_id()
    planned, renumbered, notes = merged_person(person_a, person_b, labels, region)
    journal = account.journal
    name_a, name_b = planned.display_name, Contact.from_person(person_b).display_name
    journal.record(
        [
            summary_event(
                account,
                op,
                "merge",
                f"merged {name_b} into {name_a}",
                into=rn_a,
                other=rn_b,
                intoBefore=person_a,
                otherBefore=person_b,
                renumbered={str(k): v for k, v in renumbered.items()},
            ),
            contact_event(
                account,
                op,
                1,
                "contact_merged",
                planned,
                f"merged {name_b} into it",
                other=rn_b,
                renumbered={str(k): v for k, v in renumbered.items()},
            ),
            contact_event(
                account,
                op,
                2,
                "contact_deleted",
                Contact.from_person(person_b),
                f"merged into {name_a}",
                person=person_b,
                mergedInto=rn_a,
            ),
        ]
    )
    state: dict[str, Any] = {}

    def operation(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        if _done(person, op):
            return None
        contact, numbers, why = merged_person(person, person_b, labels, region)
        state.update(renumbered=numbers, notes=why)
        return _with_op(contact, op).to_person(MERGE_FIELDS), MERGE_FIELDS

    written = account.contacts.write(rn_a, operation, start=person_a)
    written, seq = _catch_up(account, op, rn_a, rn_b, person_b, written, labels, region)
    account.contacts.delete(rn_b)
    numbers = state.get("renumbered", renumbered)
    moved = journal.repoint(
        rn_b, rn_a, Contact.from_person(written).display_name, keep_op=op, renumber=numbers
    )
    journal.record(
        [
            contact_event(
                account,
                op,
                seq,
                "merge_written",
                Contact.from_person(written),
                "merged contact written",
                merged=written,
                repointed=moved,
                renumbered={str(k): v for k, v in numbers.items()},
            ),
        ]
    )
    journal.mark_applied(op)
    return Merged(
        Contact.from_person(written),
        rn_b,
        op,
        state.get("renumbered", renumbered),
        state.get("notes", notes),
    )


def _catch_up(
    account: Account,
    op: str,
    rn_a: str,
    rn_b: str,
    used_b: dict[str, Any],
    written: dict[str, Any],
    labels: Labels,
    region: str,
) -> tuple[dict[str, Any], int]:
    """Fold into the survivor what changed on the other contact since it was read.

    Fields are unioned again (idempotent); card lines that are new on the other
    contact are merged in as a card of their own. Each newer version is
    journalled (``merge_catch_up``, the whole Person) before it is used.
    Returns the survivor as written and the next free journal seq.
    """
    seq = 3
    for round_no in range(CATCH_UP_ROUNDS):
        now_b = account.contacts.fetch(rn_b)
        if now_b.get("etag") == used_b.get("etag"):
            break
        account.journal.record(
            [
                contact_event(
                    account,
                    op,
                    seq,
                    "merge_catch_up",
                    Contact.from_person(now_b),
                    "changed during the merge",
                    person=now_b,
                ),
            ]
        )
        seq += 1
        old_lines = set(Contact.from_person(used_b).notes.splitlines())
        new_lines = [
            ln for ln in Contact.from_person(now_b).notes.splitlines() if ln not in old_lines
        ]
        delta = {**now_b, "biographies": [{"value": "\n".join(new_lines)}] if new_lines else []}
        step = f"{op}.{round_no + 1}"

        def operation(
            person: dict[str, Any], delta: dict[str, Any] = delta, step: str = step
        ) -> tuple[dict[str, Any], list[str]] | None:
            if _done(person, step):
                return None
            contact, _, _ = merged_person(person, delta, labels, region)
            return _with_op(contact, step).to_person(MERGE_FIELDS), MERGE_FIELDS

        written = account.contacts.write(rn_a, operation, start=written)
        used_b = now_b
    return written, seq


# ---------------------------------------------------------------------- undo
@dataclass
class Unmerged:
    op_id: str
    restored: Contact
    recreated: Contact

    def to_dict(self) -> dict[str, Any]:
        return {
            "opId": self.op_id,
            "restored": self.restored.resource_name,
            "recreated": self.recreated.resource_name,
            "name": self.recreated.display_name,
        }


def undo_merge(account: Account, op_id: str) -> Unmerged:
    """Reverse the merge ``op_id``: the survivor back as it was, the other contact again."""
    account.ensure_synced()
    events = account.journal.operation(op_id)
    head = next((e for e in events if e.seq == 0 and e.kind == "merge"), None)
    if head is None:
        raise NotFoundError(
            _("no merge with the operation id {op!r} in the journal").format(op=op_id),
            hint=_("the id is printed by 'crm merge' (and in 'crm journal' of the contact)"),
        )
    written = next((e for e in events if e.kind == "merge_written"), None)
    if written is None:
        raise UsageError(
            _("merge {op} did not finish, so there is nothing to undo").format(op=op_id),
            hint=_("check both contacts with 'crm show'"),
        )
    for e in account.journal.events(kinds=["merge_undone"]):
        if e.data.get("merge") == op_id:
            raise UsageError(_("merge {op} was already undone (operation {undo})").format(
                op=op_id, undo=e.op_id))  # fmt: skip
    rn_a, rn_b = head.data["into"], head.data["other"]
    before_a, before_b = head.data["intoBefore"], head.data["otherBefore"]
    merged = written.data["merged"]
    catch_up = [e.data["person"] for e in events if e.kind == "merge_catch_up"]
    last_b = catch_up[-1] if catch_up else before_b
    undo = new_op_id()
    journal = account.journal
    current_a = account.contacts.fetch(rn_a)
    journal.record(
        [
            summary_event(
                account,
                undo,
                "merge_undone",
                f"undid merge {op_id}",
                merge=op_id,
                intoNow=current_a,
            ),
        ]
    )

    def operation(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        body = three_way(merged, person, before_a, MERGE_FIELDS)
        return body, MERGE_FIELDS

    restored = account.contacts.write(rn_a, operation, start=current_a)
    recreated = _recreate(account, last_b)
    new_b = recreated["resourceName"]
    ids = [int(i) for i in written.data.get("repointed", [])]
    done = written.data.get("renumbered", head.data.get("renumbered", {}))
    back = {int(v): int(k) for k, v in done.items()}
    journal.repoint(
        rn_a, new_b, Contact.from_person(recreated).display_name, ids=ids, renumber=back
    )
    journal.record(
        [
            contact_event(
                account,
                undo,
                1,
                "contact_restored",
                Contact.from_person(recreated),
                f"recreated by undoing merge {op_id}",
                was=rn_b,
                merge=op_id,
            ),
        ]
    )
    journal.mark_applied(undo)
    return Unmerged(undo, Contact.from_person(restored), Contact.from_person(recreated))


def _recreate(account: Account, person: dict[str, Any]) -> dict[str, Any]:
    """Create the contact again from its journalled Person, once (by ``crm.restore``)."""
    old_rn = person.get("resourceName", "")
    for contact in account.contacts.by_marker(RESTORE_KEY, old_rn):
        found = account.contacts.person(contact.resource_name or "")
        if found:
            return found
    return account.contacts.create(_restorable(person, {}), marker_key=RESTORE_KEY)
