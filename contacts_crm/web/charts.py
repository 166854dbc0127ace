"""Charts drawn on the server as inline SVG: no script, no style attribute (the page's
CSP allows neither), text escaped. Each chart scales to its box (``viewBox``,
width 100%); its numbers are written beside the bars, and the page puts the same
numbers in a table for screen readers (the SVG itself is hidden from them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360  # the drawing's own units; a 412 px phone shows them about 1:1
FONT = 14
ROW = 46  # a label line and its bar
BAR = 18
VALUE_SPACE = 96  # room right of the longest bar for its number
LABEL_CHARS = 42  # longer labels are cut (the table has them whole)
COLOURS = {"main": "#1f5fa8", "warn": "#a32020", "note": "#b35900", "ok": "#2e7d32"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # the bar's length, relative to the chart's largest
    shown: str  # the number written beside it, in the office's language
    colour: str = "main"


def _cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(height: int, body: list[str], title: str) -> Markup:
    head = (f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" aria-hidden="true" focusable="false" '
            f'font-size="{FONT}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title>")  # fmt: skip
    return Markup(head + "".join(body) + "</svg>")


def bars(rows: Sequence[Bar], title: str) -> Markup:
    """Horizontal bars, one per row: its label above, its number at its end."""
    top = max((r.value for r in rows), default=0) or 1
    span = WIDTH - VALUE_SPACE
    body = []
    for i, r in enumerate(rows):
        y = i * ROW
        length = 0 if r.value <= 0 else max(2.0, span * r.value / top)
        colour = COLOURS.get(r.colour, COLOURS["main"])
        body.append(
            f'<text x="0" y="{y + FONT + 1}" fill="#1b1b1b">{escape(_cut(r.label))}</text>'
            f'<rect x="0" y="{y + FONT + 7}" width="{length:.1f}" height="{BAR}" rx="3" '
            f'fill="{colour}"/>'
            f'<text x="{length + 6:.1f}" y="{y + FONT + 7 + BAR - 4}" fill="#1b1b1b" '
            f'font-weight="600">{escape(r.shown)}</text>'
        )  # fmt: skip
    return _svg(max(1, len(rows)) * ROW + 4, body, title)


def day_strips(names: Sequence[str], per_day: Sequence[Sequence[int]], totals: Sequence[str],
               first_day: str, last_day: str, title: str) -> Markup:  # fmt: skip
    """One strip per person: a bar per day of the period (the same scale for all),
    the person's name and total above it, the first and last day under the last."""
    days = max((len(d) for d in per_day), default=0) or 1
    top = max((n for d in per_day for n in d), default=0) or 1
    strip = 34
    row = FONT + 6 + strip + 8
    step = WIDTH / days
    gap = 1.0 if step > 4 else 0.0
    body = []
    for i, (name, counts, total) in enumerate(zip(names, per_day, totals, strict=True)):
        y = i * row
        body.append(f'<text x="0" y="{y + FONT + 1}" fill="#1b1b1b">{escape(_cut(name, 30))}'
                    f'</text><text x="{WIDTH}" y="{y + FONT + 1}" text-anchor="end" '
                    f'font-weight="600" fill="#1b1b1b">{escape(total)}</text>')  # fmt: skip
        base = y + FONT + 6 + strip
        body.append(f'<rect x="0" y="{base}" width="{WIDTH}" height="1" fill="#9aa6b5"/>')
        for d, n in enumerate(counts):
            if n <= 0:
                continue
            h = max(2.0, strip * n / top)
            body.append(f'<rect x="{d * step:.2f}" y="{base - h:.1f}" '
                        f'width="{max(step - gap, 0.8):.2f}" height="{h:.1f}" '
                        f'fill="{COLOURS["main"]}"/>')  # fmt: skip
    y = len(names) * row + FONT
    body.append(f'<text x="0" y="{y}" fill="#5b6573">{escape(first_day)}</text>'
                f'<text x="{WIDTH}" y="{y}" text-anchor="end" fill="#5b6573">'
                f"{escape(last_day)}</text>")  # fmt: skip
    return _svg(y + 6, body, title)
