"""Page sessions the server knows: signing out ends one on the server.

The signed cookie names a random session id; the id is valid only while it is
in ``web-sessions.sqlite`` (0600, WAL, beside the cache). Signing out deletes
it, so a copy of the cookie taken before stops working. Only a digest of the
id is stored. Sessions unused for ``SESSION_DAYS`` are dropped.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from contacts_crm.account.statedb import StateDB

SESSIONS_FILE = "web-sessions.sqlite"
SESSION_DAYS = 90  # staff sign in once per phone

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY, user TEXT NOT NULL, created REAL NOT NULL, seen REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_seen ON sessions (seen);
"""
TOUCH_S = 3600.0  # the last-seen time is refreshed at most once an hour


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


class Sessions:
    def __init__(self, data_dir: Path, *, days: int = SESSION_DAYS) -> None:
        self.db = StateDB(data_dir / SESSIONS_FILE, _SCHEMA)
        self.lifetime = days * 24 * 3600.0

    def start(self, user: str) -> str:
        """A new session id for ``user`` (forgets the long-unused ones)."""
        sid = secrets.token_urlsafe(24)
        now = time.time()
        with self.db.write() as db:
            db.execute("DELETE FROM sessions WHERE seen < ?", (now - self.lifetime,))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (_digest(sid), user, now, now))
        return sid

    def valid(self, sid: str, user: str) -> bool:
        if not sid:
            return False
        digest = _digest(sid)
        rows = self.db.read("SELECT user, seen FROM sessions WHERE digest=?", (digest,))
        if not rows or rows[0][0] != user:
            return False
        now, seen = time.time(), float(rows[0][1])  # type: ignore[arg-type]
        if now - seen > self.lifetime:
            return False
        if now - seen > TOUCH_S:
            with self.db.write() as db:
                db.execute("UPDATE sessions SET seen=? WHERE digest=?", (now, digest))
        return True

    def end(self, sid: str) -> None:
        if sid:
            with self.db.write() as db:
                db.execute("DELETE FROM sessions WHERE digest=?", (_digest(sid),))

    def close(self) -> None:
        self.db.close()
