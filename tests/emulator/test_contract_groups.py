"""Contract: contactGroups.* (people-api.md §2.2, §3.6)."""

from __future__ import annotations

import pytest
from emulator_contract_helpers import error_of, make_people
from googleapiclient.errors import HttpError


def groups_of(svc, rn):
    p = svc.people().get(resourceName=rn, personFields="memberships").execute()
    return {m["contactGroupMembership"]["contactGroupResourceName"] for m in p["memberships"]}


def test_system_groups_are_listed(svc):
    resp = svc.contactGroups().list(pageSize=100).execute()
    by_rn = {g["resourceName"]: g for g in resp["contactGroups"]}
    assert by_rn["contactGroups/myContacts"]["groupType"] == "SYSTEM_CONTACT_GROUP"
    assert by_rn["contactGroups/myContacts"]["formattedName"] == "My Contacts"
    assert by_rn["contactGroups/starred"]["formattedName"] == "Starred"


def test_duplicate_group_name_is_409(svc):
    svc.contactGroups().create(body={"contactGroup": {"name": "Leads"}}).execute()
    with pytest.raises(HttpError) as ei:
        svc.contactGroups().create(body={"contactGroup": {"name": "Leads"}}).execute()
    assert ei.value.resp.status == 409


def test_members_modify_adds_removes_and_keeps_last_group(svc):
    a, b = make_people(svc, 2)
    grp = svc.contactGroups().create(body={"contactGroup": {"name": "VIP"}}).execute()
    rn = grp["resourceName"]
    resp = (
        svc.contactGroups()
        .members()
        .modify(
            resourceName=rn,
            body={"resourceNamesToAdd": [a["resourceName"], b["resourceName"], "people/c1"]},
        )
        .execute()
    )
    assert resp == {"notFoundResourceNames": ["people/c1"]}
    assert rn in groups_of(svc, a["resourceName"])
    got = svc.contactGroups().get(resourceName=rn, maxMembers=10).execute()
    assert got["memberCount"] == 2
    assert set(got["memberResourceNames"]) == {a["resourceName"], b["resourceName"]}
    # a's only other group is myContacts: removing it from myContacts is fine, then VIP is last
    svc.contactGroups().members().modify(
        resourceName="contactGroups/myContacts",
        body={"resourceNamesToRemove": [a["resourceName"]]},
    ).execute()
    resp = (
        svc.contactGroups()
        .members()
        .modify(resourceName=rn, body={"resourceNamesToRemove": [a["resourceName"]]})
        .execute()
    )
    assert resp == {"canNotRemoveLastContactGroupResourceNames": [a["resourceName"]]}
    assert groups_of(svc, a["resourceName"]) == {rn}


def test_members_modify_bumps_person_etag(svc):
    (p,) = make_people(svc, 1)
    grp = svc.contactGroups().create(body={"contactGroup": {"name": "G"}}).execute()
    svc.contactGroups().members().modify(
        resourceName=grp["resourceName"], body={"resourceNamesToAdd": [p["resourceName"]]}
    ).execute()
    now = svc.people().get(resourceName=p["resourceName"], personFields="names").execute()
    assert now["etag"] != p["etag"]


def test_members_modify_limit_is_1000(svc):
    grp = svc.contactGroups().create(body={"contactGroup": {"name": "Big"}}).execute()
    with pytest.raises(HttpError) as ei:
        svc.contactGroups().members().modify(
            resourceName=grp["resourceName"],
            body={
                "resourceNamesToAdd": ["people/c1"] * 600,
                "resourceNamesToRemove": ["people/c2"] * 401,
            },
        ).execute()
    assert ei.value.resp.status == 400


def test_adding_to_deprecated_system_group_is_400(svc):
    (p,) = make_people(svc, 1)
    with pytest.raises(HttpError) as ei:
        svc.contactGroups().members().modify(
            resourceName="contactGroups/friends",
            body={"resourceNamesToAdd": [p["resourceName"]]},
        ).execute()
    assert ei.value.resp.status == 400
    assert error_of(ei.value)["message"] == "Cannot add contacts to deprecated system contact group"
    svc.contactGroups().members().modify(
        resourceName="contactGroups/starred", body={"resourceNamesToAdd": [p["resourceName"]]}
    ).execute()
    assert "contactGroups/starred" in groups_of(svc, p["resourceName"])


def test_update_leaving_no_membership_is_400(svc):
    (p,) = make_people(svc, 1)
    with pytest.raises(HttpError) as ei:
        svc.people().updateContact(
            resourceName=p["resourceName"],
            updatePersonFields="memberships",
            body={"etag": p["etag"], "memberships": []},
        ).execute()
    assert ei.value.resp.status == 400


def test_group_rename_and_delete_with_cascade(svc):
    a, b = make_people(svc, 2)
    grp = svc.contactGroups().create(body={"contactGroup": {"name": "Old"}}).execute()
    rn = grp["resourceName"]
    svc.contactGroups().members().modify(
        resourceName=rn, body={"resourceNamesToAdd": [a["resourceName"]]}
    ).execute()
    renamed = (
        svc.contactGroups()
        .update(resourceName=rn, body={"contactGroup": {"name": "New", "etag": grp["etag"]}})
        .execute()
    )
    assert renamed["name"] == "New"
    assert svc.contactGroups().delete(resourceName=rn, deleteContacts=True).execute() == {}
    with pytest.raises(HttpError) as ei:
        svc.people().get(resourceName=a["resourceName"], personFields="names").execute()
    assert ei.value.resp.status == 404
    assert svc.people().get(resourceName=b["resourceName"], personFields="names").execute()
    with pytest.raises(HttpError) as ei:
        svc.contactGroups().get(resourceName=rn).execute()
    assert ei.value.resp.status == 404


def test_group_delete_without_cascade_keeps_contacts(svc):
    (a,) = make_people(svc, 1)
    grp = svc.contactGroups().create(body={"contactGroup": {"name": "Tmp"}}).execute()
    svc.contactGroups().members().modify(
        resourceName=grp["resourceName"], body={"resourceNamesToAdd": [a["resourceName"]]}
    ).execute()
    svc.contactGroups().delete(resourceName=grp["resourceName"]).execute()
    assert groups_of(svc, a["resourceName"]) == {"contactGroups/myContacts"}
