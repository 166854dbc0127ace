"""Issue 11 end to end: edits made through the People API directly (as a phone or the
Contacts web page would) reach the journal and the reports once, on two PCs, through
journal push/pull; the tool's own writes never show as hand edits; deleted contacts
come back with crm undelete."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import crm

from contacts_crm import config as cfg
from contacts_crm.contact.stamp import STAMP_KEY
from contacts_crm.sheets_emulator import SheetsEmulatorServer

PERIOD = ("--since", "2026-11-01", "--until", "2026-11-30")
HAND_CALL = "  2026-11-06 in (Masha) · call back 2026-11-10: asked for catalogue"
NOBODY = "  2026-11-07 out: no answer"


@pytest.fixture
def sheets():
    with SheetsEmulatorServer() as server:
        yield server


def use_pc(home: Path, user: str, endpoint: str, sheets_url: str,
           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Switch the in-process CLI to another PC: its own CRM home, the same account."""
    monkeypatch.setenv("CRM_HOME", str(home))
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office", kind="endpoint", user=user, endpoint=endpoint, sheets_endpoint=sheets_url
    )
    conf.default_profile = "office"
    cfg.save(conf)


def out(*args: str) -> Any:
    code, text = crm("--json", *args)
    assert code == 0, text
    return json.loads(text)


def person(service: Any, rn: str) -> dict[str, Any]:
    return service.people().get(resourceName=rn, personFields="names,phoneNumbers,biographies,"
                                "memberships,clientData").execute()  # fmt: skip


def phone_notes(service: Any, rn: str, change) -> None:
    """The phone's Contacts app: read the contact, edit Notes, write Notes only."""
    p = person(service, rn)
    p["biographies"] = [{"value": change(p["biographies"][0]["value"]),
                         "contentType": "TEXT_PLAIN"}]  # fmt: skip
    service.people().updateContact(resourceName=rn, updatePersonFields="biographies",
                                   body=p).execute()  # fmt: skip


def calls_by_who(activity: dict[str, Any]) -> dict[str, int]:
    return {e["who"]: e["calls"] for e in activity["employees"]}


@pytest.fixture
def two_pcs(emulator_server, sheets, tmp_path, monkeypatch):
    homes = {"A": Path(os.environ["CRM_HOME"]), "B": tmp_path / "pc_b"}
    users = {"A": "Olga", "B": "Ivan"}

    def switch(name: str) -> None:
        use_pc(homes[name], users[name], emulator_server.url, sheets.url, monkeypatch)

    switch("A")
    return switch


def test_hand_edits_count_once_on_two_pcs_and_through_the_shared_journal(
    two_pcs, people_service, sheets
):
    book = sheets.create_spreadsheet("Office", ["Summary"])
    url = f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"
    rn = out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67")["resourceName"]
    assert crm("call", "Petrov", "first", "--in", "--at", "2026-11-05 10:00")[0] == 0
    two_pcs("B")
    first = out("sync")
    assert first["full"] and first["hand_events"] == 0  # nothing known before: nothing
    two_pcs("A")
    assert crm("call", "Petrov", "second", "--out", "--at", "2026-11-05 11:00")[0] == 0
    stamp = [cd for cd in person(people_service, rn)["clientData"] if cd["key"] == STAMP_KEY]
    assert len(stamp) == 1  # the write carries the stamp, as Google keeps clientData
    two_pcs("B")
    assert out("sync")["hand_events"] == 0  # PC A's crm call is no hand edit on PC B

    phone_notes(people_service, rn, lambda t: t.replace("Calls\n", f"Calls\n{HAND_CALL}\n")
                + "\n" + NOBODY)  # fmt: skip
    for pc in ("A", "B"):
        two_pcs(pc)
        assert out("sync")["hand_events"] == 2
        assert out("sync")["hand_events"] == 0
        hand = [(e["kind"], e["who"], e["text"]) for e in out("journal", "Petrov")["events"]
                if e.get("data", {}).get("by_hand")]  # fmt: skip
        assert hand == [("call", "Masha", HAND_CALL.strip()), ("call", "unknown", NOBODY.strip())]

    # the office memory: PC B's syncs brought PC A's calls; the hand edits both PCs
    # journalled have the same ids, so each counts once on either
    for pc in ("A", "B"):
        two_pcs(pc)
        out("sync")
        assert calls_by_who(out("activity", *PERIOD)) == {"Olga": 2, "Masha": 1, "unknown": 1}

    for pc in ("A", "B", "A", "B"):  # push and pull both ways, twice
        two_pcs(pc)
        out("journal", "push", url)
        out("journal", "pull", url)
    for pc in ("A", "B"):
        two_pcs(pc)
        activity = out("activity", *PERIOD)
        assert calls_by_who(activity) == {"Olga": 2, "Masha": 1, "unknown": 1}
        assert activity["total"]["calls"] == 4
        assert activity["total"]["callsByDirection"] == {"in": 2, "out": 2, "missed": 0}
        employees = {e["who"]: e["calls"] for e in out("summary", "--by-employee", *PERIOD)[
            "employees"]}  # fmt: skip
        assert employees == {"Olga": 2, "Masha": 1, "unknown": 1}
        due = out("callbacks", "--as-of", "2026-11-20")["callbacks"]
        assert [(c["name"], c["reason"], c["overdueDays"]) for c in due] == [
            ("Ivan Petrov", "callback_due", 10)
        ]
        events = out("journal", "Petrov")["events"]
        assert sorted(e["text"] for e in events if e["kind"] == "call") == sorted([
            "2026-11-05 in (Olga): first", "2026-11-05 out (Olga): second",
            HAND_CALL.strip(), NOBODY.strip()])  # fmt: skip


