"""Merge two contacts of one client into one, and undo a merge.

``merge`` reads both contacts fresh and runs the merge as one durable
operation (account/operations/), journalled whole before its first write:
the merged survivor (a three-way update, its id in ``crm.ops`` so a retried
write never merges twice), a fold of whatever changed on the other contact
since it was read, the other contact's delete (its last version kept), and
its journal history pointed at the survivor; the journal's ``merge``,
``contact_merged`` and ``contact_deleted`` events are applied when the last
step landed. A kill anywhere is finished by whoever runs next.

``undo_merge`` is the one undo of operations: the survivor back three-way
(later edits stay), the other contact created again from its last version
(looked up by marker before any re-send), its history pointed back at it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.account.journal import new_op_id
from contacts_crm.card.contact_merge import merged_person
from contacts_crm.contact.model import WRITABLE, Contact, three_way
from contacts_crm.errors import FieldError, NotFoundError, UsageError
from contacts_crm.i18n import _
from contacts_crm.office.cards import card_settings
from contacts_crm.usecases.contacts import resolve
from contacts_crm.usecases.export import RESTORE_KEY, _restorable
from contacts_crm.usecases.manage import contact_event, summary_event

MERGE_FIELDS = list(WRITABLE)


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


def merge(
    account: Account,
    first: str,
    other: str,
    *,
    into: str | None = None,
    on_start: Callable[[str], None] | None = None,
) -> Merged:
    """Merge the contacts ``first`` and ``other`` names; ``into`` (one of them) survives.

    One durable operation (account/operations/): the plan — the merged
    survivor, the other contact's last version, the journal's moves — is in
    the journal before the first write; ``on_start(op_id)`` hears its id then.
    The same command run again after a kill finishes that merge and answers
    with it.
    """
    account.ensure_synced()
    params = {"a": first, "b": other, "into": into}
    ops.finish_pending(account)
    again = ops.again(account, "merge", params)
    if again is not None:
        return _merged(account, again)
    a, b = resolve(account, first), resolve(account, other)
    if a.resource_name == b.resource_name:
        raise UsageError(_("{a!r} and {b!r} are the same contact ({rn})").format(
            a=first, b=other, rn=a.resource_name))  # fmt: skip
    if into is not None:
        keep = resolve(account, into)
        if keep.resource_name not in (a.resource_name, b.resource_name):
            raise FieldError(
                "into", "not_either", _("{into!r} is neither of the two contacts").format(
                    into=into), hint=_("name one of the two contacts being merged"), into=into,
            )  # fmt: skip
        if keep.resource_name == b.resource_name:
            a, b = b, a
    rn_a, rn_b = a.resource_name or "", b.resource_name or ""
    fresh = {p["resourceName"]: p for p in account.contacts.fetch_many([rn_a, rn_b])}
    if rn_a not in fresh or rn_b not in fresh:
        raise NotFoundError(_("one of the two contacts is gone"),
                            hint=_("run 'crm sync' and retry"))  # fmt: skip
    person_a, person_b = fresh[rn_a], fresh[rn_b]
    labels = card_settings(account.profile).labels
    planned, renumbered, notes = merged_person(person_a, person_b, labels, account.profile.region)
    name_a, name_b = planned.display_name, Contact.from_person(person_b).display_name
    numbers = {str(k): v for k, v in renumbered.items()}
    after = {**planned.to_person(MERGE_FIELDS), "resourceName": rn_a}
    steps = [
        ops.Step("update", rn_a, {"before": person_a, "after": after, "fields": MERGE_FIELDS}),
        ops.Step("merge_fold", rn_a, {"other": person_b}),
        ops.Step("delete", "", {"persons": [person_b], "latest_from": 2}),
        ops.Step("repoint", "", {"from": rn_b, "to": rn_a, "renumber": numbers,
                                 "name": name_a, "from_name": name_b}),
    ]  # fmt: skip
    events = [
        summary_event(account, "", "merge", f"merged {name_b} into {name_a}", into=rn_a,
                      other=rn_b, intoBefore=person_a, otherBefore=person_b, renumbered=numbers),
        contact_event(account, "", 1, "contact_merged", planned, f"merged {name_b} into it",
                      other=rn_b, renumbered=numbers),
        contact_event(account, "", 2, "contact_deleted", Contact.from_person(person_b),
                      f"merged into {name_a}", person=person_b, mergedInto=rn_a),
    ]  # fmt: skip
    plan = ops.Plan(
        "merge",
        steps,
        params={**params, "into_rn": rn_a, "other": rn_b, "renumbered": numbers, "notes": notes},
        text=f"merged {name_b} into {name_a}",
        contacts=[rn_a, rn_b],
        events=events,
    )
    return _merged(account, ops.start(account, plan, on_start=on_start))


def _merged(account: Account, op: ops.Operation) -> Merged:
    """What a (finished) merge operation did."""
    rn_a = op.params["into_rn"]
    person = (
        account.contacts.person(rn_a)
        or op.result(2).get("written")
        or op.result(1).get("written", {"resourceName": rn_a})
    )
    numbers = {int(k): int(v) for k, v in op.params.get("renumbered", {}).items()}
    return Merged(Contact.from_person(person), op.params["other"], op.op_id, numbers,
                  list(op.params.get("notes", [])))  # fmt: skip


# ---------------------------------------------------------------------- undo
@dataclass
class Unmerged:
    op_id: str
    restored: Contact
    recreated: Contact
    already: bool = False  # the merge had been undone before (this is that undo)

    def to_dict(self) -> dict[str, Any]:
        return {
            "opId": self.op_id,
            "restored": self.restored.resource_name,
            "recreated": self.recreated.resource_name,
            "name": self.recreated.display_name,
            "already": self.already,
        }


def undo_merge(account: Account, op_id: str) -> Unmerged:
    """Reverse the merge ``op_id``: the survivor back as it was (three-way: later
    edits stay), the other contact again, its history pointed back at it. A merge
    a kill interrupted is finished first; a second undo answers with the first."""
    account.ensure_synced()
    if ops.store(account).get(op_id) is None and account.journal.operation(op_id):
        return _undo_journalled(account, op_id)  # a merge made before operations existed
    done = ops.undo(account, op_id, kind="merge")
    rn_a = done.undo.params.get("into_rn") or _into(account, op_id)
    restored = account.contacts.person(rn_a) or {"resourceName": rn_a}
    created = next((s.result.get("created") for s in done.undo.steps if s.kind == "restore"), None)
    return Unmerged(done.undo.op_id, Contact.from_person(restored),
                    Contact.from_person(created or {}), already=done.already)  # fmt: skip


def _into(account: Account, op_id: str) -> str:
    op = ops.store(account).get(op_id)
    return str(op.params.get("into_rn", "")) if op else ""


def _undo_journalled(account: Account, op_id: str) -> Unmerged:
    """Undo of a merge journalled before merges were durable operations."""
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
