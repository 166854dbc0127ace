"""``crm import undo`` is three-way: it takes back the import and nothing written since.

The real CLI against the emulator over loopback HTTP (an endpoint profile).
"""

from __future__ import annotations

import json

import openpyxl
import pytest
from cli_helpers import crm

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.contact.model import Contact
from contacts_crm.contact.revert import revert, revert_text
from contacts_crm.emulator import build_service

FREE = "Prefers calls after 14:00."


@pytest.fixture
def office(emulator_server, tmp_path):
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office", kind="endpoint", endpoint=emulator_server.url, user="Olga"
    )
    conf.default_profile = "office"
    cfg.save(conf)
    code, out = crm("--json", "add", "Ivan Petrov", "--phone", "8 916 123-45-67",
                    "--note", f"--\n{FREE}")  # fmt: skip
    assert code == 0, out
    return json.loads(out)["resourceName"]


def workbook(path, rows):
    wb = openpyxl.Workbook()
    wb.active.append(["ФИО", "Телефон", "Email", "Группа", "Примечание"])
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def live(emulator):
    return [r.rn for r in emulator.store.all_live_persons()]


def group_names(emulator):
    return emulator.store.group_by_name


def get(emulator, rn):
    rec = emulator.store.get_person(rn)
    return (
        None
        if rec is None or rec.deleted
        else Contact.from_person({**rec.data, "resourceName": rn})
    )


def run_import(path, *extra):
    code, out = crm("--json", "import", str(path), *extra)
    assert code == 0, out
    return json.loads(out)


def test_undo_takes_back_only_the_import_and_keeps_later_work(office, emulator, tmp_path):
    path = workbook(tmp_path / "u.xlsx", [
        ["Петров Иван", "89161234567", "ivan@mail.ru", "Опт", "VIP клиент"],
        ["Сидорова Анна", "89161234568", "", "Опт", ""],
        ["Козлов Петр", "89161234569", "", "Опт", ""],
    ])  # fmt: skip
    summary = run_import(path, "--on-duplicate", "merge")
    assert (summary["create"], summary["merge"]) == (2, 1)
    ivan = get(emulator, office)
    assert ivan.emails[0].value == "ivan@mail.ru" and "VIP клиент" in ivan.notes
    others = [get(emulator, rn) for rn in live(emulator) if rn != office]
    created = {c.display_name: c.resource_name for c in others}
    # later work: a call on the updated contact, a phone and free text from a phone,
    # a call on one created contact; the other created contact stays untouched
    assert crm("call", "Petrov", "asks about delivery", "--in")[0] == 0
    emulator.device_edit(office, lambda p: p.update(
        phoneNumbers=[*p["phoneNumbers"], {"value": "+79035550000", "type": "work"}],
        biographies=[{"value": p["biographies"][0]["value"] + "\nHis wife Anna orders too.",
                      "contentType": "TEXT_PLAIN"}]))  # fmt: skip
    anna = created["Анна Сидорова"]
    assert crm("call", anna, "first order soon")[0] == 0

    code, out = crm("--json", "import", "undo", summary["import_id"])
    assert code == 0, out
    report = json.loads(out)
    ivan = get(emulator, office)
    assert ivan.emails == []  # what the import added and still held: taken back
    assert "VIP клиент" not in ivan.notes
    assert "asks about delivery" in ivan.notes  # written since: kept
    assert FREE in ivan.notes and "His wife Anna orders too." in ivan.notes
    assert [p.value for p in ivan.phones] == ["+79161234567", "+79035550000"]
    assert report["restored"] == [office]
    # created: the untouched one is deleted (and journaled), the worked-on one kept
    assert get(emulator, created["Петр Козлов"]) is None
    assert get(emulator, anna) is not None
    assert [k["resourceName"] for k in report["kept"]] == [anna]
    assert "journal event" in report["kept"][0]["why"]
    assert report["status"] == "partly-undone" and report["groups_kept"] == ["Опт"]
    with Account.open() as acc:
        deleted = [e for e in acc.journal.events() if e.kind == "contact_deleted"]
        assert [e.contact for e in deleted] == [created["Петр Козлов"]]
        assert deleted[0].data["person"]["names"][0]["givenName"] == "Петр"
        assert deleted[0].state == "applied"

    # --force takes the worked-on one too, then the group the import made is empty: gone
    code, out = crm("--json", "import", "undo", summary["import_id"], "--force")
    assert code == 0, out
    forced = json.loads(out)
    assert forced["removed"] == [anna] and forced["groups_removed"] == ["Опт"]

    assert forced["status"] == "undone" and forced["unchanged"] == [office]
    assert get(emulator, anna) is None
    assert group_names(emulator)("Опт") is None
    assert "asks about delivery" in get(emulator, office).notes  # a second pass changes nothing

    code, out = crm("import", "undo", summary["import_id"])
    assert code == 0 and "was already undone: nothing to do" in out


