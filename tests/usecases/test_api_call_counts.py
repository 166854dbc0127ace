"""API calls per operation, counted by the emulator: deterministic, so asserted here.

Each figure is what Google would bill for the operation (people-api.md §5):
import, re-import, full and no-change sync, logging a call on a fresh copy.
The office memory (the journal in the account's Drive appDataFolder, issue 21)
adds to each: a sync, one ``drive.files.list`` (no other PC wrote anything);
a command that journalled something, one ``drive.files.create``; a command
that journalled nothing, no Drive request at all.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from cli_helpers import crm

from contacts_crm import config as cfg

READS = ("people.get", "people.getBatchGet", "people.searchContacts")
WRITES = ("createContact", "updateContact", "batchCreateContacts", "batchUpdateContacts",
          "deleteContact", "batchDeleteContacts", "members.modify")  # fmt: skip


@pytest.fixture
def office(emulator, emulator_server):
    """The default profile talks to the emulator over loopback (pacing off: counts only)."""
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office", kind="endpoint", endpoint=emulator_server.url, user="Olga", quotas={}
    )
    conf.default_profile = "office"
    cfg.save(conf)
    return emulator


def _csv(tmp_path, n: int):
    path = tmp_path / "clients.csv"
    rows = ["Name,Phone"] + [f"Client {i},+7916{1000000 + i}" for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _calls(emulator) -> Counter[str]:
    """API calls per method (the emulator also counts quota units: left out here)."""
    return Counter({k: v for k, v in emulator.counters.items() if v and not k.startswith("quota.")})


def _writes(counts: Counter[str]) -> int:
    return sum(v for k, v in counts.items() if k.endswith(WRITES))


def test_import_is_one_batch_per_200_rows_and_a_re_import_writes_nothing(office, tmp_path):
    path = _csv(tmp_path, 450)
    office.reset_counters()
    assert crm("import", str(path))[0] == 0
    counts = _calls(office)
    assert counts["people.batchCreateContacts"] == math.ceil(450 / 200)
    assert _writes(counts) == 3  # nothing but the three batches is written
    assert not any(counts[k] for k in READS)  # no per-row reads
    office.reset_counters()
    assert crm("import", str(path))[0] == 0
    again = _calls(office)
    assert _writes(again) == 0
    # one incremental sync, and the history: one list (nothing new from other PCs)
    # and one upload (the re-import's own journal event: it ran, it changed nothing)
    assert again == Counter(
        {"people.connections.list": 1, "drive.files.list": 1, "drive.files.create": 1}
    )


def test_full_sync_pages_by_1000_and_a_no_change_sync_is_one_call(office, tmp_path):
    assert crm("import", str(_csv(tmp_path, 2500)))[0] == 0
    office.reset_counters()
    assert crm("sync", "--full")[0] == 0
    full = _calls(office)
    assert full == Counter(
        {"people.connections.list": 3, "contactGroups.list": 1, "drive.files.list": 1}
    )
    office.reset_counters()
    assert crm("sync")[0] == 0
    assert _calls(office) == Counter({"people.connections.list": 1, "drive.files.list": 1})


def test_logging_a_call_on_a_fresh_copy_is_one_write_and_no_read(office):
    assert crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67")[0] == 0
    office.reset_counters()
    code, out = crm("call", "9161234567", "asks about delivery", "--in")
    assert code == 0, out
    assert _calls(office) == Counter({"people.updateContact": 1, "drive.files.create": 1})


def test_a_command_that_journals_nothing_sends_no_history_request(office):
    assert crm("add", "Ivan Petrov", "--phone", "8 916 123-45-67")[0] == 0
    assert crm("call", "Petrov", "asks about delivery", "--in")[0] == 0
    assert office.counters["drive.files.create"] == 1  # the call's event went up
    office.reset_counters()
    for args in (("card", "Petrov"), ("find", "Petrov"), ("journal", "Petrov")):
        assert crm(*args)[0] == 0, args
    assert not any(k.startswith("drive.") for k in _calls(office))
