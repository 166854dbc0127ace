"""The local account's file shared by several openers (processes on one PC): each
opener sees the others' writes, takes its own change numbers under the write lock,
and never replaces another contact's row; a sync token misses nothing."""

from __future__ import annotations

from pathlib import Path

from contacts_crm.emulator import Emulator, build_service


def _names(svc) -> list[str]:
    out = svc.people().connections().list(resourceName="people/me", personFields="names")
    return sorted(p["names"][0]["displayName"] for p in out.execute().get("connections", []))


def test_two_openers_writing_in_turn_keep_every_contact(tmp_path: Path) -> None:
    db = str(tmp_path / "local-account.sqlite")
    first, second = Emulator(db), Emulator(db)  # both read the file's state at open
    try:
        one, two = build_service(first), build_service(second)
        people = one.people()
        a = people.createContact(body={"names": [{"givenName": "Anna"}]}).execute()
        # the second opener writes after the first did: it must not reuse its number
        two.people().createContact(body={"names": [{"givenName": "Boris"}]}).execute()
        people.updateContact(
            resourceName=a["resourceName"],
            updatePersonFields="names",
            body={"etag": a["etag"], "names": [{"givenName": "Anna", "familyName": "K"}]},
        ).execute()
        two.people().createContact(body={"names": [{"givenName": "Vera"}]}).execute()
        assert _names(one) == _names(two) == ["Anna K", "Boris", "Vera"]
        seqs = [r.seq for r in first.store.all_live_persons()]
        assert len(set(seqs)) == 3
    finally:
        first.close()
        second.close()


def test_a_sync_token_from_one_opener_sees_the_others_writes(tmp_path: Path) -> None:
    db = str(tmp_path / "local-account.sqlite")
    first, second = Emulator(db), Emulator(db)
    try:
        one, two = build_service(first), build_service(second)
        two.people().createContact(body={"names": [{"givenName": "Anna"}]}).execute()
        listed = (
            one.people()
            .connections()
            .list(resourceName="people/me", personFields="names", requestSyncToken=True)
            .execute()
        )
        assert len(listed["connections"]) == 1
        two.people().createContact(body={"names": [{"givenName": "Boris"}]}).execute()
        changes = (
            one.people()
            .connections()
            .list(
                resourceName="people/me",
                personFields="names",
                requestSyncToken=True,
                syncToken=listed["nextSyncToken"],
            )
            .execute()
        )
        assert [p["names"][0]["givenName"] for p in changes["connections"]] == ["Boris"]
    finally:
        first.close()
        second.close()
