"""Duplicate groups and contact merging (pure)."""

from __future__ import annotations

from contacts_crm.contact.duplicates import find_duplicates
from contacts_crm.contact.merging import merge_contacts
from contacts_crm.contact.model import Address, Contact, EmailEntry, PhoneEntry


def c(rn, given="", family="", phones=(), emails=(), org="", groups=()):
    return Contact(given_name=given, family_name=family, phones=[PhoneEntry(p) for p in phones],
                   emails=[EmailEntry(e) for e in emails], organization=org, groups=list(groups),
                   resource_name=rn)  # fmt: skip


def test_groups_by_phone_email_and_transliterated_name():
    people = [
        c("p/1", "Ivan", "Petrov", ["+79161234567"]),
        c("p/2", "Петров", "Иван", ["8 916 123-45-67"]),
        c("p/3", "Ayşe", "Yılmaz", emails=["ayse@example.com"]),
        c("p/4", "AYSE", "YILMAZ", emails=["AYSE@example.com"]),
        c("p/5", "Anna", phones=["+79160000000"]),
        c("p/6", "Anna", phones=["+79160000001"]),
    ]
    groups = find_duplicates(people)
    got = {g.members: {r for r, _ in g.reasons} for g in groups}
    assert got == {("p/1", "p/2"): {"phone", "name"}, ("p/3", "p/4"): {"email", "name"}}
    assert all(g.exact for g in groups)
    only_names = find_duplicates(people, by=["name"])
    assert {g.members for g in only_names} == {("p/1", "p/2"), ("p/3", "p/4")}
    assert not any(g.exact for g in only_names)


def test_merge_contacts_unions_and_notes_disagreements():
    a = c("p/1", "Ivan", "Petrov", ["+79161234567"], ["ivan@example.com"], "Tiles", ["g/1"])
    b = c("p/2", "Ivan", "Sidorov", ["8 916 123-45-67", "+79035550000"], ["IVAN@example.com",
          "i@b.ru"], "Плитка", ["g/1", "g/2"])  # fmt: skip
    b.middle_name = "Sergeevich"
    b.addresses = [Address(formatted="Moscow")]
    merged, notes = merge_contacts(a, b)
    assert (merged.given_name, merged.middle_name, merged.family_name) == (
        "Ivan",
        "Sergeevich",
        "Petrov",
    )
    assert [p.value for p in merged.phones] == ["+79161234567", "+79035550000"]
    assert [e.value for e in merged.emails] == ["ivan@example.com", "i@b.ru"]
    assert merged.groups == ["g/1", "g/2"] and [x.formatted for x in merged.addresses] == ["Moscow"]
    assert merged.organization == "Tiles" and merged.resource_name == "p/1"
    assert notes == ["Also named: Ivan Sergeevich Sidorov", "Company also given as: Плитка"]
    same, none = merge_contacts(a, c("p/3", "ИВАН", "ПЕТРОВ"))
    assert none == [] and same.display_name == "Ivan Petrov"
