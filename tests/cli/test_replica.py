"""Issue 21: the journal replicated through the account (Drive appDataFolder on the
same emulator as the contacts): two and three PC homes, one emulator."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import crm, run_crm

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.emulator import Emulator, EmulatorServer, build_drive_service, build_service
from contacts_crm.errors import UnavailableError

PERIOD = ("--since", "2026-11-01", "--until", "2026-11-30")


def out(*args: str) -> Any:
    code, text = crm("--json", *args)
    assert code == 0, text
    return json.loads(text)


@pytest.fixture
def pcs(emulator_server: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    homes = {
        "A": Path(os.environ["CRM_HOME"]),
        "B": tmp_path / "pc_b",
        "C": tmp_path / "pc_c",
    }
    users = {"A": "Olga", "B": "Ivan", "C": "Masha"}

    def switch(name: str) -> Path:
        monkeypatch.setenv("CRM_HOME", str(homes[name]))
        conf = cfg.load()
        conf.profiles["office"] = cfg.Profile(
            name="office", kind="endpoint", user=users[name], endpoint=emulator_server.url
        )
        conf.default_profile = "office"
        cfg.save(conf)
        return homes[name] / "profiles" / "office"

    switch("A")  # the office memory is on by default: nothing to turn on
    return switch


def segments(emulator: Emulator) -> int:
    return emulator.counters["drive.files.create"]


def test_calls_and_a_closed_order_reach_another_pc_once(pcs, emulator: Emulator) -> None:
    out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67")
    assert crm("call", "Petrov", "first", "--in", "--at", "2026-11-05 10:00")[0] == 0
    assert crm("call", "Petrov", "second", "--out", "--at", "2026-11-06 10:00")[0] == 0
    assert crm("order", "open", "Petrov", "tiles", "--amount", "100", "--at", "2026-11-07")[0] == 0
    assert crm("order", "step", "Petrov", "1", "paid", "--at", "2026-11-08")[0] == 0
    assert crm("order", "close", "Petrov", "1")[0] == 0
    uploads = segments(emulator)
    assert 1 <= uploads <= 6  # at most one upload per command
    before = emulator.counters["drive.files.create"]
    out("find", "Petrov")  # a command that journals nothing uploads nothing
    assert emulator.counters["drive.files.create"] == before
    journal_a = sorted((e["kind"], e["text"]) for e in out("journal", "Petrov")["events"])

    pcs("B")
    report = out("sync")
    assert report["history_events"] >= 6
    for _ in range(2):  # a second sync brings nothing again
        who = {e["who"]: e["calls"] for e in out("activity", "--who", "Olga", *PERIOD)["employees"]}
        assert who == {"Olga": 2}
        assert out("sync")["history_events"] == 0
    journal_b = sorted((e["kind"], e["text"]) for e in out("journal", "Petrov")["events"])
    assert journal_b == journal_a
    summary = out("summary", "--by-employee", *PERIOD)["employees"]
    assert {e["who"]: e["calls"] for e in summary} == {"Olga": 2}
    assert any(k == "order_close" for k, _ in journal_b)

    # a no-change sync: one small request to the history store
    emulator.reset_counters()
    assert out("sync")["history_calls"] == 1
    assert emulator.counters["drive.files.list"] == 1
    assert emulator.counters["drive.files.get"] == 0

    # PC B's own call goes up, PC A gets it, nobody counts anything twice
    assert crm("call", "Petrov", "third", "--in", "--at", "2026-11-09 10:00")[0] == 0
    pcs("A")
    assert out("sync")["history_events"] >= 1
    calls = {e["who"]: e["calls"] for e in out("activity", *PERIOD)["employees"]}
    assert calls == {"Olga": 2, "Ivan": 1}

    # a new PC: its first sync brings the whole history
    pcs("C")
    out("sync")
    calls = {e["who"]: e["calls"] for e in out("activity", *PERIOD)["employees"]}
    assert calls == {"Olga": 2, "Ivan": 1}


def _history(data: Path) -> list[tuple[str, str]]:
    return sorted((e["kind"], e["text"]) for e in out("journal", "Petrov")["events"])


@pytest.fixture
def logged(pcs) -> tuple[Path, list[tuple[str, str]]]:
    """PC A's journal holds a call and an order step, and the account holds them."""
    data = pcs("A")
    out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67")
    assert crm("call", "Petrov", "first", "--in", "--at", "2026-11-05 10:00")[0] == 0
    assert crm("order", "open", "Petrov", "tiles", "--amount", "100", "--at", "2026-11-07")[0] == 0
    events = _history(data)
    assert len(events) >= 2
    return data, events


