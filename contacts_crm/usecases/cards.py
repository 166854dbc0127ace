"""Use cases on client cards: log a call, open / advance / close an order.

Each one follows the same path, so that nothing anyone wrote is ever lost:

1. the operation gets an id and is written to the journal (pending);
2. it is applied to the card as the cache has it; the events the card
   change produces (lines compacted away, group moves) are journalled
   *before* the write;
3. the new card, the group changes and the operation's id go to the account
   in ONE etag-checked write; on a stale etag the contact is re-read and the
   operation re-applied to the fresh card (never the old text written back);
4. the journal entry is marked applied and the cache updated from the
   write's response.

The operation's id is kept in the contact's clientData (``crm.ops``, the last
few ids, invisible in the Contacts UI): a retry of an operation whose write
did land finds its id there and changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from contacts_crm.account.connected import Account
from contacts_crm.card import grammar as card_grammar
from contacts_crm.card.dialer import dialer_view
from contacts_crm.card.events import JournalEvent
from contacts_crm.card.group_rules import group_changes
from contacts_crm.card.operations import (
    CloseOrder,
    LogCall,
    OpenOrder,
    Operation,
    OpResult,
    StepOrder,
    apply,
    operation_from_event,
)
from contacts_crm.contact.model import MY_CONTACTS, Contact
from contacts_crm.errors import UsageError
from contacts_crm.i18n import _
from contacts_crm.office.cards import card_settings, group_rules
from contacts_crm.usecases.contacts import create_group, group_resource, resolve

OPS_KEY = "crm.ops"  # clientData key: ids of the last operations applied to the contact
OPS_KEPT = 30
WRITE_FIELDS = ["biographies", "memberships", "clientData"]


@dataclass
class CardChange:
    """What an operation did to one client."""

    contact: Contact
    op_id: str
    changed: bool
    order_no: int | None = None
    groups_added: list[str] = field(default_factory=list)
    groups_removed: list[str] = field(default_factory=list)
    compacted: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resourceName": self.contact.resource_name,
            "name": self.contact.display_name,
            "opId": self.op_id,
            "changed": self.changed,
            "order": self.order_no,
            "groupsAdded": self.groups_added,
            "groupsRemoved": self.groups_removed,
            "compacted": self.compacted,
            "card": self.contact.notes,
        }


def who_did_it(account: Account, by: str | None) -> str:
    name = (by or account.profile.user or "").strip()
    if not name:
        raise UsageError(
            "who did it is not known",
            hint="pass --by NAME, or set your name once: crm config set user NAME",
        )
    return name


def new_op_id() -> str:
    return uuid.uuid4().hex[:16]


# ------------------------------------------------------------------ the path
def run(
    account: Account, query: str, make_op: Callable[[str], Operation], op_id: str | None = None
) -> CardChange:
    """Apply an operation to the card of the one contact ``query`` names."""
    account.ensure_synced()
    contact = resolve(account, query)
    rn = contact.resource_name or ""
    op = make_op(op_id or new_op_id())
    settings = card_settings(account.profile)
    rules = group_rules()
    journal = account.journal
    by_id = {
        g["resourceName"]: g.get("formattedName") or g.get("name", "")
        for g in account.cache.groups()
    }
    state: dict[str, Any] = {}

    def operation(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        fresh = Contact.from_person(person)
        done = fresh.client_data.get(OPS_KEY, "").split()
        if op.op_id in done:  # a retried write that had landed: nothing to do
            state.update(result=None, person=person)
            return None
        before = card_grammar.parse(fresh.notes, settings.labels)
        result = apply(before, op, settings=settings, contact=rn, contact_name=fresh.display_name)
        names = {by_id.get(g, g) for g in fresh.groups if g != MY_CONTACTS}
        add, remove = group_changes(before, result.card, op, names, rules)
        _journal_before_write(journal, op, result, add, remove, rn, fresh.display_name)
        state.update(result=result, added=sorted(add), removed=sorted(remove))
        fresh.notes = card_grammar.render(result.card)
        fresh.groups = _apply_groups(account, fresh.groups, add, remove, by_id)
        fresh.client_data[OPS_KEY] = " ".join([*done, op.op_id][-OPS_KEPT:])
        return fresh.to_person(WRITE_FIELDS), WRITE_FIELDS

    written = account.client.modify(rn, operation, person=account.cache.person(rn))
    account.remember([written])
    journal.mark_applied(op.op_id)
    result: OpResult | None = state.get("result")
    return CardChange(
        contact=Contact.from_person(written),
        op_id=op.op_id,
        changed=bool(result and result.changed),
        order_no=result.order_no if result else None,
        groups_added=state.get("added", []),
        groups_removed=state.get("removed", []),
        compacted=[r.line.text for r in result.removed] if result else [],
    )


def _journal_before_write(
    journal: Any,
    op: Operation,
    result: OpResult,
    add: set[str],
    remove: set[str],
    rn: str,
    name: str,
) -> None:
    """Record the operation, the lines it compacts away and its group moves (pending).

    ``Journal.record_op`` keeps an attempt after a conflict from recording
    anything twice; the group events' seqs are assigned there.
    """
    moves = [
        JournalEvent(op_id=op.op_id, seq=-1, at=result.events[0].at, who=op.who, kind="group",
                     contact=rn, contact_name=name, text=f"{verb} group {g}", data={"group": g})
        for verb, groups in (("added to", add), ("removed from", remove))
        for g in sorted(groups)
    ]  # fmt: skip
    journal.record_op(op.op_id, [*result.events, *moves])


def _apply_groups(
    account: Account, current: list[str], add: set[str], remove: set[str], by_id: dict[str, str]
) -> list[str]:
    """New membership list: named groups added (created if missing) and removed."""
    by_name = {name.casefold(): rn for rn, name in by_id.items()}
    out = [g for g in current if by_id.get(g, "").casefold() not in {r.casefold() for r in remove}]
    for name in sorted(add):
        rn = by_name.get(name.casefold())
        if rn is None:  # a rule names a group this account does not have yet
            try:
                rn = create_group(account, name)["resourceName"]
            except UsageError:  # created meanwhile by someone else
                rn = group_resource(account, name)
            by_id[rn] = name
            by_name[name.casefold()] = rn
        if rn not in out:
            out.append(rn)
    return out or [MY_CONTACTS]


# ------------------------------------------------------------------ use cases
def _perform(
    account: Account,
    query: str,
    kind: type,
    *,
    by: str | None,
    at: datetime | None,
    op_id: str | None,
    **fields: Any,
) -> CardChange:
    """Build the operation ``kind(**fields)`` signed by ``by`` at ``at`` and run it."""
    who = who_did_it(account, by)
    current = now()
    if at is not None and at > current + FUTURE_SLACK:
        raise UsageError(
            _("--at {at} is in the future: log what has happened").format(
                at=f"{at:%Y-%m-%d %H:%M}"),
            hint=_("leave --at out for now, or give a past date or time"),
        )  # fmt: skip
    when = at or current
    return run(account, query, lambda new_id: kind(op_id=new_id, at=when, who=who, **fields), op_id)


def log_call(
    account: Account,
    query: str,
    comment: str = "",
    *,
    direction: str = "out",
    outcome: str | None = None,
    callback_on: date | None = None,
    by: str | None = None,
    at: datetime | None = None,
    op_id: str | None = None,
) -> CardChange:
    """Log a call on the client's card (and in the journal).

    Refused (UsageError): ``outcome="callback"`` without ``callback_on``; a
    ``callback_on`` with another outcome, or before the call's day; an
    outcome on a missed call.
    """
    if callback_on and outcome is None:
        outcome = "callback"
    check_call(direction, outcome, callback_on, (at or now()).date())
    return _perform(
        account,
        query,
        LogCall,
        by=by,
        at=at,
        op_id=op_id,
        direction=direction,
        comment=comment,
        outcome=outcome,
        callback_on=callback_on,
    )


FUTURE_SLACK = timedelta(minutes=5)  # clocks of office PCs differ a little


def check_call(direction: str, outcome: str | None, callback_on: date | None, day: date) -> None:
    """The contradictions a call cannot carry (see ``log_call``)."""
    if outcome == "callback" and callback_on is None:
        raise UsageError(_("--outcome callback needs the day to call back"),
                         hint=_("add --callback-on DATE (e.g. tomorrow, friday, +3d)"))  # fmt: skip
    if callback_on is not None and outcome != "callback":
        raise UsageError(_("--callback-on contradicts --outcome {outcome}: a call-back date "
                           "means the outcome is callback").format(outcome=outcome),
                         hint=_("drop --outcome, or drop --callback-on"))  # fmt: skip
    if callback_on is not None and callback_on < day:
        raise UsageError(_("--callback-on {date} is before the call ({day}): a call-back date "
                           "is today or later").format(date=callback_on, day=day),
                         hint=_("give a later date, e.g. tomorrow or +3d"))  # fmt: skip
    if direction == "missed" and outcome is not None:
        raise UsageError(_("a missed call has no outcome (got --outcome {outcome})").format(
                         outcome=outcome),
                         hint=_("log the call back when it happens, with its outcome"))  # fmt: skip


def open_order(
    account: Account,
    query: str,
    what: str,
    *,
    amount: Decimal | None = None,
    by: str | None = None,
    at: datetime | None = None,
    op_id: str | None = None,
) -> CardChange:
    """Open a new order (numbered per client)."""
    return _perform(account, query, OpenOrder, by=by, at=at, op_id=op_id, what=what, amount=amount)


def step_order(
    account: Account,
    query: str,
    order_no: int,
    stage: str,
    comment: str = "",
    *,
    amount: Decimal | None = None,
    by: str | None = None,
    at: datetime | None = None,
    op_id: str | None = None,
) -> CardChange:
    """Move an order to ``stage``; a final stage compacts it to one line."""
    return _perform(
        account,
        query,
        StepOrder,
        by=by,
        at=at,
        op_id=op_id,
        order_no=order_no,
        stage=stage,
        comment=comment,
        amount=amount,
    )


def close_order(
    account: Account,
    query: str,
    order_no: int,
    *,
    cancelled: bool = False,
    amount: Decimal | None = None,
    comment: str = "",
    by: str | None = None,
    at: datetime | None = None,
    op_id: str | None = None,
) -> CardChange:
    """Close an order as delivered (or cancelled): it becomes one line."""
    return _perform(
        account,
        query,
        CloseOrder,
        by=by,
        at=at,
        op_id=op_id,
        order_no=order_no,
        cancelled=cancelled,
        amount=amount,
        comment=comment,
    )


# ------------------------------------------------------------------- reading
def show_card(account: Account, query: str, *, dialer: bool = False) -> tuple[Contact, str]:
    """The client's card as the phone shows it (never writes)."""
    contact = resolve(account, query)
    if not dialer:
        return contact, contact.notes
    settings = card_settings(account.profile)
    return contact, dialer_view(card_grammar.parse(contact.notes, settings.labels), settings)


