"""Contract: connections.list paging and sync tokens (people-api.md §3.1)."""

from __future__ import annotations

import pytest
from emulator_contract_helpers import detail_reasons, error_of, make_people
from googleapiclient.errors import HttpError

from contacts_crm.emulator import Emulator, EmulatorServer, build_service

EXPIRED = "Sync token is expired. Clear local cache and retry call without the sync token."


def list_all(svc, **params):
    """Follow nextPageToken; return (people, pages, nextSyncToken)."""
    people, pages, token = [], 0, None
    while True:
        kw = dict(params)
        if token:
            kw["pageToken"] = token
        resp = svc.people().connections().list(resourceName="people/me", **kw).execute()
        pages += 1
        people.extend(resp.get("connections", []))
        token = resp.get("nextPageToken")
        if not token:
            return people, pages, resp.get("nextSyncToken")
        assert "nextSyncToken" not in resp  # only the last page carries it


def test_paging_over_pages_returns_everyone_once(svc):
    made = make_people(svc, 25)
    people, pages, sync = list_all(svc, personFields="names", pageSize=10, requestSyncToken=True)
    assert pages == 3
    assert sorted(p["resourceName"] for p in people) == sorted(p["resourceName"] for p in made)
    assert sync


def test_no_sync_token_without_request(svc):
    make_people(svc, 3)
    _, _, sync = list_all(svc, personFields="names")
    assert sync is None


def test_page_token_with_changed_params_is_400(svc):
    make_people(svc, 5)
    first = (
        svc.people()
        .connections()
        .list(resourceName="people/me", personFields="names", pageSize=2)
        .execute()
    )
    with pytest.raises(HttpError) as ei:
        svc.people().connections().list(
            resourceName="people/me",
            personFields="names,emailAddresses",
            pageSize=2,
            pageToken=first["nextPageToken"],
        ).execute()
    assert ei.value.resp.status == 400


def test_paging_is_stable_while_data_changes(svc):
    made = make_people(svc, 9)
    first = (
        svc.people()
        .connections()
        .list(resourceName="people/me", personFields="names", pageSize=3)
        .execute()
    )
    seen = [p["resourceName"] for p in first["connections"]]
    svc.people().deleteContact(resourceName=made[0]["resourceName"]).execute()  # already seen
    svc.people().createContact(body={"names": [{"givenName": "new"}]}).execute()
    rest, _, _ = list_all(svc, personFields="names", pageSize=3)  # a fresh listing still works
    more = []
    token = first["nextPageToken"]
    while token:
        resp = (
            svc.people()
            .connections()
            .list(resourceName="people/me", personFields="names", pageSize=3, pageToken=token)
            .execute()
        )
        more.extend(p["resourceName"] for p in resp.get("connections", []))
        token = resp.get("nextPageToken")
    unseen = {p["resourceName"] for p in made[3:]}
    assert unseen <= set(more)  # nobody skipped by the shifting data
    assert not set(seen) & set(more)
    assert len(rest) == 9


def test_incremental_sync_shows_creates_updates_and_tombstones(svc):
    a, b, _c = make_people(svc, 3)
    _, _, token = list_all(svc, personFields="names", pageSize=2, requestSyncToken=True)
    new = svc.people().createContact(body={"names": [{"givenName": "New"}]}).execute()
    svc.people().updateContact(
        resourceName=a["resourceName"],
        updatePersonFields="names",
        body={"etag": a["etag"], "names": [{"givenName": "Renamed"}]},
    ).execute()
    svc.people().deleteContact(resourceName=b["resourceName"]).execute()
    changes, _, token2 = list_all(
        svc, personFields="names", pageSize=2, requestSyncToken=True, syncToken=token
    )
    by_rn = {p["resourceName"]: p for p in changes}
    assert set(by_rn) == {new["resourceName"], a["resourceName"], b["resourceName"]}
    assert by_rn[a["resourceName"]]["names"][0]["givenName"] == "Renamed"
    assert by_rn[b["resourceName"]]["metadata"]["deleted"] is True
    assert by_rn[b["resourceName"]]["etag"]
    assert token2
    again, _, _ = list_all(svc, personFields="names", requestSyncToken=True, syncToken=token2)
    assert again == []


