"""Answers lost after the account committed (a loopback proxy drops them): nothing twice.

The office network closes the connection after Google did a write and before
its answer arrives. ``LossyProxy`` does that to a seeded 20% of the writes
between the real ``crm`` (an endpoint profile) and the emulator. The tool
must look every create up by its marker before it is ever sent again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import openpyxl
import pytest
from cli_helpers import run_crm
from lossy_proxy import LossyProxy

from contacts_crm import config as cfg
from contacts_crm.account import connected
from contacts_crm.emulator import Emulator, EmulatorServer
from contacts_crm.imports.plan import IMPORT_KEY

RATE, SEED = 0.2, 19


@pytest.fixture
def office(monkeypatch) -> Iterator[tuple[Emulator, LossyProxy]]:
    """An endpoint profile that talks to the emulator through a lossy proxy."""
    # the emulator answers at once: no request can still be running after a lost
    # answer, and reads show a write at once (Google's waits are tested elsewhere)
    monkeypatch.setitem(connected.CREATE_RECOVERY, "endpoint",
                        {"request_timeout": 0.0, "read_settle_s": 0.0})  # fmt: skip
    emu = Emulator()
    with EmulatorServer(emu) as server, LossyProxy(server.url, rate=RATE, seed=SEED) as proxy:
        conf = cfg.load()
        conf.profiles["office"] = cfg.Profile(
            name="office",
            kind="endpoint",
            endpoint=proxy.url,
            quotas={},  # no pacing
        )
        conf.default_profile = "office"
        cfg.save(conf)
        yield emu, proxy
    emu.close()


def live(emu: Emulator) -> list[dict]:
    return [r.data for r in emu.store.all_live_persons()]


def test_an_import_of_2000_rows_with_lost_answers_leaves_2000_contacts(office, tmp_path):
    emu, proxy = office
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Phone"])
    for i in range(2000):
        wb.active.append([f"Client{i} Test", f"+7916{i:07d}"])
    wb.save(tmp_path / "clients.xlsx")
    result = run_crm("import", str(tmp_path / "clients.xlsx"))
    assert result.code == 0, result.err
    assert proxy.lost >= 1, "the seed lost no answer: the test proves nothing"
    assert proxy.lost_paths["POST /v1/people:batchCreateContacts"] >= 1
    keys = Counter(d["value"] for p in live(emu) for d in p.get("clientData", [])
                   if d["key"] == IMPORT_KEY)  # fmt: skip
    assert len(live(emu)) == 2000
    assert len(keys) == 2000 and set(keys.values()) == {1}  # every row once
    # no batch was re-sent blindly: 10 batches of 200, each sent once
    assert emu.counters["people.batchCreateContacts"] == 10


def test_30_adds_with_lost_answers_leave_30_contacts(office):
    emu, proxy = office
    for i in range(30):
        result = run_crm("add", f"Client{i} Test", "--phone", f"+7916{i:07d}")
        assert result.code == 0, result.err
    assert proxy.lost_paths["POST /v1/people:createContact"] >= 3
    assert emu.counters["people.createContact"] == 30  # each sent once
    names = sorted(p["names"][0]["givenName"] for p in live(emu))
    assert names == sorted(f"Client{i}" for i in range(30))
