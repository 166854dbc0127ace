"""The client card grammar: Notes text <-> ``Card``. Pure: no I/O, no clock.

Layout (labels from templates, any shipped language accepted when parsing)::

    Wholesale · last contact 2026-11-20 (Olga)        status line
    Order 17 · paid · 12 500                          an open order ...
      2026-11-18 new: 40 boxes of tiles (Ivan)        ... and its steps
      2026-11-19 paid 12 500 (Olga)
    Order 16 · delivered 2026-11-01 · 8 400 (Ivan)    a closed order: one line
    Orders 1–15 · 15 closed · 120 400                 older orders folded
    Calls
      2026-11-20 in (Olga) · call back 2026-11-25: asks when delivery comes
    --
    The people's free text, never rewritten.

Lossless: every line keeps its exact text and ``render(parse(t)) == t`` for
any string. Only ``\\n`` splits lines (a ``\\r`` before it stays in the line).
Lines not understood stay where they are (``unrecognised_lines``). Text with
no recognisable card line is all free text; when the tool adds its part to
such a card, its lines go on top, then ``--``, then the old text unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from contacts_crm.card.model import (
    Call,
    Card,
    Fact,
    Kind,
    Line,
    OrderHead,
    Status,
    Step,
    Summary,
)
from contacts_crm.card.wording import Labels

SEPARATOR = "--"
# A separator line: "--" with only blanks around it (a line break is not a blank here)
_SEPARATOR_LINE = re.compile(r"^[^\S\n]*--[^\S\n]*$", re.MULTILINE)
_DATE = r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4}"
_AMOUNT = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)*"
_AMOUNT_RE = re.compile(rf"(?:{_AMOUNT})")
_WHO_TAIL = re.compile(r"\s*\(([^()]*)\)\s*$")
_SEGMENT_SPLIT = re.compile(r"\s*[·•|]\s*")
_GROUP_SPACES = re.compile(r"[ \u00a0\u202f]")


# ---- amounts and dates ----------------------------------------------------
def parse_amount(text: str) -> Decimal | None:
    """``"12 500"``, ``"12500"``, ``"12,500.50"``, ``"12 500,50"`` -> Decimal; else None."""
    s = _GROUP_SPACES.sub("", text.strip())
    if not s or not _AMOUNT_RE.fullmatch(s):
        return None
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        parts = s.split(sep)
        if len(parts) > 2 or (len(parts[-1]) == 3 and sep == ","):
            s = "".join(parts)  # grouping: 12,500 or 1.250.000
        else:
            s = ".".join(parts)
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def format_amount(amount: Decimal, decimal: str = ".") -> str:
    """Thin groups of three with a space: ``12 500``, ``12 500.50`` (``,`` in ru/tr)."""
    sign = "-" if amount < 0 else ""
    quantised = abs(amount).quantize(Decimal("0.01"))
    whole, frac = f"{quantised:f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = sign + " ".join(groups)
    return text if frac == "00" else f"{text}{decimal}{frac}"


def parse_date(text: str) -> date | None:
    """``2026-11-20`` or ``20.11.2026`` -> date; None if not a real date."""
    try:
        if "-" in text:
            y, m, d = text.split("-")
        else:
            d, m, y = text.split(".")
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


# ---- the grammar (regexes built once per Labels) --------------------------
def _alternation(names: dict[str, str]) -> str:
    spelled = sorted(names, key=len, reverse=True)
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in spelled)


@dataclass(frozen=True)
class _Grammar:
    order: re.Pattern[str]
    summary: re.Pattern[str]
    calls: re.Pattern[str]
    status: re.Pattern[str]
    dated: re.Pattern[str]
    step: re.Pattern[str]
    call: re.Pattern[str]
    stage_head: re.Pattern[str]
    stages: dict[str, str]
    directions: dict[str, str]
    outcomes: dict[str, str]


def _lookup(labels: Labels, attr: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for lang in labels.languages.values():
        for key, names in getattr(lang, attr).items():
            for name in names:
                table[name.casefold()] = key
    return table


def _words(labels: Labels, key: str) -> str:
    names = {n: key for lang in labels.languages.values() for n in lang.words[key]}
    return _alternation(names)


def grammar(labels: Labels) -> _Grammar:
    """The compiled regexes for ``labels`` (cached on the Labels object)."""
    cached = labels.cache.get("grammar")
    if cached is not None:
        return cached
    stages = labels.stage_lookup()
    directions = _lookup(labels, "directions")
    outcomes = _lookup(labels, "outcomes")
    stage_alt, dir_alt, out_alt = (_alternation(t) for t in (stages, directions, outcomes))
    end = r"(?=[\s:(·]|$)"
    flags = re.IGNORECASE
    g = _Grammar(
        order=re.compile(
            rf"^\s*(?:{_words(labels, 'order')})\s*[#№]?\s*(\d+)"
            r"(?:(?:\s*[·•|:,]\s*|\s+)(.*?))?\s*$",
            flags,
        ),
        summary=re.compile(
            rf"^\s*(?:{_words(labels, 'orders')})\s*[#№]?\s*(\d+)\s*[–—-]\s*(\d+)\s*[·•|]\s*(\d+)"
            rf"\s+(?:{_words(labels, 'closed')})\s*(?:[·•|]\s*({_AMOUNT}))?\s*$",
            flags,
        ),
        calls=re.compile(rf"^\s*(?:{_words(labels, 'calls')})\s*:?\s*$", flags),
        status=re.compile(
            rf"(?:{_words(labels, 'last_contact')})\s*:?\s*({_DATE})(?:\s*\(([^()]*)\))?", flags
        ),
        dated=re.compile(rf"^\s*({_DATE})\s+(.*)$", re.DOTALL),
        step=re.compile(
            rf"^({stage_alt}){end}(?:\s+({_AMOUNT})(?=\s*(?:[:(]|$)))?\s*:?\s*(.*?)\s*$",
            flags | re.DOTALL,
        ),
        call=re.compile(
            rf"^({dir_alt}){end}\s*(?:\(([^()]*)\))?\s*(?:·\s*({out_alt})(?:\s+({_DATE}))?)?"
            rf"\s*:?\s*(.*?)\s*$",
            flags | re.DOTALL,
        ),
        stage_head=re.compile(rf"^({stage_alt})(?:\s+({_DATE}))?$", flags),
        stages=stages,
        directions=directions,
        outcomes=outcomes,
    )
    labels.cache["grammar"] = g
    return g


# ---- reading one line -------------------------------------------------------
def _split_who(text: str) -> tuple[str, str | None]:
    m = _WHO_TAIL.search(text)
    if m is None:
        return text, None
    return text[: m.start()], m.group(1).strip() or None


def _order_head(g: _Grammar, number: int, rest: str, labels: Labels) -> OrderHead | None:
    rest, who = _split_who(rest)
    stage: str | None = None
    closed_on: date | None = None
    amount: Decimal | None = None
    extra: list[str] = []
    for segment in _SEGMENT_SPLIT.split(rest.strip()) if rest.strip() else []:
        m = g.stage_head.match(segment)
        if stage is None and m:
            stage = g.stages[_fold(m.group(1))]
            if m.group(2):
                closed_on = parse_date(m.group(2))
                if closed_on is None:
                    return None
            continue
        value = parse_amount(segment) if amount is None else None
        if value is not None:
            amount = value
        else:
            extra.append(segment)
    if stage is None:
        if extra:
            return None  # "Order 5 something" without a stage: not ours
        stage = labels.first_stage
    return OrderHead(number, stage, amount, closed_on, who, tuple(extra))


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _dated_line(g: _Grammar, on: date, rest: str) -> tuple[Kind, Fact]:
    m = g.call.match(rest)
    if m:
        who = m.group(2).strip() or None if m.group(2) is not None else None
        comment = m.group(5)
        if who is None:
            comment, who = _split_who(comment)
        callback_on = parse_date(m.group(4)) if m.group(4) else None
        outcome = g.outcomes[_fold(m.group(3))] if m.group(3) else None
        direction = g.directions[_fold(m.group(1))]
        return Kind.CALL, Call(on, direction, who, comment.strip(), outcome, callback_on)
    body, who = _split_who(rest)
    m = g.step.match(body)
    if m:
        amount = parse_amount(m.group(2)) if m.group(2) else None
        return Kind.STEP, Step(on, g.stages[_fold(m.group(1))], amount, m.group(3), who)
    return Kind.UNKNOWN, None


def classify(text: str, labels: Labels) -> tuple[Kind, Fact]:
    """What one line (without its newline) says; ``UNKNOWN`` if not a card line."""
    line = line_of(text, labels)
    return line.kind, line.fact


#: Distinct lines whose reading is remembered per Labels (least recently used go first):
#: "Calls", order heads, status lines recur across thousands of cards. Full, with long
#: call lines, it holds about 9 MB.
LINES_REMEMBERED = 1 << 14


def line_of(text: str, labels: Labels) -> Line:
    """The ``Line`` of one line of text. Lines are immutable and a line's reading
    depends only on its text and the labels, so recurring lines are read once."""
    reader: Callable[[str], Line] | None = labels.cache.get("lines")
    if reader is None:
        reader = labels.cache["lines"] = _line_reader(grammar(labels), labels)
    return reader(text)


def _line_reader(g: _Grammar, labels: Labels) -> Callable[[str], Line]:
    @lru_cache(maxsize=LINES_REMEMBERED)
    def read(text: str) -> Line:
        return Line(text, *_classify(g, text, labels))

    return read


def _classify(g: _Grammar, text: str, labels: Labels) -> tuple[Kind, Fact]:
    s = text[:-1] if text.endswith("\r") else text
    if not s.strip():
        return Kind.BLANK, None
    head = s.lstrip()[:1]
    if head.isdigit():
        m = g.dated.match(s)
        on = parse_date(m.group(1)) if m else None
        if m and on is not None:
            return _dated_line(g, on, m.group(2))
        return Kind.UNKNOWN, None
    m = g.summary.match(s)
    if m:
        total = parse_amount(m.group(4)) if m.group(4) else None
        return Kind.SUMMARY, Summary(int(m.group(1)), int(m.group(2)), int(m.group(3)), total)
    m = g.order.match(s)
    if m:
        fact = _order_head(g, int(m.group(1)), m.group(2) or "", labels)
        return (Kind.ORDER, fact) if fact else (Kind.UNKNOWN, None)
    if g.calls.match(s):
        return Kind.CALLS, None
    m = g.status.search(s)
    if m:
        on = parse_date(m.group(1))
        if on is not None:
            who = (m.group(2) or "").strip() or None
            return Kind.STATUS, Status(s[: m.start()], on, who, s[m.end() :])
    return Kind.UNKNOWN, None


# ---- whole cards ------------------------------------------------------------
def parse(text: str, labels: Labels) -> Card:
    """Parse Notes text into a Card. Never fails: what is not understood is kept."""
    raw, crlf, sep_at = _layout(text)
    tool = raw if sep_at is None else raw[:sep_at]
    lines = [line_of(r, labels) for r in tool]
    recognised = any(line.kind not in (Kind.BLANK, Kind.UNKNOWN) for line in lines)
    if sep_at is None:
        if not recognised:
            return Card([], None, text, labels, crlf)
        return Card(_attach_steps(lines), None, None, labels, crlf)
    if not recognised and any(line.kind is Kind.UNKNOWN for line in lines):
        return Card([], None, text, labels, crlf)  # a "--" inside someone's own text
    free = "\n".join(raw[sep_at + 1 :]) if sep_at + 1 < len(raw) else None
    return Card(_attach_steps(lines), raw[sep_at], free, labels, crlf)


def _layout(text: str) -> tuple[list[str], bool, int | None]:
    """The lines, whether any ends with "\\r", and the index of the first separator
    line (only blanks around "--"), found in the whole text at once."""
    found = _SEPARATOR_LINE.search(text)
    sep_at = text.count("\n", 0, found.start()) if found else None
    return text.split("\n"), "\r\n" in text or text.endswith("\r"), sep_at


def _attach_steps(lines: list[Line]) -> list[Line]:
    """Steps count only under an order; calls anywhere are calls. Others: unknown."""
    in_order = False
    for i, line in enumerate(lines):
        if line.kind is Kind.ORDER:
            in_order = True
        elif line.kind in (Kind.CALLS, Kind.SUMMARY, Kind.STATUS):
            in_order = False
        elif line.kind is Kind.STEP and not in_order:
            lines[i] = Line(line.text, Kind.UNKNOWN)
    return lines


def render(card: Card) -> str:
    """The card as Notes text; untouched lines come back byte for byte."""
    tool = [line.text for line in card.lines]
    separator = card.separator
    if separator is None and tool and card.free:
        separator = SEPARATOR + ("\r" if card.crlf else "")
    if separator is None:
        if not tool:
            return card.free or ""
        body = "\n".join(tool)
        return body + "\n" + card.free if card.free else body
    body = "\n".join([*tool, separator])
    return body if card.free is None else body + "\n" + card.free


def unrecognised_lines(card: Card) -> list[tuple[int, str]]:
    """(1-based line number, text) of the tool-part lines the parser did not understand."""
    return [
        (i, line.text.rstrip("\r"))
        for i, line in enumerate(card.lines, 1)
        if line.kind is Kind.UNKNOWN
    ]


# ---- writing lines ----------------------------------------------------------
def _who(who: str | None) -> str:
    return f" ({who})" if who else ""


def format_fact(kind: Kind, fact: Fact, labels: Labels) -> str:
    """The text of a new line in the labels' writing language."""
    dec = labels.current.decimal
    if kind is Kind.CALLS:
        return labels.word("calls")
    if isinstance(fact, Status):
        said = f"{labels.word('last_contact')} {fact.on.isoformat()}{_who(fact.who)}"
        return f"{fact.before}{said}{fact.after}"
    if isinstance(fact, OrderHead):
        parts = [f"{labels.word('order')} {fact.number}", labels.stage_name(fact.stage)]
        if fact.closed_on is not None:
            parts[1] += f" {fact.closed_on.isoformat()}"
        if fact.amount is not None:
            parts.append(format_amount(fact.amount, dec))
        parts.extend(fact.extra)
        return " · ".join(parts) + _who(fact.who)
    if isinstance(fact, Step):
        text = f"  {fact.on.isoformat()} {labels.stage_name(fact.stage)}"
        if fact.amount is not None:
            text += f" {format_amount(fact.amount, dec)}"
        if fact.comment:
            text += f": {fact.comment}"
        return text + _who(fact.who)
    if isinstance(fact, Summary):
        numbers = f"{fact.first}–{fact.last}"
        text = f"{labels.word('orders')} {numbers} · {fact.count} {labels.word('closed')}"
        return text if fact.total is None else f"{text} · {format_amount(fact.total, dec)}"
    if isinstance(fact, Call):
        text = f"  {fact.on.isoformat()} {labels.direction(fact.direction)}{_who(fact.who)}"
        if fact.outcome:
            text += f" · {labels.outcome(fact.outcome)}"
            if fact.callback_on:
                text += f" {fact.callback_on.isoformat()}"
        return f"{text}: {fact.comment}" if fact.comment else text
    raise ValueError(f"cannot format a {kind} line")


def new_line(kind: Kind, fact: Fact, card: Card) -> Line:
    """A line the tool writes, in the card's writing language and line-ending style."""
    text = format_fact(kind, fact, card.labels)
    return Line(text + ("\r" if card.crlf else ""), kind, fact)
