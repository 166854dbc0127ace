"""SIGKILL at every write of every multi-step command, then what a user runs next.

The real ``crm`` runs in a child process against the emulator over loopback.
The emulator holds the k-th write of the command either at "received, not
yet committed" (then fails it: the write never lands) or after it committed
with the answer held (the answer is lost); the child is SIGKILLed there, the
held request is let go, and the test waits for the emulator to be idle. No
sleeps, no races: every point is reached by a hold, not by a clock.

Then, as a user would: the same command again (it says it is finishing the
interrupted operation and answers as the uninterrupted run would), ``crm
doctor`` (nothing pending, the journal agrees with the cards), and the undo
of the operation id the killed run printed first (everything as before).
Each outcome is compared with the same command run without a kill, on the
same starting state: nothing lost, nothing twice.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run_crm

from contacts_crm import config as cfg
from contacts_crm.account import connected
from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.contact.model import Contact
from contacts_crm.emulator import Emulator, EmulatorServer

CARD_A = """Wholesale · last contact 2026-11-20 (Olga)
Order 1 · paid · 12 500
  2026-11-18 new: 40 boxes of tiles (Ivan)
  2026-11-19 paid 12 500 (Olga)
Calls
  2026-11-20 in (Olga): asks when delivery comes
--
Prefers calls after 14:00."""

CARD_B = """Retail · last contact 2026-11-25 (Anna)
Order 1 · new
  2026-11-24 new: grout (Anna)
Calls
  2026-11-25 out (Anna): will pay Friday
--
Wife Marina orders too."""


def _ok(*args: str) -> str:
    result = run_crm(*args)
    assert result.code == 0, (args, result.out, result.err)
    return result.out


def _add(name: str, phone: str, *extra: str) -> str:
    return str(json.loads(_ok("--json", "add", name, "--phone", phone, *extra))["resourceName"])


def _setup_two(emu: Emulator) -> dict[str, str]:
    _ok("group", "create", "Wholesale")
    a = _add("Ivan Petrov", "8 916 123-45-67", "--org", "Tiles", "--group", "Wholesale",
             "--note", CARD_A)  # fmt: skip
    b = _add("Иван Петров", "8 903 777-66-55", "--email", "petrov@mail.ru", "--note", CARD_B)
    _ok("call", b, "about the grout", "--in", "--by", "Anna", "--at", "2026-11-26")
    _ok("edit", b, "--address", "Moscow, Lenina 1")
    return {"a": a, "b": b}


def _setup_many(emu: Emulator, n: int = 4) -> dict[str, str]:
    names = {}
    for i in range(n):
        names[f"c{i}"] = _add(f"Client {i}", f"+7916555{i:04d}", "--note", CARD_B)
    _ok("call", names["c0"], "asks for the price", "--in", "--by", "Anna")
    _ok("edit", names["c1"], "--address", "Moscow, Lenina 1")
    return names


def _setup_deleted(emu: Emulator) -> dict[str, str]:
    names = _setup_many(emu, 3)
    _ok("delete", "--yes", names["c0"])
    return names


def _setup_typed(emu: Emulator) -> dict[str, str]:
    """Numbers typed on phones in national forms (the fix writes them as E.164)."""
    names = _setup_many(emu, 3)
    for i, rn in enumerate(names.values()):
        number = [f"8 (916) 555-00-0{i}", f"8916555000{i}", f"916 555 00 0{i}"][i]
        emu.device_edit(rn, lambda p, n=number: p.update(phoneNumbers=[{"value": n}]))
    _ok("sync")
    return names


def _setup_imported(emu: Emulator) -> dict[str, str]:
    """An import that created two contacts and filled in one that was there."""
    names = _setup_many(emu, 2)
    path = Path(os.environ["CRM_HOME"]) / "clients.csv"
    path.write_text("Name,Phone,Email\nClient 0,+79165550000,c0@example.com\n"
                    "New One,+79165551111,\nNew Two,+79165552222,\n", encoding="utf-8")  # fmt: skip
    out = json.loads(_ok("--json", "import", str(path), "--on-duplicate", "merge"))
    names["import"] = out["import_id"]
    return names


def _setup_import(emu: Emulator) -> dict[str, str]:
    """Two contacts, and a file of 401 new rows (three batches of creates: 200, 200,
    1) and a row that fills in a contact that is there (one batch of updates). Killed
    at the first batch, the middle one and the update; the undo is ``crm undo OP``
    of the import's operation (its own kill cases: "import_undo")."""
    names = _setup_many(emu, 2)
    path = Path(os.environ["CRM_HOME"]) / "big.csv"
    rows = [f"Lead {i},+7903{i:07d}," for i in range(401)]
    path.write_text("\n".join(["Name,Phone,Email", "Client 1,+79165550001,c1@example.com",
                               *rows]) + "\n", encoding="utf-8")  # fmt: skip
    names["file"] = str(path)
    return names


