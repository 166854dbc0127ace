"""Whether a profile's journal holds an interrupted operation, cheaply.

Every command asks it when it opens the account (``cli/output.py``), the
call-screen reads (``crm card``, ``find``) too: one indexed look with a
connection of its own (the account's journal stays unopened: a server opens it
on its writer thread), without loading the operations package and its step
kinds (a third of ``crm card``'s start-up on a loaded PC).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


def any_open(data_dir: Path) -> bool:
    """True when ``data_dir``'s journal holds an operation begun and not finished
    (or cannot be read: the journal then tells what is wrong)."""
    path = data_dir / "journal.sqlite"
    if not path.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
            row = db.execute("SELECT 1 FROM operations WHERE state = 'open' LIMIT 1")
            return row.fetchone() is not None
    except sqlite3.DatabaseError as exc:
        # no such table: nothing was ever begun; busy or odd: let the journal tell
        return "no such table" not in str(exc)
