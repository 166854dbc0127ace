"""Calls that happened: events from phones and PBXes, the calls to log, missed calls.

One SQLite file per profile, ``calls.sqlite`` beside the cache (0600, WAL,
busy timeout, ``BEGIN IMMEDIATE``: ``crm serve`` and ``crm callbacks`` may
open it at once). Three tables:

- ``events``: every call event once (its key: the sender's call id, or the
  number, direction and start); a second copy of an event changes nothing;
- ``inbox``: the calls to log, one per answered or made call (``open`` until
  logged or dismissed), with the card lines already there when it arrived
  (``seen``) and, once logged, the line that logged it;
- ``missed``: one row per caller whose calls were missed and not returned:
  how many, first and last time; cleared when someone calls back or logs a call.

Times are UTC ISO 8601 to the second, so they compare as text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from contacts_crm.account.statedb import StateDB

CALLS_FILE = "calls.sqlite"
TAP_WINDOW = timedelta(minutes=15)  # a tap on a number and the PBX's event of that call

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    key TEXT PRIMARY KEY, number TEXT NOT NULL, direction TEXT NOT NULL, start TEXT NOT NULL,
    duration INTEGER NOT NULL, who TEXT NOT NULL, source TEXT NOT NULL, received TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL, contact TEXT, direction TEXT NOT NULL, start TEXT NOT NULL,
    duration INTEGER NOT NULL, who TEXT NOT NULL, who_key TEXT NOT NULL, source TEXT NOT NULL,
    seen TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'open', line TEXT, done_by TEXT,
    done_at TEXT);
CREATE INDEX IF NOT EXISTS inbox_open ON inbox (state, start);
CREATE INDEX IF NOT EXISTS inbox_contact ON inbox (contact, state);
CREATE INDEX IF NOT EXISTS inbox_number ON inbox (number, state);
CREATE TABLE IF NOT EXISTS missed (
    number TEXT PRIMARY KEY, contact TEXT, count INTEGER NOT NULL, first_at TEXT NOT NULL,
    last_at TEXT NOT NULL, seen TEXT NOT NULL, cleared_at TEXT);
"""


@dataclass(frozen=True)
class CallEvent:
    """One call as a phone or PBX reported it (``number`` in E.164)."""

    key: str
    number: str
    direction: str  # in | out | missed
    start: str  # UTC ISO
    duration: int  # seconds
    who: str  # a staff member's name, or ""
    source: str  # the token's name, or "tap"


@dataclass(frozen=True)
class InboxEntry:
    id: int
    number: str
    contact: str | None
    direction: str
    start: str
    duration: int
    who: str
    source: str
    seen: tuple[str, ...]


