"""The account's stores: one read-modify-write, its batch form, one create path, one
race-safe group ensure — each against the emulator, with the API calls they cost."""

from __future__ import annotations

from typing import Any

import pytest

from contacts_crm.account.connected import Account
from contacts_crm.contact.model import Contact
from contacts_crm.emulator import build_service
from contacts_crm.errors import ConflictError

NOTES = [{"value": "edited elsewhere", "contentType": "TEXT_PLAIN"}]


def _calls(emu) -> dict[str, int]:
    return {k: v for k, v in emu.counters.items() if not k.startswith(("quota", "status."))}


@pytest.fixture
def account(local_account) -> tuple[Account, Any]:
    acc, emu = local_account
    acc.client._sleep = lambda s: None
    acc.sync(full=True)
    return acc, emu


def _renamed(given: str):
    def operation(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        names = [{**person["names"][0], "givenName": given}]
        return {"names": names}, ["names"]

    return operation


def test_write_starts_from_the_local_copy_and_costs_one_call(account):
    acc, emu = account
    rn = acc.contacts.create(Contact(given_name="Anna").to_person())["resourceName"]
    emu.reset_counters()
    written = acc.contacts.write(rn, _renamed("Anya"))
    assert _calls(emu) == {"people.updateContact": 1}
    assert written["names"][0]["givenName"] == "Anya"
    assert acc.contacts.person(rn)["etag"] == written["etag"]  # the response is the copy


def test_write_reapplies_the_operation_on_a_stale_etag_never_the_old_body(account):
    acc, emu = account
    rn = acc.contacts.create(Contact(given_name="Anna").to_person())["resourceName"]
    emu.arm_conflict(rn, lambda p: p.update(biographies=NOTES), times=1)
    seen: list[str] = []

    def operation(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        seen.append(person.get("etag", ""))
        return {"names": [{"givenName": "Anya"}], "biographies": person.get("biographies", [])}, [
            "names", "biographies"]  # fmt: skip

    emu.reset_counters()
    written = acc.contacts.write(rn, operation)
    assert len(seen) == 2 and seen[0] != seen[1]  # run again on the fresh copy
    assert _calls(emu) == {"people.updateContact": 2, "people.get": 1}
    assert written["biographies"][0]["value"] == "edited elsewhere"  # the other edit is kept
    assert written["names"][0]["givenName"] == "Anya"
    assert acc.contacts.get(rn).notes == "edited elsewhere"


def test_write_gives_up_with_a_conflict_after_the_bound(account):
    acc, emu = account
    acc.client.conflict_attempts = 3
    rn = acc.contacts.create(Contact(given_name="Anna").to_person())["resourceName"]
    emu.arm_conflict(rn, lambda p: p.update(biographies=NOTES), times=10)
    with pytest.raises(ConflictError) as caught:
        acc.contacts.write(rn, _renamed("Anya"))
    assert caught.value.exit_code == 75


def test_write_many_redoes_only_the_stale_contacts_from_their_fresh_copy(account):
    acc, emu = account
    made = acc.contacts.create_many([Contact(given_name=n).to_person() for n in ("A", "B")])
    a, b = (p["resourceName"] for p in made)
    emu.arm_conflict(b, lambda p: p.update(biographies=NOTES), times=1)

    def again(fresh: dict[str, Any]) -> dict[str, Any]:
        return {"names": [{**fresh["names"][0], "familyName": "Smith"}]}

    planned = [{**again(p), "resourceName": p["resourceName"], "etag": p["etag"]} for p in made]
    emu.reset_counters()
    written = acc.contacts.write_many(planned, ["names"], again,
                                      bases={p["resourceName"]: p for p in made})  # fmt: skip
    assert _calls(emu) == {"people.batchUpdateContacts": 2, "people.getBatchGet": 1}
    assert {p["resourceName"] for p in written} == {a, b}
    assert acc.contacts.get(b).family_name == "Smith" and acc.contacts.get(b).notes == (
        "edited elsewhere")  # fmt: skip


def test_create_marks_it_and_puts_it_in_the_local_copy_delete_takes_it_out(account):
    acc, _emu = account
    created = acc.contacts.create(Contact(given_name="Anna").to_person())
    rn = created["resourceName"]
    assert any(d.get("key") == "crm.key" for d in created.get("clientData", []))
    assert acc.contacts.get(rn) is not None
    acc.contacts.delete_many([rn])
    assert acc.contacts.get(rn) is None
    assert acc.contacts.fetch_many([rn]) == []


def test_ensure_a_group_the_copy_knows_costs_nothing(account):
    acc, emu = account
    made = acc.groups.ensure("Wholesale")
    assert made.created
    emu.reset_counters()
    again = acc.groups.ensure("wholesale")  # any case
    assert again.resource_name == made.resource_name and not again.created
    assert _calls(emu) == {}


def test_ensure_takes_a_group_made_meanwhile_on_another_device(account, tmp_path):
    acc, emu = account
    other = Account.from_service(build_service(emu), tmp_path / "other-pc")
    theirs = other.groups.ensure("Retail")
    other.close()
    emu.reset_counters()
    ours = acc.groups.ensure("Retail")  # our copy does not know it yet
    assert ours.resource_name == theirs.resource_name and not ours.created
    assert _calls(emu) == {"contactGroups.create": 1, "contactGroups.list": 1}
    assert [g["name"] for g in acc.groups.fetch()].count("Retail") == 1
