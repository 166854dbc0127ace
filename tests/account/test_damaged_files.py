"""Damaged files of the tool's own: the cache rebuilds itself, the journal is never replaced.

Real SQLite files of the local profile, damaged on disk as a failing disk or
a killed copy leaves them; every command runs as the installed ``crm`` does.
"""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import run_crm

from contacts_crm import config as cfg


def data() -> Path:
    return cfg.profile_dir("local")


def damage_pages(path: Path, table: str | None = None) -> None:
    """Overwrite every page but the first (the schema stays readable, nothing else is),
    or only the root page of ``table``: the file opens, reading that table fails."""
    size = path.stat().st_size
    assert size > 8192, "too small to damage past its first page"
    start, length = 4096, size - 4096
    if table is not None:
        con = sqlite3.connect(path)
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        start, length = (root.fetchone()[0] - 1) * page_size, page_size
        con.close()
    with path.open("r+b") as fh:
        fh.seek(start)
        fh.write(b"\xa5" * length)


@pytest.fixture
def office() -> None:
    assert run_crm("config", "set", "user", "Olga").code == 0
    for i in range(12):
        assert run_crm("add", f"Client{i} Petrov", "--phone", f"+7916{i:07d}").code == 0
    result = run_crm("call", "+79160000003", "asks for a price list", "--in")
    assert result.code == 0, result.err
    assert (data() / "cache.sqlite").exists() and (data() / "journal.sqlite").exists()


@pytest.mark.parametrize("table", [None, "persons"], ids=["all-pages", "one-page"])
@pytest.mark.parametrize(
    "command",
    [
        ("card", "+79160000003"),
        ("journal", "+79160000003"),
        ("find", "+79160000007"),
        ("sync",),
        ("call", "+79160000005", "wants a discount", "--in"),
    ],
    ids=["card", "journal", "find", "sync", "call"],
)
def test_a_damaged_cache_is_rebuilt_from_the_account_with_one_line(office, command, table):
    damage_pages(data() / "cache.sqlite", table)
    result = run_crm(*command)
    assert result.code == 0, result.err
    said = [line for line in result.err.splitlines() if "rebuilt it from the account" in line]
    assert said == [
        "The local copy (cache.sqlite) was damaged: rebuilt it from the account (12 contacts)."
    ]
    assert "internal error" not in result.err
    again = run_crm(*command[:2]) if command[0] != "call" else run_crm("card", "+79160000005")
    assert again.code == 0 and "damaged" not in again.err


def test_a_command_that_already_wrote_is_not_run_again_after_the_rebuild(office):
    """The call went out, then the cache failed under it: exit 74, no second call."""
    result = run_crm("call", "+79160000005", "wants a discount", "--in")
    assert result.code == 0
    damage_pages(data() / "cache.sqlite")
    main = importlib.import_module("contacts_crm.cli.main")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(main, "_RUNS", [type("Run", (), {"wrote": True})()])
        code = main._damaged(["card", "+79160000005"], False, cfg.load(), _error())
    assert code == 74
    card = run_crm("card", "+79160000005")
    assert card.out.count("wants a discount") == 1


def _error():
    from contacts_crm.errors import StorageError

    return StorageError("database disk image is malformed")


def test_a_damaged_journal_is_moved_aside_and_never_replaced(office, monkeypatch):
    """Without the office memory (the journal's copy in the account, turned off
    here): the journal exists nowhere else, so nothing replaces it."""
    monkeypatch.setenv("CRM_JOURNAL_IN_ACCOUNT", "0")
    damage_pages(data() / "journal.sqlite")
    result = run_crm("journal", "+79160000003")
    assert result.code == 74, result.err
    kept = sorted(data().glob("journal.damaged-*.sqlite"))
    assert len(kept) == 1 and str(kept[0]) in result.err
    assert "history" in result.err and "internal error" not in result.err
    assert not (data() / "journal.sqlite").exists()
    # the next command does not quietly start a new, empty journal either
    again = run_crm("call", "+79160000005", "wants a discount", "--in")
    assert again.code == 74 and "missing" in again.err and "history" in again.err
    assert not (data() / "journal.sqlite").exists()
    # starting anew is the office's own decision, as the hint says
    (data() / "journal.id").unlink()
    assert run_crm("call", "+79160000005", "wants a discount", "--in").code == 0


@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_an_emptied_or_deleted_journal_is_refused(office, how, monkeypatch):
    monkeypatch.setenv("CRM_JOURNAL_IN_ACCOUNT", "0")  # without the office memory
    journal = data() / "journal.sqlite"
    if how == "emptied":
        journal.write_bytes(b"")
    else:
        journal.unlink()
    result = run_crm("journal", "+79160000003")
    assert result.code == 74, result.err
    assert ("emptied" if how == "emptied" else "missing") in result.err
    assert "history" in result.err and "journal.id" in result.err
    assert not journal.exists()  # nothing new was started in its place
    if how == "emptied":
        assert len(list(data().glob("journal.damaged-*.sqlite"))) == 1


@pytest.mark.parametrize("how", ["damaged", "emptied", "deleted"])
def test_with_the_office_memory_a_lost_journal_comes_back_from_the_account(office, how):
    """The local account keeps the journal's copy in its own file (local-history.sqlite):
    a damaged, emptied or deleted journal is rebuilt from it, never started anew."""
    journal = data() / "journal.sqlite"
    if how == "damaged":
        damage_pages(journal)
    elif how == "emptied":
        journal.write_bytes(b"")
    else:
        journal.unlink()
    result = run_crm("journal", "+79160000003")
    assert result.code == 0, result.err
    assert "asks for a price list" in result.out
    said = [line for line in result.err.splitlines() if "rebuilt it from the account" in line]
    word = {"damaged": "was damaged", "emptied": "was emptied", "deleted": "was missing"}[how]
    assert len(said) == 1 and word in said[0], result.err
    assert "Warning" not in result.err
    kept = list(data().glob("journal.damaged-*.sqlite"))
    assert len(kept) == (0 if how == "deleted" else 1)