def test_a_contact_deleted_by_hand_comes_back_with_card_phones_and_groups(two_pcs, people_service):
    assert crm("group", "create", "VIP")[0] == 0
    rn = out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67", "--group", "VIP",
             "--org", "Tiles Ltd")["resourceName"]  # fmt: skip
    assert crm("call", "Petrov", "asks about delivery", "--in", "--at", "2026-11-05 10:00")[0] == 0
    before = out("find", "Petrov")[0]
    people_service.people().deleteContact(resourceName=rn).execute()
    assert out("sync")["hand_events"] == 1
    listed = out("journal", "--deleted")
    assert [(d["name"], d["resourceName"], d["byHand"], d["phones"]) for d in listed] == [
        ("Ivan Petrov", rn, True, ["+79161234567"])
    ]
    restored = out("undelete", "+7 916 123 45 67")
    assert restored["restoredFrom"] == rn and restored["missingGroups"] == []
    back = out("find", "Petrov")
    assert len(back) == 1
    same = ("name", "phones", "emails", "organization", "groups", "notes")
    assert {k: back[0][k] for k in same} == {k: before[k] for k in same}
    assert back[0]["groups"] == ["VIP"]
    assert out("journal", "--deleted") == []
    code, text = crm("--json", "undelete", "Petrov")
    assert code == 66 and "no deleted contact" in json.loads(text)["message"]
    kinds = [e["kind"] for e in out("journal", restored["resourceName"])["events"]]
    assert kinds == ["contact_undeleted"]
    assert out("sync")["hand_events"] == 0  # the restore is the tool's own write


def test_doctor_suggests_the_nearest_shape_for_a_hand_line(two_pcs, people_service):
    rn = out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67")["resourceName"]
    assert crm("call", "Petrov", "hello", "--at", "2026-11-05 10:00")[0] == 0
    phone_notes(
        people_service, rn, lambda t: t + "\n1.12.2026 incomming Masha: asked for catalogue"
    )
    assert out("sync")["hand_events"] == 0  # not a call the tool can read: nothing counted
    report = out("doctor")
    (item,) = report["unrecognised"]
    assert item["resourceName"] == rn
    assert [(ln["text"], ln["suggestion"]) for ln in item["lines"]] == [
        ("1.12.2026 incomming Masha: asked for catalogue",
         "2026-12-01 in (Masha): asked for catalogue")]  # fmt: skip
    code, text = crm("doctor")
    assert code == 0 and "did you mean: 2026-12-01 in (Masha): asked for catalogue" in text


