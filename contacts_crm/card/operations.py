"""Operations on a card (log a call, open/step/close an order), applied purely.

``apply(card, op, settings=...)`` returns the new card and the journal events
to write *before* the card: the operation itself (seq 0) and one ``compaction``
event per line that left the card, with its exact text. ``apply`` depends only
on its arguments, so re-applying an operation to a fresh card after a
conflict gives the same result; and an operation whose line is already on the
card (a retry whose write did land) changes nothing (``changed=False``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from contacts_crm.card.compaction import Removed, compact_closed_orders, enforce_budget
from contacts_crm.card.events import JournalEvent
from contacts_crm.card.grammar import new_line
from contacts_crm.card.model import Call, Card, Kind, Line, Order, OrderHead, Status, Step
from contacts_crm.card.settings import CardSettings
from contacts_crm.card.wording import DIRECTIONS, OUTCOMES
from contacts_crm.errors import NotFoundError, UsageError
from contacts_crm.i18n import _


@dataclass(frozen=True)
class LogCall:
    """A call: direction in/out/missed, a short comment, an optional outcome."""

    op_id: str
    at: datetime
    who: str
    direction: str = "out"
    comment: str = ""
    outcome: str | None = None
    callback_on: date | None = None


@dataclass(frozen=True)
class OpenOrder:
    """A new order; it gets the client's next order number."""

    op_id: str
    at: datetime
    who: str
    what: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class StepOrder:
    """An order moves to ``stage`` (a key or a name in any language)."""

    op_id: str
    at: datetime
    who: str
    order_no: int
    stage: str
    comment: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class CloseOrder:
    """An order is delivered (the final stage), or cancelled."""

    op_id: str
    at: datetime
    who: str
    order_no: int
    cancelled: bool = False
    amount: Decimal | None = None
    comment: str = ""


Operation = LogCall | OpenOrder | StepOrder | CloseOrder


@dataclass(frozen=True)
class OpResult:
    """The card after the operation and the events to journal before writing it."""

    card: Card
    events: list[JournalEvent]
    changed: bool
    order_no: int | None = None
    removed: list[Removed] = field(default_factory=list)


