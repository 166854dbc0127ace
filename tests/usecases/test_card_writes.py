"""The card-write path: decide first (pure), act after (groups, journal, one write).

Every test runs the real PeopleClient (googleapiclient) against the emulator;
conflicts are the emulator's "another device edits it first" knob, failures
its injected errors. API calls are the emulator's counters; journal writes are
counted by an SQLite trigger on the journal file itself.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.account.people import RetryPolicy
from contacts_crm.card import grammar
from contacts_crm.card.operations import OpenOrder, apply
from contacts_crm.card.settings import CardSettings
from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.emulator import Emulator, build_service
from contacts_crm.errors import ExitCode, QueuedError
from contacts_crm.office.templates import load_labels
from contacts_crm.reports.activity import activity
from contacts_crm.usecases import cards as uc

AT = datetime(2026, 11, 20, 10, 0).astimezone()
SETTINGS = CardSettings(labels=load_labels())
PHONE_LINE = "Call him on his mobile only."


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = Emulator()
    yield emulator
    emulator.close()


def open_account(emu: Emulator, data: Path, **kwargs: Any) -> Account:
    """An account over the emulator that never really sleeps between retries."""
    return Account.from_service(
        build_service(emu), data, profile=cfg.Profile(name="t", user="Olga"),
        sleep=lambda s: None, **kwargs,
    )  # fmt: skip


@pytest.fixture
def account(emu: Emulator, tmp_path: Path) -> Iterator[Account]:
    acc = open_account(emu, tmp_path / "data")
    yield acc
    acc.close()


@pytest.fixture
def client_rn(account: Account) -> str:
    created = account.client.create(
        Contact(given_name="Ivan", family_name="Petrov", phones=[PhoneEntry("+79161234567")],
                notes="--\nPrefers calls after 14:00.").to_person()
    )  # fmt: skip
    account.sync(full=True)
    return str(created["resourceName"])


def count_journal_inserts(account: Account) -> sqlite3.Connection:
    """A trigger on the journal file that counts every row ever inserted."""
    account.journal  # noqa: B018 - opens (creates) the journal file
    db = sqlite3.connect(account.data_dir / "journal.sqlite", isolation_level=None)
    db.executescript(
        "CREATE TABLE inserted (id INTEGER);"
        "CREATE TRIGGER count_inserts AFTER INSERT ON events"
        " BEGIN INSERT INTO inserted VALUES (new.id); END;"
    )
    return db


def inserts(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT COUNT(*) FROM inserted").fetchone()[0])


def device_appends(line: str):
    def edit(person: dict[str, Any]) -> None:
        bio = person["biographies"][0]
        bio["value"] = bio["value"] + "\n" + line

    return edit


def test_a_stale_etag_re_runs_only_the_decision(account, emu, client_rn):
    """The group create and the journal write happen once across a forced conflict."""
    db = count_journal_inserts(account)
    emu.arm_conflict(client_rn, device_appends(PHONE_LINE))
    emu.reset_counters()

    change = uc.log_call(
        account, client_rn, "wants a quote", outcome="callback", callback_on=AT.date(), at=AT
    )

    assert change.changed and change.groups_added == ["Call back"]
    assert PHONE_LINE in change.contact.notes and "wants a quote" in change.contact.notes
    assert emu.counters["contactGroups.create"] == 1  # before the write, not per attempt
    assert emu.counters["people.updateContact"] == 2  # stale, then the re-decided write
    assert emu.counters["people.get"] == 1  # the re-read after the stale etag
    events = list(account.journal.events(contact=client_rn))
    assert [(e.kind, e.seq, e.state) for e in events] == [
        ("call", 0, "applied"),
        ("group", 1, "applied"),
    ]
    assert events[1].text == "added to group Call back"
    assert inserts(db) == 2  # journalled once: the re-decision was the same
    group_rn = next(g["resourceName"] for g in account.cache.groups() if g["name"] == "Call back")
    assert group_rn in change.contact.groups


def other_writer_opens(what: str):
    """Another PC opens an order on the card each time (the grammar, as our tool would)."""
    opened: list[int] = []

    def edit(person: dict[str, Any]) -> None:
        opened.append(1)
        bio = person["biographies"][0]
        card = grammar.parse(bio["value"], SETTINGS.labels)
        op = OpenOrder(op_id="other", at=AT, who="Anna", what=f"{what} #{len(opened)}")
        bio["value"] = grammar.render(apply(card, op, settings=SETTINGS).card)

    return edit


def test_the_journal_keeps_the_order_number_of_the_attempt_that_landed(account, emu, client_rn):
    """Three other writers open orders 1-3 while ours is in flight: ours is Order 4,
    in the journal too (never the first attempt's number 1)."""
    db = count_journal_inserts(account)
    emu.arm_conflict(client_rn, other_writer_opens("from another PC"), times=3)

    change = uc.open_order(account, client_rn, "40 boxes of tiles", at=AT)

    assert change.order_no == 4
    assert "Order 4 · new" in change.contact.notes
    assert emu.counters["people.updateContact"] == 4
    events = list(account.journal.events(kinds=["order_open"], contact=client_rn))
    # the other writer's orders reach the journal as hand edits (its writes are not
    # stamped as this tool's), each with its own number
    assert sorted(e.order_no for e in events if e.data.get("by_hand")) == [1, 2, 3]
    opened = [e for e in events if not e.data.get("by_hand")]
    assert [(e.order_no, e.state) for e in opened] == [(4, "applied")]
    assert opened[0].text.startswith("Order 4")
    assert account.journal.pending() == []
    # each re-decision gave another number, so each rewrote the pending entry;
    # plus the three hand-edit events of the other writer's orders
    assert inserts(db) == 4 + 3
    assert uc.doctor(account)["disagreements"] == []


def test_a_call_re_run_after_exit_69_then_repair_gives_one_call(account, emu, client_rn):
    """The write never landed (503s): it is queued (exit 75); the re-run writes the
    queued one and answers with it; repair adds nothing."""
    emu.settings.fail_rate = 1.0
    emu.settings.fail_statuses = (503,)
    with pytest.raises(QueuedError) as failed:
        uc.log_call(account, client_rn, "about delivery", at=AT)
    assert failed.value.exit_code == ExitCode.CONFLICT
    assert [e.kind for e in account.journal.pending()] == ["call"]
    emu.settings.fail_rate = 0.0

    again = uc.log_call(account, client_rn, "about delivery", at=AT)  # run again, as advised
    assert again.changed
    assert account.journal.pending() == []

    report = uc.doctor(account, repair=True)
    assert report["rerun"] == [] and report["unapplied"] == []
    calls = list(account.journal.events(kinds=["call"]))
    assert [(e.op_id, e.state, e.data["changed"]) for e in calls] == [
        (again.op_id, "applied", True)
    ]
    notes = account.client.get(client_rn)["biographies"][0]["value"]
    assert notes.count("about delivery") == 1
    assert activity(account, since=AT.date(), today=AT.date()).total.calls == 1  # crm activity


def test_a_call_that_landed_but_failed_is_counted_once_after_re_run_and_repair(
    emu, tmp_path, client_rn, account
):
    """The write landed, its answer was lost (exit 69): the re-run finds it landed."""
    flaky = open_account(emu, tmp_path / "data", retry=RetryPolicy(attempts=1))
    emu.settings.fail_after_write_rate = 1.0
    with pytest.raises(QueuedError):
        uc.log_call(flaky, client_rn, "about delivery", at=AT)
    emu.settings.fail_after_write_rate = 0.0
    flaky.close()

    again = uc.log_call(account, client_rn, "about delivery", at=AT)
    assert not again.changed  # the line is on the card already
    report = uc.doctor(account, repair=True)
    assert report["rerun"] == [] and report["unapplied"] == []
    counted = [e for e in account.journal.events(kinds=["call"]) if e.data["changed"]]
    assert len(counted) == 1 and counted[0].state == "applied"
    assert account.journal.pending() == []
    assert activity(account, since=AT.date(), today=AT.date()).total.calls == 1


def test_repair_never_re_applies_what_a_re_run_already_wrote(account, emu, client_rn):
    """A pending call whose twin a later run applied is superseded by doctor, not re-run."""
    emu.settings.fail_rate = 1.0
    emu.settings.fail_statuses = (503,)
    with pytest.raises(QueuedError):
        uc.log_call(account, client_rn, "about delivery", at=AT)
    emu.settings.fail_rate = 0.0
    lost = account.journal.pending()[0].op_id
    with sqlite3.connect(account.data_dir / "journal.sqlite") as db:  # as a run before card
        db.execute("DELETE FROM operations WHERE op_id = ?", (lost,))  # writes were operations
        db.execute("DELETE FROM operation_steps WHERE op_id = ?", (lost,))  # left it
    # the twin is applied by another process that did not see the pending entry
    other = open_account(emu, account.data_dir)
    with sqlite3.connect(account.data_dir / "journal.sqlite") as db:
        db.execute("UPDATE events SET state = 'applied' WHERE op_id = ?", (lost,))
    twin = uc.log_call(other, client_rn, "about delivery", at=AT)
    with sqlite3.connect(account.data_dir / "journal.sqlite") as db:
        db.execute("UPDATE events SET state = 'pending' WHERE op_id = ?", (lost,))
    other.close()

    report = uc.doctor(account, repair=True)
    assert report["superseded"] == [lost] and report["rerun"] == []
    assert [e.op_id for e in account.journal.events(kinds=["call"])] == [twin.op_id]
    notes = account.client.get(client_rn)["biographies"][0]["value"]
    assert notes.count("about delivery") == 1


def test_doctor_reports_journal_facts_the_card_contradicts(account, client_rn):
    uc.open_order(account, client_rn, "tiles", at=AT)
    opened = next(iter(account.journal.events(kinds=["order_open"])))
    # a journal as the old code left it: order 1 opened twice, and an order 7 the card lacks
    account.journal.record([replace(opened, op_id="dup"), replace(opened, op_id="x", order_no=7)])
    account.journal.mark_applied("dup")
    account.journal.mark_applied("x")
    problems = {(d["order"], d["problem"]) for d in uc.doctor(account)["disagreements"]}
    assert problems == {
        (1, "the journal opened order 1 2 times"),
        (7, "the journal opened order 7; the card has no order 7"),
    }


def test_four_pcs_opening_orders_at_once_journal_the_numbers_on_the_card(emulator_server, tmp_path):
    """Four PCs open three orders each on one client at the same moment: the journals
    hold orders 1..12, each once, each with the number the card shows."""
    pcs, orders = 4, 3
    accounts = [
        Account.from_service(build_service(emulator_server.url), tmp_path / f"pc{w}",
                             profile=cfg.Profile(name=f"pc{w}", user=f"W{w}", card_max_lines=40,
                                                 card_max_chars=4000))
        for w in range(pcs)
    ]  # fmt: skip
    rn = accounts[0].client.create(Contact(given_name="Ivan").to_person())["resourceName"]
    for account in accounts:
        account.sync(full=True)
    start = threading.Barrier(pcs)
    opened: list[tuple[int | None, int | None, str]] = []
    failures: list[BaseException] = []

    def work(w: int) -> None:
        start.wait()
        try:
            for i in range(orders):
                change = uc.open_order(accounts[w], rn, f"pc{w} order {i}", at=AT)
                opened.append((change.order_no, None, ""))
            for e in accounts[w].journal.events(kinds=["order_open"]):
                opened.append((None, e.order_no, e.text))
            accounts[w].journal.close()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(pcs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    told = sorted(n for n, _, _ in opened if n is not None)
    journalled = sorted(n for _, n, _ in opened if n is not None)
    assert told == journalled == list(range(1, pcs * orders + 1))
    assert all(text.startswith(f"Order {n} ") for _, n, text in opened if n is not None)
    card = grammar.parse(accounts[0].client.get(rn)["biographies"][0]["value"], SETTINGS.labels)
    assert sorted(o.number for o in card.open_orders()) == list(range(1, pcs * orders + 1))
    for account in accounts:
        account.cache.close()
