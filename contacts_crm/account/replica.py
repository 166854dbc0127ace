"""The journal replicated through the account: an append-only log of segments.

Store: Drive's hidden ``appDataFolder`` of the Google account that holds the
contacts (scope ``drive.appdata``; docs/architecture.md says why). Each
segment is one gzip file of JSON lines, one journal event a line, written by
one PC and never changed; a PC uploads ONE segment per command that journalled
something (``push``: none when nothing is new) and every sync downloads the
segments it has not merged yet (``pull``: one ``files.list`` when nothing is
new). An event's id in the account is its ``(op_id, seq)`` — stable across PCs
(a hand edit seen by two PCs has the same one, see history.py) — so a segment
uploaded twice (answer lost) or events seen twice count once.

Bookkeeping in the journal file itself (tables ``replica_*``): which segments
were merged, which events the account already holds, how far the upload scan
has gone. Events not yet uploaded survive a kill: they are in the journal and
not marked; the next command uploads them. Only applied events replicate:
pending ones (a write in flight) and superseded ones stay on their PC, as does
the durable operations' bookkeeping (operations/, per PC).
"""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contacts_crm.config import connect_db, open_storage_error, write_transaction
from contacts_crm.errors import UnavailableError

SPACE = "appDataFolder"
SEGMENT_EVENTS = 50_000  # events per segment at most (bounded memory on download)
COMPACT_AT = 256  # small segments (one per command) a sync folds into one
_BATCH = 5_000
# the journal's secondary indexes (journal.py), built once after a new PC's first merge
_BULK_INDEXES = (
    ("events_at", "CREATE INDEX IF NOT EXISTS events_at ON events (at)"),
    ("events_contact", "CREATE INDEX IF NOT EXISTS events_contact ON events (contact, at)"),
    ("events_kind", "CREATE INDEX IF NOT EXISTS events_kind ON events (kind, at)"),
)
_COLS = (
    "op_id, seq, at, who, contact, contact_name, kind, order_no, stage, amount, outcome, text, data"
)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS replica_segments (file_id TEXT PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS replica_known ("
    " op_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (op_id, seq)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS replica_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


@dataclass
class PullReport:
    """What a pull did: requests sent, segments merged, events new to this PC."""

    calls: int = 0
    segments: int = 0
    events: int = 0
    compacted: int = 0  # small segments folded into one by this sync


@contextmanager
def _guard(lock: threading.Lock) -> Iterator[None]:
    """One request at a time; a failed one (HttpError, ConnectionError, TimeoutError)
    as UnavailableError."""
    try:
        with lock:
            yield
    except Exception as exc:
        status = getattr(getattr(exc, "resp", None), "status", None)
        why = f"HTTP {status}" if status else type(exc).__name__
        raise UnavailableError(
            f"the journal's copy in the account (Drive appDataFolder) answered: {why}",
            hint="events not uploaded yet stay in the journal; the next command uploads them",
        ) from None


class HistoryStore:
    """The segments in the account (Drive v3 ``files`` in appDataFolder).

    Every request goes out once (SessionHttp); a failure is UnavailableError.
    """

    def __init__(self, drive: Any, lock: threading.Lock | None = None) -> None:
        self.drive = drive
        # one request at a time on a Drive service shared by threads (uploader.py)
        self.lock = lock or threading.Lock()

    def list(self) -> Iterator[tuple[list[dict[str, str]], int]]:
        """Pages of ``{"id", "name"}``, oldest first, each with its request count (1)."""
        token = None
        while True:
            with _guard(self.lock):
                page = (
                    self.drive.files()
                    .list(
                        spaces=SPACE,
                        orderBy="createdTime",
                        pageSize=1000,
                        pageToken=token,
                        fields="nextPageToken,files(id,name)",
                    )
                    .execute()
                )
            yield page.get("files", []), 1
            token = page.get("nextPageToken")
            if not token:
                return

    def upload(self, name: str, data: bytes) -> str:
        from googleapiclient.http import MediaInMemoryUpload

        media = MediaInMemoryUpload(data, mimetype="application/gzip")
        with _guard(self.lock):
            made = (
                self.drive.files()
                .create(body={"name": name, "parents": [SPACE]}, media_body=media, fields="id")
                .execute()
            )
        return str(made["id"])

    def download(self, file_id: str) -> bytes:
        with _guard(self.lock):
            return bytes(self.drive.files().get_media(fileId=file_id).execute())

    def delete(self, file_id: str) -> None:
        with _guard(self.lock):
            self.drive.files().delete(fileId=file_id).execute()


def encode(rows: list[tuple[Any, ...]]) -> bytes:
    """A segment: gzip of one JSON array per event (the journal's columns)."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=5, mtime=0) as gz:
        for row in rows:
            gz.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode())
            gz.write(b"\n")
    return buf.getvalue()


def decode(data: bytes) -> Iterator[tuple[Any, ...]]:
    """The events of a segment (at most SEGMENT_EVENTS), parsed in one go: a line
    is one JSON array with no raw newline in it, so the lines joined by commas
    are one JSON array of them (one parser call, not one per event)."""
    text = gzip.decompress(data).decode("utf-8")
    lines = [line for line in text.split("\n") if line.strip()]
    for row in json.loads("[" + ",".join(lines) + "]"):
        yield tuple(row)


class Replica:
    """One PC's journal and the account's history store, kept in step."""

    def __init__(
        self, journal_path: Path, store: HistoryStore | Callable[[], HistoryStore]
    ) -> None:
        self.path = Path(journal_path)
        # the store may come as a factory: a command with nothing to upload then
        # never builds the Drive service (nor loads googleapiclient)
        self._store = store
        try:
            self._db = connect_db(self.path, check_same_thread=False)
            with write_transaction(self._db):
                for statement in _SCHEMA:
                    self._db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise open_storage_error(self.path, exc) from exc
        self.requests = 0  # history-store requests sent by this object

    @property
    def store(self) -> HistoryStore:
        if not isinstance(self._store, HistoryStore):
            self._store = self._store()
        return self._store

    def close(self) -> None:
        self._db.close()

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM replica_meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO replica_meta VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def _segment_merged(self, file_id: str, name: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO replica_segments VALUES (?, ?)", (file_id, name))

    def pc_id(self) -> str:
        """This PC's id (made once per journal file)."""
        with write_transaction(self._db):
            pc = self._meta("pc")
            if pc is None:
                pc = uuid.uuid4().hex[:12]
                self._set_meta("pc", pc)
        return pc

    # ----------------------------------------------------------------- push
    def unsent(self) -> tuple[list[tuple[Any, ...]], int]:
        """Applied events the account does not hold yet, and the scan mark after them."""
        mark = int(self._meta("scanned") or 0)
        rows = self._db.execute(
            f"SELECT e.id, {', '.join('e.' + c.strip() for c in _COLS.split(','))}, e.state"
            " FROM events e WHERE e.id > ? AND e.state != 'superseded'"
            " AND NOT EXISTS (SELECT 1 FROM replica_known k"
            "  WHERE k.op_id = e.op_id AND k.seq = e.seq) ORDER BY e.id",
            (mark,),
        ).fetchall()
        pending = [r[0] for r in rows if r[-1] != "applied"]
        top = self._db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        new_mark = min(pending) - 1 if pending else max(top, mark)
        return [tuple(r[1:-1]) for r in rows if r[-1] == "applied"], new_mark

    def push(self) -> int:
        """Upload the events the account lacks as ONE segment (no request when none);
        the number of events uploaded."""
        rows, mark = self.unsent()
        if not rows:
            with write_transaction(self._db):
                self._set_meta("scanned", str(mark))
            return 0
        name = f"events-{self.pc_id()}-{uuid.uuid4().hex[:8]}.jsonl.gz"
        file_id = self.store.upload(name, encode(rows))
        self.requests += 1
        with write_transaction(self._db):
            self._db.executemany(
                "INSERT OR IGNORE INTO replica_known VALUES (?, ?)", [(r[0], r[1]) for r in rows]
            )
            self._db.execute(
                "INSERT OR IGNORE INTO replica_segments VALUES (?, ?)", (file_id, name)
            )
            self._set_meta("scanned", str(mark))
        return len(rows)

    # ----------------------------------------------------------------- pull
    def pull(self) -> PullReport:
        """Merge every segment not merged yet (one list request when none is new)."""
        report = PullReport()
        merged = {r[0] for r in self._db.execute("SELECT file_id FROM replica_segments")}
        todo: list[tuple[str, str]] = []
        small: list[str] = []
        for files, calls in self.store.list():
            report.calls += calls
            todo += [(f["id"], f["name"]) for f in files if f["id"] not in merged]
            small += [f["id"] for f in files if f["name"].startswith("events-")]
        bulk = len(todo) > 1 and self._empty()
        if bulk:  # a new PC's first sync: the secondary indexes are built once, at the end
            with write_transaction(self._db):
                for index, _ in _BULK_INDEXES:
                    self._db.execute(f"DROP INDEX IF EXISTS {index}")
        try:
            for file_id, name in todo:
                data = self.store.download(file_id)
                report.calls += 1
                report.segments += 1
                report.events += self._merge(file_id, name, data)
        finally:
            if bulk:  # (a kill before this: Journal() creates them again when it opens)
                with write_transaction(self._db):
                    for _, create in _BULK_INDEXES:
                        self._db.execute(create)
        if len(small) >= COMPACT_AT:
            report.calls += self.compact(small[: COMPACT_AT * 4])
            report.compacted = min(len(small), COMPACT_AT * 4)
        self.requests += report.calls
        return report

    def compact(self, file_ids: list[str]) -> int:
        """Fold small segments into one (compact-*): read them again, upload the
        whole, THEN delete them (a segment gone meanwhile was folded by another
        PC; its events are in that PC's compact segment). Requests sent."""
        calls = 0
        rows: dict[tuple[str, int], tuple[Any, ...]] = {}
        kept: list[str] = []
        for file_id in file_ids:
            try:
                data = self.store.download(file_id)
            except UnavailableError:
                calls += 1
                continue  # deleted meanwhile (another PC compacted it): leave it out
            calls += 1
            kept.append(file_id)
            for row in decode(data):
                rows.setdefault((row[0], row[1]), row)
        if not kept:
            return calls
        name = f"compact-{self.pc_id()}-{uuid.uuid4().hex[:8]}.jsonl.gz"
        new_id = self.store.upload(name, encode(list(rows.values())))
        calls += 1
        with write_transaction(self._db):
            self._segment_merged(new_id, name)
        for file_id in kept:
            # gone already, or left for the next compaction: its events count once
            with suppress(UnavailableError):
                self.store.delete(file_id)
            calls += 1
        return calls

    def _merge(self, file_id: str, name: str, data: bytes) -> int:
        """Insert a segment's events (those already here are left); mark them known.

        When nothing local waits to be uploaded (the scan mark is at the end of
        the journal), the merged events are marked known by moving the mark past
        them instead of one ``replica_known`` row each."""
        added = 0
        with write_transaction(self._db):
            self._db.execute("PRAGMA cache_size = -65536")  # 64 MB while bulk loading
            top = self._db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
            caught_up = top <= int(self._meta("scanned") or 0)
            batch: list[tuple[Any, ...]] = []
            for row in decode(data):
                batch.append(row)
                if len(batch) >= _BATCH:
                    added += self._insert(batch, known=not caught_up)
                    batch = []
            added += self._insert(batch, known=not caught_up)
            if caught_up:
                end = self._db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
                self._set_meta("scanned", str(end))
            self._db.execute(
                "INSERT OR IGNORE INTO replica_segments VALUES (?, ?)", (file_id, name)
            )
        return added

    def _empty(self) -> bool:
        """No event and no segment merged yet: a new (or rebuilt) journal."""
        events = self._db.execute("SELECT 1 FROM events LIMIT 1").fetchone()
        merged = self._db.execute("SELECT 1 FROM replica_segments LIMIT 1").fetchone()
        return events is None and merged is None

    def _insert(self, rows: list[tuple[Any, ...]], *, known: bool = True) -> int:
        if not rows:
            return 0
        before = self._db.total_changes
        self._db.executemany(
            f"INSERT OR IGNORE INTO events ({_COLS}, state)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'applied')",
            rows,
        )
        added = self._db.total_changes - before
        if known:
            self._db.executemany(
                "INSERT OR IGNORE INTO replica_known VALUES (?, ?)", [(r[0], r[1]) for r in rows]
            )
        return added


def rebuild(path: Path, store: HistoryStore) -> int | None:
    """A new journal at ``path`` filled from the account's segments: the events
    in it, or None (and no file) when the account holds no history at all.

    Built under another name and renamed into place at the end: a rebuild cut
    short leaves no half journal that would pass for the whole history.
    """
    from contacts_crm.account import damage
    from contacts_crm.account.journal import Journal

    tmp = path.with_name(f"{path.stem}.rebuilding{path.suffix}")
    damage.remove_cache(tmp)  # what an earlier rebuild cut short left
    journal = Journal(tmp)
    replica = Replica(tmp, store)
    try:
        report = replica.pull()
        replica._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the file
    finally:
        replica.close()
        journal.close()
    if report.segments == 0:
        damage.remove_cache(tmp)
        return None
    for side in damage.SIDE_FILES:  # left by the lost journal: never read as the new one's
        stale = Path(f"{path}{side}")
        if stale.exists():
            stale.replace(damage.aside_name(stale))
    tmp.replace(path)
    damage.remove_cache(tmp)  # its (empty) side files
    return report.events
