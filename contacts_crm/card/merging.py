"""Two clients' cards made into one, losing nothing. Pure: no I/O.

The first card keeps its order numbers; the other's orders (and its folded
summary's range) are renumbered after the first's highest number, by
changing only the number in each line's text. Order blocks come newest
(highest number) first, as the tool writes them; the calls of both cards are
interleaved by date under one "Calls" heading, newest first. Lines the tool
does not understand stay with the line they followed. Both free texts are
kept, the first's unchanged and the other's after it. The status line is the
first card's, with the later of the two "last contact" dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from contacts_crm.card.grammar import format_fact, grammar
from contacts_crm.card.model import Call, Card, Kind, Line, OrderHead, Status, Summary


@dataclass
class _Parts:
    """A card cut into the pieces a merge moves around."""

    preamble: list[Line] = field(default_factory=list)
    status: list[Line] = field(default_factory=list)  # the status line and what follows it
    orders: list[tuple[int, list[Line]]] = field(default_factory=list)  # (number, lines)
    summary: list[Line] = field(default_factory=list)
    heading: Line | None = None
    heading_tail: list[Line] = field(default_factory=list)  # lines after the heading, before calls
    calls: list[tuple[Call, list[Line]]] = field(default_factory=list)


def _cut(card: Card) -> _Parts:
    parts = _Parts()
    current = parts.preamble
    for line in card.lines:
        kind, fact = line.kind, line.fact
        if kind is Kind.STATUS and not parts.status:
            current = parts.status
        elif kind is Kind.ORDER and isinstance(fact, OrderHead):
            current = []
            parts.orders.append((fact.number, current))
        elif kind is Kind.SUMMARY and not parts.summary:
            current = parts.summary
        elif kind is Kind.CALLS and parts.heading is None:
            parts.heading = line
            current = parts.heading_tail if not parts.calls else parts.calls[-1][1]
            continue
        elif kind is Kind.CALL and isinstance(fact, Call):
            current = []
            parts.calls.append((fact, current))
        current.append(line)
    return parts


@dataclass(frozen=True)
class MergedCard:
    """The merged card and how the other card's orders were renumbered (old -> new)."""

    card: Card
    renumbered: dict[int, int]


def highest_number(card: Card) -> int:
    """The highest order number a card uses (its orders and its folded summary)."""
    return card.next_order_number() - 1


def merge_cards(first: Card, other: Card) -> MergedCard:
    """One card holding every line of both (see the module doc)."""
    labels = first.labels
    a, b = _cut(first), _cut(other)
    offset = highest_number(first)
    renumbered = {n: n + offset for n, _ in b.orders}
    b_orders = [
        (n + offset, [_renumber(ln, offset, first) for ln in lines]) for n, lines in b.orders
    ]
    orders = sorted([*a.orders, *b_orders], key=lambda item: -item[0])  # stable: a's first on ties
    calls = sorted([*a.calls, *b.calls], key=lambda item: item[0].on, reverse=True)
    lines: list[Line] = [*a.preamble, *_status(a, b, first), *b.preamble]
    for _, block in orders:
        lines.extend(block)
    lines.extend(_summary(a, b, offset, first))
    heading = a.heading or b.heading
    if heading is not None or calls:
        lines.append(heading or Line(format_fact(Kind.CALLS, None, labels), Kind.CALLS))
        lines.extend([*a.heading_tail, *b.heading_tail])
        for _, block in calls:
            lines.extend(block)
    lines = [_ending(ln, first.crlf) for ln in lines]
    free = _free(first.free, other.free)
    merged = Card(
        lines, (first.separator or other.separator) if lines else None, free, labels, first.crlf
    )
    return MergedCard(merged, renumbered)


def _status(a: _Parts, b: _Parts, first: Card) -> list[Line]:
    if not a.status:
        return b.status
    if not b.status:
        return a.status
    mine, theirs = a.status[0].fact, b.status[0].fact
    if isinstance(mine, Status) and isinstance(theirs, Status) and theirs.on > mine.on:
        newer = replace(mine, on=theirs.on, who=theirs.who)
        head = Line(format_fact(Kind.STATUS, newer, first.labels), Kind.STATUS, newer)
        return [head, *a.status[1:], *b.status[1:]]
    return [*a.status, *b.status[1:]]


def _summary(a: _Parts, b: _Parts, offset: int, first: Card) -> list[Line]:
    if not b.summary:
        return a.summary
    b_lines = [_renumber(ln, offset, first) for ln in b.summary]
    if not a.summary:
        return b_lines
    sa, sb = a.summary[0].fact, b_lines[0].fact
    assert isinstance(sa, Summary) and isinstance(sb, Summary)
    total = sa.total + sb.total if sa.total is not None and sb.total is not None else None
    both = Summary(min(sa.first, sb.first), max(sa.last, sb.last), sa.count + sb.count, total)
    head = Line(format_fact(Kind.SUMMARY, both, first.labels), Kind.SUMMARY, both)
    return [head, *a.summary[1:], *b_lines[1:]]


def _renumber(line: Line, offset: int, first: Card) -> Line:
    """The line with its order number(s) moved up by ``offset`` (only the digits change)."""
    if offset == 0 or line.kind not in (Kind.ORDER, Kind.SUMMARY):
        return line
    g = grammar(first.labels)
    text = line.text
    m = (g.order if line.kind is Kind.ORDER else g.summary).match(text.rstrip("\r"))
    if m is None:  # pragma: no cover - the line was classified by the same regexes
        return line
    spans = [m.span(1)] if line.kind is Kind.ORDER else [m.span(1), m.span(2)]
    for start, end in reversed(spans):
        text = text[:start] + str(int(text[start:end]) + offset) + text[end:]
    fact = line.fact
    if isinstance(fact, OrderHead):
        fact = replace(fact, number=fact.number + offset)
    elif isinstance(fact, Summary):
        fact = replace(fact, first=fact.first + offset, last=fact.last + offset)
    return Line(text, line.kind, fact)


def _ending(line: Line, crlf: bool) -> Line:
    has = line.text.endswith("\r")
    if has == crlf:
        return line
    return Line(line.text + "\r" if crlf else line.text[:-1], line.kind, line.fact)


def _free(first: str | None, other: str | None) -> str | None:
    a, b = (first or "").strip("\n"), (other or "").strip("\n")
    if not b or b == a or b in a:
        return first
    if not a:
        return other
    return f"{(first or '').rstrip(chr(10))}\n{other}"
