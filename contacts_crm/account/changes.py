"""Whether a SQLite file of the profile changed, by any process: a cache's key.

``ChangeWatch`` keeps one read-only connection per file and asks SQLite for
its ``data_version``, which changes whenever another connection (of this
process or another) committed to the file. The watch's own connections never
write, so every commit anywhere moves the stamp. Asking costs a few
microseconds per file. A file not made yet stamps as MISSING (its creation
moves the stamp); one that cannot be read gives a stamp equal to no other, so
nothing is kept for it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MISSING = "missing"


class ChangeWatch:
    def __init__(self, paths: Iterable[Path]) -> None:
        self.paths = list(paths)
        self._lock = threading.Lock()
        self._conns: dict[Path, sqlite3.Connection] = {}

    def stamp(self) -> tuple[Any, ...]:
        """The files' data versions now: equal to an earlier stamp only if no file
        was committed to in between."""
        with self._lock:
            return tuple(self._version(p) for p in self.paths)

    def _version(self, path: Path) -> Any:
        conn = self._conns.get(path)
        try:
            if conn is None:
                if not path.exists():
                    return MISSING
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5,
                                       check_same_thread=False, isolation_level=None)  # fmt: skip
                self._conns[path] = conn
            return (id(conn), int(conn.execute("PRAGMA data_version").fetchone()[0]))
        except sqlite3.Error:
            self._drop(path)
            return object()  # equal to no other stamp: nothing kept while it cannot be read

    def _drop(self, path: Path) -> None:
        conn = self._conns.pop(path, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        with self._lock:
            for path in list(self._conns):
                self._drop(path)
