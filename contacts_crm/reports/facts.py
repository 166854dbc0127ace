"""Card facts the reports need, parsed once per card text and remembered on disk.

Parsing 25,000 cards takes seconds; most cards do not change between two
reports. ``CardFacts`` are keyed by a hash of the card text and of the labels
it is parsed with (every language's words and the stages: a changed template
re-parses every card), stored in ``reports_cache.sqlite`` next to the
profile's cache, so a report parses only the cards that changed since the
last one. It is only a cache: deleting the file costs one slower report.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from contacts_crm.card.grammar import parse
from contacts_crm.card.model import Call
from contacts_crm.card.wording import Labels
from contacts_crm.config import connect_db, write_transaction

# bump when CardFacts changes: old rows are then ignored (2: a missed call is not a contact)
VERSION = "2"


@dataclass(frozen=True)
class OpenOrder:
    number: int
    stage: str
    amount: Decimal | None
    opened_on: date | None


@dataclass(frozen=True)
class CardFacts:
    """What a card says that reports use."""

    last_contact: date | None = None
    last_contact_by: str | None = None
    open_orders: tuple[OpenOrder, ...] = ()
    ever_ordered: bool = False  # any order on the card: open, closed or folded
    latest_order_on: date | None = None  # newest date an order was opened (or closed)
    outcome_calls: tuple[Call, ...] = ()  # calls with an outcome, newest first

    def to_json(self) -> str:
        return json.dumps([
            _d(self.last_contact), self.last_contact_by,
            [[o.number, o.stage, None if o.amount is None else str(o.amount), _d(o.opened_on)]
             for o in self.open_orders],
            self.ever_ordered, _d(self.latest_order_on),
            [[_d(c.on), c.direction, c.who, c.comment, c.outcome, _d(c.callback_on)]
             for c in self.outcome_calls],
        ], ensure_ascii=False)  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> CardFacts:
        last, by, orders, ever, latest, calls = json.loads(text)
        return cls(
            _day(last), by,
            tuple(OpenOrder(n, s, None if a is None else Decimal(a), _day(o))
                  for n, s, a, o in orders),
            ever, _day(latest),
            tuple(Call(date.fromisoformat(on), d, w, c, out, _day(cb))
                  for on, d, w, c, out, cb in calls),
        )  # fmt: skip


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


#: The facts of an empty card (one shared object: reports count alike clients once).
NO_FACTS = CardFacts()


def facts_of(notes: str, labels: Labels) -> CardFacts:
    """Parse one card and keep its facts."""
    if not notes.strip():
        return NO_FACTS
    card = parse(notes, labels)
    last = card.last_contact()
    orders = card.orders()
    dates = [d for d in (o.opened_on or o.closed_on for o in orders) if d is not None]
    return CardFacts(
        last_contact=last[0] if last else None,
        last_contact_by=last[1] if last else None,
        open_orders=tuple(
            OpenOrder(o.number, o.stage, o.amount, o.opened_on) for o in orders if o.is_open
        ),
        ever_ordered=bool(orders) or card.summary() is not None,
        latest_order_on=max(dates, default=None),
        outcome_calls=tuple(c for c in card.calls() if c.outcome),
    )


class FactsCache:
    """card-text hash -> CardFacts, loaded whole at open, new facts written at ``save``."""

    def __init__(self, path: Path | None, labels: Labels) -> None:
        self.labels = labels
        # what the facts depend on besides the text: this module's version and the labels
        words = repr((labels.language, labels.languages, labels.stages))
        self._salt = f"{VERSION}\0{hashlib.blake2b(words.encode(), digest_size=16).hexdigest()}\0"
        self._db = _open(path) if path is not None else None
        self._known: dict[str, str] = {}
        self._new: dict[str, str] = {}
        self._seen: set[str] = set()
        self._decoded: dict[str, CardFacts] = {}
        self.parsed = 0
        if self._db is not None:
            self._known = dict(self._db.execute("SELECT key, json FROM facts"))

    def facts(self, notes: str) -> CardFacts:
        if not notes.strip():
            return NO_FACTS
        key = hashlib.blake2b((self._salt + notes).encode(), digest_size=16).hexdigest()
        self._seen.add(key)
        known = self._known.get(key)
        if known is not None:
            # CardFacts are immutable: cards that say the same (no order yet, one open
            # order at a stage…) share one decoded object
            decoded = self._decoded.get(known)
            if decoded is None:
                decoded = self._decoded[known] = CardFacts.from_json(known)
            return decoded
        facts = facts_of(notes, self.labels)
        self.parsed += 1
        text = self._new[key] = self._known[key] = facts.to_json()
        return self._decoded.setdefault(text, facts)  # equal facts: one shared object

    def save(self) -> None:
        """Store new facts; forget cards no longer seen once they outnumber the live ones."""
        if self._db is None:
            return
        stale = set(self._known) - self._seen
        try:
            with write_transaction(self._db):  # another crm may save its facts meanwhile
                # a key names one text: another process stored the same facts for it
                self._db.executemany("INSERT OR IGNORE INTO facts VALUES (?, ?)", self._new.items())
                if len(stale) > len(self._seen):
                    self._db.executemany("DELETE FROM facts WHERE key = ?", ((k,) for k in stale))
        except sqlite3.Error:
            return  # a cache: the cards not remembered are parsed again next time
        self._new.clear()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def _open(path: Path) -> sqlite3.Connection | None:
    """The facts file (0600), or None when it is damaged: a cache, rebuilt by parsing."""
    try:
        db = connect_db(path)
        db.execute("CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, json TEXT)")
        return db
    except (sqlite3.DatabaseError, OSError):
        return None