def test_a_created_contact_whose_card_was_edited_is_kept(office, emulator, tmp_path):
    path = workbook(tmp_path / "c.xlsx", [["Сидорова Анна", "89161234568", "", "", ""]])
    summary = run_import(path)
    rn = next(n for n in live(emulator) if n != office)
    emulator.device_edit(
        rn,
        lambda p: p.update(
            biographies=[{"value": "called back, wants tiles", "contentType": "TEXT_PLAIN"}]
        ),
    )
    code, out = crm("--json", "import", "undo", summary["import_id"])
    report = json.loads(out)
    assert code == 0 and [k["resourceName"] for k in report["kept"]] == [rn]
    assert "biographies" in report["kept"][0]["why"]
    assert get(emulator, rn) is not None


def test_revert_of_list_fields_and_names():
    before = {"phoneNumbers": [{"value": "+1"}], "names": [{"givenName": "A"}],
              "memberships": [_m("g1")]}  # fmt: skip
    after = {"phoneNumbers": [{"value": "+1"}, {"value": "+2"}], "names": [{"givenName": "B"}],
             "memberships": [_m("g1"), _m("g2")]}  # fmt: skip
    now = {"phoneNumbers": [{"value": "+1"}, {"value": "+2"}, {"value": "+3"}],
           "names": [{"givenName": "C"}], "memberships": [_m("g2"), _m("g3")]}  # fmt: skip
    out = revert(before, after, now, ["phoneNumbers", "names", "memberships"])
    assert [p["value"] for p in out["phoneNumbers"]] == ["+1", "+3"]
    assert out["names"] == [{"givenName": "C"}]  # renamed since: theirs stays
    assert [
        m["contactGroupMembership"]["contactGroupResourceName"] for m in out["memberships"]
    ] == ["g3"]  # g2 the import's, taken back; g1 removed since by someone: stays removed
    same = revert(before, after, after, ["names"])
    assert same["names"] == [{"givenName": "A"}]


def test_revert_text_takes_out_the_import_lines_only():
    before = "Order 1 · paid\n--\nfree"
    after = "Order 1 · paid\nVIP\n--\nfree"
    now = "Calls\n  2026-11-20 in (Olga): hi\nOrder 1 · paid\nVIP\n--\nfree\nmore free"
    assert revert_text(before, after, now) == (
        "Calls\n  2026-11-20 in (Olga): hi\nOrder 1 · paid\n--\nfree\nmore free"
    )
    # the import replaced a line that was edited since: the edit stays
    assert revert_text("a\nb\nc", "a\nB\nc", "a\nB2\nc") == "a\nB2\nc"
    assert revert_text("a\nb", "a", "a\nnew") == "a\nb\nnew"  # removed line comes back
    assert revert_text("x", "y", "y") == "x"


def _m(g):
    return {"contactGroupMembership": {"contactGroupResourceName": g}}


def test_undo_of_an_unknown_import_is_not_found(office):
    code, _ = crm("import", "undo", "imp-nope")
    assert code == 66


def test_undo_works_on_an_account_opened_from_a_service(emulator_server, tmp_path):
    from contacts_crm.imports.run import import_file, undo

    acc = Account.from_service(build_service(emulator_server.url), tmp_path / "d")
    path = workbook(tmp_path / "x.xlsx", [["Сидорова Анна", "89161234568", "", "", ""]])
    out = import_file(acc, path)
    first = undo(acc, out.plan.import_id)
    assert len(first.removed) == 1 and first.status == "undone"
    assert undo(acc, out.plan.import_id).already_undone
    acc.close()
