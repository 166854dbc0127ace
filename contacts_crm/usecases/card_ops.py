"""A card write as a durable operation (``account/operations.py``, kind ``card``).

The page and the CLI journal a card write (log a call, open / step / close an
order) whole, in one ``BEGIN IMMEDIATE`` transaction, before anything is sent:
the operation's one step holds the contact and the card operation, its id is
the card operation's id (the form's one-time id, ``--op-id``). Running it is
the card write of ``usecases.cards`` with that id, so it lands once: the id in
the contact's ``crm.ops`` says it landed (an answer lost after the account
wrote it changes nothing the second time), a stale etag decides again. The
step kind is registered by ``usecases/cards.py``, which holds the card write.

While the account cannot be reached the operation stays open, and whoever
runs next writes it: the server's writer lanes (``web/lanes.py``), the next
``crm`` command, ``crm doctor``. A card that refuses it by then (the contact
was deleted, the order closed meanwhile) ends it as ``refused``: nothing is
written, its pending journal lines are dropped, and the reason is kept in the
step's result.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.card.operations import CloseOrder, LogCall, OpenOrder, Operation, StepOrder
from contacts_crm.errors import QueuedError, UnavailableError
from contacts_crm.i18n import _

CARD = "card"
WHAT: dict[str, type] = {"call": LogCall, "open": OpenOrder, "step": StepOrder, "close": CloseOrder}
_WHAT_OF = {cls: what for what, cls in WHAT.items()}


# ------------------------------------------------------------------ the plan
def plan(rn: str, op: Operation) -> ops.Plan:
    """The durable operation of the card write ``op`` on contact ``rn``."""
    what = _WHAT_OF[type(op)]
    data = {"what": what, "op": _encode(op)}
    return ops.Plan(CARD, [ops.Step(CARD, rn, data)], params={"what": what, "contact": rn},
                    text=what, contacts=[rn], op_id=op.op_id, who=op.who)  # fmt: skip


def operation_of(step: ops.Step, op_id: str) -> Operation:
    """The card operation a step holds."""
    cls = WHAT[step.data["what"]]
    values: dict[str, Any] = {"op_id": op_id}
    for name, value in step.data["op"].items():
        if value is None:
            values[name] = None
        elif name == "at":
            values[name] = datetime.fromisoformat(value)
        elif name == "callback_on":
            values[name] = date.fromisoformat(value)
        elif name == "amount":
            values[name] = Decimal(value)
        else:
            values[name] = value
    result: Operation = cls(**values)
    return result


def _encode(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(op):
        value = getattr(op, f.name)
        if f.name == "op_id":
            continue
        if isinstance(value, (datetime, date)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[f.name] = value
    return out


# ------------------------------------------------------------------ journal
def begin(account: Account, rn: str, op: Operation) -> bool:
    """Journal the card write (one transaction); False when this id is journalled
    already (a double tap, a resent form, the same ``--op-id`` again)."""
    st = ops.store(account)
    if st.get(op.op_id) is not None:
        return False
    p = plan(rn, op)
    try:
        st.begin(p, p.who)
    except sqlite3.IntegrityError:  # the same id journalled meanwhile (two taps at once)
        return False
    return True


def open_ops(account: Account, contact: str | None = None) -> list[ops.Operation]:
    """Card writes journalled and not written yet (of ``contact``), oldest first."""
    out = []
    for op in ops.pending(account):
        if op.kind == CARD and (contact is None or contact in op.contacts):
            out.append(op)
    return out


def card_operation(op: ops.Operation) -> Operation:
    """The card operation of a journalled card write."""
    return operation_of(op.steps[0], op.op_id)


def earlier(account: Account, rn: str, op: Operation) -> ops.Operation | None:
    """The same card write (same fact, its time aside) an earlier run left open on
    ``rn``: finished now when the account answers and returned (the command run
    again answers with it, never writes it twice); still open: QueuedError."""
    fact = _fact(op)
    try:
        ops.finish_pending(account, contacts=[rn])
    except UnavailableError as exc:
        for o in open_ops(account, rn):
            if o.op_id != op.op_id and _fact(card_operation(o)) == fact:
                raise queued(o.op_id, exc) from None
        return None
    for o in reversed(ops.finished_here(account)):
        if (o.kind == CARD and o.op_id != op.op_id and o.contacts == [rn]
                and _fact(card_operation(o)) == fact):  # fmt: skip
            return o
    return None


def _fact(op: Operation) -> dict[str, Any]:
    fact = _encode(op)
    fact.pop("at", None)
    return fact


# ------------------------------------------------------------------ running
def write(account: Account, rn: str, op: Operation) -> dict[str, Any]:
    """Journal the card write, then write it now. The account away: QueuedError
    (exit 75), the operation stays open for the next command or the server."""
    if not begin(account, rn, op):
        known = ops.store(account).get(op.op_id)
        if known is not None and known.done:  # written before: nothing changes now
            return {**result(known), "changed": False}
    try:
        done = ops.run(account, op.op_id)
    except UnavailableError as exc:
        raise queued(op.op_id, exc) from None
    return result(done)


def queued(op_id: str, exc: UnavailableError) -> QueuedError:
    return QueuedError(
        _("The account could not be reached ({why}): the write is kept on this PC and will be "
          "written by the next crm command or by crm serve").format(why=exc.message),
        op_id=op_id,
        hint=_("nothing is lost and nothing will be written twice"),
    )  # fmt: skip


def result(op: ops.Operation) -> dict[str, Any]:
    """What a finished card write did (its step's result; ``refused``: why not)."""
    return op.steps[0].result if op.steps else {}