def test_a_deleted_journal_comes_back_from_the_account(logged) -> None:
    data, events = logged
    for suffix in ("", "-wal", "-shm"):
        (data / f"journal.sqlite{suffix}").unlink(missing_ok=True)
    result = run_crm("--json", "journal", "Petrov")
    assert result.code == 0, result.err
    said = [line for line in result.err.splitlines() if "rebuilt" in line]
    assert len(said) == 1 and "was missing" in said[0], result.err
    assert sorted((e["kind"], e["text"]) for e in json.loads(result.out)["events"]) == events
    # nothing is uploaded again: the rebuilt journal knows the account holds it all
    pcs_segments = _segment_names(data)
    assert crm("find", "Petrov")[0] == 0
    assert _segment_names(data) == pcs_segments
    assert _history(data) == events


def test_an_emptied_journal_is_kept_aside_and_rebuilt(logged) -> None:
    data, events = logged
    (data / "journal.sqlite").write_bytes(b"")
    result = run_crm("call", "Petrov", "second", "--in", "--at", "2026-11-09 10:00")
    assert result.code == 0, result.err
    kept = list(data.glob("journal.damaged-*.sqlite"))
    assert len(kept) == 1 and kept[0].stat().st_size == 0
    assert f"was emptied (kept aside as {kept[0]})" in result.err
    assert _history(data) == sorted([*events, ("call", "2026-11-09 in (Olga): second")])


def test_a_damaged_journal_is_moved_aside_and_rebuilt(logged) -> None:
    data, events = logged
    journal = data / "journal.sqlite"
    size = journal.stat().st_size
    with journal.open("r+b") as fh:  # every page but the first: unreadable
        fh.seek(4096)
        fh.write(b"\xa5" * (size - 4096))
    result = run_crm("--json", "journal", "Petrov")
    assert result.code == 0, result.err
    kept = list(data.glob("journal.damaged-*.sqlite"))
    assert len(kept) == 1 and kept[0].stat().st_size == size  # the damaged file, as it was
    line = f"was damaged: moved it aside to {kept[0]} and rebuilt it from the account's copy"
    assert line in result.err
    assert sorted((e["kind"], e["text"]) for e in json.loads(result.out)["events"]) == events


def test_a_damaged_journal_with_the_account_away_says_what_happens(
    logged, emulator: Emulator
) -> None:
    data, events = logged
    journal = data / "journal.sqlite"
    size = journal.stat().st_size
    with journal.open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\xa5" * (size - 4096))
    emulator.settings.fail_statuses, emulator.settings.fail_rate = (503,), 1.0  # the account away
    result = run_crm("journal", "Petrov")
    assert result.code == 74, result.err
    kept = list(data.glob("journal.damaged-*.sqlite"))
    assert len(kept) == 1
    assert "the next command rebuilds journal.sqlite from it once the account answers" in (
        result.err
    )
    assert f"events this PC had not copied to the account yet are only in {kept[0]}" in (result.err)
    assert not journal.exists()  # nothing new, empty, started in its place
    emulator.settings.fail_rate = 0.0
    again = run_crm("--json", "journal", "Petrov")
    assert again.code == 0 and "was missing: rebuilt it" in again.err, again.err
    assert sorted((e["kind"], e["text"]) for e in json.loads(again.out)["events"]) == events


def _segment_names(data: Path) -> int:
    import sqlite3

    con = sqlite3.connect(data / "journal.sqlite")
    try:
        return con.execute("SELECT count(*) FROM replica_segments").fetchone()[0]
    finally:
        con.close()


def test_a_contact_deleted_on_one_pc_is_undeleted_on_another(pcs) -> None:
    out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67", "--org", "Tiles Ltd")
    assert crm("call", "Petrov", "asks", "--in", "--at", "2026-11-05 10:00")[0] == 0
    before = out("find", "Petrov")[0]
    pcs("B")
    out("sync")
    pcs("A")
    assert crm("delete", "Petrov", "--yes")[0] == 0
    pcs("B")
    out("sync")
    assert [d["name"] for d in out("journal", "--deleted")] == ["Ivan Petrov"]
    out("undelete", "+7 916 123 45 67")
    back = out("find", "Petrov")
    same = ("name", "phones", "organization", "notes")
    assert {k: back[0][k] for k in same} == {k: before[k] for k in same}


def _account(server: EmulatorServer, home: Path) -> Account:
    return Account.from_service(build_service(server), home, drive=build_drive_service(server))


