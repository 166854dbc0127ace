"""crm merge (and --undo) and crm duplicates end to end over the emulator."""

from __future__ import annotations

import io
import json

import card_helpers
import pytest
from cli_helpers import crm

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.contact.model import WRITABLE

CARD_A = """Wholesale · last contact 2026-11-20 (Olga)
Order 2 · paid · 12 500
  2026-11-18 new: 40 boxes of tiles (Ivan)
  2026-11-19 paid 12 500 (Olga)
Order 1 · delivered 2026-11-01 · 8 400 (Ivan)
Calls
  2026-11-20 in (Olga): asks when delivery comes
  2026-11-12 out (Ivan): no answer
--
Prefers calls after 14:00."""

CARD_B = """Retail · last contact 2026-11-25 (Anna)
Order 3 · new
  2026-11-24 new: grout (Anna)
Orders 1–2 · 2 closed · 5 000
Calls
  2026-11-25 out (Anna): will pay Friday
  2026-11-15 in (Anna): price?
--
Wife Marina orders too."""


@pytest.fixture
def two(emulator_server):
    """A profile on the emulator and two contacts of one client, each with a full card."""
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office", kind="endpoint", endpoint=emulator_server.url, user="Olga"
    )
    conf.default_profile = "office"
    cfg.save(conf)
    for g in ("Wholesale", "Retail"):
        assert crm("group", "create", g)[0] == 0
    code, out = crm(
        "--json", "add", "Ivan Petrov", "--phone", "8 916 123-45-67", "--email", "ivan@example.com",
        "--org", "Tiles Ltd", "--group", "Wholesale", "--note", CARD_A,
    )  # fmt: skip
    assert code == 0, out
    a = json.loads(out)["resourceName"]
    code, out = crm(
        "--json", "add", "Иван Петров", "--phone", "8 903 777-66-55", "--email", "petrov@mail.ru",
        "--org", "Плитка", "--group", "Retail", "--note", CARD_B,
    )  # fmt: skip
    assert code == 0, out
    b = json.loads(out)["resourceName"]
    # B has a history in the journal too
    code, out = crm("call", b, "about the grout", "--in", "--by", "Anna", "--at", "2026-11-26")
    assert code == 0, out
    return a, b


def person(emulator, rn):
    rec = emulator.store.get_person(rn)
    return None if rec is None or rec.deleted else rec.data


def modelled(p: dict, drop_restore: bool = False) -> dict:
    """The fields the tool writes, without server metadata (what 'exactly' compares)."""
    out = {}
    for f in WRITABLE:
        items = [{k: v for k, v in i.items() if k != "metadata"} for i in p.get(f, [])]
        if f == "clientData" and drop_restore:
            items = [i for i in items if i.get("key") != "crm.restore"]
        if f == "names":
            items = [{k: v for k, v in i.items() if not k.startswith("displayName")
                      and k != "unstructuredName"} for i in items]  # fmt: skip
        out[f] = items
    return out


def test_merge_keeps_every_order_call_and_both_free_texts(two, emulator):
    a, b = two
    before_b = person(emulator, b)
    code, out = crm("--json", "merge", a, b)
    assert code == 0, out
    result = json.loads(out)
    assert result["resourceName"] == a and result["deleted"] == b
    assert person(emulator, b) is None
    merged = person(emulator, a)
    text = merged["biographies"][0]["value"]
    card = card_helpers.parse(text)
    # every order: A's keep their numbers, B's renumbered after A's highest (2)
    assert sorted(o.number for o in card.orders()) == [1, 2, 5]
    assert result["renumbered"] == {"3": 5}
    assert card.summary().first == 3 and card.summary().count == 2  # B's folded orders kept
    # every call and step line of both cards, calls newest first
    b_card = before_b["biographies"][0]["value"]
    for line in CARD_A.split("\n--")[0].splitlines()[1:] + b_card.split("\n--")[0].splitlines()[1:]:
        if line.startswith("  "):
            assert line in text.splitlines(), line
    in_card_order = [ln.fact.on for ln in card.lines if ln.fact.__class__.__name__ == "Call"]
    assert len(in_card_order) == 5  # 2 of A, 2 of B and B's logged call
    assert in_card_order == sorted(in_card_order, reverse=True)  # interleaved, newest first
    assert "Prefers calls after 14:00." in card.free and "Wife Marina orders too." in card.free
    assert card_helpers.grammar.unrecognised_lines(card) == []
    # union of phones, emails, groups; A's name wins, B's is a note
    assert {p["value"] for p in merged["phoneNumbers"]} == {"+79161234567", "+79037776655"}
    assert {e["value"] for e in merged["emailAddresses"]} == {"ivan@example.com", "petrov@mail.ru"}
    groups = json.loads(crm("--json", "show", a)[1])["groups"]
    assert set(groups) == {"Wholesale", "Retail"}
    assert merged["names"][0]["givenName"] == "Ivan"
    assert merged["organizations"][0]["name"] == "Tiles Ltd"
    assert "Company also given as: Плитка" in card.free
    # B's history now belongs to A
    account = Account.open()
    history = account.journal.history(a)
    account.close()
    assert any(e.kind == "call" and "about the grout" in e.text for e in history)
    # the phone number of B now finds A
    assert json.loads(crm("--json", "find", "89037776655")[1])[0]["resourceName"] == a


