"""``ChangeWatch``: a stamp that moves with every commit to the watched files, by any
connection of any process, and stays put otherwise (the dashboard's cache key)."""

from __future__ import annotations

import subprocess
import sys

from contacts_crm.account.changes import MISSING, ChangeWatch
from contacts_crm.config import connect_db


def test_the_stamp_moves_with_every_commit_and_only_then(tmp_path):
    path = tmp_path / "a.sqlite"
    later = tmp_path / "b.sqlite"
    db = connect_db(path)
    db.execute("CREATE TABLE t (x)")
    watch = ChangeWatch([path, later])
    first = watch.stamp()
    assert first[1] == MISSING
    assert watch.stamp() == first  # nothing committed: the same stamp
    db.execute("SELECT * FROM t").fetchall()  # a read commits nothing
    assert watch.stamp() == first
    db.execute("INSERT INTO t VALUES (1)")  # this process, another connection
    second = watch.stamp()
    assert second != first and watch.stamp() == second
    script = (
        f"import sqlite3; c = sqlite3.connect({str(path)!r}); "
        "c.execute('INSERT INTO t VALUES (2)'); c.commit()"
    )
    subprocess.run([sys.executable, "-c", script], check=True)  # another process
    third = watch.stamp()
    assert third != second
    connect_db(later).execute("CREATE TABLE u (y)")  # a watched file made later
    assert watch.stamp() != third
    watch.close()


def test_a_file_that_cannot_be_read_keeps_nothing(tmp_path):
    path = tmp_path / "broken.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    watch = ChangeWatch([path])
    assert watch.stamp() != watch.stamp()  # never equal: nothing is kept for it
    watch.close()
