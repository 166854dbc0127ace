"""Was a call logged? Pure: the call lines a card gained since a moment.

A call that happened (a PBX or phone event, a tap on a number) waits to be
logged. The card is the truth of what was logged, whoever logged it and from
wherever (the page, ``crm call``, a line typed on a phone): when the call was
noticed, the card's call lines of that direction dated that day or later were
written down (``seen``); the call is logged once the card holds such a line
that was not there then and that no other waiting call has taken.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from contacts_crm.card.model import Call, Card


def call_lines(card: Card, *, since: date, direction: str | None = None) -> list[str]:
    """The texts of the card's call lines dated ``since`` or later (of ``direction``:
    ``None`` for any direction but missed)."""
    out = []
    for line in card.lines:
        fact = line.fact
        if not isinstance(fact, Call) or fact.on < since:
            continue
        if direction is None and fact.direction == "missed":
            continue
        if direction is not None and fact.direction != direction:
            continue
        out.append(line.text.strip())
    return out


def new_line(now: Iterable[str], seen: Iterable[str], taken: Iterable[str]) -> str | None:
    """A line in ``now`` that was neither ``seen`` before nor ``taken`` by another call.

    Lines are compared as texts, counted (two identical lines are two calls).
    """
    left = Counter(now) - (Counter(seen) | Counter(taken))
    return min(left) if left else None
