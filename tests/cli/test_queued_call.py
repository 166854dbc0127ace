"""`crm call` with the account away: the call is kept on this PC as an open
operation (exit 75, the message says so), and the next command writes it, once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_helpers import crm, run_crm

from contacts_crm import config as cfg
from contacts_crm.account import connected
from contacts_crm.account.journal import Journal
from contacts_crm.account.people import RetryPolicy
from contacts_crm.emulator import Emulator, EmulatorServer


@pytest.fixture
def office(monkeypatch) -> Iterator[tuple[Emulator, EmulatorServer]]:
    """An endpoint profile over the emulator on loopback, retries short."""
    monkeypatch.setitem(connected.CREATE_RECOVERY, "endpoint",
                        {"request_timeout": 0.0, "read_settle_s": 0.0})  # fmt: skip
    monkeypatch.setattr(RetryPolicy.__init__, "__defaults__", (1, 0.0, 0.0))
    emu = Emulator()
    server = EmulatorServer(emu).start()
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(name="office", kind="endpoint", endpoint=server.url,
                                          quotas={}, user="Olga")  # fmt: skip
    conf.default_profile = "office"
    cfg.save(conf)
    yield emu, server
    server.stop()
    emu.close()


def _notes(emu: Emulator) -> str:
    (person,) = [r.data for r in emu.store.all_live_persons()]
    return str((person.get("biographies") or [{}])[0].get("value", ""))


def test_a_call_with_the_account_away_is_queued_and_the_next_command_writes_it_once(office):
    emu, server = office
    assert crm("add", "Ivan Petrov", "--phone", "+79161234567")[0] == 0
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    server.stop()

    away = run_crm("call", "Petrov", "asks about delivery", "--in")
    assert away.code == 75, away.err
    assert "could not be reached" in away.err and "will be written by the next crm" in away.err
    assert "asks about delivery" not in _notes(emu)

    EmulatorServer(emu, port=port).start()
    nxt = run_crm("sync")  # any command that opens the account for a write
    assert nxt.code == 0, nxt.err
    assert "Finishing the call or order saved offline" in nxt.err
    assert _notes(emu).count("asks about delivery") == 1
    again = run_crm("call", "Petrov", "asks about delivery", "--in")  # run again anyway
    assert again.code == 0 and _notes(emu).count("asks about delivery") == 1
    journal = Journal(cfg.profile_dir("office") / "journal.sqlite")
    try:  # one call counted (a re-run that changed nothing is journalled as such)
        counted = [e for e in journal.events(kinds=["call"]) if e.data.get("changed")]
    finally:
        journal.close()
    assert len(counted) == 1 and counted[0].state == "applied"


def test_running_the_queued_call_again_while_away_still_queues_one(office):
    emu, server = office
    assert crm("add", "Ivan Petrov", "--phone", "+79161234567")[0] == 0
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    server.stop()
    assert run_crm("call", "Petrov", "no answer", "--missed").code == 75
    assert run_crm("call", "Petrov", "no answer", "--missed").code == 75  # the same, kept once
    EmulatorServer(emu, port=port).start()
    assert run_crm("sync").code == 0
    assert _notes(emu).count("no answer") == 1
