"""Take back one write without taking back what others wrote since (three-way undo).

Pure. ``revert(before, after, now, fields)``: ``before`` is the person as it
was before the write, ``after`` as the write left it, ``now`` as it is today.
Per field, only what the write changed, and only where it still holds the
write's value, goes back:

- a field the write did not change keeps today's value;
- list fields (phones, emails, groups, clientData…): items the write added
  and still there are removed, items it removed and not back yet return;
  every item added since stays;
- names and other singletons: back to before only if nobody changed them since;
- Notes (the card): a line-level three-way merge; the write's own lines are
  taken out and lines it removed come back where nothing changed around them,
  so card lines and free text written since stay exactly as they are.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from contacts_crm.contact.model import _item_key, same_fields
from contacts_crm.contact.stamp import STAMP_KEY

SINGLETONS = {"names", "birthdays", "genders"}


def revert(
    before: dict[str, Any], after: dict[str, Any], now: dict[str, Any], fields: Iterable[str]
) -> dict[str, Any]:
    """The values of ``fields`` that undo the write ``before -> after`` on ``now``."""
    out: dict[str, Any] = {}
    for f in fields:
        b, a, n = before.get(f, []), after.get(f, []), now.get(f, [])
        if f == "clientData":  # every tool write stamps itself afresh: never taken back
            b, a = _unstamped(b), _unstamped(a)
        if same_fields({f: b}, {f: a}, [f]):
            out[f] = n
        elif f == "biographies":
            text = revert_text(_text(b), _text(a), _text(n))
            item = {**(n[0] if n else {}), "value": text, "contentType": "TEXT_PLAIN"}
            out[f] = [item] if text else []
        elif f in SINGLETONS:
            out[f] = b if same_fields(after, now, [f]) else n
        else:
            added = _keys(f, a) - _keys(f, b)
            removed = _keys(f, b) - _keys(f, a)
            kept = [i for i in n if _key(f, i) not in added]
            have = _keys(f, kept)
            back = [i for i in b if _key(f, i) in removed and _key(f, i) not in have]
            out[f] = [*kept, *(_strip(i) for i in back)]
    return out


def revert_text(before: str, after: str, now: str) -> str:
    """``now`` with the change ``before -> after`` taken back where its lines are untouched."""
    if now == after:
        return before
    b, a, n = before.splitlines(), after.splitlines(), now.splitlines()
    same = _equal_map(a, n)  # line of ``after`` -> the same, untouched line of ``now``
    edits: list[tuple[int, int, list[str]]] = []  # (start, end) in ``now`` -> lines
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            spots = [same.get(i, -1) for i in range(i1, i2)]
            if spots != list(range(spots[0], spots[0] + len(spots))) or spots[0] < 0:
                continue  # someone changed these lines since: theirs stay
            edits.append((spots[0], spots[-1] + 1, b[j1:j2]))
        else:  # the write removed lines: put them back after the line they followed
            if i1 == 0:
                at = 0
            elif (prev := same.get(i1 - 1)) is not None:
                at = prev + 1
            else:
                continue
            edits.append((at, at, b[j1:j2]))
    for start, end, lines in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        n[start:end] = lines
    text = "\n".join(n)
    return text + "\n" if now.endswith("\n") and text else text


def _equal_map(a: list[str], n: list[str]) -> dict[int, int]:
    out: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, a, n, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            out[block.a + k] = block.b + k
    return out


def _unstamped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if not (isinstance(i, dict) and i.get("key") == STAMP_KEY)]


def _key(f: str, item: dict[str, Any]) -> str:
    return repr(_item_key(f, item))


def _keys(f: str, items: list[dict[str, Any]]) -> set[str]:
    return {_key(f, i) for i in items}


def _text(items: list[dict[str, Any]]) -> str:
    return str(items[0].get("value", "")) if items else ""


def _strip(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "metadata"}
