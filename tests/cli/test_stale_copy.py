"""The call screen's commands answer from the local copy at once, however old it is:
they say how old it is, refresh it in the background (a `crm sync` process of its
own), and sync first only when the copy does not have the client asked for."""

from __future__ import annotations

import os
import select
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from cli_helpers import crm, run_crm

from contacts_crm import config as cfg
from contacts_crm.cli import stale
from contacts_crm.emulator import Emulator, build_service

pytestmark = pytest.mark.skipif(
    not hasattr(os, "pidfd_open"), reason="waits on the refresh's process through a pidfd (Linux)"
)


def _data():
    return cfg.profile_dir("local")


def _age_copy(minutes: int) -> str:
    """Make the local copy ``minutes`` old (as if the PC had slept); its synced_at."""
    old = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")
    with sqlite3.connect(_data() / "cache.sqlite") as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'synced_at'", (old,))
    db.close()
    return old


def _synced_at() -> str:
    with sqlite3.connect(_data() / "cache.sqlite") as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'synced_at'").fetchone()
    db.close()
    return str(row[0])


def _added_on_another_pc(name: str, phone: str) -> None:
    """Another writer adds a client to the account (not to this PC's copy)."""
    emu = Emulator(str(_data() / "local-account.sqlite"))
    try:
        given, family = name.split()
        body = {"names": [{"givenName": given, "familyName": family}],
                "phoneNumbers": [{"value": phone}]}  # fmt: skip
        build_service(emu).people().createContact(body=body).execute()
    finally:
        emu.close()


def _wait_for_refresh(before: str) -> None:
    """Until the background refresh ended (the process whose id ``crm card`` noted:
    not a child of this test, so it is waited on through a pidfd), then it synced."""
    pid = stale.refresh_pid(_data())
    assert pid is not None, "no background refresh was started"
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:  # it has ended already
        pass
    else:
        try:
            ready, _, _ = select.select([fd], [], [], 120)  # readable once it has ended
            assert ready, "the background refresh did not end within 2 minutes"
        finally:
            os.close(fd)
    assert _synced_at() != before, "the background refresh ended without syncing"


# crm card in a process of its own: did it load the API stack to answer?
CARD = """
import sys
from contacts_crm.cli.main import main
try:
    main(["card", sys.argv[1]])
except SystemExit as end:
    print("api stack loaded:", "googleapiclient" in sys.modules, file=sys.stderr)
    sys.exit(end.code)
"""


def test_a_stale_copy_answers_at_once_says_its_age_and_is_refreshed_behind(monkeypatch):
    monkeypatch.setattr(stale, "STARTED", [])
    assert crm("add", "Ivan Petrov", "--phone", "+79161234567")[0] == 0
    _added_on_another_pc("Anna Sidorova", "+79035550101")
    before = _age_copy(12)
    done = subprocess.run([sys.executable, "-c", CARD, "Petrov"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Ivan Petrov" in done.stdout
    assert "The local copy is 12 minutes old" in done.stderr
    assert "api stack loaded: False" in done.stderr  # answered from the copy, no sync
    _wait_for_refresh(before)
    # the refresh brought the client added elsewhere; the copy is fresh: nothing said
    found = run_crm("find", "Sidorova")
    assert found.code == 0 and "Anna Sidorova" in found.out
    assert "minutes old" not in found.err and not stale.STARTED


def test_a_client_missing_from_a_stale_copy_is_looked_up_after_a_sync(monkeypatch):
    monkeypatch.setattr(stale, "STARTED", [])
    assert crm("add", "Ivan Petrov", "--phone", "+79161234567")[0] == 0
    _added_on_another_pc("Boris Belov", "+79160000002")
    _age_copy(30)
    shown = run_crm("card", "8 916 000-00-02")  # not in the copy: sync, then look again
    assert shown.code == 0 and "Boris Belov" in shown.out
    assert "minutes old" not in shown.err and stale.STARTED == []  # the copy is fresh now
    assert _synced_at() > (datetime.now(UTC) - timedelta(minutes=1)).isoformat()


@pytest.mark.parametrize("command", [["card", "Petrov"], ["find", "Petrov"],
                                     ["show", "Petrov"], ["journal", "Petrov"]])  # fmt: skip
def test_each_call_screen_command_answers_a_stale_copy_and_refreshes_it(monkeypatch, command):
    monkeypatch.setattr(stale, "STARTED", [])
    assert crm("add", "Ivan Petrov", "--phone", "+79161234567")[0] == 0
    before = _age_copy(7)
    answer = run_crm(*command)
    assert answer.code == 0 and "Petrov" in answer.out + answer.err  # journal: "Nothing … yet"
    assert "The local copy is 7 minutes old" in answer.err
    assert len(stale.STARTED) == 1
    _, status = os.waitpid(stale.STARTED[0], 0)  # the refresh ran to its end
    assert os.waitstatus_to_exitcode(status) == 0
    assert _synced_at() != before
    again = run_crm(*command)  # fresh now: no word about its age, no refresh
    assert "minutes old" not in again.err and len(stale.STARTED) == 1


def test_a_fresh_copy_starts_no_refresh(monkeypatch):
    monkeypatch.setattr(stale, "STARTED", [])
    assert crm("add", "Ivan Petrov", "--phone", "+79161234567")[0] == 0
    _age_copy(4)  # under sync_minutes (5)
    answer = run_crm("card", "Petrov")
    assert answer.code == 0 and "minutes old" not in answer.err and stale.STARTED == []
