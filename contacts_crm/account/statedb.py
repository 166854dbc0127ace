"""Small SQLite state files of the tool's own (call events, inbox, page sessions).

The rules every live database file here follows (SQLite's "How To Corrupt"):
created 0600 before SQLite first opens it (its -wal and -shm files take that
mode), and never opened with a plain ``open()`` while SQLite may hold it (POSIX
locks are per process: closing any descriptor of the file drops them); WAL;
a busy timeout; every write in a short ``BEGIN IMMEDIATE`` transaction, so
several processes (``crm serve``, ``crm callbacks``) wait for each other
instead of failing or losing a write.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from contacts_crm.config import PRIVATE_FILE, open_storage_error, private_dir, use_wal

BUSY_MS = 30_000


def _create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist yet.

    ``O_EXCL``: a file that exists is left alone (no descriptor of a live
    database is ever opened and closed here); one that does not exist cannot
    be held by SQLite in this process.
    """
    private_dir(path.parent, tighten=False)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(fd)


class StateDB:
    """One SQLite file: a connection shared by threads under a lock."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        _create_private(path)
        try:
            self._db = sqlite3.connect(
                str(path), timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise open_storage_error(path, exc) from exc
        try:
            self._db.execute(f"PRAGMA busy_timeout={BUSY_MS}")
            use_wal(self._db)
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self.write() as db:
                for statement in _split(schema):
                    db.execute(statement)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise open_storage_error(path, exc) from exc

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def read(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _split(schema: str) -> list[str]:
    """The statements of a schema (no ``executescript``: it commits on its own)."""
    return [s.strip() for s in schema.split(";") if s.strip()]
