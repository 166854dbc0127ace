"""Contact <-> Person JSON: round trips, and nothing the tool did not touch is lost."""

from __future__ import annotations

import copy
from dataclasses import fields as dc_fields

from hypothesis import given, settings
from hypothesis import strategies as st

from contacts_crm.account.people import PeopleClient
from contacts_crm.contact.model import (
    MY_CONTACTS,
    READ_FIELDS,
    WRITABLE,
    Address,
    Contact,
    EmailEntry,
    PhoneEntry,
)

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=20)
word = st.text(
    alphabet="абвгдежзийклмнопрстуфхцчшщыэюяAaBbÇçĞğİıÖöŞşÜü-' ", min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s.strip())
kind = st.sampled_from(["mobile", "work", "home", "other"])
phone = st.builds(
    PhoneEntry,
    st.sampled_from(
        ["+79161234567", "+905321234567", "+12015550123", "+442079460958", "+74951234567;ext=12"]
    ),
    kind,
)
email = st.builds(
    EmailEntry, st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.(com|ru|tr)", fullmatch=True), kind
)
address = st.builds(
    Address,
    formatted=text,
    type=kind,
    street=text,
    city=text,
    region=text,
    postal_code=text,
    country=text,
)
group = st.sampled_from(
    [MY_CONTACTS, "contactGroups/starred", "contactGroups/abc123", "contactGroups/f00"]
)

contacts = st.builds(
    Contact,
    given_name=word | st.just(""),
    family_name=word | st.just(""),
    middle_name=word | st.just(""),
    phones=st.lists(phone, max_size=3, unique_by=lambda p: p.value),
    emails=st.lists(email, max_size=3, unique_by=lambda e: e.value),
    organization=text,
    title=text,
    addresses=st.lists(address, max_size=2),
    notes=text,
    groups=st.lists(group, max_size=3, unique=True),
    client_data=st.dictionaries(st.sampled_from(["crm.id", "crm.op", "source"]), text),
    user_defined=st.lists(st.tuples(word, text), max_size=2),
)

MODELLED = [f.name for f in dc_fields(Contact) if f.name not in ("raw", "resource_name", "etag")]


def modelled(c: Contact) -> dict:
    out = {name: copy.deepcopy(getattr(c, name)) for name in MODELLED}
    out["groups"] = list(dict.fromkeys(c.groups)) or [MY_CONTACTS]
    return out


@settings(max_examples=200, deadline=None)
@given(contacts)
def test_contact_to_person_to_contact_round_trip(contact: Contact) -> None:
    person = contact.to_person()
    back = Contact.from_person(person)
    assert modelled(back) == modelled(contact)
    assert back.to_person() == person  # and the Person JSON is stable
    assert contact.changed_fields(back) == []


@settings(max_examples=100, deadline=None)
@given(contacts, contacts)
def test_changed_fields_names_exactly_the_fields_that_differ(a: Contact, b: Contact) -> None:
    changed = a.changed_fields(b)
    pa, pb = a.to_person(), b.to_person()
    assert changed == [f for f in WRITABLE if pa[f] != pb[f]]
    assert set(changed) == set(b.changed_fields(a))