def _setup_backup(emu: Emulator) -> dict[str, str]:
    """A backup of three contacts, then an account emptied (what a restore is for)."""
    names = _setup_many(emu, 3)
    path = Path(os.environ["CRM_HOME"]) / "backup.json"
    _ok("export", str(path))
    _ok("delete", "--yes", *names.values())
    return {"file": str(path)}


def _setup_group(emu: Emulator) -> dict[str, str]:
    names = _setup_many(emu, 3)
    _ok("group", "create", "Leads")
    return names


def _setup_members(emu: Emulator) -> dict[str, str]:
    names = _setup_group(emu)
    _ok("group", "add", "Leads", *names.values())
    return names


@dataclass
class Scenario:
    setup: Callable[[Emulator], dict[str, str]]
    argv: Callable[[dict[str, str]], list[str]]
    undo: Callable[[str], list[str]]
    writes: int  # the API writes of the uninterrupted command
    undo_writes: int  # and of its undo
    undo_kills: bool = True  # its undo is an operation of another kind, killed on its own
    points: tuple[int, ...] | None = None  # the writes killed at (default: every one)


SCENARIOS = {
    "merge": Scenario(_setup_two, lambda n: ["merge", n["a"], n["b"]],
                      lambda op: ["merge", "--undo", op], 2, 2),
    "delete": Scenario(_setup_many, lambda n: ["delete", "--yes", *n.values()],
                       lambda op: ["undo", op], 1, 4),
    "undelete": Scenario(_setup_deleted, lambda n: ["undelete", "+79165550000"],
                         lambda op: ["undo", op], 1, 1),
    "phone_fix": Scenario(_setup_typed, lambda n: ["doctor", "--phones", "--fix"],
                          lambda op: ["doctor", "--phones", "--undo", op], 1, 1),
    "import_undo": Scenario(_setup_imported, lambda n: ["import", "undo", n["import"]],
                            lambda op: ["undo", op], 2, 3),
    "import": Scenario(_setup_import,
                       lambda n: ["import", n["file"], "--on-duplicate", "merge"],
                       lambda op: ["undo", op], 4, 2, undo_kills=False, points=(0, 1, 3)),
    "group_remove": Scenario(_setup_members,
                             lambda n: ["group", "remove", "Leads", *n.values()],
                             lambda op: ["undo", op], 1, 1),
    "restore": Scenario(_setup_backup, lambda n: ["restore", n["file"]],
                        lambda op: ["undo", op], 1, 3),
    "group_add": Scenario(_setup_group, lambda n: ["group", "add", "Leads", *n.values()],
                          lambda op: ["undo", op], 1, 1),
}  # fmt: skip
MODES = ("received", "committed")
CASES = [(name, k, mode) for name, s in SCENARIOS.items()
         for k in (s.points or range(s.writes)) for mode in MODES]  # fmt: skip
UNDO_CASES = [(name, k, mode) for name, s in SCENARIOS.items() if s.undo_kills
              for k in range(s.undo_writes) for mode in MODES]  # fmt: skip


