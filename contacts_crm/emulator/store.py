"""SQLite persistence of the account: persons, groups, memberships, meta.

This file is the embedded local account people keep their clients in (not only
the test double): several processes on one PC write it at once (``crm serve``
and ``crm`` commands). Every write is one ``BEGIN IMMEDIATE`` transaction (busy
timeout, WAL); the change sequence (``seq``), which page and sync tokens point
into, is allocated inside that transaction from what the file holds, so no two
writes get one number and no write replaces another contact's row (upserts by
resource name, never ``REPLACE``). Within the process, one connection is guarded
by one re-entrant lock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1

SYSTEM_GROUPS = {
    "myContacts": "My Contacts",
    "starred": "Starred",
    "friends": "Friends",
    "family": "Family",
    "coworkers": "Coworkers",
    "chatBuddies": "Chat contacts",
    "all": "All Contacts",
    "blocked": "Blocked",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS persons (
    rn TEXT PRIMARY KEY, source_id TEXT NOT NULL, seq INTEGER NOT NULL,
    visible_at REAL NOT NULL, update_time REAL NOT NULL, etag TEXT NOT NULL,
    source_etag TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    first_key TEXT NOT NULL DEFAULT '', last_key TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS persons_seq ON persons(seq);
CREATE INDEX IF NOT EXISTS persons_visible ON persons(visible_at);
CREATE TABLE IF NOT EXISTS memberships (grp TEXT NOT NULL, rn TEXT NOT NULL, PRIMARY KEY (grp, rn));
CREATE INDEX IF NOT EXISTS memberships_rn ON memberships(rn);
CREATE TABLE IF NOT EXISTS groups (
    rn TEXT PRIMARY KEY, name TEXT NOT NULL, formatted_name TEXT NOT NULL,
    group_type TEXT NOT NULL, client_data TEXT NOT NULL DEFAULT '[]', etag TEXT NOT NULL,
    seq INTEGER NOT NULL, visible_at REAL NOT NULL, update_time REAL NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS groups_seq ON groups(seq);
"""


@dataclass
class PersonRecord:
    """One stored contact (or its tombstone). ``data`` holds the Person fields."""

    rn: str
    source_id: str
    seq: int
    visible_at: float
    update_time: float
    etag: str
    source_etag: str
    deleted: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def group_names(self) -> list[str]:
        """Resource names of the contact groups this person belongs to."""
        out = []
        for m in self.data.get("memberships", []):
            grp = (m.get("contactGroupMembership") or {}).get("contactGroupResourceName")
            if grp:
                out.append(grp)
        return out


@dataclass
class GroupRecord:
    """One stored contact group (or its tombstone)."""

    rn: str
    name: str
    formatted_name: str
    group_type: str
    client_data: list[dict[str, Any]]
    etag: str
    seq: int
    visible_at: float
    update_time: float
    deleted: bool = False


_PERSON_COLS = (
    "rn", "source_id", "seq", "visible_at", "update_time", "etag", "source_etag", "deleted",
    "first_key", "last_key", "data",
)  # fmt: skip
_GROUP_COLS = (
    "rn", "name", "formatted_name", "group_type", "client_data", "etag", "seq", "visible_at",
    "update_time", "deleted",
)  # fmt: skip


def _upsert(table: str, cols: tuple[str, ...]) -> str:
    """INSERT, or UPDATE the row with the same resource name: never a REPLACE, which
    deletes whatever row another unique column (seq) would collide with."""
    sets = ", ".join(f"{c}=excluded.{c}" for c in cols[1:])
    marks = ",".join("?" * len(cols))
    return (
        f"INSERT INTO {table}({', '.join(cols)}) VALUES ({marks})"
        f" ON CONFLICT(rn) DO UPDATE SET {sets}"
    )