def test_imports_and_their_undo_are_no_hand_edits_on_another_pc(two_pcs, write_xlsx):
    """crm import (batch creates, three-way merged updates) and its undo are the tool's
    writes: PC B, syncing after each, journals no hand edit for them (only the undo's
    deletions, which it keeps as deleted contacts so they could be brought back)."""
    rn = out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67")["resourceName"]
    assert crm("call", "Petrov", "first", "--at", "2026-11-05 10:00")[0] == 0
    two_pcs("B")
    out("sync")
    two_pcs("A")
    path = write_xlsx("clients.xlsx", {"Clients": [
        ["Name", "Phone", "Email", "Notes"],
        ["Ivan Petrov", "8 916 123-45-67", "ivan@example.com", "VIP"],
        ["Anna Sidorova", "8 903 111-22-33", "", ""],
    ]})  # fmt: skip
    done = out("import", str(path), "--on-duplicate", "merge")
    two_pcs("B")
    assert out("sync")["hand_events"] == 0
    assert out("find", "Petrov")[0]["emails"] == ["ivan@example.com"]
    two_pcs("A")
    assert out("sync")["hand_events"] == 0
    out("import", "undo", done["import_id"])
    two_pcs("B")
    report = out("sync")
    deleted = [e for e in out("journal", "--deleted")]
    assert [d["name"] for d in deleted] == ["Anna Sidorova"]
    assert report["hand_events"] == 1  # the undone create, kept as a deleted contact
    hand = [e for e in out("journal", rn)["events"] if e.get("data", {}).get("by_hand")]
    assert hand == []


def test_hand_written_order_steps_count_once_after_push_and_pull(two_pcs, people_service, sheets):
    book = sheets.create_spreadsheet("Office", ["Summary"])
    url = f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit"
    rn = out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67")["resourceName"]
    assert crm("order", "open", "Petrov", "tiles", "--at", "2026-11-05 12:00")[0] == 0
    two_pcs("B")
    out("sync")
    phone_notes(people_service, rn, lambda t: t.replace(
        "new: tiles (Olga)", "new: tiles (Olga)\n  2026-11-08 paid 500 (Masha)"))  # fmt: skip
    for pc in ("A", "B"):
        two_pcs(pc)
        assert out("sync")["hand_events"] == 1
    for pc in ("A", "B", "A"):
        two_pcs(pc)
        out("journal", "push", url)
        out("journal", "pull", url)
    for pc in ("A", "B"):
        two_pcs(pc)
        steps = {e["who"]: e["stepsByStage"] for e in out("activity", *PERIOD)["employees"]}
        assert {who: {s: n for s, n in by.items() if n} for who, by in steps.items()} == {
            "Olga": {"new": 1}, "Masha": {"paid": 1}}  # fmt: skip
        (step,) = [e for e in out("journal", "Petrov")["events"] if e["kind"] == "order_step"]
        assert (step["who"], step["order_no"], step["stage"], step["amount"]) == (
            "Masha",
            1,
            "paid",
            "500",
        )


def test_group_changes_are_signed_and_no_hand_edits_on_another_pc(two_pcs, people_service):
    """crm group add/remove write the memberships with the tool's stamp, so PC B's sync
    journals no hand edit by "unknown"; PC A's journal says who changed the group."""
    rn = out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67")["resourceName"]
    out("group", "create", "VIP")
    two_pcs("B")
    out("sync")
    two_pcs("A")
    assert out("group", "add", "VIP", "Petrov")["changed"] == [rn]
    two_pcs("B")
    assert out("sync")["hand_events"] == 0
    assert out("find", "Petrov")[0]["groups"] == ["VIP"]
    two_pcs("A")
    assert out("group", "remove", "VIP", "Petrov")["changed"] == [rn]
    two_pcs("B")
    assert out("sync")["hand_events"] == 0
    assert out("find", "Petrov")[0]["groups"] == []
    two_pcs("A")
    events = [(e["kind"], e["who"], e["text"]) for e in out("journal", "Petrov")["events"]
              if e["kind"] == "contact_edited"]  # fmt: skip
    assert events == [("contact_edited", "Olga", "added to group VIP"),
                      ("contact_edited", "Olga", "removed from group VIP")]  # fmt: skip


def test_group_add_keeps_a_phone_edit_made_meanwhile(two_pcs, people_service):
    """The memberships write carries the etag of the local copy: a Notes edit made on a
    phone after the last sync makes it stale; the change is re-applied to the fresh
    contact, and the phone's edit stays."""
    rn = out("add", "Ivan Petrov", "--phone", "+7 916 123-45-67", "--note", "VIP?")["resourceName"]
    out("group", "create", "VIP")
    phone_notes(people_service, rn, lambda notes: "typed on the phone")
    assert out("group", "add", "VIP", "Petrov")["changed"] == [rn]
    fresh = person(people_service, rn)
    assert fresh["biographies"][0]["value"] == "typed on the phone"
    groups = {m["contactGroupMembership"]["contactGroupResourceName"]
              for m in fresh["memberships"]}  # fmt: skip
    assert len(groups) == 2 and "contactGroups/myContacts" in groups
