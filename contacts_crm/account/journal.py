"""The journal: an append-only event log in SQLite, one file per profile.

Every card change is written here first (state ``pending``) and marked
``applied`` once the card write landed, so a crash in between is detectable
(``pending()``) and repairable. An operation that never landed and was run
again as a new operation is ``superseded``: kept, but left out of ``events``
and ``rows`` (one fact, one event). Lines compacted off a card live on here.
Several processes may write at once (WAL mode, busy timeout, short
``BEGIN IMMEDIATE`` transactions).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC
from pathlib import Path
from typing import Any, NamedTuple

from contacts_crm.card.events import APPLIED, PENDING, SUPERSEDED, JournalEvent
from contacts_crm.config import connect_db, open_storage_error, write_transaction
from contacts_crm.dates import NOW_ENV
from contacts_crm.dates import now as clock
from contacts_crm.errors import ConfigError

SCHEMA_VERSION = 1

_COLUMNS = (
    "id", "op_id", "seq", "at", "who", "contact", "contact_name", "kind",
    "order_no", "stage", "amount", "outcome", "text", "data", "state",
)  # fmt: skip

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    who TEXT,
    contact TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    order_no INTEGER,
    stage TEXT,
    amount TEXT,
    outcome TEXT,
    text TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'pending',
    UNIQUE (op_id, seq)
);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE INDEX IF NOT EXISTS events_contact ON events (contact, at);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, at);
CREATE INDEX IF NOT EXISTS events_pending ON events (state) WHERE state = 'pending';
"""


def new_op_id() -> str:
    """A fresh operation id: every event of one operation carries it (16 hex digits)."""
    fixed = os.environ.get(NOW_ENV, "").strip()
    if fixed:  # a fixed clock (the README's examples): ids that follow from it
        return hashlib.sha256(f"{fixed}#{next(_OPS_MADE)}".encode()).hexdigest()[:16]
    return uuid.uuid4().hex[:16]


_OPS_MADE = itertools.count(1)


def now() -> str:
    """When an event or an operation happens, as the journal stores it (UTC, seconds)."""
    return clock().astimezone(UTC).isoformat(timespec="seconds")


def event_from_row(row: sqlite3.Row) -> JournalEvent:
    """A JournalEvent from one row of the events table."""
    values = dict(zip(_COLUMNS, row, strict=True))
    values["data"] = json.loads(values["data"] or "{}")
    return JournalEvent(**values)


class EventRow(NamedTuple):
    """A journal entry as ``Journal.rows`` gives it: JournalEvent's fields, with
    ``data`` cut down to the keys asked for (see ``Journal.rows``)."""

    id: int
    op_id: str
    seq: int
    at: str
    who: str | None
    contact: str
    contact_name: str
    kind: str
    order_no: int | None
    stage: str | None
    amount: str | None
    outcome: str | None
    text: str
    data: dict[str, Any]
    state: str


_DATA_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _row(e: JournalEvent) -> tuple[Any, ...]:
    return (
        e.op_id, e.seq, e.at, e.who, e.contact, e.contact_name, e.kind, e.order_no,
        e.stage, e.amount, e.outcome, e.text,
        json.dumps(e.data, ensure_ascii=False, sort_keys=True, default=str),
    )  # fmt: skip


