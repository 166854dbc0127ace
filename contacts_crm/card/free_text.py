"""The people's free text below the card's ``--`` line: read it, replace it, add to it.

Pure: no I/O. The tool never rewrites the free text on its own; these are for
a person's explicit edit (``crm edit``). A replacement is re-applied to the
card as it is *now*: when someone else changed the free text meanwhile, their
text stays and only the lines this edit added are appended.
"""

from __future__ import annotations

from contacts_crm.card.grammar import parse, render
from contacts_crm.card.wording import Labels


def free_of(notes: str, labels: Labels) -> str:
    """The free text of a card ("" when there is none)."""
    return parse(notes, labels).free or ""


def replace_free(notes: str, old: str, new: str, labels: Labels) -> str:
    """The card with its free text ``old`` replaced by ``new`` (see the module doc)."""
    card = parse(notes, labels)
    current = card.free or ""
    if current == old:
        card.free = new
    else:
        seen = set(old.splitlines()) | set(current.splitlines())
        added = [ln for ln in new.splitlines() if ln not in seen]
        card.free = "\n".join([current.rstrip("\n"), *added]) if added else current
    return render(card)


def append_free(notes: str, note: str, labels: Labels) -> str:
    """The card with ``note`` added as the last line(s) of its free text."""
    card = parse(notes, labels)
    current = (card.free or "").rstrip("\n")
    card.free = f"{current}\n{note}" if current else note
    return render(card)
