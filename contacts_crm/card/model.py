"""The client card's data model: its lines, what each line says, and accessors.

A ``Card`` is the tool's part of the Notes text as a list of ``Line`` objects
(each keeps its exact text, so rendering is lossless), an optional separator
line and the people's free text below it. The accessors (``orders``,
``calls``, ``last_contact`` …) read the facts the lines carry. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from contacts_crm.card.wording import Labels


class Kind(Enum):
    """What a line of the tool's part is."""

    BLANK = "blank"
    STATUS = "status"
    ORDER = "order"  # an order's head line: open ("Order 17 · paid") or closed (one line)
    STEP = "step"  # a step under an open order
    SUMMARY = "summary"  # older closed orders folded into one line
    CALLS = "calls"  # the "Calls" heading
    CALL = "call"
    UNKNOWN = "unknown"  # kept verbatim; listed by ``unrecognised_lines``


@dataclass(frozen=True)
class Status:
    """The status line: free segments around "last contact DATE (who)"."""

    before: str
    on: date
    who: str | None
    after: str


@dataclass(frozen=True)
class OrderHead:
    """An order's head line. ``closed_on`` is set on a closed order's one line."""

    number: int
    stage: str
    amount: Decimal | None = None
    closed_on: date | None = None
    who: str | None = None
    extra: tuple[str, ...] = ()  # other " · " segments a person typed, kept


@dataclass(frozen=True)
class Step:
    """One step of an order: ``  2026-11-19 paid 12 500: comment (Olga)``."""

    on: date
    stage: str
    amount: Decimal | None = None
    comment: str = ""
    who: str | None = None


@dataclass(frozen=True)
class Summary:
    """Older closed orders folded into one line: numbers, count, total amount."""

    first: int
    last: int
    count: int
    total: Decimal | None = None


@dataclass(frozen=True)
class Call:
    """One call: ``  2026-11-20 in (Olga) · call back 2026-11-25: asks about delivery``."""

    on: date
    direction: str
    who: str | None = None
    comment: str = ""
    outcome: str | None = None
    callback_on: date | None = None


Fact = Status | OrderHead | Step | Summary | Call | None


@dataclass(frozen=True)
class Line:
    """One line of the tool's part: its exact text (no newline) and what it says."""

    text: str
    kind: Kind
    fact: Fact = None


@dataclass(frozen=True)
class Order:
    """An order as the card shows it: head plus steps, open or closed."""

    number: int
    stage: str
    is_open: bool
    amount: Decimal | None
    steps: tuple[Step, ...]
    opened_on: date | None
    closed_on: date | None
    who_closed: str | None
    what: str


@dataclass
class Card:
    """A parsed card. ``render(parse(text)) == text`` for any text."""

    lines: list[Line]
    separator: str | None
    free: str | None
    labels: Labels
    crlf: bool = False
    extra: dict[str, object] = field(default_factory=dict, repr=False)

    # ---- accessors -------------------------------------------------------
    def status(self) -> Status | None:
        """The first status line's facts, if the card has one."""
        for line in self.lines:
            if line.kind is Kind.STATUS:
                return line.fact  # type: ignore[return-value]
        return None

    def order_blocks(self) -> list[tuple[int, list[int]]]:
        """(index of each order head, indexes of its step lines)."""
        blocks: list[tuple[int, list[int]]] = []
        current: list[int] | None = None
        for i, line in enumerate(self.lines):
            if line.kind is Kind.ORDER:
                current = []
                blocks.append((i, current))
            elif line.kind is Kind.STEP and current is not None:
                current.append(i)
            elif line.kind in (Kind.CALLS, Kind.SUMMARY, Kind.STATUS):
                current = None
        return blocks

    def orders(self) -> list[Order]:
        """Every order on the card, in card order (newest first as the tool writes)."""
        return [self.order_at(head_i, step_is) for head_i, step_is in self.order_blocks()]

    def order_at(self, head_i: int, step_is: list[int]) -> Order:
        """The order of one of ``order_blocks``: its head line's index and its steps'."""
        head: OrderHead = self.lines[head_i].fact  # type: ignore[assignment]
        steps: list[Step] = [self.lines[i].fact for i in step_is]  # type: ignore[misc]
        labels = self.labels
        finals = labels.final_stages
        ordered = sorted(steps, key=lambda s: s.on)  # stable: hand-added lines keep order
        stage = head.stage
        last = ordered[-1] if ordered else None
        if (
            last is not None
            and stage not in finals
            and (last.stage in finals or labels.flow_index(last.stage) > labels.flow_index(stage))
        ):
            stage = last.stage
        amount = head.amount
        for step in ordered:
            if step.amount is not None:
                amount = step.amount
        closed = stage in finals
        closed_on = head.closed_on or (last.on if closed and last else None)
        who_closed = head.who or (last.who if closed and last else None)
        first_stage = [s for s in ordered if s.stage == labels.first_stage]
        return Order(
            number=head.number,
            stage=stage,
            is_open=not closed,
            amount=amount,
            steps=tuple(ordered),
            opened_on=ordered[0].on if ordered else None,
            closed_on=closed_on,
            who_closed=who_closed,
            what=first_stage[0].comment if first_stage else "",
        )

    def order(self, number: int) -> Order | None:
        for order in self.orders():
            if order.number == number:
                return order
        return None

    def open_orders(self) -> list[Order]:
        return [o for o in self.orders() if o.is_open]

    def summary(self) -> Summary | None:
        for line in self.lines:
            if line.kind is Kind.SUMMARY:
                return line.fact  # type: ignore[return-value]
        return None

    def next_order_number(self) -> int:
        """Orders are numbered per client; numbering continues after folded orders."""
        top = max((o.number for o in self.orders()), default=0)
        summary = self.summary()
        return max(top, summary.last if summary else 0) + 1

    def calls(self) -> list[Call]:
        """Calls on the card, newest first (by date; ties keep card order)."""
        calls = [line.fact for line in self.lines if isinstance(line.fact, Call)]
        return sorted(calls, key=lambda c: c.on, reverse=True)

    def last_contact(self) -> tuple[date, str | None] | None:
        """The latest contact on the card (status line, answered calls, steps) and who.

        A missed call is not a contact: nobody spoke to the client.
        """
        best: tuple[date, str | None] | None = None
        for line in self.lines:
            fact = line.fact
            if isinstance(fact, Call) and fact.direction == "missed":
                continue
            if isinstance(fact, Status | Call | Step) and (best is None or fact.on > best[0]):
                best = (fact.on, fact.who)
        return best

    def delivered_count(self) -> int:
        """Orders delivered (not cancelled) on the card, plus orders in the summary line."""
        cancel = self.labels.cancel_stages
        finals = self.labels.final_stages
        visible = sum(1 for o in self.orders() if o.stage in finals and o.stage not in cancel)
        summary = self.summary()
        return visible + (summary.count if summary else 0)