class Journal:
    """The event log of one profile, stored at ``path``."""

    def __init__(self, path: Path | str, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            # one thread uses it at a time, but the page's reader threads each open one
            # and the server's shutdown closes them all from its own thread
            self._db = connect_db(path, timeout=timeout, check_same_thread=False)
        except sqlite3.DatabaseError as exc:
            raise open_storage_error(self.path, exc) from exc
        try:
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise open_storage_error(self.path, exc) from exc

    def _init_schema(self) -> None:
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
            elif int(row[0]) != SCHEMA_VERSION:
                raise ConfigError(
                    f"journal {self.path} has schema version {row[0]}, this crm knows "
                    f"{SCHEMA_VERSION}",
                    hint="upgrade contacts-crm; the journal is history and is never dropped",
                )

    def _transaction(self) -> AbstractContextManager[None]:
        return write_transaction(self._db)

    def record(self, events: Iterable[JournalEvent], *, applied: bool = False) -> None:
        """Insert events as pending (or, with ``applied``, as facts already in the
        account: edits seen by a sync); an (op_id, seq) already recorded is left as it is."""
        rows = [_row(e) for e in events]
        if not rows:
            return
        with self._transaction():
            self._insert(rows, APPLIED if applied else PENDING)

    def record_attempt(
        self, op_id: str, events: Iterable[JournalEvent], *, supersedes: Iterable[str] = ()
    ) -> bool:
        """Record the events of the attempt of ``op_id`` about to be written (pending).

        They replace whatever an earlier attempt of the same operation recorded
        and never saw land (after a stale etag the fresh card may give another
        order number or compact other lines: the journal keeps the attempt that
        is written). The pending operations ``supersedes`` names (the same fact,
        left by an interrupted run) become superseded, in the same transaction.
        An operation already applied is left as it is (False).
        """
        rows = [_row(e) for e in events]
        with self._transaction():
            applied = self._db.execute(
                "SELECT 1 FROM events WHERE op_id = ? AND state = ? LIMIT 1", (op_id, APPLIED)
            ).fetchone()
            if applied:
                return False
            self._db.execute("DELETE FROM events WHERE op_id = ? AND state != ?", (op_id, APPLIED))
            self._insert(rows)
            self._set_state(supersedes, SUPERSEDED, (PENDING,))
        return True

    def supersede(self, op_ids: Iterable[str]) -> None:
        """Pending operations that a later operation of the same fact replaced."""
        with self._transaction():
            self._set_state(op_ids, SUPERSEDED, (PENDING,))

    def _set_state(self, op_ids: Iterable[str], state: str, old: tuple[str, ...]) -> None:
        marks = "?, " * (len(old) - 1) + "?"
        self._db.executemany(
            f"UPDATE events SET state = ? WHERE op_id = ? AND state IN ({marks})",
            [(state, op_id, *old) for op_id in op_ids],
        )

    def _insert(self, rows: list[tuple[Any, ...]], state: str = PENDING) -> None:
        if rows:
            self._db.executemany(
                "INSERT OR IGNORE INTO events (op_id, seq, at, who, contact, contact_name, kind,"
                " order_no, stage, amount, outcome, text, data, state)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*r, state) for r in rows],
            )

    def mark_applied(self, op_id: str) -> None:
        """The card write of ``op_id`` landed: its events are no longer pending
        (nor superseded: a run that took it for lost was wrong)."""
        with self._transaction():
            self._set_state([op_id], APPLIED, (PENDING, SUPERSEDED))

    def is_applied(self, op_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM events WHERE op_id = ? AND state = ? LIMIT 1", (op_id, APPLIED)
        ).fetchone()
        return row is not None

    def pending(self, contact: str | None = None) -> list[JournalEvent]:
        """Events written but never marked applied (a crash before the card write)."""
        where, args = ("state = ?", [PENDING])
        if contact is not None:
            where, args = where + " AND contact = ?", [*args, contact]
        cur = self._db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM events WHERE {where} ORDER BY id", args
        )
        return [event_from_row(r) for r in cur]

    def applied_twin(self, event: JournalEvent) -> str | None:
        """Another applied operation that recorded the same change (contact, kind, text)."""
        row = self._db.execute(
            "SELECT op_id FROM events WHERE contact = ? AND kind = ? AND text = ? AND seq = 0"
            " AND state = ? AND op_id != ? AND json_extract(data, '$.changed') IS NOT 0"
            " LIMIT 1",
            (event.contact, event.kind, event.text, APPLIED, event.op_id),
        ).fetchone()
        return str(row[0]) if row else None

    def history(self, contact: str) -> list[JournalEvent]:
        """The full history of one contact (resourceName), oldest first."""
        return list(self.events(contact=contact))

    def events(
        self,
        since: str | None = None,
        until: str | None = None,
        kinds: Iterable[str] | None = None,
        who: str | None = None,
        contact: str | None = None,
    ) -> Iterator[JournalEvent]:
        """Events in time order; ``since`` inclusive, ``until`` exclusive (ISO strings)."""
        cur = self._select(", ".join(_COLUMNS), since, until, kinds, who, contact)
        while batch := cur.fetchmany(500):
            for row in batch:
                yield event_from_row(row)

    def rows(
        self,
        since: str | None = None,
        until: str | None = None,
        kinds: Iterable[str] | None = None,
        who: str | None = None,
        contact: str | None = None,
        *,
        data_keys: Iterable[str] = (),
        stages: Iterable[str] | None = None,
    ) -> Iterator[EventRow]:
        """The lean form of ``events`` (same filters and order) for reports.

        Rows are ``EventRow`` named tuples with JournalEvent's fields, except
        that ``data`` holds only the ``data_keys`` present in the event, read
        by SQLite (``json_extract``) instead of decoding every event's JSON in
        Python. Values are what ``events`` would give for those keys.
        ``stages`` keeps only events at one of those stages.
        """
        keys = _plain_keys(data_keys)
        extract = "".join(f", json_type(data, '$.{k}'), json_extract(data, '$.{k}')" for k in keys)
        plain = [c for c in _COLUMNS if c != "data"]
        cur = self._select(", ".join(plain) + extract, since, until, kinds, who, contact,
                           stages=stages)  # fmt: skip
        width = len(plain)
        data_at = _COLUMNS.index("data")
        make = EventRow._make
        while batch := cur.fetchmany(1000):
            for row in batch:
                data: dict[str, Any] = {}
                for i, key in enumerate(keys):
                    kind = row[width + 2 * i]
                    if kind is not None:
                        data[key] = _json_value(kind, row[width + 2 * i + 1])
                yield make((*row[:data_at], data, *row[data_at:width]))

    def counts(
        self,
        since: str | None = None,
        until: str | None = None,
        kinds: Iterable[str] | None = None,
        *,
        columns: Sequence[str],
        data_keys: Sequence[str] = (),
        unless_false: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """Events counted by SQLite, grouped by ``columns`` (``"day"``: the day of
        ``at``) and the ``data_keys`` values: rows of (*columns, *data values, count).
        Events whose data holds ``false`` under a key of ``unless_false`` are not
        counted. For reports that need figures, not the events: no row leaves SQLite
        per event."""
        for column in columns:
            if (column not in _COLUMNS or column == "data") and column != "day":
                raise ValueError(f"not a column to group by: {column!r}")
        keys = _plain_keys(data_keys)
        named = ["substr(at, 1, 10)" if c == "day" else c for c in columns]  # day: YYYY-MM-DD
        groups = [*named, *(f"json_extract(data, '$.{k}')" for k in keys)]
        extra = [f"json_type(data, '$.{k}') IS NOT 'false'" for k in _plain_keys(unless_false)]
        cur = self._select(", ".join([*groups, "COUNT(*)"]), since, until, kinds, None, None,
                           extra=extra, group_by=", ".join(groups))  # fmt: skip
        return [tuple(row) for row in cur]

    def _select(
        self,
        columns: str,
        since: str | None,
        until: str | None,
        kinds: Iterable[str] | None,
        who: str | None,
        contact: str | None,
        *,
        stages: Iterable[str] | None = None,
        extra: Sequence[str] = (),
        group_by: str | None = None,
    ) -> sqlite3.Cursor:
        """``SELECT columns`` of the events the filters keep, in time order (events,
        rows), or grouped (counts); superseded attempts are never among them."""
        where: list[str] = ["state != ?", *extra]
        args: list[Any] = [SUPERSEDED]
        for clause, value in (("at >= ?", since), ("at < ?", until), ("who = ?", who),
                              ("contact = ?", contact)):  # fmt: skip
            if value is not None:
                where.append(clause)
                args.append(value)
        if kinds is not None:
            kinds = list(kinds)
            where.append(f"kind IN ({', '.join('?' * len(kinds))})" if kinds else "0")
            args.extend(kinds)
        if stages is not None:
            stages = list(stages)
            where.append(f"stage IN ({', '.join('?' * len(stages))})" if stages else "0")
            args.extend(stages)
        condition = " WHERE " + " AND ".join(where) if where else ""
        tail = f" GROUP BY {group_by}" if group_by else " ORDER BY at, id"
        return self._db.execute(f"SELECT {columns} FROM events{condition}{tail}", args)

    def operation(self, op_id: str) -> list[JournalEvent]:
        """Every event of one operation, by seq."""
        cur = self._db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM events WHERE op_id = ? ORDER BY seq", (op_id,)
        )
        return [event_from_row(r) for r in cur]

    def repoint(
        self,
        old: str,
        new: str,
        new_name: str,
        *,
        ids: Iterable[int] | None = None,
        keep_op: str | None = None,
        renumber: dict[int, int] | None = None,
    ) -> list[int]:
        """Move events of contact ``old`` to ``new`` (a merge, or its undo); the ids moved.

        ``ids`` limits it to those events; ``keep_op``'s own events stay where they
        are; ``renumber`` maps the moved events' order numbers (old -> new), as the
        merged card renumbered the orders.
        """
        numbers = renumber or {}
        with self._transaction():
            if ids is None:
                rows = self._db.execute(
                    "SELECT id, order_no FROM events WHERE contact = ? AND op_id != ? ORDER BY id",
                    (old, keep_op or ""),
                ).fetchall()
            else:
                wanted = list(ids)
                rows = (
                    self._db.execute(
                        "SELECT id, order_no FROM events WHERE id IN"
                        f" ({', '.join('?' * len(wanted))}) ORDER BY id",
                        wanted,
                    ).fetchall()
                    if wanted
                    else []
                )
            self._db.executemany(
                "UPDATE events SET contact = ?, contact_name = ?, order_no = ? WHERE id = ?",
                [(new, new_name, numbers.get(n, n) if n is not None else None, i) for i, n in rows],
            )
        return [int(i) for i, _ in rows]

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def changes(self) -> int:
        """Rows this connection inserted, changed or deleted since it opened."""
        return int(self._db.total_changes)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain_keys(keys: Iterable[str]) -> list[str]:
    out = list(keys)
    for key in out:
        if not _DATA_KEY.fullmatch(key):
            raise ValueError(f"not a plain data key: {key!r}")
    return out


def _json_value(kind: str, value: Any) -> Any:
    """A Python value from SQLite's json_type + json_extract of one key."""
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind in ("object", "array"):
        return json.loads(value)
    return value  # text, integer, real; "null" comes back as None