@dataclass(frozen=True)
class MissedCall:
    number: str
    contact: str | None
    count: int
    first_at: str
    last_at: str
    seen: tuple[str, ...]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class CallStore:
    """``calls.sqlite`` of one profile."""

    def __init__(self, data_dir: Path) -> None:
        self.db = StateDB(data_dir / CALLS_FILE, _SCHEMA)

    def close(self) -> None:
        self.db.close()

    # --------------------------------------------------------------- events
    def record(self, event: CallEvent, contact: str | None, seen: list[str], now: str) -> bool:
        """Keep ``event`` and what it means (a call to log, a missed call, a call back).

        False when the same event was recorded before (nothing changes then).
        """
        with self.db.write() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (event.key, event.number, event.direction, event.start, event.duration,
                 event.who, event.source, now),
            )  # fmt: skip
            if cur.rowcount == 0:
                return False
            if event.direction == "missed":
                self._missed(db, event, contact, seen)
                return True
            if event.direction == "out":  # a call back ends the missed calls before it
                db.execute(
                    "UPDATE missed SET cleared_at=? WHERE number=? AND cleared_at IS NULL "
                    "AND last_at <= ?",
                    (now, event.number, event.start),
                )
            if event.direction == "out" and self._merged_with_tap(db, event):
                return True
            self._add_entry(db, event, contact, seen)
        return True

    def _merged_with_tap(self, db: object, event: CallEvent) -> bool:
        """A tap on the number made the entry already: the PBX's event fills in its time."""
        start = datetime.fromisoformat(event.start)
        row = db.execute(  # type: ignore[attr-defined]
            "SELECT id FROM inbox WHERE number=? AND source='tap' AND state='open' "
            "AND direction='out' AND start BETWEEN ? AND ? ORDER BY start DESC LIMIT 1",
            (event.number, _iso(start - TAP_WINDOW), _iso(start + TAP_WINDOW)),
        ).fetchone()
        if row is None:
            return False
        db.execute(  # type: ignore[attr-defined]
            "UPDATE inbox SET start=?, duration=?, source=? WHERE id=?",
            (event.start, event.duration, event.source, row[0]),
        )
        return True

    @staticmethod
    def _add_entry(db: object, event: CallEvent, contact: str | None, seen: list[str]) -> None:
        db.execute(  # type: ignore[attr-defined]
            "INSERT INTO inbox (number, contact, direction, start, duration, who, who_key, "
            "source, seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event.number, contact, event.direction, event.start, event.duration, event.who,
             event.who.casefold(), event.source, json.dumps(seen)),
        )  # fmt: skip

    @staticmethod
    def _missed(db: object, event: CallEvent, contact: str | None, seen: list[str]) -> None:
        row = db.execute(  # type: ignore[attr-defined]
            "SELECT count, first_at, last_at, cleared_at FROM missed WHERE number=?",
            (event.number,),
        ).fetchone()
        if row is None or row[3] is not None:  # a new run of missed calls
            db.execute(  # type: ignore[attr-defined]
                "INSERT INTO missed VALUES (?, ?, 1, ?, ?, ?, NULL) ON CONFLICT (number) DO "
                "UPDATE SET contact=excluded.contact, count=1, first_at=excluded.first_at, "
                "last_at=excluded.last_at, seen=excluded.seen, cleared_at=NULL",
                (event.number, contact, event.start, event.start, json.dumps(seen)),
            )
            return
        db.execute(  # type: ignore[attr-defined]
            "UPDATE missed SET count=count+1, first_at=min(first_at, ?), last_at=max(last_at, ?),"
            " contact=coalesce(?, contact) WHERE number=?",
            (event.start, event.start, contact, event.number),
        )

    def tapped(self, event: CallEvent, contact: str | None, seen: list[str], now: str) -> int:
        """A number tapped on the page: a call to log (one per call, with the PBX's event)."""
        start = datetime.fromisoformat(event.start)
        with self.db.write() as db:
            db.execute(
                "UPDATE missed SET cleared_at=? WHERE number=? AND cleared_at IS NULL",
                (now, event.number),
            )
            row = db.execute(
                "SELECT id FROM inbox WHERE number=? AND state='open' AND direction='out' "
                "AND who_key=? AND start BETWEEN ? AND ? ORDER BY start DESC LIMIT 1",
                (event.number, event.who.casefold(), _iso(start - TAP_WINDOW),
                 _iso(start + TAP_WINDOW)),
            ).fetchone()  # fmt: skip
            if row is not None:
                return int(row[0])
            self._add_entry(db, event, contact, seen)
            return int(db.execute("SELECT last_insert_rowid()").fetchone()[0])

    # ---------------------------------------------------------------- inbox
    def open_entries(self, *, since: str, who: str | None = None) -> list[InboxEntry]:
        """Open calls to log that started at ``since`` or later; with ``who``: that
        person's and nobody's, newest first."""
        sql = "SELECT * FROM inbox WHERE state='open' AND start >= ?"
        args: tuple[object, ...] = (since,)
        if who is not None:
            sql += " AND who_key IN (?, '')"
            args += (who.casefold(),)
        return [_entry(r) for r in self.db.read(sql + " ORDER BY start DESC, id DESC", args)]

    def entry(self, entry_id: int) -> InboxEntry | None:
        rows = self.db.read("SELECT * FROM inbox WHERE id=?", (entry_id,))
        return _entry(rows[0]) if rows else None

    def taken_lines(self, contact: str) -> list[str]:
        """The card lines that already logged a call of this contact."""
        rows = self.db.read(
            "SELECT line FROM inbox WHERE contact=? AND state='logged' AND line IS NOT NULL",
            (contact,),
        )
        return [str(r[0]) for r in rows]

    def set_contact(self, entry_id: int, contact: str) -> None:
        with self.db.write() as db:
            db.execute("UPDATE inbox SET contact=?, seen='[]' WHERE id=? AND contact IS NULL",
                       (contact, entry_id))  # fmt: skip

    def close_entry(self, entry_id: int, state: str, *, by: str, line: str | None,
                    now: str) -> bool:  # fmt: skip
        """Mark an open entry ``logged`` or ``dismissed`` (False: it was not open)."""
        with self.db.write() as db:
            cur = db.execute(
                "UPDATE inbox SET state=?, line=?, done_by=?, done_at=? WHERE id=? "
                "AND state='open'",
                (state, line, by, now, entry_id),
            )
            return cur.rowcount == 1

    # --------------------------------------------------------------- missed
    def missed(self) -> list[MissedCall]:
        rows = self.db.read(
            "SELECT number, contact, count, first_at, last_at, seen FROM missed "
            "WHERE cleared_at IS NULL ORDER BY last_at DESC"
        )
        return [
            MissedCall(
                number=str(r[0]),
                contact=str(r[1]) if r[1] else None,
                count=int(str(r[2])),
                first_at=str(r[3]),
                last_at=str(r[4]),
                seen=tuple(json.loads(str(r[5]))),
            )
            for r in rows
        ]

    def clear_missed(self, number: str, now: str) -> None:
        with self.db.write() as db:
            db.execute("UPDATE missed SET cleared_at=? WHERE number=? AND cleared_at IS NULL",
                       (now, number))  # fmt: skip

    def events_count(self) -> int:
        return int(self.db.read("SELECT count(*) FROM events")[0][0])  # type: ignore[call-overload]


def _entry(r: tuple[object, ...]) -> InboxEntry:
    return InboxEntry(
        id=int(r[0]),  # type: ignore[call-overload]
        number=str(r[1]),
        contact=str(r[2]) if r[2] else None,
        direction=str(r[3]),
        start=str(r[4]),
        duration=int(r[5]),  # type: ignore[call-overload]
        who=str(r[6]),
        source=str(r[8]),
        seen=tuple(json.loads(str(r[9]))),
    )
