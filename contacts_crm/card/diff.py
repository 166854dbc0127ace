"""What changed between two versions of a card's text, line by line. Pure.

``diff_lines`` pairs the old and new Notes lines (difflib): lines added,
removed, and rewritten in place (a removed line and an added line at the same
spot). Each added or rewritten line carries what it parses as in the new card
(a call, a step with its order number, an order head), so the caller can turn
hand-written work into journal events. Blank lines are never reported.

``keep_added`` / ``keep_removed`` let the caller drop lines it knows came from
the tool itself (see contact/stamp.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from contacts_crm.card.grammar import parse
from contacts_crm.card.model import Card, Fact, Kind
from contacts_crm.card.wording import Labels


@dataclass(frozen=True)
class NewLine:
    """A line of the new card: its text, what it is, and the order it sits under."""

    text: str
    kind: Kind
    fact: Fact
    order_no: int | None  # for a step: the number of the order block it is in
    occurrence: int  # how many identical lines come before it in the new card


@dataclass(frozen=True)
class CardDiff:
    added: list[NewLine]
    removed: list[tuple[str, int]]  # (old text, occurrence in the old card)
    changed: list[tuple[str, NewLine]]  # (old text, the line that replaced it)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _tool_lines(card: Card, raw: list[str]) -> list[tuple[Kind, Fact, int | None]]:
    """(kind, fact, order number) for each raw line; free text below ``--`` is UNKNOWN."""
    out: list[tuple[Kind, Fact, int | None]] = []
    order: int | None = None
    for line in card.lines:
        if line.kind is Kind.ORDER:
            order = line.fact.number  # type: ignore[union-attr]
        elif line.kind in (Kind.CALLS, Kind.SUMMARY, Kind.STATUS):
            order = None
        out.append((line.kind, line.fact, order if line.kind is Kind.STEP else None))
    while len(out) < len(raw):
        out.append((Kind.UNKNOWN, None, None))
    return out


def _occurrences(lines: list[str]) -> list[int]:
    seen: dict[str, int] = {}
    out = []
    for text in lines:
        key = text.rstrip("\r")
        out.append(seen.get(key, 0))
        seen[key] = seen.get(key, 0) + 1
    return out


def _keep_all(_text: str) -> bool:
    return True


def diff_lines(
    old_text: str,
    new_text: str,
    labels: Labels,
    *,
    keep_added: Callable[[str], bool] = _keep_all,
    keep_removed: Callable[[str], bool] = _keep_all,
) -> CardDiff:
    """Lines added, removed and rewritten from ``old_text`` to ``new_text``."""
    old = old_text.split("\n") if old_text else []
    new = new_text.split("\n") if new_text else []
    card = parse(new_text, labels)
    kinds = _tool_lines(card, new)
    new_occ, old_occ = _occurrences(new), _occurrences(old)
    added: list[NewLine] = []
    removed: list[tuple[str, int]] = []
    changed: list[tuple[str, NewLine]] = []
    # trailing spaces and \r do not make a line different (a server or an editor may tidy them)
    matcher = SequenceMatcher(None, [o.rstrip() for o in old], [n.rstrip() for n in new],
                              autojunk=False)  # fmt: skip
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        gone = [(old[i].rstrip("\r"), old_occ[i]) for i in range(i1, i2)
                if old[i].strip() and keep_removed(old[i])]  # fmt: skip
        came = [NewLine(new[j].rstrip("\r"), *kinds[j], new_occ[j]) for j in range(j1, j2)
                if new[j].strip() and keep_added(new[j])]  # fmt: skip
        pairs = min(len(gone), len(came)) if tag == "replace" else 0
        changed += [(gone[k][0], came[k]) for k in range(pairs)]
        removed += gone[pairs:]
        added += came[pairs:]
    return CardDiff(added, removed, changed)
