"""Contract: people.* behaviour Google shows (people-api.md §3), via the real client."""

from __future__ import annotations

import pytest
from emulator_contract_helpers import error_of, make_people
from googleapiclient.errors import HttpError

STALE = (
    "Request person.etag is different than the current person.etag. Clear local cache and get the"
    " latest person."
)
MISSING = (
    "Request must set person.etag or person.metadata.sources.etag for the source that is being"
    " updated."
)


def create(svc, **fields):
    return (
        svc.people()
        .createContact(body=fields, personFields="names,metadata,memberships,biographies")
        .execute()
    )


def test_create_assigns_resource_name_from_hex_source_id(svc):
    p = create(svc, names=[{"givenName": "Ann"}])
    source = p["metadata"]["sources"][0]
    assert source["type"] == "CONTACT"
    assert p["resourceName"] == f"people/c{int(source['id'], 16)}"
    assert source["etag"] and p["etag"]


def test_create_without_memberships_lands_in_my_contacts(svc):
    p = create(svc, names=[{"givenName": "Ann"}])
    groups = [m["contactGroupMembership"]["contactGroupResourceName"] for m in p["memberships"]]
    assert groups == ["contactGroups/myContacts"]


def test_update_replaces_masked_fields_and_keeps_the_rest(svc):
    p = (
        svc.people()
        .createContact(
            body={
                "names": [{"givenName": "Ann"}],
                "emailAddresses": [{"value": "a@x.org"}],
                "phoneNumbers": [{"value": "+41319280960"}],
            },
        )
        .execute()
    )
    upd = (
        svc.people()
        .updateContact(
            resourceName=p["resourceName"],
            updatePersonFields="emailAddresses,phoneNumbers",
            personFields="names,emailAddresses,phoneNumbers",
            body={"etag": p["etag"], "emailAddresses": [{"value": "b@x.org"}]},
        )
        .execute()
    )
    assert [e["value"] for e in upd["emailAddresses"]] == ["b@x.org"]
    assert "phoneNumbers" not in upd  # masked but absent: cleared
    assert upd["names"][0]["givenName"] == "Ann"  # unmasked: untouched


def test_etags_change_on_every_write(svc):
    p = create(svc, names=[{"givenName": "Ann"}])
    seen_person, seen_source = {p["etag"]}, {p["metadata"]["sources"][0]["etag"]}
    etag = p["etag"]
    for i in range(3):
        p = (
            svc.people()
            .updateContact(
                resourceName=p["resourceName"],
                updatePersonFields="biographies",
                personFields="metadata",
                body={"etag": etag, "biographies": [{"value": f"v{i}"}]},
            )
            .execute()
        )
        etag = p["etag"]
        assert etag not in seen_person
        assert p["metadata"]["sources"][0]["etag"] not in seen_source
        seen_person.add(etag)
        seen_source.add(p["metadata"]["sources"][0]["etag"])


def test_source_etag_is_accepted_for_update(svc):
    p = create(svc, names=[{"givenName": "Ann"}])
    upd = (
        svc.people()
        .updateContact(
            resourceName=p["resourceName"],
            updatePersonFields="names",
            body={
                "metadata": {
                    "sources": [
                        {
                            "type": "CONTACT",
                            "id": p["metadata"]["sources"][0]["id"],
                            "etag": p["metadata"]["sources"][0]["etag"],
                        }
                    ]
                },
                "names": [{"givenName": "Anna"}],
            },
        )
        .execute()
    )
    assert upd["names"][0]["givenName"] == "Anna"


def test_stale_etag_is_400_failed_precondition_with_exact_message(svc):
    p = create(svc, names=[{"givenName": "Ann"}])
    svc.people().updateContact(
        resourceName=p["resourceName"],
        updatePersonFields="names",
        body={"etag": p["etag"], "names": [{"givenName": "B"}]},
    ).execute()
    with pytest.raises(HttpError) as ei:
        svc.people().updateContact(
            resourceName=p["resourceName"],
            updatePersonFields="names",
            body={"etag": p["etag"], "names": [{"givenName": "C"}]},
        ).execute()
    err = error_of(ei.value)
    assert ei.value.resp.status == 400
    assert err["status"] == "FAILED_PRECONDITION"
    assert err["message"] == STALE
    assert err["errors"][0]["reason"] == "failedPrecondition"


