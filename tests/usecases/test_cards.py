"""Card use cases end to end: CLI -> PeopleClient -> emulator over loopback HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import urllib.request
from pathlib import Path

import card_helpers as grammar
import pytest
from cli_helpers import crm

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.card.compaction import size
from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.emulator import build_service
from contacts_crm.office.templates import load_labels
from contacts_crm.usecases import cards as uc

FREE_TEXT = "Prefers calls after 14:00. His wife Anna orders too."


@pytest.fixture
def office(emulator_server):
    """A profile pointed at the emulator, with one client whose card has free text."""
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office", kind="endpoint", endpoint=emulator_server.url, user="Olga"
    )
    conf.default_profile = "office"
    cfg.save(conf)
    code, out = crm(
        "--json", "add", "Ivan Petrov", "--phone", "8 916 123-45-67", "--note", f"--\n{FREE_TEXT}"
    )
    assert code == 0, out
    return json.loads(out)["resourceName"]


def test_order_through_every_stage_ends_as_one_line_with_full_history(office):
    assert (
        crm(
            "order",
            "open",
            "Petrov",
            "40 boxes of tiles",
            "--amount",
            "12 500",
            "--by",
            "Ivan",
            "--at",
            "2026-11-18",
        )[0]
        == 0
    )
    for stage, day in (("confirmed", "19"), ("paid", "19"), ("shipped", "20")):
        assert crm("order", "step", "+79161234567", "1", stage, "--at", f"2026-11-{day}")[0] == 0
    code, out = crm("--json", "order", "close", "9161234567", "1", "--at", "2026-11-21")
    assert code == 0
    result = json.loads(out)
    card = result["card"]
    assert card.count("Order 1") == 1
    order_lines = [ln for ln in card.splitlines() if "Order 1" in ln]
    assert order_lines == ["Order 1 · delivered 2026-11-21 · 12 500 (Olga)"]
    assert "40 boxes" not in card  # the steps left the card...
    assert card.endswith(f"--\n{FREE_TEXT}")  # ...the people's text did not
    assert result["groupsAdded"] == ["Customer"]

    code, out = crm("--json", "journal", "Petrov")
    events = json.loads(out)["events"]
    steps = [(e["kind"], e.get("stage")) for e in events if e["kind"].startswith("order")]
    assert steps == [
        ("order_open", "new"),
        ("order_step", "confirmed"),
        ("order_step", "paid"),
        ("order_step", "shipped"),
        ("order_close", "delivered"),
    ]
    compacted = "\n".join(e["text"] for e in events if e["kind"] == "compaction")
    assert "new: 40 boxes of tiles (Ivan)" in compacted
    assert "shipped (Olga)" in compacted
    assert all(e["state"] == "applied" for e in events)


def test_dialer_view_is_within_budget_with_open_order_and_last_contact_first(office):
    for i in range(8):
        crm("call", "Petrov", f"call number {i}", "--at", f"2026-11-{10 + i:02d}")
    crm("order", "open", "Petrov", "tiles", "--amount", "500", "--at", "2026-11-19")
    crm("order", "open", "Petrov", "grout", "--at", "2026-11-20")
    crm("order", "close", "Petrov", "2", "--at", "2026-11-21")
    code, out = crm("--json", "card", "Petrov", "--dialer")
    assert code == 0
    lines = json.loads(out)["lines"]
    tool = [ln for ln in lines if ln != FREE_TEXT]
    assert len(tool) <= 12 and len("\n".join(tool)) <= 1000
    top = "\n".join(lines[:3])
    assert "last contact 2026-11-21" in top
    assert "Order 1 · new" in top


def test_retried_operation_never_adds_the_same_line_twice(office):
    first = crm("--json", "call", "Petrov", "about delivery", "--in", "--op-id", "op-1")
    again = crm("--json", "call", "Petrov", "about delivery", "--in", "--op-id", "op-1")
    assert json.loads(first[1])["changed"] is True
    assert json.loads(again[1])["changed"] is False
    assert json.loads(again[1])["card"].count("about delivery") == 1
    events = json.loads(crm("--json", "journal", "Petrov")[1])["events"]
    assert [e["op_id"] for e in events if e["kind"] == "call"] == ["op-1"]


def test_stale_card_is_reapplied_and_the_other_device_text_survives(office, emulator):
    emulator.arm_conflict(
        office,
        lambda p: p["biographies"][0].update(
            value=p["biographies"][0]["value"] + "\nCall him on his mobile only."
        ),
    )
    code, out = crm("--json", "call", "Petrov", "quote sent")
    assert code == 0
    card = json.loads(out)["card"]
    assert "quote sent" in card and "Call him on his mobile only." in card and FREE_TEXT in card
    assert emulator.counters["people.updateContact"] == 2


def test_card_never_writes(office, emulator):
    emulator.reset_counters()
    crm("card", "Petrov")
    crm("card", "Petrov", "--dialer")
    writes = [k for k in emulator.counters if "update" in k.lower() or "create" in k.lower()]
    assert writes == []


def test_unknown_stage_and_order_are_clear_errors(office):
    crm("order", "open", "Petrov", "tiles")
    code, out = crm("--json", "order", "step", "Petrov", "1", "teleported")
    assert code == 2 and "stage" in json.loads(out)["message"]
    code, out = crm("--json", "order", "step", "Petrov", "9", "paid")
    assert code == 66 and "order 9" in json.loads(out)["message"]


def test_who_is_required(emulator_server):
    conf = cfg.load()
    conf.profiles["o"] = cfg.Profile(name="o", kind="endpoint", endpoint=emulator_server.url)
    cfg.save(conf)
    crm("--profile", "o", "add", "Anna", "--phone", "+79031112233")
    code, out = crm("--profile", "o", "--json", "call", "Anna", "hello")
    assert code == 2 and "--by" in json.loads(out)["hint"]


WORKER = textwrap.dedent("""
    import sys
    from contacts_crm.usecases import cards as uc
    from contacts_crm.account.connected import Account
    worker = sys.argv[1]
    with Account.open() as account:
        for i in range(10):
            uc.log_call(account, "+79161234567", f"w{worker} call {i}", by=f"W{worker}")