def test_merge_undo_restores_both_exactly(two, emulator):
    a, b = two
    before_a, before_b = person(emulator, a), person(emulator, b)
    op = json.loads(crm("--json", "merge", a, b)[1])["opId"]
    code, out = crm("--json", "merge", "--undo", op)
    assert code == 0, out
    undone = json.loads(out)
    assert undone["restored"] == a
    new_b = undone["recreated"]
    assert modelled(person(emulator, a)) == modelled(before_a)
    assert modelled(person(emulator, new_b), drop_restore=True) == modelled(before_b)
    account = Account.open()
    history_b = account.journal.history(new_b)
    history_a = account.journal.history(a)
    account.close()
    assert any(e.kind == "call" and "about the grout" in e.text for e in history_b)
    assert not any(e.kind == "call" and "about the grout" in e.text for e in history_a)
    # a second undo answers with the first (exit 0, as every undo does), nothing twice
    count = emulator.store.count_live_persons()
    code, out = crm("--json", "merge", "--undo", op)
    assert code == 0 and json.loads(out)["already"] and json.loads(out)["recreated"] == new_b
    assert emulator.store.count_live_persons() == count
    assert crm("merge", "--undo", "nope")[0] == 66


def test_merge_into_the_second_and_bad_arguments(two, emulator):
    a, b = two
    assert crm("merge", a)[0] == 2
    assert crm("merge", a, a)[0] == 2
    code, out = crm("--json", "merge", a, b, "--into", b)
    assert code == 0, out
    assert json.loads(out)["resourceName"] == b and person(emulator, a) is None
    assert person(emulator, b)["names"][0]["givenName"] == "Иван"


def test_concurrent_edits_during_a_merge_lose_nothing(two, emulator):
    a, b = two

    def other_device(p: dict) -> None:
        # the phone edits A as the merge writes, and a colleague logs a call on B meanwhile
        p["biographies"][0]["value"] += "\nTyped on A's phone."
        p["phoneNumbers"].append({"value": "+79990001122"})
        emulator.device_edit(b, lambda q: q["biographies"][0].update(
            value=q["biographies"][0]["value"].replace(
                "Calls\n", "Calls\n  2026-11-27 in (Anna): called B's phone meanwhile\n"))
        )  # fmt: skip

    emulator.arm_conflict(a, other_device)
    emulator.reset_counters()
    code, out = crm("--json", "merge", a, b)
    assert code == 0, out
    assert emulator.counters["status.400"] == 1  # the stale etag was met and the merge re-applied
    assert person(emulator, b) is None
    text = person(emulator, a)["biographies"][0]["value"]
    assert "Typed on A's phone." in text
    assert "  2026-11-27 in (Anna): called B's phone meanwhile" in text.splitlines()
    assert "  2026-11-25 out (Anna): will pay Friday" in text.splitlines()
    assert text.count("will pay Friday") == 1  # folded in once, not merged twice
    assert {p["value"] for p in person(emulator, a)["phoneNumbers"]} >= {"+79990001122"}
    account = Account.open()
    events = [e for e in account.journal.events() if e.kind == "merge_catch_up"]
    account.close()
    assert len(events) == 1  # B's newer version is in the journal before it was deleted


# ---------------------------------------------------------------- duplicates
@pytest.fixture
def dupes(two):
    """Besides the two above (same name, transliterated): a phone and an email duplicate."""
    for args in (
        ("Mehmet Yılmaz", "--phone", "+90 532 111 22 33"),
        ("MEHMET YILMAZ", "--phone", "+90 (532) 111-22-33", "--allow-duplicate"),  # same number
        ("Anna Smith", "--email", "anna@example.com"),
        ("A. Smith Ltd", "--email", "ANNA@example.com"),
        ("Petr Sidorov", "--phone", "+79165550000"),
    ):
        assert crm("add", *args)[0] == 0, args
    return two


def test_duplicates_by_each_reason(dupes):
    code, out = crm("--json", "duplicates")
    assert code == 0, out
    found = json.loads(out)
    reasons = [{r["reason"] for r in g["reasons"]} for g in found]
    assert {"phone", "name"} in reasons  # Yılmaz / YILMAZ: same number and name
    assert {"email"} in reasons
    names_only = [g for g in found if not g["exact"]]
    assert [sorted(c["name"] for c in g["contacts"]) for g in names_only] == [
        ["Ivan Petrov", "Иван Петров"]
    ]
    assert found[-1] == names_only[0]  # exact groups first
    for by, want in (("phone", {"phone"}), ("email", {"email"}), ("name", {"name"})):
        got = json.loads(crm("--json", "duplicates", "--by", by)[1])
        assert got and all({r["reason"] for r in g["reasons"]} == want for g in got), by
    assert crm("duplicates", "--by", "colour")[0] == 2


