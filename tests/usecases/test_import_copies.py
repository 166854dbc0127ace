"""A duplicate that slipped through is found by every later run of the import and by doctor."""

from __future__ import annotations

import json

import openpyxl
from cli_helpers import crm

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.emulator import build_service
from contacts_crm.imports.plan import IMPORT_KEY


def _setup(emulator_server, tmp_path):
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office", kind="endpoint", endpoint=emulator_server.url, user="Olga"
    )
    conf.default_profile = "office"
    cfg.save(conf)
    wb = openpyxl.Workbook()
    wb.active.append(["ФИО", "Телефон"])
    for i in range(3):
        wb.active.append([f"Клиент{i} Тестовый", f"8 916 000 00 0{i}"])
    wb.save(tmp_path / "c.xlsx")
    code, out = crm("--json", "import", str(tmp_path / "c.xlsx"))
    assert code == 0, out
    return tmp_path / "c.xlsx"


def _copy(emulator_server, emulator, rn: str) -> str:
    """The copy a lost create would have left: the same person, created again."""
    rec = emulator.store.get_person(rn)
    body = {k: v for k, v in rec.data.items() if k in ("names", "phoneNumbers", "clientData",
                                                         "memberships", "biographies")}  # fmt: skip
    svc = build_service(emulator_server.url)
    return svc.people().createContact(body=body).execute()["resourceName"]


def _imported(emulator):
    return sorted(
        r.rn for r in emulator.store.all_live_persons()
        if any(d.get("key") == IMPORT_KEY for d in r.data.get("clientData", []))
    )  # fmt: skip


def test_doctor_finds_and_deletes_an_untouched_extra_copy(emulator_server, emulator, tmp_path):
    path = _setup(emulator_server, tmp_path)
    first, second, _ = _imported(emulator)
    extra = _copy(emulator_server, emulator, first)
    worked = _copy(emulator_server, emulator, second)
    emulator.device_edit(
        worked,
        lambda p: p.update(
            biographies=[{"value": "called, wants tiles", "contentType": "TEXT_PLAIN"}]
        ),
    )

    code, out = crm("sync")
    assert code == 0
    code, out = crm("--json", "import", str(path))  # a later run of the same import
    assert code == 0 and json.loads(out)["duplicates"] == 2
    code, out = crm("import", str(path))
    assert "2 row(s) of this import exist twice" in out

    code, out = crm("--json", "doctor")
    report = json.loads(out)
    by_keep = {d["keep"]: d for d in report["duplicates"]}
    assert by_keep[first]["extra"] == [extra] and by_keep[second]["worked_on"] == [worked]
    assert report["duplicates_removed"] == []
    code, out = crm("doctor")
    assert "exists 2 times" in out and "crm doctor --repair deletes them" in out

    code, out = crm("--json", "doctor", "--repair")
    assert code == 0 and json.loads(out)["duplicates_removed"] == [extra]
    assert extra not in _imported(emulator) and worked in _imported(emulator)
    with Account.open() as acc:
        gone = [e for e in acc.journal.events() if e.kind == "contact_deleted"]
        assert [e.contact for e in gone] == [extra] and gone[0].state == "applied"
        assert gone[0].data["person"]["resourceName"] == extra
    code, out = crm("--json", "doctor")
    assert [d["keep"] for d in json.loads(out)["duplicates"]] == [second]  # only the merge left