""")


def test_eight_processes_log_80_calls_while_another_device_edits(
    office, emulator_server, tmp_path: Path
):
    """8 processes x 10 calls on one client + a phone editing the free text meanwhile."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(w)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for w in range(8)
    ]
    device_lines = []
    stop = threading.Event()

    def other_device() -> None:
        n = 0
        while not stop.is_set() and n < 40:
            text = f"\nphone note {n}"
            body = json.dumps({"resourceName": office, "biographyAppend": text}).encode()
            req = urllib.request.Request(
                emulator_server.url + "_emulator/device-edit",
                data=body,
                method="POST",
                headers={"content-type": "application/json"},
            )
            urllib.request.urlopen(req, timeout=10).read()
            device_lines.append(text.strip())
            n += 1
            stop.wait(0.05)

    device = threading.Thread(target=other_device)
    device.start()
    results = [p.communicate(timeout=600) for p in procs]  # generous: CI is 2 loaded cores
    stop.set()
    device.join()
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err.decode()[-2000:]

    with Account.open() as account:
        account.sync()
        calls = [e for e in account.journal.events(kinds=["call"])]
        assert len(calls) == 80
        assert len({e.op_id for e in calls}) == 80
        assert {e.text.split(": ", 1)[1] for e in calls} == {
            f"w{w} call {i}" for w in range(8) for i in range(10)
        }
        assert account.journal.pending() == []
        person = (
            build_service(emulator_server.url)
            .people()
            .get(resourceName=office, personFields="biographies")
            .execute()
        )
        notes = person["biographies"][0]["value"]
        for line in device_lines:  # every word the other device typed is still there
            assert line in notes
        assert FREE_TEXT in notes
        card = grammar.parse(notes)
        assert card.separator is not None and FREE_TEXT in (card.free or "")
        lines, chars = size(card.lines)  # card.lines is the tool's part only
        assert lines <= 12 and chars <= 1000
        # what the card no longer shows is in the journal
        shown = [c for c in card.calls()]
        assert len(shown) <= 3
        compacted = {e.text.strip() for e in account.journal.events(kinds=["compaction"])}
        assert len(compacted) >= 77


