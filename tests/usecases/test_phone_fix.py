"""crm doctor --phones [--fix] [--undo] over the emulator: E.164 for every number."""

from __future__ import annotations

import json
import math

import pytest
from cli_helpers import crm

from contacts_crm import config as cfg
from contacts_crm.account.connected import Account
from contacts_crm.emulator import build_service

N = 300


def typed(i: int) -> tuple[str, str]:
    """(a number as someone typed it, its E.164 form); spellings rotate."""
    d = f"{i:07d}"
    e164 = f"+7916{d}"
    a, b, c = d[:3], d[3:5], d[5:]
    forms = [
        f"8 (916) {a}-{b}-{c}",
        f"+7 916 {a} {b} {c}",
        f"8916{d}",
        f"7-916-{a}-{b}-{c}",
        f"916 {a} {b} {c}",
        f"8-916-{a}-{b}-{c}",
        f"+7(916){d}",
        e164,  # already right: left alone
    ]
    return forms[i % len(forms)], e164


@pytest.fixture
def account_with_typed_numbers(emulator_server, tmp_path):
    conf = cfg.load()
    conf.profiles["office"] = cfg.Profile(
        name="office", kind="endpoint", endpoint=emulator_server.url, user="Olga"
    )
    conf.default_profile = "office"
    cfg.save(conf)
    seeder = Account.from_service(build_service(emulator_server.url), tmp_path / "seed")
    people = []
    for i in range(N):
        phones = [{"value": typed(i)[0], "type": "mobile"}]
        if i % 50 == 7:
            phones.append({"value": "call the office", "type": "work"})  # cannot be read
        if i % 60 == 3:  # the same number twice, spelled two ways: one stays after the fix
            phones.append({"value": f"8 916 {i:07d}", "type": "home"})
        people.append({"names": [{"givenName": f"Client{i:03d}"}], "phoneNumbers": phones})
    people.append(
        {"names": [{"givenName": "Moscow"}], "phoneNumbers": [{"value": "+7 903 555-12-34"}]}
    )
    people.append(
        {"names": [{"givenName": "Istanbul"}], "phoneNumbers": [{"value": "+90 532 555 12 34"}]}
    )
    made = seeder.client.create_many(people)
    seeder.close()
    return {p["names"][0]["givenName"]: p for p in made}


def values(emulator, rn):
    return [p["value"] for p in emulator.store.get_person(rn).data.get("phoneNumbers", [])]


def test_dry_run_lists_fixes_unreadable_and_clashes_without_writing(
    account_with_typed_numbers, emulator
):
    emulator.reset_counters()
    code, out = crm("--json", "doctor", "--phones")
    assert code == 0, out
    report = json.loads(out)
    assert report["checked"] == N + 2
    wrong = [i for i in range(N) if i % 8 != 7 or i % 60 == 3]  # every 8th is E.164 already
    assert len(report["toFix"]) == len(wrong) + 2  # and Moscow's and Istanbul's numbers
    assert {u["phone"] for u in report["unreadable"]} == {"call the office"}
    assert len(report["unreadable"]) == len([i for i in range(N) if i % 50 == 7])
    clash = [c for c in report["clashes"] if c["tail"] == "5551234"]
    assert len(clash) == 1 and not clash[0]["sameNumber"]
    assert {c["name"] for c in clash[0]["contacts"]} == {"Moscow", "Istanbul"}
    assert not any(k.startswith("people.batchUpdate") for k in emulator.counters)
    code, out = crm("doctor", "--phones")
    assert (
        "crm doctor --phones --fix" in out
        and "Istanbul +90 532 555 12 34 / Moscow +7 903 555-12-34" in out
    )


def test_fix_writes_exact_e164_in_batches_one_operation_and_undo_restores(
    account_with_typed_numbers, emulator
):
    made = account_with_typed_numbers
    emulator.reset_counters()
    code, out = crm("--json", "doctor", "--phones", "--fix")
    assert code == 0, out
    report = json.loads(out)
    op = report["opId"]
    fixed = len(report["toFix"])
    assert report["fixed"] == fixed
    assert emulator.counters["people.batchUpdateContacts"] == math.ceil(fixed / 200)
    assert emulator.counters["people.updateContact"] == 0
    for i in range(N):
        got = values(emulator, made[f"Client{i:03d}"]["resourceName"])
        assert got[0] == typed(i)[1], (i, got)
        if i % 50 == 7:
            assert "call the office" in got  # unreadable: left as it was
        if i % 60 == 3:
            assert got == [typed(i)[1]]  # the repeat is gone (the undo brings it back)
    # one journal operation holding every change with the typed value
    account = Account.open()
    events = account.journal.operation(op)
    account.close()
    assert [e.kind for e in events].count("phone_fix") == 1
    assert len([e for e in events if e.kind == "phone_fixed"]) == fixed
    assert all(e.state == "applied" for e in events)
    assert json.loads(crm("--json", "doctor", "--phones")[1])["toFix"] == []
    # undo puts back exactly what was typed
    code, out = crm("--json", "doctor", "--phones", "--undo", op)
    assert code == 0, out
    for name, person in made.items():
        want = [p["value"] for p in person.get("phoneNumbers", [])]
        assert values(emulator, person["resourceName"]) == want, name
    code, out = crm("--json", "doctor", "--phones", "--undo", op)  # not twice: says so, exit 0
    assert code == 0 and json.loads(out)["already"]
    for name, person in made.items():
        want = [p["value"] for p in person.get("phoneNumbers", [])]
        assert values(emulator, person["resourceName"]) == want, name
    assert crm("doctor", "--phones", "--undo", "nope")[0] == 66


def test_concurrent_edit_during_the_fix_is_kept(account_with_typed_numbers, emulator):
    made = account_with_typed_numbers
    rn = made["Client001"]["resourceName"]

    def other_device(p: dict) -> None:
        p["phoneNumbers"].append({"value": "8 999 000-11-22", "type": "work"})
        p["names"] = [{"givenName": "Client001", "familyName": "Renamed on the phone"}]

    emulator.arm_conflict(rn, other_device)
    emulator.reset_counters()
    code, out = crm("--json", "doctor", "--phones", "--fix")
    assert code == 0, out
    assert emulator.counters["status.400"] >= 1  # the batch met the stale etag
    person = emulator.store.get_person(rn).data
    assert [p["value"] for p in person["phoneNumbers"]] == [typed(1)[1], "+79990001122"]
    assert person["names"][0]["familyName"] == "Renamed on the phone"
    for i in range(2, N):  # the rest of the batch was written too
        assert values(emulator, made[f"Client{i:03d}"]["resourceName"])[0] == typed(i)[1]


def test_bad_region_and_misused_options(account_with_typed_numbers):
    assert crm("doctor", "--phones", "--region", "XX")[0] == 2
    assert crm("doctor", "--fix")[0] == 2
    code, out = crm("--json", "doctor", "--phones", "--region", "tr")
    assert code == 0 and json.loads(out)["region"] == "TR"