# ------------------------------------------------------------------ the office
@pytest.fixture
def office(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> Any:
    """An emulator on loopback, the default profile on it (no pacing), its server."""
    # a create with no answer is looked up once no request can still run: here, 2 s
    monkeypatch.setitem(connected.CREATE_RECOVERY, "endpoint",
                        {"request_timeout": 2.0, "read_settle_s": 0.0})  # fmt: skip
    emu = Emulator()
    with EmulatorServer(emu) as server:
        conf = cfg.load()
        conf.profiles["office"] = cfg.Profile(
            name="office", kind="endpoint", endpoint=server.url, user="Olga", quotas={}
        )
        conf.default_profile = "office"
        cfg.save(conf)
        yield emu
    emu.close()


def _snapshot(emu: Emulator) -> Counter[str]:
    """Every live contact as what people see of it (resource names aside)."""
    out: Counter[str] = Counter()
    groups = {g.rn: g.name for g in emu.store.list_groups(None, 0.0, 0, 10_000)}
    for rec in emu.store.all_live_persons():
        c = Contact.from_person(rec.data)
        out[json.dumps({
            "name": c.display_name, "phones": sorted(p.value for p in c.phones),
            "emails": sorted(e.value for e in c.emails), "org": c.organization,
            "notes": c.notes, "groups": sorted(groups.get(g, g) for g in c.groups),
            "addresses": sorted(repr(a) for a in c.addresses),
        }, ensure_ascii=False, sort_keys=True)] += 1  # fmt: skip
    return out


def _journal() -> Counter[str]:
    """The journal's facts (ids and times aside), and that nothing is left pending."""
    with Account.open() as acc:
        events = list(acc.journal.events())
        assert not acc.journal.pending(), "journal events left pending"
    return Counter(_RN.sub("people/…", f"{e.kind}|{e.contact_name}|{e.text}|{e.state}")
                   for e in events)  # fmt: skip


_RN = re.compile(r"people/c\d+")


def _doctor_clean() -> None:
    report = json.loads(_ok("--json", "doctor"))
    for key in ("unapplied", "disagreements", "pending", "rerun"):
        assert not report[key], (key, report[key])


_REFERENCE: dict[str, tuple[Counter[str], Counter[str], Counter[str]]] = {}


def _reference(name: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Counter[str], ...]:
    """Before, after and the journal of the command run without a kill (once per worker)."""
    if name not in _REFERENCE:
        scenario = SCENARIOS[name]
        home = tmp_path_factory.mktemp(f"reference-{name}")
        old = os.environ["CRM_HOME"]
        os.environ["CRM_HOME"] = str(home)
        emu = Emulator()
        try:
            with EmulatorServer(emu) as server:
                conf = cfg.load()
                conf.profiles["office"] = cfg.Profile(name="office", kind="endpoint",
                                                      endpoint=server.url, user="Olga",
                                                      quotas={})  # fmt: skip
                conf.default_profile = "office"
                cfg.save(conf)
                names = scenario.setup(emu)
                before = _snapshot(emu)
                emu.reset_counters()
                done = run_crm(*scenario.argv(names))
                assert done.code == 0, done
                writes = sum(v for k, v in emu.counters.items() if _is_write(k))
                assert writes == scenario.writes, f"{name} makes {writes} writes"
                _REFERENCE[name] = (before, _snapshot(emu), _journal())
                emu.reset_counters()
                _ok(*scenario.undo(_op_id(done.err)))
                writes = sum(v for k, v in emu.counters.items() if _is_write(k))
                assert writes == scenario.undo_writes, f"{name}'s undo makes {writes} writes"
        finally:
            os.environ["CRM_HOME"] = old
            emu.close()
    return _REFERENCE[name]


def _is_write(method: str) -> bool:
    return method.startswith(("people.", "contactGroups.")) and method.rsplit(".", 1)[-1] in {
        "createContact", "updateContact", "deleteContact", "batchCreateContacts",
        "batchUpdateContacts", "batchDeleteContacts", "modify", "create", "update", "delete",
    }  # fmt: skip


def _kill_at(emu: Emulator, argv: list[str], k: int, mode: str) -> str:
    """Run ``crm ARGV`` in a child, SIGKILL it at its k-th write; the op id it printed."""
    hold = emu.hold("write", skip=k, after_commit=mode == "committed")
    child = subprocess.Popen(
        [sys.executable, "-m", "contacts_crm", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert hold.received.wait(60), "the write was never sent"
    finally:
        child.kill()
        _out, err = child.communicate(timeout=60)
    hold.release(commit=mode == "committed")
    assert emu.wait_idle(60)
    return _op_id(err)


def _op_id(err: str) -> str:
    found = re.search(r"Operation ([0-9a-f]{16})", err)
    assert found, err
    return found.group(1)


@pytest.mark.parametrize(("name", "k", "mode"), CASES)
def test_killed_at_a_write_then_what_a_user_runs_next(
    name: str, k: int, mode: str, office: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> None:
    scenario = SCENARIOS[name]
    before_ref, after_ref, journal_ref = _reference(name, tmp_path_factory)
    names = scenario.setup(office)
    assert _snapshot(office) == before_ref
    op = _kill_at(office, scenario.argv(names), k, mode)
    # the same command again: it finishes the interrupted one and answers as it would have
    again = run_crm(*scenario.argv(names))
    assert again.code == 0, (again.out, again.err)
    assert f"(operation {op})" in again.err, again.err
    assert _snapshot(office) == after_ref  # nothing lost, nothing twice
    assert _journal() == journal_ref  # the journal agrees with the cards
    _doctor_clean()
    # the undo of the id printed first puts everything back
    _ok(*scenario.undo(op))
    assert _snapshot(office) == before_ref
    _doctor_clean()
    second = run_crm("--json", *scenario.undo(op))
    assert second.code == 0 and json.loads(second.out)["already"], second
    assert _snapshot(office) == before_ref


@pytest.mark.parametrize(("name", "k", "mode"), UNDO_CASES)
def test_an_undo_killed_at_a_write_is_finished_never_half_done(
    name: str, k: int, mode: str, office: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> None:
    scenario = SCENARIOS[name]
    before_ref, _after, _journal_ref = _reference(name, tmp_path_factory)
    names = scenario.setup(office)
    done = run_crm(*scenario.argv(names))
    assert done.code == 0, done
    op = _op_id(done.err)
    hold = office.hold("write", skip=k, after_commit=mode == "committed")
    child = subprocess.Popen(
        [sys.executable, "-m", "contacts_crm", *scenario.undo(op)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    try:
        assert hold.received.wait(60), "the write was never sent"
    finally:
        child.kill()
        child.communicate(timeout=60)
    hold.release(commit=mode == "committed")
    assert office.wait_idle(60)
    again = run_crm("--json", *scenario.undo(op))  # the same undo again finishes it
    assert again.code == 0, again
    assert "Finishing the undo interrupted" in again.err, again.err
    assert _snapshot(office) == before_ref  # all of it undone, once
    _doctor_clean()
    with Account.open() as acc:
        assert not acc.journal.pending()
    second = run_crm("--json", *scenario.undo(op))
    assert second.code == 0 and json.loads(second.out)["already"], second
    assert _snapshot(office) == before_ref


# ------------------------------------------------------------------ who finishes it
def test_the_same_command_after_another_one_finished_it_answers_with_it(office: Emulator) -> None:
    """Killed, then ANOTHER command finishes the operation: the same command run
    again answers with it (exit 0), once; a third run is a new command."""
    names = _setup_many(office)
    argv = ["--json", "delete", "--yes", *names.values()]
    op = _kill_at(office, argv, 0, "committed")
    other = run_crm("find", "Client")  # any command finishes what was interrupted
    assert f"(operation {op})" in other.err, other.err
    assert not list(office.store.all_live_persons())
    again = run_crm(*argv)
    assert again.code == 0, again
    assert json.loads(again.out)["opId"] == op
    third = run_crm(*argv)  # answered once: now the contacts are simply not there
    assert third.code == 66, third
    _doctor_clean()


def test_offline_the_interrupted_operation_waits_and_says_so(office: Emulator) -> None:
    names = _setup_many(office)
    op = _kill_at(office, ["delete", "--yes", *names.values()], 0, "received")
    conf = cfg.load()
    conf.profiles["office"].endpoint = "http://127.0.0.1:9"  # nothing listens: offline
    cfg.save(conf)
    offline = run_crm("find", "Client")
    assert "Interrupted work waits for the connection" in offline.err, offline.err
    with Account.open() as acc:
        assert [o.op_id for o in ops.pending(acc)] == [op]


def test_crm_serve_background_loop_finishes_an_operation_a_killed_command_left(
    office: Emulator,
) -> None:
    """SIGKILL at a held write, then the server's background loop (not a command)
    finishes the operation: waited for on the journal, with a deadline."""
    from contacts_crm.web.office import Office

    names = _setup_many(office)
    op = _kill_at(office, ["delete", "--yes", *names.values()], 0, "received")
    assert list(office.store.all_live_persons())  # the held delete never landed
    acc = Account.open()
    server = Office(acc, sync_interval=0.05)
    try:
        server.start()
        done = threading.Event()
        deadline = time.monotonic() + 60
        while not done.is_set() and time.monotonic() < deadline:
            with Account.open() as look:
                state = ops.store(look).get(op)
                if state is not None and state.done:
                    done.set()
                    break
            done.wait(0.05)  # a condition with a deadline, not a race: checked again
        assert done.is_set(), "the server never finished the interrupted operation"
    finally:
        server.close()
        acc.close()
    assert not list(office.store.all_live_persons())
    _doctor_clean()
