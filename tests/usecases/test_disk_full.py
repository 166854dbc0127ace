"""A full disk around `crm add` and `crm import`: nothing twice, a clear error.

CRM_HOME lives on a small tmpfs that the test fills for real (we run as root
where the machine allows ``mount``; elsewhere the tests skip with the reason).
The emulator holds the write "received, not yet committed" while the disk
fills, so the failure lands exactly after Google made the contact.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import CliResult, run_crm

from contacts_crm import config as cfg
from contacts_crm.account import connected
from contacts_crm.emulator import Emulator, EmulatorServer
from contacts_crm.imports.plan import IMPORT_KEY


class Disk:
    """A small tmpfs: ``fill()`` takes every free byte, ``free()`` gives them back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (1 << 20, 65536, 4096, 512, 1):  # down to the last partial block
                while True:
                    try:
                        os.write(fd, b"\0" * size)
                    except OSError:
                        break
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs",
                           str(mount)], capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}")
    monkeypatch.setenv("CRM_HOME", str(mount / "crm"))
    try:
        yield Disk(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.fixture
def office(disk: Disk, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    monkeypatch.setitem(connected.CREATE_RECOVERY, "endpoint",
                        {"request_timeout": 0.0, "read_settle_s": 0.0})  # fmt: skip
    emu = Emulator()
    with EmulatorServer(emu) as server:
        conf = cfg.load()
        conf.profiles["office"] = cfg.Profile(
            name="office", kind="endpoint", endpoint=server.url, quotas={}, user="Olga"
        )
        conf.default_profile = "office"
        cfg.save(conf)
        assert run_crm("add", "Anna Smirnova", "--phone", "+79160000001").code == 0
        yield emu
    emu.close()


def named(emu: Emulator, given: str) -> int:
    return sum(
        1
        for r in emu.store.all_live_persons()
        if any(n.get("givenName") == given for n in r.data.get("names", []))
    )


def in_thread(*args: str) -> tuple[threading.Thread, list[CliResult]]:
    results: list[CliResult] = []
    thread = threading.Thread(target=lambda: results.append(run_crm(*args)))
    thread.start()
    return thread, results


ADD = ("add", "Ivan Petrov", "--phone", "+79160000002")


def test_a_full_disk_before_add_sends_nothing(office, disk):
    disk.fill()
    result = run_crm(*ADD)
    assert result.code == 74, result.err
    assert "space" in result.err.lower() and "internal error" not in result.err
    assert office.counters["people.createContact"] == 1  # Anna's only: nothing sent
    disk.free()
    assert run_crm(*ADD).code == 0
    assert named(office, "Ivan") == 1


def test_a_disk_that_fills_after_the_add_landed_never_gives_a_second_contact(office, disk):
    hold = office.hold("people.createContact")
    thread, results = in_thread(*ADD)
    assert hold.received.wait(30)
    disk.fill()  # Google has the contact; this PC cannot write down that it has it
    hold.release()
    thread.join(60)
    assert results[0].code == 74, results[0].err
    assert "internal error" not in results[0].err
    assert named(office, "Ivan") == 1
    again = run_crm(*ADD)  # still full: refused, and nothing sent
    assert again.code == 74 and office.counters["people.createContact"] == 2
    disk.free()
    again = run_crm(*ADD)  # the next run finishes the interrupted add
    assert again.code == 0, again.err
    assert named(office, "Ivan") == 1
    assert office.counters["people.createContact"] == 2  # Anna and Ivan, each once
    card = run_crm("card", "+79160000002")
    assert card.code == 0 and "Ivan" in card.out


def workbook(path: Path, n: int) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Phone"])
    for i in range(n):
        wb.active.append([f"Client{i} Test", f"+7917{i:07d}"])
    wb.save(path)
    return path


def imported(emu: Emulator) -> list[str]:
    return [d["value"] for r in emu.store.all_live_persons() for d in r.data.get("clientData", [])
            if d["key"] == IMPORT_KEY]  # fmt: skip


def test_a_full_disk_before_an_import_sends_nothing(office, disk, tmp_path):
    path = workbook(tmp_path / "clients.xlsx", 300)
    disk.fill()
    result = run_crm("import", str(path))
    assert result.code == 74, result.err
    assert "internal error" not in result.err
    assert office.counters["people.batchCreateContacts"] == 0
    disk.free()
    assert run_crm("import", str(path)).code == 0
    assert len(imported(office)) == 300 == len(set(imported(office)))


def test_a_disk_that_fills_after_an_import_batch_landed_leaves_each_row_once(
    office, disk, tmp_path
):
    path = workbook(tmp_path / "clients.xlsx", 300)
    hold = office.hold("people.batchCreateContacts")
    thread, results = in_thread("import", str(path))
    assert hold.received.wait(30)
    disk.fill()
    hold.release()
    thread.join(120)
    assert results[0].code == 74, results[0].err
    assert "internal error" not in results[0].err
    assert len(imported(office)) == 200  # the first batch landed
    disk.free()
    again = run_crm("import", str(path))
    assert again.code == 0, again.err
    assert len(imported(office)) == 300 == len(set(imported(office)))
