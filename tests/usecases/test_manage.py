"""list, show, edit, delete end to end: CLI -> PeopleClient -> emulator over loopback HTTP."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from pathlib import Path

import pytest
from cli_helpers import crm, run_crm

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.contact.model import Contact
from contacts_crm.emulator import build_service

FREE = "Prefers calls after 14:00."
CARD = (
    "\n".join(
        ["Order 1 · new", "  2026-11-18 new: tiles (Ivan)", "Calls", "  2026-11-20 in (Olga): asks"]
    )
    + f"\n--\n{FREE}"
)


@pytest.fixture
def office(emulator_server):
    """A profile pointed at the emulator, with one client whose card has orders and free text."""
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office", kind="endpoint", endpoint=emulator_server.url, user="Olga"
    )
    conf.default_profile = "office"
    cfg.save(conf)
    assert crm("group", "create", "Wholesale")[0] == 0
    code, out = crm(
        "--json", "add", "Ivan Petrov", "--phone", "8 916 123-45-67", "--email",
        "ivan@example.com", "--org", "Tiles Ltd", "--group", "Wholesale", "--note", CARD,
    )  # fmt: skip
    assert code == 0, out
    return json.loads(out)["resourceName"]


def person(emulator, rn: str) -> dict:
    rec = emulator.store.get_person(rn)
    assert rec is not None and not rec.deleted
    return rec.data


def seed(emulator_server, tmp_path: Path, n: int, group: str | None = None) -> list[str]:
    """``n`` contacts made through the real client (batches of 200)."""
    account = Account.from_service(build_service(emulator_server.url), tmp_path / "seed")
    memberships = [{"contactGroupMembership": {"contactGroupResourceName": group}}] if group else []
    people = [
        {"names": [{"givenName": f"Client{i:05d}", "familyName": "Seed"}],
         "phoneNumbers": [{"value": f"+7916{i:07d}"}], "memberships": memberships}
        for i in range(n)
    ]  # fmt: skip
    made = account.client.create_many(people)
    account.close()
    return [p["resourceName"] for p in made]


# ---------------------------------------------------------------------- list
def test_list_all_pages_past_1000_and_by_group(office, emulator, emulator_server, tmp_path):
    code, out = crm("--json", "group", "list")
    leads = crm("--json", "group", "create", "Leads")
    assert leads[0] == 0, leads
    leads_rn = json.loads(leads[1])["resourceName"]
    seed(emulator_server, tmp_path, 1200)
    seed(emulator_server, tmp_path, 30, group=leads_rn)
    emulator.reset_counters()
    code, out = crm("--json", "list")  # the local copy as it is: no API call
    assert code == 0, out
    assert len(json.loads(out)) == 1 and sum(emulator.counters.values()) == 0
    code, out = crm("--json", "list", "--sync")  # asked: brought up to date first
    assert code == 0, out
    everyone = json.loads(out)
    assert len(everyone) == 1231
    assert out == json.dumps(everyone, ensure_ascii=False, indent=2) + "\n"  # streamed alike
    assert emulator.counters["people.connections.list"] == 2  # 1,000 a page: paged past it
    names = [c["name"] for c in everyone]
    assert names == sorted(names)
    code, out = crm("--json", "list", "--group", "leads")
    assert code == 0 and len(json.loads(out)) == 30
    assert {c["groups"][0] for c in json.loads(out)} == {"Leads"}
    code, out = crm("--json", "list", "--group", "Wholesale")
    assert [c["resourceName"] for c in json.loads(out)] == [office]
    assert len(json.loads(crm("--json", "list", "--limit", "7")[1])) == 7
    code, out = crm("list", "--group", "Leads", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "Name,Phones,Emails,Company,Groups,Id"
    assert len(out.splitlines()) == 31
    code, out = crm("list", "--group", "Nope")
    assert code == 66


# ---------------------------------------------------------------------- show
def test_show_every_field_groups_card_and_resource_name(office):
    code, out = crm("--json", "show", "+79161234567")
    assert code == 0, out
    data = json.loads(out)
    assert data["resourceName"] == office
    assert data["givenName"] == "Ivan" and data["familyName"] == "Petrov"
    assert data["phones"] == [{"value": "+79161234567", "type": "mobile"}]
    assert data["emails"] == [{"value": "ivan@example.com", "type": "work"}]
    assert data["organization"] == "Tiles Ltd"
    assert data["groups"] == ["Wholesale"]
    assert data["card"] == CARD and data["freeText"] == FREE
    code, out = crm("show", "Petrov")
    assert code == 0
    for text in ("Ivan Petrov", office, "Tiles Ltd", "Wholesale", "Order 1 · new", FREE):
        assert text in out


# ---------------------------------------------------------------------- edit
def test_every_edit_option_is_written_and_journalled(office, emulator):
    code, out = crm(
        "--json", "edit", "Petrov", "--name", "Ivan Sidorov", "--add-phone", "8 495 123-45-67",
        "--remove-phone", "8 (916) 123 45 67", "--add-email", "IVAN@tiles.example",
        "--remove-email", "ivan@example.com", "--org", "Tiles & Co", "--title", "Buyer",
        "--address", "Moscow, Lenina 1", "--append-note", "Gate code 1234",
    )  # fmt: skip
    assert code == 0, out
    changed = json.loads(out)["changed"]
    assert set(changed) == {"names", "phoneNumbers", "emailAddresses", "organizations",
                            "addresses", "biographies"}  # fmt: skip
    p = person(emulator, office)
    assert p["names"][0]["givenName"] == "Ivan" and p["names"][0]["familyName"] == "Sidorov"
    assert [x["value"] for x in p["phoneNumbers"]] == ["+74951234567"]
    assert [x["value"] for x in p["emailAddresses"]] == ["ivan@tiles.example"]
    assert p["organizations"][0]["name"] == "Tiles & Co"
    assert p["organizations"][0]["title"] == "Buyer"
    assert p["addresses"][0]["formattedValue"] == "Moscow, Lenina 1"
    assert p["biographies"][0]["value"] == CARD + "\nGate code 1234"
    # the journal has the old and the new values
    account = Account.open()
    events = [e for e in account.journal.history(office) if e.kind == "contact_edited"]
    account.close()
    assert len(events) == 1 and events[0].state == "applied"
    assert events[0].data["before"]["organizations"][0]["name"] == "Tiles Ltd"
    assert events[0].data["after"]["organizations"][0]["name"] == "Tiles & Co"
    assert events[0].data["before"]["phoneNumbers"][0]["value"] == "+79161234567"
    # clearing with '' and removing the address
    code, out = crm("edit", office, "--title", "", "--address", "")
    assert code == 0, out
    p = person(emulator, office)
    assert "title" not in p["organizations"][0] and not p.get("addresses")


def test_edit_bad_values_are_refused_with_exit_65(office, emulator):
    before = person(emulator, office)
    code, _ = crm("edit", "Petrov", "--add-phone", "12", "--add-email", "nope")
    assert code == 65
    assert person(emulator, office) == before


def write_editor(tmp_path: Path, body: str) -> str:
    """An $EDITOR: a Python script that rewrites the file it is given."""
    script = tmp_path / "editor.py"
    script.write_text(textwrap.dedent(body), encoding="utf-8")
    return f'"{sys.executable}" "{script}"'


def test_editor_path_changes_fields_and_free_text(office, emulator, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "EDITOR",
        write_editor(
            tmp_path,
            """
        import sys
        path = sys.argv[1]
        text = open(path, encoding="utf-8").read()
        assert "# Phones: one per line" in text and "Order 1" not in text
        text = text.replace("Company: Tiles Ltd", "Company: Tiles Group")
        text = text.replace("Phones:\\n", "Phones:\\n- 8 495 765-43-21 [work]\\n")
        text = text.replace("Prefers calls after 14:00.", "Prefers calls after 15:00.")
        open(path, "w", encoding="utf-8").write(text)
    """,
        ),
    )
    code, out = crm("edit", "Petrov")
    assert code == 0, out
    p = person(emulator, office)
    assert p["organizations"][0]["name"] == "Tiles Group"
    assert {(x["value"], x["type"]) for x in p["phoneNumbers"]} == {
        ("+79161234567", "mobile"),
        ("+74957654321", "work"),
    }
    # the card's own lines are untouched, only the free text changed
    assert p["biographies"][0]["value"] == CARD.replace("14:00", "15:00")


def test_editor_unchanged_file_changes_nothing(office, emulator, tmp_path, monkeypatch):
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, "import sys\n"))
    before = person(emulator, office)
    code, out = crm("edit", "Petrov")
    assert code == 0 and "No change" in out
    assert person(emulator, office) == before


def test_editor_mistake_reopens_with_the_error_on_top(office, emulator, tmp_path, monkeypatch):
    log = tmp_path / "opened.log"
    monkeypatch.setenv(
        "EDITOR",
        write_editor(
            tmp_path,
            f"""
        import sys
        path = sys.argv[1]
        text = open(path, encoding="utf-8").read()
        with open({str(log)!r}, "a", encoding="utf-8") as fh:
            fh.write(text.split("\\n", 1)[0] + "\\n")
        if text.startswith("# ERROR"):
            text = text.replace("Colour: blue\\n", "")
        else:
            text = text.replace("Title: ", "Colour: blue\\nTitle: Boss")
        open(path, "w", encoding="utf-8").write(text)
    """,
        ),
    )
    code, out = crm("edit", "Petrov")
    assert code == 0, out
    first_lines = log.read_text(encoding="utf-8").splitlines()
    assert len(first_lines) == 2
    assert first_lines[1].startswith("# ERROR") and "Colour" in first_lines[1]
    assert "row" in first_lines[1]  # the line of the mistake is named
    assert person(emulator, office)["organizations"][0]["title"] == "Boss"


def test_editor_saved_again_with_the_same_mistake_gives_up(office, emulator, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "EDITOR",
        write_editor(
            tmp_path,
            """
        import sys
        path = sys.argv[1]
        text = open(path, encoding="utf-8").read()
        if not text.startswith("# ERROR"):
            text = text.replace("Title: ", "Colour: blue\\nTitle: Boss")
            open(path, "w", encoding="utf-8").write(text)
    """,
        ),
    )
    before = person(emulator, office)
    code, _ = crm("edit", "Petrov")
    assert code == 65
    assert person(emulator, office) == before


def test_concurrent_edit_from_another_device_is_kept(office, emulator):
    def other_device(p: dict) -> None:
        p["phoneNumbers"] = [*p.get("phoneNumbers", []), {"value": "+79990001122"}]
        p["biographies"][0]["value"] += "\nTyped on the phone."

    emulator.arm_conflict(office, other_device)
    emulator.reset_counters()
    code, out = crm("edit", "Petrov", "--org", "Tiles Group", "--append-note", "From the PC.")
    assert code == 0, out
    assert emulator.counters["status.400"] == 1  # the stale etag was met, then re-applied
    p = person(emulator, office)
    assert p["organizations"][0]["name"] == "Tiles Group"
    assert {x["value"] for x in p["phoneNumbers"]} == {"+79161234567", "+79990001122"}
    assert p["biographies"][0]["value"] == CARD + "\nTyped on the phone.\nFrom the PC."


# -------------------------------------------------------------------- delete
def test_delete_asks_journals_the_whole_contact_first(office, emulator, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    declined = run_crm("delete", "Petrov")
    assert declined.code == 3  # a "no" is declining (ExitCode.DECLINED), not Ctrl-C (130)
    assert "not confirmed" in declined.err
    assert "Ivan Petrov" in declined.err  # the confirmation names the contacts
    assert person(emulator, office)
    full = dict(person(emulator, office))
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, out = crm("--json", "delete", "Petrov")
    assert code == 0, out
    assert emulator.store.get_person(office).deleted
    account = Account.open()
    events = [e for e in account.journal.events(kinds=["contact_deleted"])]
    assert account.cache.get(office) is None
    account.close()
    assert len(events) == 1 and events[0].contact == office
    kept = events[0].data["person"]
    assert kept["resourceName"] == office
    assert kept["biographies"] == full["biographies"]
    assert kept["phoneNumbers"][0]["value"] == "+79161234567"
    assert Contact.from_person(kept).display_name == "Ivan Petrov"
    assert crm("show", "Petrov")[0] == 66


def test_delete_refuses_more_than_the_threshold_without_force(office, emulator, emulator_server,
                                                                tmp_path):  # fmt: skip
    made = seed(emulator_server, tmp_path, 12)
    crm("sync")
    code, _ = crm("delete", *made, "--yes")
    assert code == 2
    assert all(not emulator.store.get_person(rn).deleted for rn in made)
    emulator.reset_counters()
    code, out = crm("--json", "delete", *made, "--yes", "--force")
    assert code == 0, out
    assert all(emulator.store.get_person(rn).deleted for rn in made)
    assert emulator.counters["people.batchDeleteContacts"] == 1


def test_delete_of_an_ambiguous_query_deletes_nothing(office, emulator):
    crm("add", "Ivan Petrenko", "--phone", "+79161112233")
    code, _ = crm("delete", "Ivan", "--yes")
    assert code == 2
    assert not emulator.store.get_person(office).deleted


# ------------------------------------------------------- transliterated find
def test_find_sees_transliteration_and_turkish_case(office):
    assert crm("add", "Mehmet Yılmaz", "--phone", "+905321234567")[0] == 0
    for query, name in (
        ("Петров", "Ivan Petrov"),
        ("иван петров", "Ivan Petrov"),
        ("YILMAZ", "Mehmet Yılmaz"),
        ("yilmaz mehmet", "Mehmet Yılmaz"),
    ):
        code, out = crm("--json", "find", query)
        assert code == 0, out
        assert [c["name"] for c in json.loads(out)] == [name], query


# ---------------------------------------------------------- ambiguous phone
def test_ambiguous_phone_lists_the_contacts_and_the_next_step(office):
    code, _ = crm("add", "Petr Ivanov", "--phone", "+7 916 123 45 67", "--allow-duplicate")
    assert code == 0
    code, _, err = run_crm("call", "9161234567", "asks about delivery", "--by", "Olga")
    assert code == 2
    assert "2 contacts match '9161234567'" in err
    assert "Ivan Petrov, +7 916 123-45-67, Wholesale (people/" in err
    assert "Petr Ivanov, +7 916 123-45-67 (people/" in err
    assert "crm show people/" in err and "crm merge people/" in err
    code, out = crm("--json", "show", "9161234567")
    assert code == 2 and "crm merge" in json.loads(out)["hint"]


def test_the_deleted_contact_is_in_the_journal_before_the_delete_call(office, emulator):
    """A spy on the emulator looks in the journal file when the delete arrives."""
    import sqlite3

    seen: list[int] = []
    handle = emulator.handle

    def spy(method, uri, headers, body):
        if "batchDeleteContacts" in uri:
            path = cfg.profile_dir("office") / "journal.sqlite"
            with sqlite3.connect(path) as db:
                seen.append(
                    db.execute(
                        "SELECT COUNT(*) FROM events"
                        " WHERE kind = 'contact_deleted' AND contact = ?",
                        (office,),
                    ).fetchone()[0]
                )
        return handle(method, uri, headers, body)

    emulator.handle = spy
    code, out = crm("delete", office, "--yes")
    assert code == 0, out
    assert seen == [1]
