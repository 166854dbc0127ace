"""The sent-record: each message (a day's digest, an alert) to each person on each
channel, claimed before it is sent (``digest.sqlite``, 0600, WAL, ``BEGIN IMMEDIATE``).

A message goes out only after ``claim`` turned its row to ``sending`` in one
transaction; several processes (``crm serve``, ``crm digest --send``) claim the
same row and only one wins. After the send the row says ``sent``, or ``failed``
(surely not delivered: retried from ``next_at`` with backoff, up to
``MAX_ATTEMPTS``, then ``gave_up``), or ``unknown`` (the connection broke after
the message was handed over). A row left ``sending`` by a killed process is
never claimed again either: between the send and the record nobody can know
whether it arrived, and a digest sent twice is the one thing this record must
prevent; the status shows it (``unknown``) for a person to check. E-mails carry
a Message-ID made from the day and the person, so if someone does send it
again by hand, the mail client sees the same message.

Alerts found in the journal are kept here too (``alerts``), each once by the
id of the journal event that raised it, with the journal position read so far.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contacts_crm.account.statedb import StateDB

RECORD_FILE = "digest.sqlite"
MAX_ATTEMPTS = 6
BACKOFF_MINUTES = (1, 5, 15, 60, 180)  # after the 1st, 2nd… failure
STALE_SENDING = timedelta(minutes=10)  # a claim older than this was a killed sender

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    key TEXT NOT NULL, person TEXT NOT NULL, channel TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at TEXT, error TEXT,
    message_id TEXT NOT NULL, claimed_at TEXT NOT NULL, updated TEXT NOT NULL,
    PRIMARY KEY (key, person, channel));
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL, who TEXT,
    data TEXT NOT NULL, found TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Send:
    key: str  # "digest:2026-12-08" | "alert:<id>"
    person: str
    channel: str  # email | telegram
    state: str  # sending | sent | failed | unknown | gave_up
    attempts: int
    next_at: str | None
    error: str | None
    message_id: str
    claimed_at: str
    updated: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "person": self.person, "channel": self.channel,
                "state": self.state, "attempts": self.attempts, "nextAt": self.next_at,
                "error": self.error, "updated": self.updated}  # fmt: skip


@dataclass(frozen=True)
class Alert:
    id: str
    kind: str  # mass_deletion | sync_guard | removed_lines | import | import_undo
    at: str  # UTC ISO, when it happened
    who: str | None
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "at": self.at, "who": self.who,
                **self.data}  # fmt: skip


class SentRecord:
    """The ``digest.sqlite`` of one profile."""

    def __init__(self, data_dir: Path) -> None:
        self.db = StateDB(data_dir / RECORD_FILE, _SCHEMA)

    def close(self) -> None:
        self.db.close()

    # ---------------------------------------------------------------- sends
    def claim(self, key: str, person: str, channel: str, message_id: str, now: datetime) -> bool:
        """Take the right to send (True), or not: sent, being sent, unknown, not due yet."""
        at = _iso(now)
        with self.db.write() as db:
            row = db.execute(
                "SELECT state, attempts, next_at FROM sends WHERE key=? AND person=? AND "
                "channel=?", (key, person, channel)).fetchone()  # fmt: skip
            if row is None:
                db.execute("INSERT INTO sends VALUES (?, ?, ?, 'sending', 1, NULL, NULL, ?, ?, ?)",
                           (key, person, channel, message_id, at, at))  # fmt: skip
                return True
            state, attempts, next_at = row
            if state != "failed" or (next_at and next_at > at):
                return False
            db.execute("UPDATE sends SET state='sending', attempts=?, claimed_at=?, updated=? "
                       "WHERE key=? AND person=? AND channel=?",
                       (attempts + 1, at, at, key, person, channel))  # fmt: skip
            return True

    def done(self, key: str, person: str, channel: str, now: datetime) -> None:
        self._set(key, person, channel, "sent", None, None, now)

    def failed(
        self, key: str, person: str, channel: str, error: str, now: datetime, *,
        maybe_delivered: bool, retry_after: float | None = None,
    ) -> str:  # fmt: skip
        """Record a failure; the state it left (failed, gave_up or unknown)."""
        if maybe_delivered:
            self._set(key, person, channel, "unknown", error, None, now)
            return "unknown"
        attempts = self.get(key, person, channel)
        n = attempts.attempts if attempts else 1
        if n >= MAX_ATTEMPTS:
            self._set(key, person, channel, "gave_up", error, None, now)
            return "gave_up"
        wait = timedelta(minutes=BACKOFF_MINUTES[min(n, len(BACKOFF_MINUTES)) - 1])
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        self._set(key, person, channel, "failed", error, _iso(now + wait), now)
        return "failed"

    def _set(self, key: str, person: str, channel: str, state: str, error: str | None,
             next_at: str | None, now: datetime) -> None:  # fmt: skip
        with self.db.write() as db:
            db.execute("UPDATE sends SET state=?, error=?, next_at=?, updated=? WHERE key=? AND "
                       "person=? AND channel=?",
                       (state, error, next_at, _iso(now), key, person, channel))  # fmt: skip

    def get(self, key: str, person: str, channel: str) -> Send | None:
        rows = self.db.read("SELECT * FROM sends WHERE key=? AND person=? AND channel=?",
                            (key, person, channel))  # fmt: skip
        return Send(*rows[0]) if rows else None  # type: ignore[arg-type]

    def sends(self, since: datetime | None = None) -> list[Send]:
        """Every send updated since ``since`` (all when None), newest first."""
        rows = self.db.read("SELECT * FROM sends WHERE updated >= ? ORDER BY updated DESC, key, "
                            "person, channel", (_iso(since) if since else "",))  # fmt: skip
        return [Send(*r) for r in rows]  # type: ignore[arg-type]

    def due_retries(self, now: datetime) -> list[Send]:
        rows = self.db.read("SELECT * FROM sends WHERE state='failed' AND next_at <= ?",
                            (_iso(now),))  # fmt: skip
        return [Send(*r) for r in rows]  # type: ignore[arg-type]

    def stale_claims(self, now: datetime) -> int:
        """Claims a killed sender left (``sending`` for longer than STALE_SENDING) become
        ``unknown``: maybe delivered, never sent again. How many."""
        with self.db.write() as db:
            cur = db.execute("UPDATE sends SET state='unknown', error='interrupted while "
                             "sending', updated=? WHERE state='sending' AND claimed_at < ?",
                             (_iso(now), _iso(now - STALE_SENDING)))  # fmt: skip
            return cur.rowcount

    # --------------------------------------------------------------- alerts
    def add_alerts(self, alerts: list[Alert], now: datetime) -> list[Alert]:
        """Keep new alerts (an id seen before is ignored); the ones that were new."""
        new = []
        with self.db.write() as db:
            for a in alerts:
                cur = db.execute("INSERT OR IGNORE INTO alerts VALUES (?, ?, ?, ?, ?, ?)",
                                 (a.id, a.kind, a.at, a.who, json.dumps(a.data, sort_keys=True),
                                  _iso(now)))  # fmt: skip
                if cur.rowcount:
                    new.append(a)
        return new

    def alerts(self, since: str = "") -> list[Alert]:
        """Alerts that happened at or after ``since`` (UTC ISO), newest first."""
        rows = self.db.read("SELECT id, kind, at, who, data FROM alerts WHERE at >= ? "
                            "ORDER BY at DESC, id", (since,))  # fmt: skip
        return [Alert(str(r[0]), str(r[1]), str(r[2]), r[3] and str(r[3]),  # type: ignore[arg-type]
                      json.loads(str(r[4]))) for r in rows]  # fmt: skip

    def meta(self, key: str) -> str | None:
        rows = self.db.read("SELECT value FROM meta WHERE key=?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db.write() as db:
            db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                       "value=excluded.value", (key, value))  # fmt: skip
