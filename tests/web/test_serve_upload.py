"""``crm serve`` copies what the page journals to the account in the background
(account/uploader.py), and a kill between the local write and the upload loses
nothing and counts nothing twice (issue 21)."""

from __future__ import annotations

import io
import signal
import sys
from pathlib import Path

import pytest
from cli_helpers import crm, run_crm
from served import Phone, start_server

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.emulator import Emulator, EmulatorServer, build_drive_service, build_service


@pytest.fixture
def office(emulator_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Phone:
    """The default profile on the emulator (endpoint), a client, Olga with a PIN."""
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office", kind="endpoint", endpoint=emulator_server.url, user="Olga", quotas={}
    )
    conf.default_profile = "office"
    cfg.save(conf)
    assert crm("add", "Ivan Petrov", "--phone", "+79161234567")[0] == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("2468\n"))
    assert crm("serve", "user", "add", "Olga", "--pin-stdin")[0] == 0


def _calls_on_another_pc(server: EmulatorServer, home: Path) -> list[str]:
    """What a second PC's first history sync brings: the call lines."""
    pc2 = Account.from_service(build_service(server), home, drive=build_drive_service(server))
    try:
        assert pc2.replica is not None
        pc2.replica.pull()
        return sorted(e.text for e in pc2.journal.events() if e.kind == "call")
    finally:
        pc2.close()


@pytest.mark.parametrize("landed", [False, True], ids=["upload-lost", "answer-lost"])
def test_serve_killed_between_the_write_and_the_upload(
    office, emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path, landed: bool
) -> None:
    proc, base = start_server("--sync-seconds", "0", "--quiet")
    try:
        phone = Phone(base)
        phone.sign_in("Olga", "2468")
        # the page's save answers before the upload is done: the upload is held
        hold = emulator.hold("drive.files.create", after_commit=landed)
        answer = phone.log_call(phone.card_id("+79161234567"), "wants tiles")
        assert answer.status == 200, answer.body[:500]
        assert "wants tiles" in answer.body
        assert hold.received.wait(60), "the server never uploaded the call"
        assert not hold.finished.is_set()  # the save was answered while the upload hangs
        proc.send_signal(signal.SIGKILL)  # killed between the local write and the upload
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(60)
    hold.release(commit=landed)
    assert hold.finished.wait(60)
    before = emulator.counters["drive.files.create"]
    # the next command uploads the call: one request
    assert crm("find", "Petrov")[0] == 0
    assert emulator.counters["drive.files.create"] == before + 1
    assert crm("find", "Petrov")[0] == 0  # and only once
    assert emulator.counters["drive.files.create"] == before + 1
    calls = _calls_on_another_pc(emulator_server, tmp_path / "pc2")
    assert len(calls) == 1 and calls[0].endswith("wants tiles"), calls


def test_serve_uploads_each_save_in_the_background(
    office, emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    proc, base = start_server("--sync-seconds", "0", "--quiet")
    try:
        phone = Phone(base)
        phone.sign_in("Olga", "2468")
        cid = phone.card_id("+79161234567")
        for comment in ("first", "second"):
            hold = emulator.hold("drive.files.create")
            assert phone.log_call(cid, comment).status == 200
            assert hold.received.wait(60), "the save was not uploaded"
            hold.release()
            assert hold.finished.wait(60)
        # while it still runs, another PC has both calls
        seen = _calls_on_another_pc(emulator_server, tmp_path / "pc2")
        assert [c.rsplit(" ", 1)[-1] for c in seen] == ["first", "second"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)
    before = emulator.counters["drive.files.create"]
    assert run_crm("find", "Petrov").code == 0  # the server left nothing to upload
    assert emulator.counters["drive.files.create"] == before
