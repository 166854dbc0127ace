"""Hand edits are history too (account/history.py): edits made through the People API
directly, as a phone or the Contacts web page would, become journal events on sync."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.emulator import Emulator, build_service
from contacts_crm.usecases import cards, contacts

PROFILE = cfg.Profile(name="local", user="Olga")


class Phone:
    """Edits a contact the way the Contacts app does: read it, change a field, write it."""

    def __init__(self, emu: Emulator) -> None:
        self.people = build_service(emu).people()

    def get(self, rn: str) -> dict[str, Any]:
        return self.people.get(resourceName=rn, personFields="names,phoneNumbers,biographies,"
                               "memberships,clientData").execute()  # fmt: skip

    def notes(self, rn: str, change) -> None:
        p = self.get(rn)
        p["biographies"] = [{"value": change(p["biographies"][0]["value"]),
                             "contentType": "TEXT_PLAIN"}]  # fmt: skip
        self.people.updateContact(resourceName=rn, updatePersonFields="biographies",
                                  body=p).execute()  # fmt: skip

    def set(self, rn: str, field: str, value: list[dict[str, Any]]) -> None:
        p = self.get(rn)
        p[field] = value
        self.people.updateContact(resourceName=rn, updatePersonFields=field, body=p).execute()

    def delete(self, rn: str) -> None:
        self.people.deleteContact(resourceName=rn).execute()


@pytest.fixture
def emu() -> Iterator[Emulator]:
    e = Emulator()
    yield e
    e.close()


@pytest.fixture
def pc(emu: Emulator, tmp_path: Path) -> Iterator[Account]:
    acc = Account.from_service(build_service(emu), tmp_path / "pc_a", profile=PROFILE)
    yield acc
    acc.close()


@pytest.fixture
def pc_b(emu: Emulator, tmp_path: Path) -> Iterator[Account]:
    profile = cfg.Profile(name="local", user="Ivan")
    acc = Account.from_service(build_service(emu), tmp_path / "pc_b", profile=profile)
    yield acc
    acc.close()


@pytest.fixture
def ivan(pc: Account) -> str:
    c = contacts.add_contact(pc, "Ivan Petrov", phone_numbers=["+79161234567"])
    cards.log_call(pc, "Petrov", "asks about delivery", direction="in")
    cards.open_order(pc, "Petrov", "40 boxes of tiles", amount=None)
    pc.sync()
    return c.resource_name or ""


def hand(acc: Account) -> list[tuple[str, str | None, str]]:
    return [(e.kind, e.who, e.text) for e in acc.journal.events() if e.data.get("by_hand")]


def test_first_full_sync_journals_nothing_and_a_quiet_sync_compares_nothing(emu, pc, pc_b):
    contacts.add_contact(pc, "Ivan Petrov", phone_numbers=["+79161234567"])
    cards.log_call(pc, "Petrov", "hello")
    first = pc_b.sync()
    assert first.full and first.contacts == 1 and first.hand_events == 0
    assert pc_b.journal.count() == 0
    emu.reset_counters()
    quiet = pc_b.sync()
    assert (quiet.full, quiet.calls, quiet.compared, quiet.hand_events) == (False, 1, 0, 0)
    calls = {k: v for k, v in emu.counters.items() if k.startswith(("people.", "contactGroups"))}
    assert calls == {"people.connections.list": 1}


def test_hand_added_lines_become_work_events_with_their_who(emu, pc, ivan):
    phone = Phone(emu)
    phone.notes(ivan, lambda t: t.replace("Calls\n", "Calls\n  2026-11-01 in (Masha) · "
                                          "interested: asked for catalogue\n"
                                          "  2026-11-02 out: no answer\n"))  # fmt: skip
    phone.notes(ivan, lambda t: t + "\nOrder 2 · new\n  2026-11-02 new: paint (Masha)"
                "\nOrder 1 · delivered 2026-11-30 · 8 400 (Ivan)")  # fmt: skip
    report = pc.sync()
    assert report.hand_events == 4
    events = {e.kind + ":" + (e.who or ""): e for e in pc.journal.events()
              if e.data.get("by_hand")}  # fmt: skip
    assert set(events) == {"call:Masha", "call:unknown", "order_open:Masha", "order_close:Ivan"}
    call = events["call:Masha"]
    assert (call.at, call.outcome, call.data["direction"], call.contact) == (
        "2026-11-01T00:00:00+00:00",
        "interested",
        "in",
        ivan,
    )
    assert (events["order_open:Masha"].order_no, events["order_open:Masha"].stage) == (2, "new")
    closed = events["order_close:Ivan"]
    assert (closed.order_no, closed.stage, closed.amount) == (1, "delivered", "8400")
    assert pc.sync().hand_events == 0  # seen once, journalled once
    assert {e.state for e in events.values()} == {"applied"}  # facts already in the account


def test_removed_rewritten_and_field_changes_keep_the_old_values(emu, pc, ivan):
    phone = Phone(emu)
    before = phone.get(ivan)["biographies"][0]["value"]
    call_line = next(ln for ln in before.split("\n") if "asks about delivery" in ln)
    phone.notes(ivan, lambda t: t.replace(call_line + "\n", "").replace(call_line, "")
                .replace("40 boxes of tiles", "50 boxes of tiles"))  # fmt: skip
    phone.set(ivan, "phoneNumbers", [{"value": "+79035550000", "type": "mobile"}])
    g = contacts.create_group(pc, "Wholesale")["resourceName"]
    phone.set(
        ivan,
        "memberships",
        [
            {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/myContacts"}},
            {"contactGroupMembership": {"contactGroupResourceName": g}},
        ],
    )
    pc.sync()
    got = hand(pc)
    assert ("removed_by_hand", "unknown", call_line.strip()) in got
    changed = [e for e in pc.journal.events() if e.kind == "changed_by_hand"]
    assert len(changed) == 1 and "40 boxes" in changed[0].data["old"]
    assert "50 boxes" in changed[0].data["new"]
    fields = {e.data["field"]: e for e in pc.journal.events() if e.kind == "contact_changed"}
    assert set(fields) == {"phones", "groups"}
    assert (fields["phones"].data["old"], fields["phones"].data["new"]) == (
        ["+79161234567"],
        ["+79035550000"],
    )
    assert fields["groups"].data["new"] == [g] and "Wholesale" in fields["groups"].text


def test_a_contact_deleted_by_hand_keeps_its_last_person(emu, pc, ivan):
    last = pc.cache.person(ivan)
    Phone(emu).delete(ivan)
    report = pc.sync()
    assert report.deleted == 1 and report.hand_events == 1
    (event,) = [e for e in pc.journal.events() if e.kind == "contact_deleted"]
    assert event.data["by_hand"] is True and event.data["person"] == last
    assert event.contact_name == "Ivan Petrov"


def test_the_tools_own_writes_are_no_hand_edits_on_either_pc(emu, pc, pc_b, ivan):
    pc_b.sync(full=True)
    cards.log_call(pc, "Petrov", "second call", direction="out")
    cards.step_order(pc, "Petrov", 1, "paid", amount=None)
    cards.log_call(pc_b, "Petrov", "from B", direction="in")
    assert pc.sync().hand_events == 0
    assert pc_b.sync().hand_events == 0
    assert pc.sync().hand_events == 0
    assert hand(pc) == [] and hand(pc_b) == []


def test_a_pc_behind_the_last_tool_write_journals_only_the_hand_lines(emu, pc, pc_b, ivan):
    pc_b.sync(full=True)
    cards.log_call(pc, "Petrov", "tool call", direction="out")  # PC B has not seen this
    Phone(emu).notes(ivan, lambda t: t + "\n  2026-11-03 in (Masha): hand call")
    pc_b.sync()
    pc.sync()
    assert hand(pc_b) == [("call", "Masha", "2026-11-03 in (Masha): hand call")]
    assert hand(pc) == hand(pc_b)
    ids_a = {e.op_id for e in pc.journal.events() if e.data.get("by_hand")}
    ids_b = {e.op_id for e in pc_b.journal.events() if e.data.get("by_hand")}
    assert ids_a == ids_b  # the same hand edit has one id on every PC


def test_a_hand_edit_folded_into_a_tool_write_is_still_journalled(emu, pc, pc_b, ivan):
    """The phone edits, then PC A logs a call before syncing: the write is re-applied
    to the fresh card, which carries the phone's line. PC A journals it from the
    write's response; PC B, syncing later, journals the same event id."""
    pc_b.sync(full=True)
    Phone(emu).notes(ivan, lambda t: t + "\n  2026-11-04 in (Masha): typed on the phone")
    cards.log_call(pc, "Petrov", "logged at the PC", direction="out")
    assert hand(pc) == [("call", "Masha", "2026-11-04 in (Masha): typed on the phone")]
    pc_b.sync()
    assert hand(pc_b) == hand(pc)
    assert pc.sync().hand_events == 0


