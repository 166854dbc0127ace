"""Rewrite the tool's own lines of a card in another language (``crm doctor --relabel``).

Pure. Only lines the parser understood (status, order heads, steps, the summary
line, the calls heading, calls) are written again from their facts with the new
labels; unrecognised lines and the free text are never touched, so the facts
the card says stay exactly the same.
"""

from __future__ import annotations

from contacts_crm.card.grammar import format_fact
from contacts_crm.card.model import Card, Kind, Line
from contacts_crm.card.wording import Labels

_REWRITTEN = (Kind.STATUS, Kind.ORDER, Kind.STEP, Kind.SUMMARY, Kind.CALLS, Kind.CALL)


def relabel(card: Card, labels: Labels) -> tuple[Card, list[tuple[str, str]]]:
    """The card with its tool lines in ``labels``' writing language, and (old, new) pairs."""
    lines: list[Line] = []
    changes: list[tuple[str, str]] = []
    for line in card.lines:
        if line.kind not in _REWRITTEN or (line.fact is None and line.kind is not Kind.CALLS):
            lines.append(line)
            continue
        cr = "\r" if line.text.endswith("\r") else ""
        try:
            text = format_fact(line.kind, line.fact, labels) + cr
        except ValueError:  # a fact the writer does not know: keep the line as it is
            lines.append(line)
            continue
        if text == line.text:
            lines.append(line)
            continue
        changes.append((line.text.rstrip("\r"), text.rstrip("\r")))
        lines.append(Line(text, line.kind, line.fact))
    return Card(lines, card.separator, card.free, labels, card.crlf), changes
