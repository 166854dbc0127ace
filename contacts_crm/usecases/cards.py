"""Use cases on client cards: log a call, open / advance / close an order.

Each one follows the same path, decide first, act after, so that nothing
anyone wrote is ever lost and every fact is journalled once:

1. decide (pure, ``card.decide``): the operation applied to the contact as
   the cache has it gives the new card, the groups to join and leave, and
   every journal event (the operation's, the lines compacted away, the group
   moves), with the values of this attempt (order number, stage);
2. act before the write: create the groups the account does not have yet,
   journal the events (pending);
3. write the new card, the memberships and the operation's id to the account
   in ONE etag-checked update;
4. on a stale etag: re-read the contact and decide again (only the pure
   step runs again); the journal is rewritten only if the new decision
   differs (another order number, other lines compacted), a group created
   only if it is still missing;
5. mark the journal entry applied and update the cache from the response.

The operation's id is kept in the contact's clientData (``crm.ops``, the last
few ids, invisible in the Contacts UI): a retry of an operation whose write
did land finds its id there and changes nothing. An operation an earlier run
left pending (exit 69/75, a crash) is settled by the next write to the card:
marked applied if its id is there, superseded if the new operation is the
same fact run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from contacts_crm import dates
from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.account.journal import Journal, new_op_id
from contacts_crm.card import grammar as card_grammar
from contacts_crm.card.decide import OPS_KEY, CardWrite, decide, effect_on_card, ops_done
from contacts_crm.card.events import APPLIED, JournalEvent
from contacts_crm.card.operations import (
    CloseOrder,
    LogCall,
    OpenOrder,
    Operation,
    StepOrder,
    is_cut,
    operation_from_event,
)
from contacts_crm.card.suggest import suggest
from contacts_crm.contact.model import MY_CONTACTS, Contact
from contacts_crm.errors import FieldError, InputError, NotFoundError, UsageError
from contacts_crm.i18n import _
from contacts_crm.office.cards import card_settings, group_rules
from contacts_crm.usecases import card_ops
from contacts_crm.usecases.card_view import history as history  # re-exported: reading a card
from contacts_crm.usecases.card_view import show_card as show_card
from contacts_crm.usecases.contacts import resolve

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
    comment_cut: int | None = None  # the comment was shortened on the card to this many chars

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
            "commentCut": self.comment_cut,
            "card": self.contact.notes,
        }


def who_did_it(account: Account, by: str | None) -> str:
    name = (by or account.profile.user or "").strip()
    if not name:
        raise FieldError(
            "by", "unknown", _("who did it is not known"),
            hint=_("give the name of who did it, or set the profile's user name"),
        )  # fmt: skip
    if len(name) > 60 or not name.isprintable() or any(c in name for c in "()"):
        raise FieldError(
            "by", "unsignable", _("{name!r} cannot sign a card line").format(name=name[:60]),
            hint=_("a name of at most 60 characters on one line, without parentheses"),
            name=name[:60],
        )  # fmt: skip
    return name


# ------------------------------------------------------------------ the path
def run(
    account: Account, query: str, make_op: Callable[[str], Operation], op_id: str | None = None
) -> CardChange:
    """Apply an operation to the card of the one contact ``query`` names."""
    account.ensure_synced()
    contact = resolve(account, query)
    rn = contact.resource_name or ""
    op = make_op(op_id or new_op_id())
    check(account, contact, op)
    earlier = card_ops.earlier(account, rn, op)  # the same write, left open by a run before
    if earlier is not None:
        return change_of(account, rn, earlier.op_id, card_ops.result(earlier))
    done = card_ops.write(account, rn, op)
    return change_of(account, rn, op.op_id, done)


def check(account: Account, contact: Contact, op: Operation) -> None:
    """Refuse now what the card as the local copy has it refuses (an unknown
    order, a stage it cannot move to): before anything is journalled."""
    decide(contact, op, settings=card_settings(account.profile), rules=group_rules(),
           names=account.groups.names())  # fmt: skip


def change_of(account: Account, rn: str, op_id: str, done: dict[str, Any]) -> CardChange:
    """The CardChange of a finished card write (its operation's result)."""
    if "refused" in done:  # the card changed between the check and the write
        raise UsageError(done["refused"])
    contact = account.contacts.get(rn) or Contact(resource_name=rn)
    return CardChange(
        contact=contact, op_id=op_id, changed=bool(done.get("changed")),
        order_no=done.get("order"), groups_added=list(done.get("groupsAdded", [])),
        groups_removed=list(done.get("groupsRemoved", [])),
        compacted=list(done.get("compacted", [])), comment_cut=done.get("commentCut"),
    )  # fmt: skip


def _write(account: Account, rn: str, op: Operation) -> CardChange:
    """Decide, create missing groups, journal, write; on a stale etag decide again."""
    settings = card_settings(account.profile)
    rules = group_rules()
    journal = account.journal
    names = account.groups.names()
    pending = _pending_ops(journal, rn)
    recorded: tuple[JournalEvent, ...] | None = None
    decision: CardWrite | None = None

    def operation(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        """The card write from ``person`` (run again on a fresh copy after a stale etag)."""
        nonlocal recorded, decision
        fresh = Contact.from_person(person)
        decision = decide(fresh, op, settings=settings, rules=rules, names=names,
                          pending=pending)  # fmt: skip
        for landed in decision.landed:
            journal.mark_applied(landed)
        if decision.done:
            return None
        memberships = _memberships(account, fresh.groups, decision, names)
        if decision.events != recorded:
            journal.record_attempt(op.op_id, decision.events, supersedes=decision.superseded)
            recorded = decision.events
        fresh.notes = decision.notes
        fresh.groups = memberships
        fresh.client_data[OPS_KEY] = decision.ops
        return fresh.to_person(WRITE_FIELDS), WRITE_FIELDS

    written = account.contacts.write(rn, operation)
    journal.mark_applied(op.op_id)
    result = decision.result if decision is not None else None
    return CardChange(
        contact=Contact.from_person(written),
        op_id=op.op_id,
        changed=bool(result and result.changed),
        order_no=result.order_no if result else None,
        groups_added=list(decision.join) if decision else [],
        groups_removed=list(decision.leave) if decision else [],
        compacted=[r.line.text for r in result.removed] if result else [],
        comment_cut=settings.max_comment
        if is_cut(getattr(op, "comment", "") or "", settings.max_comment)
        else None,
    )


def _pending_ops(journal: Journal, rn: str) -> list[Operation]:
    """The card operations on ``rn`` an earlier run journalled and never saw land."""
    out = []
    for event in journal.pending(contact=rn):
        if event.seq == 0:
            try:
                out.append(operation_from_event(event))
            except UsageError:  # not a card operation
                continue
    return out


def _memberships(
    account: Account, current: list[str], decision: CardWrite, names: dict[str, str]
) -> list[str]:
    """The new membership list; a group the decision joins and the account lacks is
    created first (``names`` learns it, so a re-decision does not create it again)."""
    leave = {g.casefold() for g in decision.leave}
    by_name = {name.casefold(): rn for rn, name in names.items()}
    out = [g for g in current if names.get(g, "").casefold() not in leave]
    for name in decision.join:
        rn = by_name.get(name.casefold())
        if rn is None:  # a rule names a group this account does not have yet
            rn = account.groups.ensure(name).resource_name
            names[rn] = name
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
    op = prepare(account, kind, by=by, at=at, op_id=op_id, **fields)
    return run(account, query, lambda _new_id: op, op.op_id)


def prepare(
    account: Account,
    kind: type,
    *,
    by: str | None,
    at: datetime | None,
    op_id: str | None,
    **fields: Any,
) -> Operation:
    """The card operation ``kind(**fields)`` signed by ``by`` at ``at`` (now if None):
    refused when nobody can sign it or ``at`` is in the future."""
    who = who_did_it(account, by)
    current = now()
    if at is not None and at.tzinfo is None:  # a naive time is this PC's local time
        at = at.astimezone()
    if at is not None and at > current + FUTURE_SLACK:
        shown = f"{at:%Y-%m-%d %H:%M}"
        raise FieldError(
            "at", "future", _("{at} is in the future: log what has happened").format(at=shown),
            hint=_("give a past date or time, or none for now"), at=shown,
        )  # fmt: skip
    when = at or current
    made: Operation = kind(op_id=op_id or new_op_id(), at=when, who=who, **fields)
    return made


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
        raise FieldError(
            "callback_on", "missing", _("a call back needs the day to call back"),
            hint=_("give the day to call back (e.g. tomorrow, friday, +3d)"),
        )  # fmt: skip
    if callback_on is not None and outcome != "callback":
        raise FieldError("callback_on", "not_callback",
                         _("a call-back date means the outcome is a call back, not {outcome}")
                         .format(outcome=outcome),
                         hint=_("leave out the outcome or the call-back date"),
                         outcome=outcome)  # fmt: skip
    if callback_on is not None and callback_on < day:
        raise FieldError("callback_on", "before_call",
                         _("the call-back date {date} is before the call ({day}): a call-back "
                           "date is today or later").format(date=callback_on, day=day),
                         hint=_("give a later date, e.g. tomorrow or +3d"),
                         date=callback_on, day=day)  # fmt: skip
    if direction == "missed" and outcome is not None:
        raise FieldError("outcome", "missed",
                         _("a missed call has no outcome (got {outcome})").format(outcome=outcome),
                         hint=_("log the call back when it happens, with its outcome"),
                         outcome=outcome)  # fmt: skip


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


# --------------------------------------------- the card write as an operation
def _run_card(r: ops.Runner) -> dict[str, Any]:
    op = card_ops.operation_of(r.step, r.op.op_id)
    try:
        change = _write(r.account, r.step.target, op)
    except (UsageError, NotFoundError, InputError) as exc:  # the card refuses it now
        r.account.journal.record_attempt(r.op.op_id, [])  # its pending lines go
        return {"refused": exc.message, "exitCode": int(exc.exit_code)}
    return {  # what card_ops.result gives back
        "changed": change.changed,
        "order": change.order_no,
        "groupsAdded": change.groups_added,
        "groupsRemoved": change.groups_removed,
        "compacted": change.compacted,
        "commentCut": change.comment_cut,
        "resourceName": change.contact.resource_name,
    }


def _invert_card(op: ops.Operation, step: ops.Step) -> list[ops.Step]:
    raise UsageError(
        _("a call or an order step is not taken back by undo"),
        hint=_("log what happened next (crm call, crm order), or correct the line on the "
               "card by hand"),
    )  # fmt: skip


ops.register(card_ops.CARD, run=_run_card, invert=_invert_card)


# ------------------------------------------------------------------- reading
def doctor(account: Account, *, repair: bool = False) -> dict[str, Any]:
    """Check the cards and the journal: unrecognised lines, interrupted operations,
    journal facts the cards disagree with.

    An operation journalled but never marked applied was interrupted between
    the journal and the card write. Its contact is read fresh: if the
    operation's id is on it, the write landed and the entry is marked applied.
    If another applied operation recorded the same change (the command was run
    again), it is superseded; if its line is on the card all the same, it is
    marked applied. Otherwise it never reached the account: reported, or run
    again with ``repair``. So repair never applies a fact twice.
    """
    account.ensure_synced()
    from contacts_crm.account import operations as ops

    ops.finish_pending(account)
    finished = [op.to_dict() for op in ops.finished_here(account)]
    still_open = [op.to_dict() for op in ops.pending(account)]  # another crm is on them
    settings = card_settings(account.profile)
    labels = settings.labels
    odd = []
    for contact in account.contacts.all():
        lines = card_grammar.unrecognised_lines(card_grammar.parse(contact.notes, labels))
        if lines:
            odd.append(
                {
                    "resourceName": contact.resource_name,
                    "name": contact.display_name,
                    "lines": [
                        {"line": n, "text": t, "suggestion": suggest(t, labels)} for n, t in lines
                    ],
                }
            )
    journal = account.journal
    pending = [e for e in journal.pending() if e.seq == 0 and e.contact and e.kind in _CARD_KINDS]
    contacts = account.contacts
    fresh = {p["resourceName"]: p for p in
             contacts.fetch_many(list(dict.fromkeys(e.contact for e in pending)))}  # fmt: skip
    contacts.remember(list(fresh.values()))
    marked, rerun, superseded, unapplied = [], [], [], []
    for event in pending:
        person = fresh.get(event.contact)
        now_on = Contact.from_person(person) if person else None
        op = operation_from_event(event)
        if now_on is not None and event.op_id in ops_done(now_on):
            journal.mark_applied(event.op_id)
            marked.append(event.op_id)
        elif journal.applied_twin(event):
            journal.supersede([event.op_id])
            superseded.append(event.op_id)
        elif now_on is not None and effect_on_card(now_on, op, settings=settings):
            journal.mark_applied(event.op_id)
            marked.append(event.op_id)
        elif repair and now_on is not None:
            _write(account, event.contact, op)
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
    return {"unrecognised": odd, "repaired": marked, "rerun": rerun, "superseded": superseded,
            "unapplied": unapplied, "disagreements": disagreements(account),
            "finished": finished, "pending": still_open}  # fmt: skip


_CARD_KINDS = ("call", "order_open", "order_step", "order_close")


def disagreements(account: Account) -> list[dict[str, Any]]:
    """Journal facts the cards (as the cache has them) contradict.

    Per client: an order the journal opened more than once, and an order the
    journal opened that the card has neither as an order nor folded into its
    summary line. Cards written by hand or imported may hold orders the
    journal never saw: those are not disagreements.
    """
    labels = card_settings(account.profile).labels
    opened: dict[str, dict[int, int]] = {}
    for e in account.journal.events(kinds=["order_open"]):
        if e.order_no is not None and e.state == APPLIED and e.data.get("changed") is not False:
            numbers = opened.setdefault(e.contact, {})
            numbers[e.order_no] = numbers.get(e.order_no, 0) + 1
    out: list[dict[str, Any]] = []
    for rn, numbers in opened.items():
        contact = account.contacts.get(rn)
        card = card_grammar.parse(contact.notes if contact else "", labels)
        summary = card.summary()
        for number, times in sorted(numbers.items()):
            problem = None
            if times > 1:
                problem = _("the journal opened order {number} {times} times").format(
                    number=number, times=times)  # fmt: skip
            elif card.order(number) is None and not (summary and number <= summary.last):
                problem = _("the journal opened order {number}; the card has no order "
                            "{number}").format(number=number)  # fmt: skip
            if problem:
                out.append({"resourceName": rn, "name": contact.display_name if contact else "",
                            "order": number, "problem": problem})  # fmt: skip
    return out


def now() -> datetime:
    """Local time, aware (cards show the office's date); ``$CRM_NOW`` fixes it."""
    return dates.now()


def parse_amount(text: str | None) -> Decimal | None:
    """--amount: '12500', '12 500', '12,500.50', '12 500,50'."""
    if text is None:
        return None
    value = card_grammar.parse_amount(text)
    if value is None:
        raise UsageError(
            _("cannot read the amount {text!r}").format(text=text),
            hint=_("write it like 12500, 12 500 or 12500.50"),
        )
    return value