def history(account: Account, query: str) -> tuple[Contact, list[JournalEvent]]:
    """Everything the journal holds about one client, oldest first."""
    contact = resolve(account, query)
    return contact, account.journal.history(contact.resource_name or "")


def _recorded(op: Operation, _op_id: str) -> Operation:
    """``run``'s operation factory for an operation the journal already holds."""
    return op


def doctor(account: Account, *, repair: bool = False) -> dict[str, Any]:
    """Check the cards and the journal: unrecognised lines, interrupted operations.

    An operation journalled but never marked applied was interrupted between
    the journal and the card write. Its contact is read fresh: if the
    operation's id is on it, the write landed and the entry is marked applied;
    if not, it never reached the account — reported, or run again with
    ``repair`` (safe: its id makes it idempotent).
    """
    account.ensure_synced()
    settings = card_settings(account.profile)
    labels = settings.labels
    odd = []
    for contact in account.cache.contacts():
        lines = card_grammar.unrecognised_lines(card_grammar.parse(contact.notes, labels))
        if lines:
            odd.append(
                {
                    "resourceName": contact.resource_name,
                    "name": contact.display_name,
                    "lines": [{"line": n, "text": t} for n, t in lines],
                }
            )
    pending = [e for e in account.journal.pending() if e.seq == 0 and e.contact]
    fresh = (
        {
            p["resourceName"]: p
            for p in account.client.get_many(list(dict.fromkeys(e.contact for e in pending)))
        }
        if pending
        else {}
    )
    account.remember(list(fresh.values()))
    marked, rerun, unapplied = [], [], []
    for event in pending:
        person = fresh.get(event.contact)
        done = Contact.from_person(person).client_data.get(OPS_KEY, "").split() if person else []
        if event.op_id in done:
            account.journal.mark_applied(event.op_id)
            marked.append(event.op_id)
        elif repair and person is not None:
            run(
                account, event.contact, partial(_recorded, operation_from_event(event)), event.op_id
            )
            rerun.append(event.op_id)
        else:
            unapplied.append(
                {
                    "opId": event.op_id,
                    "contact": event.contact,
                    "kind": event.kind,
                    "text": event.text,
                }
            )
    return {"unrecognised": odd, "repaired": marked, "rerun": rerun, "unapplied": unapplied}


def now() -> datetime:
    """Local time, aware (cards show the office's date)."""
    return datetime.now().astimezone()


def parse_amount(text: str | None) -> Decimal | None:
    """--amount: '12500', '12 500', '12,500.50', '12 500,50'."""
    if text is None:
        return None
    value = card_grammar.parse_amount(text)
    if value is None:
        raise UsageError(
            f"cannot read the amount {text!r}", hint="write it like 12500, 12 500 or 12500.50"
        )
    return value
