"""Small SQLite state files of the tool's own (call events, inbox, page sessions).

Opened as every SQLite file of the tool is (``config.connect_db``): created
0600, never opened with a plain ``open()``, WAL, a busy timeout, autocommit;
every write is one short ``BEGIN IMMEDIATE`` transaction
(``config.write_transaction``), so several processes (``crm serve``,
``crm callbacks``) wait for each other instead of failing or losing a write.
One connection per ``StateDB``, shared by threads under a lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from contacts_crm.config import connect_db, open_storage_error, write_transaction


class StateDB:
    """One SQLite file: a connection shared by threads under a lock."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            self._db = connect_db(path, check_same_thread=False)
        except sqlite3.Error as exc:
            raise open_storage_error(path, exc) from exc
        try:
            with self.write() as db:
                for statement in _split(schema):
                    db.execute(statement)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise open_storage_error(path, exc) from exc

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on error."""
        with self._lock, write_transaction(self._db):
            yield self._db

    def read(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _split(schema: str) -> list[str]:
    """The statements of a schema (no ``executescript``: it commits on its own)."""
    return [s.strip() for s in schema.split(";") if s.strip()]
