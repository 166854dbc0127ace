"""Records of creates on their way (account/pending.py): finished by the next run, once."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from contacts_crm.account import pending
from contacts_crm.account.connected import Account
from contacts_crm.account.people import MARKER_KEY
from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.emulator import Emulator, build_service
from contacts_crm.errors import StorageError


def account(tmp_path) -> tuple[Account, Emulator]:
    emu = Emulator()
    acc = Account.from_service(build_service(emu), tmp_path / "d", sleep=lambda s: None,
                               request_timeout=0.0, read_settle_s=0.0)  # fmt: skip
    acc.sync(full=True)
    return acc, emu


def person(i: int) -> dict:
    return Contact(given_name=f"Client{i}", phones=[PhoneEntry(f"+7916{i:07d}")]).to_person()


def left_behind(acc: Account, body: dict, marker: str, pid: int, *, send: bool) -> None:
    """What a run leaves that wrote its record and then died (after sending, or not)."""
    marked = {**body, "clientData": [{"key": MARKER_KEY, "value": marker}]}
    pending.record(acc.data_dir, pending.PendingCreate(
        marker=marker, key=MARKER_KEY, digest=pending.digest(marked), sent_at=time.time(),
        timeout=0.0, pid=pid))  # fmt: skip
    if send:
        acc.client.create(marked)  # landed; the run died before its bookkeeping


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_record_of_a_create_that_landed_is_finished_once(tmp_path):
    acc, emu = account(tmp_path)
    left_behind(acc, person(1), "m1", dead_pid(), send=True)
    left_behind(acc, person(2), "m2", dead_pid(), send=False)  # died before sending
    landed = acc.finish_creates()
    assert [p["names"][0]["givenName"] for p in landed.values()] == ["Client1"]
    assert acc.contacts.landed_as(person(1)) is not None  # a re-run of that add is answered
    assert acc.contacts.by_phone("+79160000001")  # in the local copy now
    assert pending.left(acc.data_dir) == []
    assert emu.counters["people.createContact"] == 1  # nothing was sent by the finish
    acc.close()


def test_a_record_of_a_process_still_running_is_left_to_it(tmp_path):
    acc, _emu = account(tmp_path)
    # a live process that stays alive until this test lets it go (it waits on its stdin)
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    try:
        left_behind(acc, person(1), "m1", other.pid, send=True)
        assert pending.finish(acc) == {}
        assert [c.marker for c in pending.left(acc.data_dir)] == ["m1"]
    finally:
        assert other.stdin is not None
        other.stdin.close()  # it ends by itself now
        other.wait()
    assert list(pending.finish(acc)) == [pending.digest(person(1))]  # once it is gone
    assert pending.left(acc.data_dir) == []
    acc.close()


def test_a_record_that_cannot_be_written_sends_nothing(tmp_path):
    acc, emu = account(tmp_path)
    (acc.data_dir / pending.FOLDER).write_text("a file where the folder should be")
    with pytest.raises(StorageError, match="nothing was sent"):
        acc.contacts.create(person(1))
    assert emu.counters["people.createContact"] == 0
    acc.close()