_UPSERT_PERSON = _upsert("persons", _PERSON_COLS)
_UPSERT_GROUP = _upsert("groups", _GROUP_COLS)
# the highest seq any process wrote: the counter kept in meta, or the rows themselves
_LAST_SEQ = (
    "SELECT MAX(COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key='seq'), 0),"
    " COALESCE((SELECT MAX(seq) FROM persons), 0), COALESCE((SELECT MAX(seq) FROM groups), 0))"
)


def _use_wal(conn: sqlite3.Connection, timeout: float = 60.0) -> None:
    """WAL mode, waiting (bounded) while another process holds the file: SQLite runs
    no busy handler for this switch (several processes opening a new file at once)."""
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def _sort_keys(data: dict[str, Any]) -> tuple[str, str]:
    names = data.get("names") or [{}]
    first = str(names[0].get("givenName") or names[0].get("displayName") or "").casefold()
    last = str(names[0].get("familyName") or "").casefold()
    return first, last


class Store:
    """The SQLite file (or ``:memory:``) holding one emulated account."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        # Several crm processes on one PC may share the local account's file:
        # wait for each other's writes (busy timeout) instead of failing.
        self.conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=60.0
        )
        self._depth = 0
        self._tx_seq: int | None = None  # the last seq handed out in this transaction
        if path != ":memory:":
            _use_wal(self.conn)
            self.conn.execute("PRAGMA synchronous=NORMAL")
        if self._schema_version() is None:
            with self.transaction():
                for stmt in _SCHEMA.strip().split(";"):
                    if stmt.strip():
                        self.conn.execute(stmt)
                if self.get_meta("schema_version") is None:
                    self.set_meta("schema_version", str(SCHEMA_VERSION))

    def _schema_version(self) -> str | None:
        """The file's schema version; None for a new file (nothing written to read it)."""
        try:
            return self.get_meta("schema_version")
        except sqlite3.OperationalError:  # no meta table yet
            return None

    def close(self) -> None:
        """Close the database connection."""
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and commit (or roll back) everything done inside, once.

        IMMEDIATE: the write lock is taken first, so another process cannot
        change a person between our etag check and our write, nor take the
        same change sequence number.
        """
        with self.lock:
            outer = self._depth == 0
            if outer:
                self.conn.execute("BEGIN IMMEDIATE")
                self._tx_seq = None
            self._depth += 1
            try:
                yield
                if outer and self._tx_seq is not None:
                    self.set_meta("seq", str(self._tx_seq))
            except BaseException:
                self._depth -= 1
                if outer:
                    self._tx_seq = None
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._tx_seq = None
                self.conn.execute("COMMIT")

    def next_seq(self) -> int:
        """A fresh change sequence number; only inside ``transaction()``.

        The first one of a transaction follows the highest the file holds (read
        under the write lock, so a number another process took is never
        handed out again); the counter is kept in meta when the transaction commits.
        """
        with self.lock:
            if self._depth == 0:
                raise RuntimeError("next_seq() outside a transaction")
            if self._tx_seq is None:
                self._tx_seq = self.last_seq()
            self._tx_seq += 1
            return self._tx_seq

    def last_seq(self) -> int:
        """The highest change sequence number written so far (by any process)."""
        with self.lock:
            row = self.conn.execute(_LAST_SEQ).fetchone()
        return int(row[0] or 0)

    # meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A value from the meta table, or None."""
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
            return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a value in the meta table."""
        with self.lock:
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    # persons ------------------------------------------------------------
    _PCOLS = "rn, source_id, seq, visible_at, update_time, etag, source_etag, deleted, data"

    @staticmethod
    def _person(row: tuple[Any, ...]) -> PersonRecord:
        return PersonRecord(
            row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), json.loads(row[8])
        )

    def get_person(self, rn: str) -> PersonRecord | None:
        """The stored person (live or tombstone) or None."""
        with self.lock:
            row = self.conn.execute(
                f"SELECT {self._PCOLS} FROM persons WHERE rn=?", (rn,)
            ).fetchone()
        return self._person(row) if row else None

    def get_persons(self, rns: list[str]) -> dict[str, PersonRecord]:
        """Stored persons by resource name (missing names are absent)."""
        out: dict[str, PersonRecord] = {}
        with self.lock:
            for i in range(0, len(rns), 500):
                chunk = rns[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for row in self.conn.execute(
                    f"SELECT {self._PCOLS} FROM persons WHERE rn IN ({marks})", chunk
                ):
                    rec = self._person(row)
                    out[rec.rn] = rec
        return out

    def put_person(self, rec: PersonRecord) -> None:
        """Insert or update (by resource name) a person and its membership rows."""
        first, last = _sort_keys(rec.data)
        with self.transaction():
            self.conn.execute(
                _UPSERT_PERSON,
                (
                    rec.rn,
                    rec.source_id,
                    rec.seq,
                    rec.visible_at,
                    rec.update_time,
                    rec.etag,
                    rec.source_etag,
                    int(rec.deleted),
                    first,
                    last,
                    json.dumps(rec.data, separators=(",", ":"), ensure_ascii=False),
                ),
            )
            self.conn.execute("DELETE FROM memberships WHERE rn=?", (rec.rn,))
            if not rec.deleted:
                self.conn.executemany(
                    "INSERT OR IGNORE INTO memberships(grp, rn) VALUES (?, ?)",
                    [(g, rec.rn) for g in rec.group_names()],
                )

    def count_live_persons(self) -> int:
        """Number of contacts that are not deleted."""
        with self.lock:
            return int(
                self.conn.execute("SELECT COUNT(*) FROM persons WHERE deleted=0").fetchone()[0]
            )

    def list_live(
        self, order: str, after: tuple[Any, ...] | None, limit: int
    ) -> list[PersonRecord]:
        """Live persons in ``order`` ("seq", "seq_desc", "first", "last") after a key."""
        where, args = "deleted=0", []
        if order == "seq":
            sort = "seq"
            if after:
                where += " AND seq > ?"
                args = [after[0]]
        elif order == "seq_desc":
            sort = "seq DESC"
            if after:
                where += " AND seq < ?"
                args = [after[0]]
        else:
            col = "first_key" if order == "first" else "last_key"
            sort = f"{col}, seq"
            if after:
                where += f" AND ({col}, seq) > (?, ?)"
                args = [after[0], after[1]]
        sql = f"SELECT {self._PCOLS} FROM persons WHERE {where} ORDER BY {sort} LIMIT ?"
        with self.lock:
            rows = self.conn.execute(sql, [*args, limit]).fetchall()
        return [self._person(r) for r in rows]

    @staticmethod
    def sort_key(rec: PersonRecord, order: str) -> list[Any]:
        """The page-token key of ``rec`` for ``order``."""
        if order in ("seq", "seq_desc"):
            return [rec.seq]
        first, last = _sort_keys(rec.data)
        return [first if order == "first" else last, rec.seq]

    def changes(self, since: int, now: float, after_seq: int, limit: int) -> list[PersonRecord]:
        """Persons (incl. tombstones) changed after ``since``, visible at ``now``, in seq order."""
        with self.lock:
            rows = self.conn.execute(
                f"SELECT {self._PCOLS} FROM persons WHERE seq > ? AND visible_at <= ?"
                " ORDER BY seq LIMIT ?",
                (max(since, after_seq), now, limit),
            ).fetchall()
        return [self._person(r) for r in rows]

    def count_changes(self, since: int, now: float) -> int:
        """How many person changes after ``since`` are visible at ``now``."""
        with self.lock:
            return int(
                self.conn.execute(
                    "SELECT COUNT(*) FROM persons WHERE seq > ? AND visible_at <= ?", (since, now)
                ).fetchone()[0]
            )

    def watermark(self, now: float, table: str = "persons") -> int:
        """Highest seq such that every change up to it is visible at ``now``."""
        with self.lock:
            row = self.conn.execute(
                f"SELECT (SELECT MIN(seq) FROM {table} WHERE visible_at > ?) - 1,"
                f" ({_LAST_SEQ.removeprefix('SELECT ')})",
                (now,),
            ).fetchone()
        return int(row[0] if row[0] is not None else row[1] or 0)

    def all_live_persons(self) -> Iterator[PersonRecord]:
        """Every live person (used to build the search snapshot)."""
        with self.lock:
            rows = self.conn.execute(
                f"SELECT {self._PCOLS} FROM persons WHERE deleted=0"
            ).fetchall()
        for r in rows:
            yield self._person(r)

    # memberships ------------------------------------------------------------
    def member_count(self, grp: str) -> int:
        """Number of live contacts in a group."""
        with self.lock:
            return int(
                self.conn.execute(
                    "SELECT COUNT(*) FROM memberships WHERE grp=?", (grp,)
                ).fetchone()[0]
            )

    def member_counts(self) -> dict[str, int]:
        """Member count of every group that has members."""
        with self.lock:
            rows = self.conn.execute(
                "SELECT grp, COUNT(*) FROM memberships GROUP BY grp"
            ).fetchall()
        return {g: int(n) for g, n in rows}

    def members(self, grp: str, limit: int | None = None) -> list[str]:
        """Resource names of a group's members (up to ``limit``)."""
        sql = "SELECT rn FROM memberships WHERE grp=? ORDER BY rn"
        args: list[Any] = [grp]
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self.lock:
            return [r[0] for r in self.conn.execute(sql, args)]

    # groups ---------------------------------------------------------------
    _GCOLS = (
        "rn, name, formatted_name, group_type, client_data, etag, seq, visible_at, update_time,"
        " deleted"
    )

    @staticmethod
    def _group(row: tuple[Any, ...]) -> GroupRecord:
        return GroupRecord(
            row[0],
            row[1],
            row[2],
            row[3],
            json.loads(row[4]),
            row[5],
            row[6],
            row[7],
            row[8],
            bool(row[9]),
        )

    def get_group(self, rn: str) -> GroupRecord | None:
        """A stored group (live or tombstone) or None."""
        with self.lock:
            row = self.conn.execute(
                f"SELECT {self._GCOLS} FROM groups WHERE rn=?", (rn,)
            ).fetchone()
        return self._group(row) if row else None

    def group_by_name(self, name: str) -> GroupRecord | None:
        """The live group with this name, or None."""
        with self.lock:
            row = self.conn.execute(
                f"SELECT {self._GCOLS} FROM groups WHERE name=? AND deleted=0", (name,)
            ).fetchone()
        return self._group(row) if row else None

    def put_group(self, rec: GroupRecord) -> None:
        """Insert or update (by resource name) a group."""
        with self.transaction():
            self.conn.execute(
                _UPSERT_GROUP,
                (
                    rec.rn,
                    rec.name,
                    rec.formatted_name,
                    rec.group_type,
                    json.dumps(rec.client_data),
                    rec.etag,
                    rec.seq,
                    rec.visible_at,
                    rec.update_time,
                    int(rec.deleted),
                ),
            )

    def count_live_groups(self) -> int:
        """Number of groups that are not deleted."""
        with self.lock:
            return int(
                self.conn.execute("SELECT COUNT(*) FROM groups WHERE deleted=0").fetchone()[0]
            )

    def list_groups(
        self, since: int | None, now: float, after_seq: int, limit: int
    ) -> list[GroupRecord]:
        """Groups in seq order: live ones, or (with ``since``) visible changes incl. tombstones."""
        if since is None:
            sql, args = "deleted=0 AND seq > ?", [float(after_seq)]
        else:
            sql, args = "seq > ? AND visible_at <= ?", [max(since, after_seq), now]
        with self.lock:
            rows = self.conn.execute(
                f"SELECT {self._GCOLS} FROM groups WHERE {sql} ORDER BY seq LIMIT ?", [*args, limit]
            ).fetchall()
        return [self._group(r) for r in rows]