def test_duplicates_merge_yes_merges_only_exact_groups(dupes, emulator):
    a, b = dupes
    code, out = crm("--json", "duplicates", "--merge", "--yes")
    assert code == 0, out
    result = json.loads(out)
    assert len(result["merged"]) == 2 and result["skipped"] == 1
    assert person(emulator, a) and person(emulator, b)  # by name only: left alone
    left = json.loads(crm("--json", "duplicates")[1])
    assert [{r["reason"] for r in g["reasons"]} for g in left] == [{"name"}]


def test_duplicates_merge_walks_groups_with_confirmation(dupes, emulator, monkeypatch):
    a, b = dupes
    monkeypatch.setattr("sys.stdin", io.StringIO("n\nn\ny\n"))
    code, out = crm("--json", "duplicates", "--merge")
    assert code == 0, out
    result = json.loads(out)
    assert result["skipped"] == 2 and len(result["merged"]) == 1
    assert result["merged"][0]["resourceName"] == a and person(emulator, b) is None


def test_order_history_of_the_other_contact_follows_its_renumbered_order(two, emulator):
    a, b = two
    code, out = crm("--json", "order", "open", b, "bath set", "--by", "Anna", "--at", "2026-11-26")
    assert code == 0, out
    number = json.loads(out)["order"]  # 4 on B's card (after its orders 1-3)
    op = json.loads(crm("--json", "merge", a, b)[1])["opId"]
    card = card_helpers.parse(person(emulator, a)["biographies"][0]["value"])
    account = Account.open()
    opened = [e for e in account.journal.history(a) if e.kind == "order_open"]
    account.close()
    assert len(opened) == 1 and opened[0].order_no == number + 2  # after A's orders 1-2
    assert card.order(number + 2) is not None and "bath set" in card.order(number + 2).what
    new_b = json.loads(crm("--json", "merge", "--undo", op)[1])["recreated"]
    account = Account.open()
    back = [e for e in account.journal.history(new_b) if e.kind == "order_open"]
    account.close()
    assert len(back) == 1 and back[0].order_no == number


def test_duplicates_merge_understands_answers_in_the_office_language(dupes, monkeypatch):
    """ "да"/"evet" mean yes here as at every other question; no answer left is a no."""
    monkeypatch.setattr("sys.stdin", io.StringIO("нет\nда\n"))
    code, out = crm("--json", "duplicates", "--merge")
    assert code == 0, out
    result = json.loads(out)
    assert result["skipped"] == 2 and len(result["merged"]) == 1  # the third: end of input


def test_merge_keeps_the_others_nicknames_websites_birthday_and_department(
    two, emulator, emulator_server
):
    """Fields the tool once left unmodelled (so a merge lost the second contact's):
    nicknames and websites are the union, a birthday and department fill the blanks."""
    from contacts_crm.emulator import build_service

    a, b = two
    svc = build_service(emulator_server.url)
    body = {
        "etag": svc.people().get(resourceName=b, personFields="names").execute()["etag"],
        "nicknames": [{"value": "Ваня"}],
        "urls": [{"value": "https://plitka.example", "type": "work"}],
        "birthdays": [{"date": {"year": 1980, "month": 5, "day": 17}}],
        "organizations": [{"name": "Плитка", "department": "Опт", "jobDescription": "Закупки"}],
    }
    svc.people().updateContact(
        resourceName=b, body=body,
        updatePersonFields="nicknames,urls,birthdays,organizations",
    ).execute()  # fmt: skip
    assert crm("sync")[0] == 0
    code, out = crm("--json", "merge", a, b)
    assert code == 0, out
    merged = person(emulator, a)
    assert [n["value"] for n in merged["nicknames"]] == ["Ваня"]
    assert [(u["value"], u["type"]) for u in merged["urls"]] == [("https://plitka.example", "work")]
    assert merged["birthdays"][0]["date"] == {"year": 1980, "month": 5, "day": 17}
    org = merged["organizations"][0]
    assert (org["name"], org["department"], org["jobDescription"]) == (
        "Tiles Ltd", "Опт", "Закупки")  # fmt: skip
    shown = json.loads(crm("--json", "show", a)[1])
    assert (shown["nicknames"], shown["birthday"], shown["department"]) == (
        ["Ваня"], "1980-05-17", "Опт")  # fmt: skip
    assert shown["urls"] == [{"value": "https://plitka.example", "type": "work"}]
    human = crm("show", a)[1]
    assert "https://plitka.example [work]" in human and "1980-05-17" in human