def test_missing_etag_is_400(svc):
    p = create(svc, names=[{"givenName": "Ann"}])
    with pytest.raises(HttpError) as ei:
        svc.people().updateContact(
            resourceName=p["resourceName"],
            updatePersonFields="names",
            body={"names": [{"givenName": "C"}]},
        ).execute()
    assert ei.value.resp.status == 400
    assert error_of(ei.value)["message"] == MISSING


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda s, rn: s.people().get(resourceName=rn), "personFields mask is required"),
        (
            lambda s, rn: s.people().get(resourceName=rn, personFields="names,etag"),
            'Invalid personFields mask path: "etag"',
        ),
        (
            lambda s, rn: s.people().connections().list(resourceName="people/me"),
            "personFields mask is required",
        ),
        (lambda s, rn: s.people().searchContacts(query="a"), "readMask is required"),
        (
            lambda s, rn: s.people().updateContact(resourceName=rn, body={"etag": "x"}),
            "updatePersonFields mask is required",
        ),
        (
            lambda s, rn: s.people().updateContact(
                resourceName=rn, updatePersonFields="photos", body={"etag": "x"}
            ),
            'Invalid updatePersonFields mask path: "photos"',
        ),
    ],
)
def test_masks_missing_or_invalid_are_400(svc, call, expected):
    p = create(svc, names=[{"givenName": "Ann"}])
    with pytest.raises(HttpError) as ei:
        call(svc, p["resourceName"]).execute()
    err = error_of(ei.value)
    assert ei.value.resp.status == 400
    assert err["status"] == "INVALID_ARGUMENT"
    assert err["message"].startswith(expected)


@pytest.mark.parametrize("field", ["names", "biographies", "birthdays", "genders"])
def test_singleton_fields_reject_two_values(svc, field):
    values = {
        "names": [{"givenName": "A"}, {"givenName": "B"}],
        "biographies": [{"value": "a"}, {"value": "b"}],
        "birthdays": [{"date": {"year": 1990, "month": 1, "day": 2}}, {"text": "x"}],
        "genders": [{"value": "female"}, {"value": "male"}],
    }[field]
    with pytest.raises(HttpError) as ei:
        svc.people().createContact(body={field: values}).execute()
    assert ei.value.resp.status == 400
    assert error_of(ei.value)["message"] == f"Cannot have more than one person.{field} per source."


def test_delete_then_get_is_404(svc):
    p = create(svc, names=[{"givenName": "Ann"}])
    assert svc.people().deleteContact(resourceName=p["resourceName"]).execute() == {}
    with pytest.raises(HttpError) as ei:
        svc.people().get(resourceName=p["resourceName"], personFields="names").execute()
    assert ei.value.resp.status == 404
    assert error_of(ei.value)["message"] == "Requested entity was not found."


def test_batch_create_of_201_is_400_and_200_is_one_call(svc):
    body = {
        "contacts": [{"contactPerson": {"names": [{"givenName": f"n{i}"}]}} for i in range(201)],
        "readMask": "names",
    }
    with pytest.raises(HttpError) as ei:
        svc.people().batchCreateContacts(body=body).execute()
    assert ei.value.resp.status == 400
    body["contacts"].pop()
    resp = svc.people().batchCreateContacts(body=body).execute()
    assert len(resp["createdPeople"]) == 200
    assert {r["person"]["names"][0]["givenName"] for r in resp["createdPeople"]} == {
        f"n{i}" for i in range(200)
    }


def test_batch_create_applies_memberships_and_counts(svc):
    grp = svc.contactGroups().create(body={"contactGroup": {"name": "Wholesale"}}).execute()
    member = {"contactGroupMembership": {"contactGroupResourceName": grp["resourceName"]}}
    resp = (
        svc.people()
        .batchCreateContacts(
            body={
                "contacts": [
                    {"contactPerson": {"names": [{"givenName": "A"}], "memberships": [member]}}
                ]
                * 3,
                "readMask": "memberships",
            }
        )
        .execute()
    )
    for r in resp["createdPeople"]:
        names = [
            m["contactGroupMembership"]["contactGroupResourceName"]
            for m in r["person"]["memberships"]
        ]
        assert names == [grp["resourceName"]]
    got = svc.contactGroups().get(resourceName=grp["resourceName"]).execute()
    assert got["memberCount"] == 3


