"""Decide a card write: an operation applied to a contact as read, nothing done yet.

``decide(contact, op, ...)`` is the pure half of every card write. From the
contact (its Notes, the names of its groups, the ids of the operations already
written to it) it computes the new Notes, the groups to join and leave, and
every journal event the write produces (the operation's own, each line that
leaves the card, each group move), each carrying the values of *this* attempt
(the order number the fresh card gives, the stage). It does nothing: the use
case creates missing groups, journals, then writes; on a stale etag it reads
the contact again and only ``decide`` runs again.

It also tells which operations left pending by an earlier, interrupted run
are settled by the contact as read: ``landed`` (their id is on the contact:
their write did land) and ``superseded`` (never landed, and
this operation is the same fact again: a command re-run after exit 69/75).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contacts_crm.card import grammar
from contacts_crm.card.events import JournalEvent
from contacts_crm.card.group_rules import Rules, group_changes
from contacts_crm.card.model import Card
from contacts_crm.card.operations import Operation, OpResult, apply
from contacts_crm.card.settings import CardSettings
from contacts_crm.contact.model import MY_CONTACTS, Contact
from contacts_crm.errors import CrmError

OPS_KEY = "crm.ops"  # clientData key: ids of the last operations written to the contact
OPS_KEPT = 30


@dataclass(frozen=True)
class CardWrite:
    """What writing ``op`` to the contact as read would do (nothing is done yet)."""

    op: Operation
    done: bool  # the operation's id is already on the contact: its write landed
    result: OpResult | None
    notes: str
    join: tuple[str, ...] = ()  # group names
    leave: tuple[str, ...] = ()
    events: tuple[JournalEvent, ...] = ()
    ops: str = ""  # the new value of the contact's OPS_KEY
    landed: tuple[str, ...] = ()  # pending operations whose write did land
    superseded: tuple[str, ...] = ()  # pending operations this one replaces


def ops_done(contact: Contact) -> list[str]:
    """Ids of the operations last written to the contact (oldest first)."""
    return contact.client_data.get(OPS_KEY, "").split()


def group_names(contact: Contact, names: Mapping[str, str]) -> set[str]:
    """The names of the contact's own groups (``names``: resourceName -> name)."""
    return {names.get(g, g) for g in contact.groups if g != MY_CONTACTS}


def decide(
    contact: Contact,
    op: Operation,
    *,
    settings: CardSettings,
    rules: Rules,
    names: Mapping[str, str],
    pending: Sequence[Operation] = (),
) -> CardWrite:
    """The write ``op`` makes on ``contact``; ``names`` maps group resourceNames to names.

    ``pending`` are operations on this contact an earlier run journalled but
    never saw land. Raises what ``apply`` raises (UsageError, NotFoundError).
    """
    done = ops_done(contact)
    others = [p for p in pending if p.op_id != op.op_id]
    landed = tuple(p.op_id for p in others if p.op_id in done)
    if op.op_id in done:  # a retried write that had landed: nothing to do
        return CardWrite(op, True, None, contact.notes, landed=landed)
    rn = contact.resource_name or ""
    name = contact.display_name
    before = grammar.parse(contact.notes, settings.labels)
    result = apply(before, op, settings=settings, contact=rn, contact_name=name)
    superseded = tuple(
        p.op_id for p in others if p.op_id not in done and _twin(before, p, op, settings)
    )
    add, remove = group_changes(before, result.card, op, group_names(contact, names), rules)
    seq = len(result.events)
    moves = [
        JournalEvent(op_id=op.op_id, seq=seq + i, at=result.events[0].at, who=result.events[0].who,
                     kind="group", contact=rn, contact_name=name, text=f"{verb} group {g}",
                     data={"group": g})
        for i, (verb, g) in enumerate(
            [("added to", g) for g in sorted(add)] + [("removed from", g) for g in sorted(remove)]
        )
    ]  # fmt: skip
    return CardWrite(
        op=op,
        done=False,
        result=result,
        notes=grammar.render(result.card),
        join=tuple(sorted(add)),
        leave=tuple(sorted(remove)),
        events=(*result.events, *moves),
        ops=" ".join([*done, op.op_id][-OPS_KEPT:]),
        landed=landed,
        superseded=superseded,
    )


def effect_on_card(contact: Contact, op: Operation, *, settings: CardSettings) -> bool:
    """Whether ``op``'s line is already on the contact's card (applying it changes nothing)."""
    try:
        card = grammar.parse(contact.notes, settings.labels)
        return not apply(card, op, settings=settings).changed
    except CrmError:  # it no longer applies (its order is gone): not on the card
        return False


def _twin(card: Card, earlier: Operation, op: Operation, s: CardSettings) -> bool:
    """Whether ``op`` records the same fact as ``earlier`` (not on ``card``): ``op``
    changes the card, but nothing once ``earlier`` is applied."""
    try:
        after = apply(card, earlier, settings=s)
        return (
            after.changed
            and apply(card, op, settings=s).changed
            and not apply(after.card, op, settings=s).changed
        )
    except CrmError:  # an earlier operation that no longer applies is no twin
        return False