def test_library_use_without_cli(people_service, tmp_path: Path):
    account = Account.from_service(
        people_service, tmp_path / "lib", profile=cfg.Profile(name="lib", user="Ivan")
    )
    created = account.client.create(
        Contact(given_name="Lib", phones=[PhoneEntry("+79035550000")]).to_person()
    )
    account.remember([created])
    change = uc.open_order(account, "+7 903 555-00-00", "desk")
    assert change.order_no == 1
    assert "Order 1 · new" in change.contact.notes
    account.close()


def test_doctor_finds_and_repairs_operations_a_crash_interrupted(office, emulator):
    """Crash 1: after the journal, before the card write. Crash 2: after the write,
    before the journal was marked applied. doctor tells them apart and repairs."""
    import sqlite3
    from datetime import datetime

    from contacts_crm.card.operations import LogCall, apply
    from contacts_crm.card.settings import CardSettings

    # crash 2: a call fully written, but its journal entry left pending
    assert crm("call", "Petrov", "written before the crash", "--op-id", "landed-1")[0] == 0
    with Account.open() as account:
        journal_path = account.data_dir / "journal.sqlite"
    with sqlite3.connect(journal_path) as db:
        db.execute("UPDATE events SET state='pending' WHERE op_id='landed-1'")
    # crash 1: journalled, never written to the card
    op = LogCall(
        op_id="lost-1",
        at=datetime(2026, 11, 21, 10, 0).astimezone(),
        who="Ivan",
        direction="in",
        comment="the call the crash swallowed",
    )
    with Account.open() as account:
        card = grammar.parse(account.cache.get(office).notes)
        account.journal.record(
            apply(card, op, settings=CardSettings(labels=load_labels()), contact=office).events
        )

    code, out = crm("--json", "doctor")
    assert code == 0
    report = json.loads(out)
    assert report["repaired"] == ["landed-1"]
    assert [u["opId"] for u in report["unapplied"]] == ["lost-1"]
    assert "swallowed" not in json.loads(crm("--json", "card", "Petrov")[1])["card"]

    code, out = crm("--json", "doctor", "--repair")
    assert code == 0 and json.loads(out)["rerun"] == ["lost-1"]
    card_text = json.loads(crm("--json", "card", "Petrov")[1])["card"]
    assert card_text.count("the call the crash swallowed") == 1
    assert card_text.count("written before the crash") == 1
    assert json.loads(crm("--json", "doctor")[1])["unapplied"] == []
    with Account.open() as account:
        assert account.journal.pending() == []


LOCAL_WORKER = textwrap.dedent("""
    import sys
    from contacts_crm.usecases import cards as uc
    from contacts_crm.account.connected import Account
    with Account.open() as account:  # the embedded local account: no server at all
        for i in range(8):
            uc.log_call(account, "+79031112233", f"p{sys.argv[1]} call {i}", by="Olga")
""")


def test_processes_on_one_pc_share_the_local_account_safely():
    """Several crm processes on one PC write the same local-account file at once."""
    code, _ = crm("add", "Anna", "--phone", "+7 903 111 22 33", "--note", "--\nVIP")
    assert code == 0
    env = {**os.environ}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", LOCAL_WORKER, str(w)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for w in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()[-2000:]
    with Account.open() as account:
        calls = list(account.journal.events(kinds=["call"]))
        assert len(calls) == 32 and account.journal.pending() == []
        account.sync(full=True)
        notes = account.cache.find_by_phone("+79031112233")[0].notes
        assert notes.endswith("--\nVIP")
        assert len(grammar.parse(notes).calls()) <= 3


def test_an_office_stage_is_understood_by_cards_and_reports_alike(office, isolated_home):
    """An office adds a final stage of its own: reports count it as the cards do."""
    shipped = (Path(__file__).resolve().parents[2] / "templates" / "stages.toml").read_text()
    mine = isolated_home / "templates"
    mine.mkdir()
    (mine / "stages.toml").write_text(
        shipped.replace('key = "delivered"', 'key = "installed"').replace(
            'en = "delivered"', 'en = "installed"'
        )
    )
    crm("order", "open", "Petrov", "kitchen tiles", "--amount", "900")
    code, out = crm("--json", "order", "step", "Petrov", "1", "installed")
    assert code == 0 and "Order 1 · installed" in json.loads(out)["card"]
    total = json.loads(crm("--json", "summary")[1])["total"]
    assert (total["completed"], total["openOrders"], total["completedAmount"]) == (1, 0, 900)