def test_batch_update_keyed_by_resource_name(svc):
    people = make_people(svc, 3)
    body = {
        "contacts": {
            p["resourceName"]: {"etag": p["etag"], "biographies": [{"value": "hi"}]} for p in people
        },
        "updateMask": "biographies",
        "readMask": "biographies",
    }
    resp = svc.people().batchUpdateContacts(body=body).execute()
    assert set(resp["updateResult"]) == {p["resourceName"] for p in people}
    for r in resp["updateResult"].values():
        assert r["person"]["biographies"][0]["value"] == "hi"


def test_batch_update_with_one_stale_etag_changes_nothing(svc):
    people = make_people(svc, 2)
    body = {
        "contacts": {
            people[0]["resourceName"]: {"etag": people[0]["etag"], "biographies": [{"value": "x"}]},
            people[1]["resourceName"]: {"etag": "%stale", "biographies": [{"value": "x"}]},
        },
        "updateMask": "biographies",
        "readMask": "biographies",
    }
    with pytest.raises(HttpError) as ei:
        svc.people().batchUpdateContacts(body=body).execute()
    assert ei.value.resp.status == 400
    got = (
        svc.people()
        .get(resourceName=people[0]["resourceName"], personFields="biographies")
        .execute()
    )
    assert got["etag"] == people[0]["etag"] and "biographies" not in got


def test_batch_delete_limit_and_effect(svc):
    people = make_people(svc, 3)
    with pytest.raises(HttpError) as ei:
        svc.people().batchDeleteContacts(body={"resourceNames": ["people/c1"] * 501}).execute()
    assert ei.value.resp.status == 400
    names = [p["resourceName"] for p in people]
    assert svc.people().batchDeleteContacts(body={"resourceNames": names[:2]}).execute() == {}
    resp = svc.people().getBatchGet(resourceNames=names, personFields="names").execute()
    assert [("person" in r) for r in resp["responses"]] == [False, False, True]


def test_get_batch_get_limits_and_long_url_post_override(svc):
    people = make_people(svc, 200)
    names = [p["resourceName"] for p in people]
    req = svc.people().getBatchGet(resourceNames=names, personFields="names")
    assert len(req.uri) > 2048
    resp = req.execute()
    assert req.method == "POST" and req.headers["x-http-method-override"] == "GET"
    assert [r["person"]["resourceName"] for r in resp["responses"]] == names
    with pytest.raises(HttpError) as ei:
        svc.people().getBatchGet(resourceNames=[*names, names[0]], personFields="names").execute()
    assert ei.value.resp.status == 400


def test_connections_list_caps_page_size(svc):
    with pytest.raises(HttpError) as ei:
        svc.people().connections().list(
            resourceName="people/me", personFields="names", pageSize=1001
        ).execute()
    assert ei.value.resp.status == 400


def test_nicknames_urls_and_birthdays_come_back_in_googles_shapes(svc):
    """Nickname {value, type enum} (no formattedType), Url {value, type, formattedType},
    Birthday {date {year, month, day}}; a date without a year has none."""
    p = (
        svc.people()
        .createContact(
            body={
                "names": [{"givenName": "Ann"}],
                "nicknames": [{"value": "Annie"}],
                "urls": [{"value": "https://ann.example", "type": "homePage"},
                         {"value": "https://ann.example/w", "type": "work"}],
                "birthdays": [{"date": {"month": 4, "day": 12}}],
            },
            personFields="nicknames,urls,birthdays",
        )
        .execute()
    )  # fmt: skip
    assert [n["value"] for n in p["nicknames"]] == ["Annie"]
    assert "formattedType" not in p["nicknames"][0]
    assert [(u["type"], u["formattedType"]) for u in p["urls"]] == [
        ("homePage", "Home Page"), ("work", "Work")]  # fmt: skip
    assert p["birthdays"][0]["date"] == {"month": 4, "day": 12}


@pytest.mark.parametrize(
    "field, item, path",
    [
        ("nicknames", {"value": "Annie", "type": "PET_NAME"}, "person.nicknames[0].type"),
        ("birthdays", {"date": {"year": "1985", "month": 4, "day": 12}},
         "person.birthdays[0].date.year"),
    ],
)  # fmt: skip
def test_a_nickname_type_off_the_list_or_a_date_of_text_is_refused(svc, field, item, path):
    with pytest.raises(HttpError) as info:
        create(svc, names=[{"givenName": "Ann"}], **{field: [item]})
    assert info.value.resp.status == 400
    assert path in error_of(info.value)["message"]