# ---- helpers -----------------------------------------------------------------
def _utc(at: datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def _clean(text: str, limit: int) -> str:
    """A comment on one line, shortened to ``limit`` characters at a word ("…" says
    so; the whole text stays in the journal). A single word longer than the limit is
    the only one cut inside."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    if text[len(head)] != " " and " " in head:  # the cut falls inside a word: drop it
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.-–—") + "…"


def is_cut(text: str, limit: int) -> bool:
    """Whether the card shows ``text`` shortened (see ``_clean``)."""
    return len(" ".join(text.split())) > limit


def _who(who: str) -> str:
    name = " ".join(who.replace("(", " ").replace(")", " ").split())
    if not name:
        raise UsageError(
            _("who did it is missing"), hint=_("pass --by NAME or set the user in config")
        )
    return name


def _op_data(op: Operation) -> dict[str, Any]:
    data = {k: v for k, v in asdict(op).items() if v not in (None, "")}
    return {k: (v.isoformat() if isinstance(v, date | datetime) else
                str(v) if isinstance(v, Decimal) else v) for k, v in data.items()}  # fmt: skip


def operation_from_event(event: JournalEvent) -> Operation:
    """The operation a journal entry (seq 0) records: the inverse of its ``data``.

    Lets an operation interrupted before its card write be run again.
    """
    kinds = {kind: cls for cls, kind in _KINDS.items()}
    if event.kind not in kinds:
        raise UsageError(f"journal entry {event.op_id} ({event.kind}) is not a card operation")
    cls = kinds[event.kind]
    typed: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in event.data:
            continue
        value = event.data[f.name]
        if f.name == "at":
            value = datetime.fromisoformat(value)
        elif f.name == "callback_on":
            value = date.fromisoformat(value)
        elif f.name == "amount":
            value = Decimal(value)
        typed[f.name] = value
    return cls(**typed)


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _insert_at_end(card: Card) -> int:
    """Index after the last non-blank line of the tool part."""
    i = len(card.lines)
    while i > 0 and card.lines[i - 1].kind is Kind.BLANK:
        i -= 1
    return i


def _orders_insert_at(card: Card) -> int:
    for i, line in enumerate(card.lines):
        if line.kind in (Kind.ORDER, Kind.SUMMARY, Kind.CALLS):
            return i
    for i, line in enumerate(card.lines):
        if line.kind is Kind.STATUS:
            return i + 1
    return _insert_at_end(card)


def _find_order(card: Card, number: int) -> tuple[int, list[int], Order]:
    for head_i, step_is in card.order_blocks():
        if card.lines[head_i].fact.number == number:  # type: ignore[union-attr]
            return head_i, step_is, card.order_at(head_i, step_is)
    summary = card.summary()
    if summary and number <= summary.last:
        raise NotFoundError(
            _("order {number} was folded into the summary line of this card").format(
                number=number),
            hint=_("its history is in the journal: crm journal QUERY"),
        )  # fmt: skip
    numbers = ", ".join(str(o.number) for o in card.open_orders())
    if not numbers:
        raise NotFoundError(
            _("no order {number} on this card").format(number=number),
            hint=_("it has no open order; open one with: crm order open"),
        )
    raise NotFoundError(
        _("no order {number} on this card").format(number=number),
        hint=_("open orders: {numbers}").format(numbers=numbers),
    )


def _touch_status(card: Card, day: date, who: str) -> None:
    for i, line in enumerate(card.lines):
        if line.kind is Kind.STATUS:
            status: Status = line.fact  # type: ignore[assignment]
            if day > status.on or (day == status.on and status.who != who):
                fresh = Status(status.before, day, who, status.after)
                card.lines[i] = new_line(Kind.STATUS, fresh, card)
            return
    card.lines.insert(0, new_line(Kind.STATUS, Status("", day, who, ""), card))


# ---- the operations ----------------------------------------------------------
def _log_call(card: Card, op: LogCall, s: CardSettings) -> tuple[bool, Line, int | None]:
    if op.direction not in DIRECTIONS:
        raise UsageError(f"unknown call direction {op.direction!r}", hint="use in, out or missed")
    if op.outcome is not None and op.outcome not in OUTCOMES:
        raise UsageError(
            f"unknown call outcome {op.outcome!r}", hint=f"use one of: {', '.join(OUTCOMES)}"
        )
    call = Call(op.at.date(), op.direction, _who(op.who), _clean(op.comment, s.max_comment),
                op.outcome, op.callback_on if op.outcome == "callback" else None)  # fmt: skip
    line = new_line(Kind.CALL, call, card)
    if any(ln.kind is Kind.CALL and ln.fact == call for ln in card.lines):
        return False, line, None
    heading = next((i for i, ln in enumerate(card.lines) if ln.kind is Kind.CALLS), None)
    if heading is None:
        at = _insert_at_end(card)
        card.lines[at:at] = [new_line(Kind.CALLS, None, card), line]
    else:
        card.lines.insert(heading + 1, line)
    return True, line, None


def _open_order(card: Card, op: OpenOrder, s: CardSettings) -> tuple[bool, Line, int | None]:
    labels = card.labels
    what = _clean(op.what, s.max_comment)
    step = Step(op.at.date(), labels.first_stage, None, what, _who(op.who))
    for order in card.open_orders():
        if step in order.steps:  # a retry whose write landed
            return False, new_line(Kind.STEP, step, card), order.number
    number = card.next_order_number()
    head = OrderHead(number, labels.first_stage, op.amount)
    at = _orders_insert_at(card)
    card.lines[at:at] = [new_line(Kind.ORDER, head, card), new_line(Kind.STEP, step, card)]
    return True, card.lines[at], number


def _step(card: Card, number: int, stage: str, op: StepOrder | CloseOrder,
          s: CardSettings) -> tuple[bool, Line, int | None]:  # fmt: skip
    head_i, step_is, order = _find_order(card, number)
    step = Step(op.at.date(), stage, op.amount, _clean(op.comment, s.max_comment), _who(op.who))
    line = new_line(Kind.STEP, step, card)
    if not order.is_open:
        if order.stage == stage and order.closed_on in (None, step.on):
            return False, line, number  # a retry whose write landed
        raise UsageError(
            _("order {number} is already {stage}").format(
                number=number, stage=card.labels.stage_name(order.stage)),
            hint=_("open a new order with: crm order open"),
        )  # fmt: skip
    if step in order.steps:
        return False, line, number
    head: OrderHead = card.lines[head_i].fact  # type: ignore[assignment]
    amount = op.amount if op.amount is not None else head.amount
    final = stage in card.labels.final_stages  # compaction rewrites the head
    if not final and (stage != head.stage or amount != head.amount):
        fresh = OrderHead(head.number, stage, amount, None, None, head.extra)
        card.lines[head_i] = new_line(Kind.ORDER, fresh, card)
    after = step_is[-1] if step_is else head_i
    card.lines.insert(after + 1, line)
    return True, line, number


def _step_order(card: Card, op: StepOrder, s: CardSettings) -> tuple[bool, Line, int | None]:
    return _step(card, op.order_no, card.labels.stage_key(op.stage), op, s)


def _close_order(card: Card, op: CloseOrder, s: CardSettings) -> tuple[bool, Line, int | None]:
    stage = card.labels.cancel_stage if op.cancelled else card.labels.done_stage
    return _step(card, op.order_no, stage, op, s)


_HANDLERS = {LogCall: _log_call, OpenOrder: _open_order, StepOrder: _step_order,
             CloseOrder: _close_order}  # fmt: skip
_KINDS = {LogCall: "call", OpenOrder: "order_open", StepOrder: "order_step",
          CloseOrder: "order_close"}  # fmt: skip


def apply(
    card: Card,
    op: Operation,
    *,
    settings: CardSettings,
    contact: str = "",
    contact_name: str = "",
) -> OpResult:
    """Apply ``op`` to a copy of ``card``; the input card is not modified.

    Raises UsageError (bad stage, direction, outcome, missing who, order
    already closed) or NotFoundError (no such order on the card).
    """
    work = Card(list(card.lines), card.separator, card.free, settings.labels, card.crlf)
    changed, line, number = _HANDLERS[type(op)](work, op, settings)  # type: ignore[operator]
    removed: list[Removed] = []
    if changed:
        removed += compact_closed_orders(work)
        if not (isinstance(op, LogCall) and op.direction == "missed"):  # not a contact
            _touch_status(work, op.at.date(), _who(op.who))
        removed += enforce_budget(work, settings)
        before = {id(ln) for ln in card.lines}  # journal only lines a card really showed
        removed = [r for r in removed if id(r.line) in before]
    amount = getattr(op, "amount", None)
    text = line.text
    if number is not None and isinstance(op, StepOrder | CloseOrder):
        closed = work.order(number)
        if closed is not None and not closed.is_open:
            # a closing op journals the order's one line, and the order's final amount
            text = next(ln.text for ln in work.lines
                        if ln.kind is Kind.ORDER and ln.fact.number == number)  # type: ignore[union-attr]  # fmt: skip
            amount = closed.amount if closed.amount is not None else amount
    fact = line.fact
    main = JournalEvent(
        op_id=op.op_id, seq=0, at=_utc(op.at), who=_who(op.who), kind=_KINDS[type(op)],
        contact=contact, contact_name=contact_name, order_no=number,
        stage=getattr(fact, "stage", None), amount=_amount(amount),
        outcome=getattr(op, "outcome", None), text=text.rstrip("\r").strip(),
        data={**_op_data(op), "changed": changed},
    )  # fmt: skip
    events = [main]
    for seq, gone in enumerate(removed, 1):
        fact = gone.line.fact
        events.append(JournalEvent(
            op_id=op.op_id, seq=seq, at=main.at, who=main.who, kind="compaction",
            contact=contact, contact_name=contact_name,
            order_no=getattr(fact, "number", None), stage=getattr(fact, "stage", None),
            amount=_amount(getattr(fact, "amount", None)), text=gone.line.text.rstrip("\r"),
            data={"line": gone.line.kind.value, "reason": gone.reason},
        ))  # fmt: skip
    return OpResult(work, events, changed, number, removed)