def test_events_written_before_a_kill_go_up_with_the_next_command(
    emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    from contacts_crm.card.events import JournalEvent

    pc1 = _account(emulator_server, tmp_path / "pc1")
    event = JournalEvent(op_id="op1", seq=0, at="2026-11-05T10:00:00+00:00", who="Olga",
                         contact="people/c1", kind="call", text="first")  # fmt: skip
    pc1.journal.record([event], applied=True)
    # the "kill": the process ends between the local write and the upload
    hold = emulator.hold("drive.files.create")
    worker = threading.Thread(target=lambda: _swallow(pc1.push_history))
    worker.start()
    assert hold.received.wait(10)
    hold.release(commit=False)  # the request never lands (503)
    worker.join(10)
    pc1.close()
    assert segments(emulator) == 1 and emulator.counters["status.503"] == 1
    again = _account(emulator_server, tmp_path / "pc1")  # the next command
    assert again.push_history() == 1
    assert again.push_history() == 0  # nothing new: no request
    again.close()
    pc2 = _account(emulator_server, tmp_path / "pc2")
    assert pc2.replica is not None and pc2.replica.pull().events == 1
    assert [e.text for e in pc2.journal.events()] == ["first"]
    pc2.close()


def test_a_lost_answer_re_uploaded_still_counts_once(
    emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    from contacts_crm.card.events import JournalEvent

    pc1 = _account(emulator_server, tmp_path / "pc1")
    pc1.journal.record([JournalEvent(op_id="op1", seq=0, at="2026-11-05T10:00:00+00:00",
                                     who="Olga", contact="people/c1", kind="call",
                                     text="first")], applied=True)  # fmt: skip
    hold = emulator.hold("drive.files.create", after_commit=True)
    worker = threading.Thread(target=lambda: _swallow(pc1.push_history))
    worker.start()
    assert hold.received.wait(10)
    hold.release(commit=False)  # landed, answer lost
    worker.join(10)
    assert pc1.push_history() == 1  # sent again: two segments hold the event
    pc1.close()
    pc2 = _account(emulator_server, tmp_path / "pc2")
    assert pc2.replica is not None
    pulled = pc2.replica.pull()
    assert pulled.segments == 2 and pulled.events == 1
    assert len(list(pc2.journal.events())) == 1
    pc2.close()


def test_two_pcs_uploading_at_once_every_event_once(
    emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    from contacts_crm.card.events import JournalEvent

    pcs = [_account(emulator_server, tmp_path / f"pc{i}") for i in range(2)]
    for i, pc in enumerate(pcs):
        pc.journal.record([JournalEvent(op_id=f"op{i}", seq=s, at="2026-11-05T10:00:00+00:00",
                                        who="Olga", contact="people/c1", kind="call",
                                        text=f"{i}-{s}") for s in range(50)],
                          applied=True)  # fmt: skip
    threads = [threading.Thread(target=pc.push_history) for pc in pcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    third = _account(emulator_server, tmp_path / "pc3")
    for pc in [*pcs, third]:
        assert pc.replica is not None
        pc.replica.pull()
        texts = sorted(e.text for e in pc.journal.events())
        assert texts == sorted(f"{i}-{s}" for i in range(2) for s in range(50))
        pc.close()


def _swallow(fn: Any) -> None:
    with contextlib.suppress(UnavailableError):  # the failure the test provoked
        fn()


def test_small_segments_are_folded_and_every_event_stays_once(
    emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from contacts_crm.account import replica
    from contacts_crm.card.events import JournalEvent

    monkeypatch.setattr(replica, "COMPACT_AT", 4)
    pc1 = _account(emulator_server, tmp_path / "pc1")
    for n in range(5):  # five commands, five segments
        pc1.journal.record([JournalEvent(op_id=f"op{n}", seq=0, at="2026-11-05T10:00:00+00:00",
                                         who="Olga", contact="people/c1", kind="call",
                                         text=f"call {n}")], applied=True)  # fmt: skip
        assert pc1.push_history() == 1
    pc2 = _account(emulator_server, tmp_path / "pc2")
    assert pc2.replica is not None
    first = pc2.replica.pull()
    assert first.events == 5 and first.compacted == 5
    assert emulator.counters["drive.files.delete"] == 5
    names = [f["name"] for page, _ in pc2.replica.store.list() for f in page]
    assert len(names) == 1 and names[0].startswith("compact-")
    assert pc2.replica.pull().calls == 1  # nothing new: one list
    assert pc1.replica is not None and pc1.replica.pull().events == 0  # had them all
    pc3 = _account(emulator_server, tmp_path / "pc3")
    assert pc3.replica is not None and pc3.replica.pull().events == 5
    assert sorted(e.text for e in pc3.journal.events()) == [f"call {n}" for n in range(5)]
    for pc in (pc1, pc2, pc3):
        pc.close()
