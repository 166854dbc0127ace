"""The dialer view: what the phone shows at the first ring, within the card's budget."""

from __future__ import annotations

from contacts_crm.card.model import Card, Kind
from contacts_crm.card.settings import CardSettings


def dialer_view(card: Card, settings: CardSettings) -> str:
    """What the phone screen should show, within the budget: status, open orders, rest.

    The status line (last contact) comes first, then open orders with their
    steps, then the other tool lines in card order, then the free text; lines
    that do not fit ``max_lines`` / ``max_chars`` are left out.
    """
    lines = card.lines
    status = [i for i, ln in enumerate(lines) if ln.kind is Kind.STATUS][:1]
    open_blocks = []
    for head, steps in card.order_blocks():
        if card.lines[head].fact.stage not in card.labels.final_stages:  # type: ignore[union-attr]
            open_blocks += [head, *steps]
    first = status + open_blocks
    taken = set(first)
    rest = [i for i, ln in enumerate(lines) if i not in taken and ln.kind is not Kind.BLANK]
    texts = [lines[i].text.rstrip("\r") for i in first + rest]
    if card.free:
        texts += [t.rstrip("\r") for t in card.free.split("\n") if t.strip()]
    out: list[str] = []
    chars = 0
    for text in texts:
        extra = len(text) + (1 if out else 0)
        if len(out) >= settings.max_lines or chars + extra > settings.max_chars:
            _mark_cut(out, text, settings.max_lines, settings.max_chars - chars)
            break
        out.append(text)
        chars += extra
    return "\n".join(out)


def _mark_cut(out: list[str], text: str, max_lines: int, room: int) -> None:
    """Show that something was left out: the start of ``text`` and "…", or "…" at the end.

    ``room`` is the characters still free in the budget; the result stays within it.
    """
    line_room = room - (1 if out else 0)  # a new line costs its line break
    if len(out) < max_lines and line_room >= 6:
        out.append(text[: line_room - 1].rstrip() + "…")
    elif out:
        last = out[-1]
        out[-1] = (last if room >= 1 else last[:-1].rstrip()) + "…"