RAW = {
    "resourceName": "people/c1",
    "etag": "%EgUBAi43PRoEAQIFByIMR",
    "metadata": {"sources": [{"type": "CONTACT", "id": "1"}]},
    "names": [
        {
            "givenName": "Ivan",
            "familyName": "Petrov",
            "honorificPrefix": "Dr.",
            "phoneticGivenName": "Ivan",
            "displayName": "Dr. Ivan Petrov",
            "metadata": {"primary": True},
        }
    ],
    "phoneNumbers": [
        {
            "value": "+79161234567",
            "type": "dacha",  # a custom label
            "formattedType": "dacha",
            "canonicalForm": "+79161234567",
            "metadata": {"primary": True, "source": {"type": "CONTACT", "id": "1"}},
        },
        {"value": "+74951234567", "type": "work"},
    ],
    "emailAddresses": [{"value": "ivan@example.com", "type": "work", "displayName": "Ivan P"}],
    "organizations": [
        {"name": "Tiles Ltd", "title": "Buyer", "department": "Purchasing", "type": "work"},
        {"name": "Old Job"},
    ],
    "urls": [{"value": "https://tiles.example", "type": "homePage"}],
    "birthdays": [{"date": {"year": 1980, "month": 5, "day": 17}}],
    "events": [{"date": {"month": 1, "day": 2}, "type": "anniversary"}],
    "relations": [{"person": "Anna", "type": "spouse"}],
    "biographies": [{"value": "old card", "contentType": "TEXT_PLAIN"}],
    "memberships": [
        {"contactGroupMembership": {"contactGroupResourceName": MY_CONTACTS}},
        {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/abc"}},
    ],
    "clientData": [{"key": "crm.id", "value": "17"}],
    "userDefined": [{"key": "Discount", "value": "5%"}],
}


def test_to_person_keeps_sub_fields_of_the_raw_person() -> None:
    contact = Contact.from_person(RAW)
    assert contact.phones[0] == PhoneEntry("+79161234567", "dacha")
    person = contact.to_person()
    first = person["phoneNumbers"][0]
    assert first["type"] == "dacha"
    assert first["metadata"] == RAW["phoneNumbers"][0]["metadata"]
    assert "canonicalForm" not in first and "formattedType" not in first  # output only
    assert person["emailAddresses"][0]["displayName"] == "Ivan P"
    assert person["organizations"][0]["department"] == "Purchasing"
    assert person["organizations"][1] == {"name": "Old Job"}
    name = person["names"][0]
    assert name["honorificPrefix"] == "Dr." and name["phoneticGivenName"] == "Ivan"
    assert "displayName" not in name
    assert person["resourceName"] == "people/c1" and person["etag"] == RAW["etag"]
    assert Contact.from_person(RAW).raw == RAW  # the raw person is a copy, untouched


def apply_fields(person, update, fields):
    """What updateContact does: masked fields replaced whole, the rest untouched."""
    out = copy.deepcopy(person)
    for f in fields:
        if update.get(f):
            out[f] = copy.deepcopy(update[f])
        else:
            out.pop(f, None)
    return out


def test_only_the_asked_fields_are_written_and_the_rest_survive() -> None:
    contact = Contact.from_person(RAW)
    contact.notes = "new card"
    assert contact.changed_fields(Contact.from_person(RAW)) == ["biographies"]
    update = contact.to_person(["biographies"])
    assert set(update) == {"resourceName", "etag", "biographies"}
    merged = apply_fields(RAW, update, ["biographies"])
    assert merged["biographies"] == [{"value": "new card", "contentType": "TEXT_PLAIN"}]
    for key in RAW:
        if key != "biographies":
            assert merged[key] == RAW[key], key
    # a changed phone keeps the other phone's sub-fields and the unmodelled fields
    contact.phones.append(PhoneEntry("+12015550123", "home"))
    merged = apply_fields(RAW, contact.to_person(["phoneNumbers"]), ["phoneNumbers"])
    assert [p["value"] for p in merged["phoneNumbers"]] == [
        "+79161234567",
        "+74951234567",
        "+12015550123",
    ]
    assert merged["phoneNumbers"][0]["type"] == "dacha"
    assert merged["urls"] == RAW["urls"] and merged["birthdays"] == RAW["birthdays"]


def test_display_name_falls_back() -> None:
    assert Contact(given_name="Ivan", family_name="Petrov").display_name == "Ivan Petrov"
    assert Contact(organization="Tiles").display_name == "Tiles"
    assert Contact(phones=[PhoneEntry("+79161234567")]).display_name == "+79161234567"
    assert Contact.from_person({"names": [{"displayName": "Boss"}]}).display_name == "Boss"


def test_update_of_biographies_through_the_emulator_leaves_everything_else(people_service):
    body = {
        k: copy.deepcopy(v) for k, v in RAW.items() if k not in ("resourceName", "etag", "metadata")
    }
    for p in body["phoneNumbers"]:
        p.pop("canonicalForm", None)
        p.pop("formattedType", None)
        p.pop("metadata", None)
    body["names"][0].pop("displayName")
    body["names"][0].pop("metadata")
    body["memberships"] = body["memberships"][:1]
    client = PeopleClient(people_service)
    created = client.create(body)
    before = client.get(created["resourceName"], READ_FIELDS)

    contact = Contact.from_person(before)
    contact.notes = "Order 17 · paid · 12 500\n--\nPrefers calls after 14:00."
    client.update(contact.to_person(["biographies"]), ["biographies"])
    after = client.get(created["resourceName"], READ_FIELDS)

    assert after["biographies"][0]["value"] == contact.notes
    assert after["etag"] != before["etag"]
    for key in set(before) | set(after):
        if key in ("biographies", "etag", "metadata"):
            continue
        assert after.get(key) == before.get(key), key
    # the unmodelled fields made it into the account at all
    assert before["urls"][0]["value"] == "https://tiles.example"
    assert before["birthdays"][0]["date"] == {"year": 1980, "month": 5, "day": 17}
    assert before["phoneNumbers"][0]["type"] == "dacha"