def test_a_hand_line_removed_by_hand_before_any_tool_write_is_kept(emu, pc, ivan):
    phone = Phone(emu)
    phone.notes(ivan, lambda t: t + "\nPrefers calls after 14:00")
    pc.sync()
    phone.notes(ivan, lambda t: t.replace("\nPrefers calls after 14:00", ""))
    pc.sync()
    assert hand(pc) == [("removed_by_hand", "unknown", "Prefers calls after 14:00")]


def test_a_full_sync_journals_the_same_events_as_an_incremental_one(emu, pc, pc_b, ivan):
    """PC A syncs incrementally, PC B with --full (or an expired token): one set of ids."""
    pc_b.sync(full=True)
    other = contacts.add_contact(pc, "Anna Sidorova", phone_numbers=["+79031112233"])
    pc_b.sync()
    phone = Phone(emu)
    phone.notes(ivan, lambda t: t + "\n  2026-11-05 out (Masha): full sync call")
    phone.delete(other.resource_name or "")
    inc, full = pc.sync(), pc_b.sync(full=True)
    assert (inc.hand_events, full.hand_events) == (2, 2)
    ids = [{(e.op_id, e.kind) for e in acc.journal.events() if e.data.get("by_hand")}
           for acc in (pc, pc_b)]  # fmt: skip
    assert ids[0] == ids[1] and {k for _, k in ids[0]} == {"call", "contact_deleted"}


def test_many_kinds_of_tool_writes_stay_silent_on_both_pcs(emu, pc, pc_b, ivan):
    """Orders opened, stepped, closed (compacted to one line), calls past the card's
    budget (old lines leave the card), from both PCs, synced in between: no hand event."""
    pc_b.sync(full=True)
    for day in range(1, 16):
        acc = pc if day % 2 else pc_b
        cards.log_call(acc, "Petrov", f"call {day}", at=datetime(2026, 11, day, 10, 0))
        if day % 5 == 0:
            acc.sync()
    cards.step_order(pc, "Petrov", 1, "paid")
    cards.close_order(pc_b, "Petrov", 1)
    cards.open_order(pc, "Petrov", "paint")
    for acc in (pc, pc_b, pc, pc_b):
        acc.sync()
    assert hand(pc) == [] and hand(pc_b) == []
    assert any(e.kind == "compaction" for e in pc.journal.events())
