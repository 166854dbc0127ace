"""Opening the local copy to read it writes nothing (the call-screen commands only read)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from contacts_crm.account.cache import Cache


def _data_version(watcher: sqlite3.Connection) -> int:
    # changes when another connection commits to the file (SQLite's own counter)
    return int(watcher.execute("PRAGMA data_version").fetchone()[0])


def test_opening_an_up_to_date_cache_commits_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    Cache(path).close()  # created: the schema is written once
    watcher = sqlite3.connect(path)
    before = _data_version(watcher)
    cache = Cache(path)
    assert cache.meta("schema_version") is not None
    assert cache.find_by_phone("+79161234567") == []
    cache.close()
    assert _data_version(watcher) == before  # no commit, so no WAL checkpoint at close
    # the check can fail: a write does move the counter
    cache = Cache(path)
    cache.set_meta("probe", "1")
    cache.close()
    assert _data_version(watcher) != before
    watcher.close()
