"""Compaction of the card's tool part and the dialer view. Pure: no I/O.

Policy, in this order, while the tool part is over its budget (lines and
characters; the free text below ``--`` never counts and is never touched):

1. calls beyond ``calls_shown`` leave, oldest first; then more calls leave,
   oldest first, down to the last one;
2. the oldest closed orders fold into one summary line (count and total);
3. the oldest steps of open orders leave (each open order keeps its latest);
4. the last call and the empty "Calls" heading leave.

Lines the person typed and the tool does not understand are never removed,
so a card full of them may stay over budget. Every removed line is returned
so the caller journals it before the card is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from contacts_crm.card.grammar import new_line
from contacts_crm.card.model import Card, Kind, Line, OrderHead, Summary

if TYPE_CHECKING:
    from contacts_crm.card.settings import CardSettings


@dataclass(frozen=True)
class Removed:
    """A line that left the card, and why (``order_closed`` or ``budget``)."""

    line: Line
    reason: str


def size(lines: list[Line]) -> tuple[int, int]:
    """(lines, characters) of a tool part, newlines included, ``\\r`` not counted."""
    chars = sum(len(line.text.rstrip("\r")) for line in lines) + max(len(lines) - 1, 0)
    return len(lines), chars


def over_budget(card: Card, settings: CardSettings) -> bool:
    n, chars = size(card.lines)
    return n > settings.max_lines or chars > settings.max_chars


def compact_closed_orders(card: Card) -> list[Removed]:
    """Collapse every closed order that still has steps (or an open head) into one line."""
    removed: list[Removed] = []
    finals = card.labels.final_stages
    for head_i, step_is in reversed(card.order_blocks()):
        head: OrderHead = card.lines[head_i].fact  # type: ignore[assignment]
        if not step_is and head.stage in finals:
            continue
        order = card.order_at(head_i, step_is)
        if order.is_open:
            continue
        one = OrderHead(order.number, order.stage, order.amount, order.closed_on,
                        order.who_closed, head.extra)  # fmt: skip
        removed.append(Removed(card.lines[head_i], "order_closed"))
        removed.extend(Removed(card.lines[i], "order_closed") for i in step_is)
        for i in reversed(step_is):
            del card.lines[i]
        card.lines[head_i] = new_line(Kind.ORDER, one, card)
    return removed


def _call_indexes_oldest_first(card: Card) -> list[int]:
    idx = [i for i, line in enumerate(card.lines) if line.kind is Kind.CALL]
    # newest are written on top: among calls of one date, the lower line is older
    return sorted(idx, key=lambda i: (card.lines[i].fact.on, -i))  # type: ignore[union-attr]


def _closed_indexes_oldest_first(card: Card) -> list[int]:
    finals = card.labels.final_stages
    blocks = [h for h, steps in card.order_blocks() if not steps]
    closed = [h for h in blocks if card.lines[h].fact.stage in finals]  # type: ignore[union-attr]
    return sorted(closed, key=lambda i: card.lines[i].fact.number)  # type: ignore[union-attr]


def _fold(card: Card, indexes: list[int], removed: list[Removed]) -> None:
    cancel = card.labels.cancel_stages
    summary_i = next((i for i, ln in enumerate(card.lines) if ln.kind is Kind.SUMMARY), None)
    summary: Summary | None = card.lines[summary_i].fact if summary_i is not None else None  # type: ignore[assignment]
    numbers = [card.lines[i].fact.number for i in indexes]  # type: ignore[union-attr]
    first = min(numbers + ([summary.first] if summary else []))
    last = max(numbers + ([summary.last] if summary else []))
    total = summary.total if summary else None
    for i in indexes:
        head: OrderHead = card.lines[i].fact  # type: ignore[assignment]
        if head.amount is not None and head.stage not in cancel:
            total = (total or Decimal(0)) + head.amount
        removed.append(Removed(card.lines[i], "budget"))
    fact = Summary(first, last, (summary.count if summary else 0) + len(indexes), total)
    if summary_i is not None:
        removed.append(Removed(card.lines[summary_i], "budget"))
        card.lines[summary_i] = new_line(Kind.SUMMARY, fact, card)
        drop = sorted(indexes, reverse=True)
    else:
        keep = max(indexes)
        card.lines[keep] = new_line(Kind.SUMMARY, fact, card)
        drop = sorted((i for i in indexes if i != keep), reverse=True)
    for i in drop:
        del card.lines[i]


def _oldest_open_step(card: Card) -> int | None:
    candidates = []
    for _head, steps in card.order_blocks():
        if len(steps) > 1:
            oldest = min(steps, key=lambda i: (card.lines[i].fact.on, i))  # type: ignore[union-attr]
            candidates.append(oldest)
    if not candidates:
        return None
    return min(candidates, key=lambda i: (card.lines[i].fact.on, i))  # type: ignore[union-attr]


def enforce_budget(card: Card, settings: CardSettings) -> list[Removed]:
    """Remove lines per the policy until the tool part fits (in place); return them."""
    removed: list[Removed] = []

    def drop(i: int) -> None:
        removed.append(Removed(card.lines[i], "budget"))
        del card.lines[i]

    calls = _call_indexes_oldest_first(card)
    excess = max(len(calls) - settings.calls_shown, 0)
    for i in sorted(calls[:excess], reverse=True):
        drop(i)
    while over_budget(card, settings):
        calls = _call_indexes_oldest_first(card)
        if len(calls) > 1:
            drop(calls[0])
            continue
        closed = _closed_indexes_oldest_first(card)
        has_summary = any(line.kind is Kind.SUMMARY for line in card.lines)
        if closed and (has_summary or len(closed) >= 2):
            _fold(card, closed[: 1 if has_summary else 2], removed)
            continue
        step = _oldest_open_step(card)
        if step is not None:
            drop(step)
            continue
        if calls:
            drop(calls[0])
            continue
        break
    if not any(line.kind is Kind.CALL for line in card.lines) and any(
        r.line.kind is Kind.CALL for r in removed
    ):
        for i in reversed(range(len(card.lines))):
            if card.lines[i].kind is Kind.CALLS:
                drop(i)
    return removed