def test_membership_change_bumps_etag_and_shows_in_sync(svc):
    (p,) = make_people(svc, 1)
    _, _, token = list_all(svc, personFields="memberships", requestSyncToken=True)
    grp = svc.contactGroups().create(body={"contactGroup": {"name": "Retail"}}).execute()
    svc.contactGroups().members().modify(
        resourceName=grp["resourceName"], body={"resourceNamesToAdd": [p["resourceName"]]}
    ).execute()
    changes, _, _ = list_all(
        svc, personFields="memberships", requestSyncToken=True, syncToken=token
    )
    assert [c["resourceName"] for c in changes] == [p["resourceName"]]
    assert changes[0]["etag"] != p["etag"]
    groups = {
        m["contactGroupMembership"]["contactGroupResourceName"] for m in changes[0]["memberships"]
    }
    assert grp["resourceName"] in groups


def test_sync_token_bound_to_person_fields(svc):
    make_people(svc, 1)
    _, _, token = list_all(svc, personFields="names", requestSyncToken=True)
    with pytest.raises(HttpError) as ei:
        list_all(svc, personFields="emailAddresses", requestSyncToken=True, syncToken=token)
    assert ei.value.resp.status == 400


@pytest.mark.parametrize("status", [400, 410])
def test_expired_sync_token(emu, clock, status):
    emu.settings.expired_token_status = status
    with EmulatorServer(emu) as server:
        svc = build_service(server.url)
        make_people(svc, 2)
        _, _, token = list_all(svc, personFields="names", requestSyncToken=True)
        clock.advance(6 * 86400)
        _, _, token2 = list_all(svc, personFields="names", requestSyncToken=True, syncToken=token)
        clock.advance(86400 + 1)  # 7 days after the full sync, even for the newer token
        with pytest.raises(HttpError) as ei:
            list_all(svc, personFields="names", requestSyncToken=True, syncToken=token2)
    assert ei.value.resp.status == status
    assert "EXPIRED_SYNC_TOKEN" in detail_reasons(ei.value)
    assert error_of(ei.value)["message"] == EXPIRED


def test_propagation_delay_hides_fresh_writes_but_loses_nothing(emu, clock):
    emu.settings.propagation_delay_s = 120
    with EmulatorServer(emu) as server:
        svc = build_service(server.url)
        _, _, token = list_all(svc, personFields="names", requestSyncToken=True)
        first = svc.people().createContact(body={"names": [{"givenName": "First"}]}).execute()
        clock.advance(60)
        second = svc.people().createContact(body={"names": [{"givenName": "Second"}]}).execute()
        changes, _, token = list_all(
            svc, personFields="names", requestSyncToken=True, syncToken=token
        )
        assert changes == []  # neither write visible yet
        clock.advance(61)  # first visible, second not
        changes, _, token = list_all(
            svc, personFields="names", requestSyncToken=True, syncToken=token
        )
        assert [c["resourceName"] for c in changes] == [first["resourceName"]]
        clock.advance(60)
        changes, _, _ = list_all(svc, personFields="names", requestSyncToken=True, syncToken=token)
        assert second["resourceName"] in [c["resourceName"] for c in changes]


def test_contact_groups_list_sync_token_shows_deleted_groups(svc):
    g = svc.contactGroups().create(body={"contactGroup": {"name": "Temp"}}).execute()
    resp = svc.contactGroups().list(pageSize=3).execute()
    token = resp.get("nextPageToken")
    names = [x["resourceName"] for x in resp["contactGroups"]]
    while token:
        resp = svc.contactGroups().list(pageSize=3, pageToken=token).execute()
        names += [x["resourceName"] for x in resp["contactGroups"]]
        token = resp.get("nextPageToken")
    assert g["resourceName"] in names and "contactGroups/myContacts" in names
    sync = resp["nextSyncToken"]
    svc.contactGroups().delete(resourceName=g["resourceName"]).execute()
    resp = svc.contactGroups().list(syncToken=sync).execute()
    deleted = [x for x in resp["contactGroups"] if x["resourceName"] == g["resourceName"]]
    assert deleted and deleted[0]["metadata"]["deleted"] is True


def test_full_listing_with_google_default_page_size(emu: Emulator):
    svc = build_service(emu)
    make_people(svc, 150)
    people, pages, _ = list_all(svc, personFields="names")
    assert pages == 2 and len(people) == 150
