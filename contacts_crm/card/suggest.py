"""The nearest card shape for a line the parser could not read ("did you mean: …"). Pure.

People type calls and steps on a phone roughly in the card's shape: another
date format (``1.12.26``, ``2026/12/01``), a misspelt word (``incomming``,
``payed``), the name without parentheses (``in Masha: …``). ``suggest`` finds
the date, the nearest direction or stage word (any shipped language) and the
name, and writes the line as the tool would. It only suggests what parses.
"""

from __future__ import annotations

import re
from datetime import date
from difflib import get_close_matches

from contacts_crm.card.grammar import classify, format_fact, parse_amount
from contacts_crm.card.model import Call, Kind, OrderHead, Step
from contacts_crm.card.wording import Labels

_DATE = re.compile(r"^\s*(\d{1,4})[./\-](\d{1,2})[./\-](\d{2,4})\b[.,:]?\s*(.*)$", re.DOTALL)
_WHO = re.compile(r"\(([^()]*)\)")
_ORDER = re.compile(r"^\s*(\w+)\s*[#№]?\s*(\d+)\s*[-:·•|,.]*\s*(.*?)\s*$")
_WORD = re.compile(r"[\w.]+")
_CUTOFF = 0.6
_FILLERS = {"call", "calls", "звонок", "arama"}  # "incoming call" is "in"
UNKNOWN_WHO = "?"


def _date(a: str, b: str, c: str) -> date | None:
    try:
        if len(a) == 4:
            return date(int(a), int(b), int(c))
        year = int(c) + (2000 if len(c) == 2 else 0)
        return date(year, int(b), int(a))
    except ValueError:
        return None


def _names(labels: Labels) -> tuple[dict[str, str], dict[str, str]]:
    directions = {n.casefold(): k for lang in labels.languages.values()
                  for k, names in lang.directions.items() for n in names}  # fmt: skip
    return directions, labels.stage_lookup()


def _nearest(word: str, table: dict[str, str]) -> str | None:
    """The key of the nearest spelling; short words (in, out, вх) must be exact."""
    word = word.casefold().rstrip(".:,")
    if word in table or len(word) < 4:
        return table.get(word)
    found = get_close_matches(word, [w for w in table if len(w) >= 4], n=1, cutoff=_CUTOFF)
    return table[found[0]] if found else None


def _split_who(rest: str) -> tuple[str, str | None]:
    m = _WHO.search(rest)
    if m is None:
        return rest, None
    return (rest[: m.start()] + rest[m.end() :]), (m.group(1).strip() or None)


def _looks_like_name(words: list[str]) -> bool:
    """``Masha: …`` or ``Masha - …``: a capitalised word set off from the comment."""
    first = words[0]
    if not (first[:1].isupper() and first.rstrip(":,").isalpha()):
        return False
    return first.endswith(":") or len(words) == 1 or words[1] in (":", "-", "—")


def _dated(on: date, rest: str, labels: Labels) -> str | None:
    rest, who = _split_who(rest)
    directions, stages = _names(labels)
    words = rest.split()
    for take in (2, 1):  # "incoming call" before "incoming"
        if len(words) < take:
            continue
        head = " ".join(words[:take])
        key_dir = _nearest(head, directions) if take == 1 else directions.get(head.casefold())
        key_stage = _nearest(head, stages) if take == 1 else stages.get(head.casefold())
        if key_dir is None and key_stage is None:
            continue
        tail = words[take:]
        if key_dir is not None and tail and tail[0].casefold() in _FILLERS:
            tail = tail[1:]
        amount = parse_amount(tail[0]) if key_dir is None and tail else None
        if amount is not None:
            tail = tail[1:]
        if who is None and tail and _looks_like_name(tail):
            who = tail[0].rstrip(":,")
            tail = tail[1:]
        comment = " ".join(tail).lstrip(":-—, ").strip()
        name = who or UNKNOWN_WHO
        if key_dir is not None:
            text = format_fact(Kind.CALL, Call(on, key_dir, name, comment), labels)
        else:
            text = format_fact(Kind.STEP, Step(on, str(key_stage), amount, comment, name), labels)
        return text.strip()
    return None


def _order(m: re.Match[str], labels: Labels) -> str | None:
    words = {n.casefold() for lang in labels.languages.values() for n in lang.words["order"]}
    if not get_close_matches(m.group(1).casefold(), list(words), n=1, cutoff=_CUTOFF):
        return None
    stage = None
    for word in _WORD.findall(m.group(3)):
        stage = stage or _nearest(word, labels.stage_lookup())
    if stage is None:
        return None
    return format_fact(Kind.ORDER, OrderHead(int(m.group(2)), stage), labels)


def suggest(line: str, labels: Labels) -> str | None:
    """The line as the card would write it, if it looks like a call, a step or an order."""
    m = _DATE.match(line)
    if m:
        on = _date(m.group(1), m.group(2), m.group(3))
        text = _dated(on, m.group(4), labels) if on else None
    else:
        om = _ORDER.match(line)
        text = _order(om, labels) if om else None
    if text is None or text == line.strip():
        return None
    kind, _ = classify(text, labels)
    return text if kind in (Kind.CALL, Kind.STEP, Kind.ORDER) else None
