"""The emulator answers through the real googleapiclient, in-process and over HTTP."""

from __future__ import annotations

from contacts_crm.emulator import Emulator, build_service


def test_create_and_get_in_process(emulator: Emulator) -> None:
    svc = build_service(emulator)
    created = svc.people().createContact(body={"names": [{"givenName": "Ann"}]}).execute()
    got = svc.people().get(resourceName=created["resourceName"], personFields="names").execute()
    assert got["names"][0]["displayName"] == "Ann"
    assert got["etag"] == created["etag"]


def test_create_over_loopback(people_service, emulator: Emulator) -> None:
    created = (
        people_service.people()
        .createContact(body={"names": [{"givenName": "Bob"}]}, personFields="names,metadata")
        .execute()
    )
    assert created["resourceName"].startswith("people/c")
    assert emulator.counters["people.createContact"] == 1
