"""The SQLite mirror: indexes, atomic full syncs, schema versions."""

from __future__ import annotations

import sqlite3

import pytest

from contacts_crm.account.cache import SCHEMA_VERSION, Cache


def person(rn: str, given: str, family: str = "", *, phones=(), emails=(), org="", data=None):
    p: dict = {"resourceName": f"people/{rn}", "etag": f"e-{rn}"}
    p["names"] = [{"givenName": given, "familyName": family}]
    if phones:
        p["phoneNumbers"] = [{"value": v, "type": "mobile"} for v in phones]
    if emails:
        p["emailAddresses"] = [{"value": v} for v in emails]
    if org:
        p["organizations"] = [{"name": org}]
    if data:
        p["clientData"] = [{"key": k, "value": v} for k, v in data.items()]
    return p


@pytest.fixture
def cache(tmp_path):
    c = Cache(tmp_path / "cache.sqlite", region="RU")
    c.upsert(
        [
            person("c1", "Иван", "Петров", phones=["+79161234567"], emails=["Ivan@Example.com"]),
            person("c2", "Anna", "Smith", phones=["+442079460958;ext=12"], org="Tiles Ltd"),
            person("c3", "Mehmet", "Yılmaz", phones=["+905321234567"], data={"crm.id": "17"}),
        ]
    )
    yield c
    c.close()


def names(found) -> list[str]:
    return [c.display_name for c in found]


@pytest.mark.parametrize(
    "spelling",
    [
        "+79161234567",
        "8 (916) 123-45-67",
        "+7 916 1234567",
        "9161234567",
        "8-916-123-45-67",
        "79161234567.0",
    ],
)
def test_phone_index_by_any_spelling(cache, spelling):
    assert names(cache.find_by_phone(spelling)) == ["Иван Петров"]


def test_phone_index_other_regions_and_extensions(cache):
    assert names(cache.find_by_phone("020 7946 0958", "GB")) == ["Anna Smith"]
    assert names(cache.find_by_phone("0044 20 7946 0958")) == ["Anna Smith"]
    assert names(cache.find_by_phone("0532 123 45 67", "TR")) == ["Mehmet Yılmaz"]
    # typed without the country in an office of another region: the digit tail matches
    assert names(cache.find_by_phone("532 123 45 67", "US")) == ["Mehmet Yılmaz"]
    assert cache.find_by_phone("8 916 000-00-00") == []


def test_exact_e164_wins_over_tail(cache):
    # a different country, same last nine digits
    cache.upsert(
        [
            person("c4", "Russian", "Twin", phones=["+79015550123"]),
            person("c5", "American", "Twin", phones=["+12015550123"]),
        ]
    )
    assert names(cache.find_by_phone("8 901 555-01-23")) == ["Russian Twin"]
    assert names(cache.find_by_phone("+1 (201) 555-0123")) == ["American Twin"]
    # a number that is valid nowhere falls back to the tail: both come back
    assert sorted(names(cache.find_by_phone("0 1555 0123"))) == ["American Twin", "Russian Twin"]


def test_email_is_case_insensitive(cache):
    for spelling in ("ivan@example.com", "IVAN@EXAMPLE.COM", " Ivan@Example.com "):
        assert names(cache.find_by_email(spelling)) == ["Иван Петров"]
    assert cache.find_by_email("nobody@example.com") == []


def test_find_by_text_cyrillic_and_turkish_case_insensitive(cache):
    assert names(cache.find_by_text("петров")) == ["Иван Петров"]
    assert names(cache.find_by_text("ПЕТРОВ")) == ["Иван Петров"]
    assert names(cache.find_by_text("иван петров")) == ["Иван Петров"]
    assert names(cache.find_by_text("tiles")) == ["Anna Smith"]  # company
    assert names(cache.find_by_text("example.com")) == ["Иван Петров"]  # email
    assert names(cache.find_by_text("yılmaz")) == ["Mehmet Yılmaz"]
    assert cache.find_by_text("   ") == []
    assert cache.find_by_text("сидоров") == []


def test_update_reindexes_and_remove_drops_the_index(cache):
    changed = person("c1", "Иван", "Петров", phones=["+74951234567"], emails=["new@example.com"])
    assert cache.upsert([changed]) == 1
    assert cache.upsert([changed]) == 0  # same content hash: nothing to do
    assert cache.find_by_phone("+79161234567") == []
    assert names(cache.find_by_phone("8 495 123 45 67")) == ["Иван Петров"]
    assert cache.find_by_email("ivan@example.com") == []
    assert cache.remove(["people/c1"]) == 1
    assert cache.find_by_phone("8 495 123 45 67") == []
    assert cache.find_by_email("new@example.com") == []
    assert cache.find_by_text("петров") == []
    assert cache.count() == 2


def test_client_data_index(cache):
    assert [c.resource_name for c in cache.find_by_client_data("crm.id", "17")] == ["people/c3"]
    assert cache.client_data_values("crm.id") == {"17": "people/c3"}
    cache.upsert([person("c3", "Mehmet", "Yılmaz", data={"crm.id": "18", "src": "xls"})])
    assert cache.find_by_client_data("crm.id", "17") == []
    assert cache.client_data_values("crm.id") == {"18": "people/c3"}
    assert cache.client_data_values("src") == {"xls": "people/c3"}
    cache.remove(["people/c3"])
    assert cache.client_data_values("crm.id") == {}


def test_replace_all_is_atomic(cache):
    cache.replace_all(
        [person("c1", "Иван", "Петров", phones=["+79161234567"])], "token-1", "2026-01-01"
    )
    assert cache.count() == 1 and cache.sync_token == "token-1"

    def interrupted():
        yield person("c9", "New", "One", phones=["+79031112233"])
        raise ConnectionError("the network went away mid-sync")

    with pytest.raises(ConnectionError):
        cache.replace_all(interrupted(), "token-2", "2026-01-02")
    assert cache.count() == 1
    assert names(cache.find_by_phone("+79161234567")) == ["Иван Петров"]
    assert cache.find_by_phone("+79031112233") == []
    assert cache.sync_token == "token-1" and cache.meta("synced_at") == "2026-01-01"
    # and the cache still works afterwards
    cache.replace_all([person("c9", "New", "One")], None, "2026-01-03")
    assert names(cache.contacts()) == ["New One"] and cache.sync_token is None


def test_apply_changes_is_one_transaction(cache):
    n = cache.apply_changes(
        [person("c5", "Oleg", phones=["+79031112233"])], ["people/c2"], "t2", "2026-01-02"
    )
    assert n == 2
    assert cache.sync_token == "t2" and cache.synced
    assert cache.get("people/c2") is None and cache.find_by_phone("+442079460958") == []
    assert names(cache.find_by_phone("89031112233")) == ["Oleg"]


def test_schema_version_mismatch_drops_and_rebuilds(tmp_path):
    path = tmp_path / "cache.sqlite"
    c = Cache(path)
    c.upsert([person("c1", "Ivan", phones=["+79161234567"])])
    c.replace_all([person("c1", "Ivan", phones=["+79161234567"])], "tok", "2026-01-01")
    c.close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
        db.execute("CREATE TABLE IF NOT EXISTS old_stuff (x)")
    db.close()

    c = Cache(path)
    assert c.count() == 0 and not c.synced and c.sync_token is None  # rebuilt: resync
    assert c.meta("schema_version") == str(SCHEMA_VERSION)
    c.upsert([person("c1", "Ivan", phones=["+79161234567"])])
    assert names(c.find_by_phone("9161234567")) == ["Ivan"]
    c.close()
    # the same version is kept as is
    c = Cache(path)
    assert c.count() == 1
    c.close()


def test_groups_and_member_counts(cache):
    cache.set_groups(
        [
            {"resourceName": "contactGroups/a", "formattedName": "Wholesale", "groupType": "USER"},
            {
                "resourceName": "contactGroups/myContacts",
                "name": "myContacts",
                "formattedName": "My Contacts",
                "groupType": "SYSTEM_CONTACT_GROUP",
            },
        ]
    )
    member = person("c1", "Иван", "Петров")
    member["memberships"] = [
        {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/a"}}
    ]
    cache.upsert([member])
    assert [g["formattedName"] for g in cache.groups()] == ["My Contacts", "Wholesale"]
    assert cache.member_counts() == {"contactGroups/a": 1}
    cache.drop_group("contactGroups/a")
    assert [g["resourceName"] for g in cache.groups()] == ["contactGroups/myContacts"]


def test_card_rows_give_each_client_its_own_groups(tmp_path):
    """card_rows reads a memberships text once for the clients that share it (one
    immutable tuple); entries that are not group memberships are skipped, the
    others kept in the Person's order."""
    member = [{"contactGroupMembership": {"contactGroupResourceName": "contactGroups/b"}},
              {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/a"}},
              {"contactGroupMembership": {}}, "junk"]  # fmt: skip
    people = [person("c1", "Anna", phones=["+79161234567"]), person("c2", "Boris"),
              person("c3", "Vera")]  # fmt: skip
    people[0]["memberships"] = people[1]["memberships"] = member
    people[0]["biographies"] = [{"value": "Prefers mornings."}]
    c = Cache(tmp_path / "cache.sqlite", region="RU")
    c.upsert(people)
    rows = {rn: row for rn, *row in c.card_rows()}
    c.close()
    assert rows["people/c1"] == ["Anna", "+79161234567", ("contactGroups/b", "contactGroups/a"),
                                 "Prefers mornings."]  # fmt: skip
    assert rows["people/c2"][2] is rows["people/c1"][2]
    assert rows["people/c3"] == ["Vera", "", (), ""]


def test_light_contacts_read_what_matching_needs_as_from_person_does(tmp_path):
    """light_contacts (picked out by SQLite) agree with Contact.from_person on every field
    matching reads; the heavy parts (notes, addresses, the Person JSON) are left out."""
    from contacts_crm.contact.model import Contact

    rich = {
        "resourceName": "people/r1", "etag": "e-r1",
        "names": [{"givenName": "Иван", "familyName": "Петров", "middleName": "Сергеевич",
                   "displayName": "Иван Сергеевич Петров", "metadata": {"primary": True}}],
        "phoneNumbers": [{"value": "+79161234567", "type": "work", "canonicalForm": "x"},
                         {"value": "8 916 000-11-22"}],
        "emailAddresses": [{"value": "ivan@example.com", "type": "home"}, {"value": "b@x.ru"}],
        "organizations": [{"name": "ООО Плитка", "title": "Директор"}, {"name": "Second"}],
        "memberships": [
            {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/myContacts"}},
            {"domainMembership": {"inViewerDomain": True}},
            {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/abc"}}],
        "clientData": [{"key": "crm.import", "value": "imp-1:aa", "metadata": {"x": 1}},
                       {"key": "crm.import", "value": "imp-2:bb"}],
        "biographies": [{"value": "a long card\n" * 50}],
        "addresses": [{"formattedValue": "Москва"}],
    }  # fmt: skip
    only_org = {"resourceName": "people/r2", "organizations": [{"name": "Рога и копыта"}]}
    shown_only = {"resourceName": "people/r3", "names": [{"displayName": "Только так"}]}
    cache = Cache(tmp_path / "c.sqlite")
    cache.upsert([rich, only_org, shown_only])
    light = {c.resource_name: c for c in cache.light_contacts()}
    for p in (rich, only_org, shown_only):
        whole, lite = Contact.from_person(p), light[p["resourceName"]]
        for attr in ("given_name", "family_name", "middle_name", "organization", "title", "phones",
                     "emails", "client_data", "resource_name", "etag"):  # fmt: skip
            assert getattr(lite, attr) == getattr(whole, attr), (p["resourceName"], attr)
        assert lite.display_name == whole.display_name
        assert lite.notes == "" and lite.addresses == [] and lite.groups == []
    # every import key stays readable (two imports of the same row), nothing else of raw
    keys = [{"key": "crm.import", "value": "imp-1:aa"}, {"key": "crm.import", "value": "imp-2:bb"}]
    assert light["people/r1"].raw == {"clientData": keys}
    assert cache.get("people/r1").raw["organizations"][1] == {"name": "Second"}  # the whole one
    cache.close()


def test_pages_cover_every_contact_once_in_name_order(tmp_path):
    """Pages are read after the last row of the one before (by name, then insertion):
    namesakes across a page boundary are neither lost nor repeated."""
    c = Cache(tmp_path / "pages.sqlite", region="RU")
    c.upsert([person(f"n{i}", "Same", "Name") for i in range(25)]
             + [person(f"a{i}", f"A{i:02d}") for i in range(12)]
             + [person(f"z{i}", f"Zed{i}") for i in range(5)])  # fmt: skip
    want = [rn for (rn,) in c._db.execute(
        "SELECT resource_name FROM persons ORDER BY display_name, rowid")]  # fmt: skip
    for size in (1, 7, 25, 100):
        pages = list(c.pages("resource_name", size))
        assert [rn for page in pages for (rn,) in page] == want
        assert all(len(page) <= size for page in pages)
    listed = [row for page in c.listed_pages(size=4) for row in page]
    assert [r.resource_name for r in listed] == want
    assert [r.name for r in listed[:2]] == ["A00", "A01"]
    c.close()


def test_listed_rows_are_what_the_whole_contact_says(cache):
    """What a listing picks out of the stored JSON by SQLite equals the whole Contact's."""
    g1 = {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/g1"}}
    cache.upsert([person("c4", "Olga", phones=["+79160000001", "+79160000002"],
                         emails=["o@x.ru"], org="Plitka")
                  | {"memberships": [g1, {"other": 1}]}])  # fmt: skip
    whole = {c.resource_name: c for page in cache.contact_pages() for c in page}
    for row in (r for page in cache.listed_pages() for r in page):
        c = whole[row.resource_name]
        assert row.name == c.display_name
        assert list(row.phones) == [p.value for p in c.phones]
        assert list(row.emails) == [e.value for e in c.emails]
        assert row.organization == c.organization
        assert list(row.groups) == c.groups
    assert len(whole) == 4


def test_duplicates_from_the_indexes_are_those_of_the_whole_contacts(tmp_path):
    """The local copy's indexes (numbers, e-mails) and its picked names group the same
    duplicates, in the same order, as reading every whole contact does."""
    from contacts_crm.contact.duplicates import REASONS, find_duplicates, group_shared

    c = Cache(tmp_path / "dupes.sqlite", region="RU")
    c.upsert([
        person("a1", "Ivan", "Petrov", phones=["+79161234567"]),
        person("a2", "Иван", "Петров", phones=["+79160000000"], emails=["i@x.ru"]),
        person("a3", "Mehmet", "Yılmaz", phones=["+905321112233", "+79161234567"]),
        person("a4", "MEHMET", "YILMAZ", phones=["+905321112233"], emails=["I@X.ru"]),
        person("a5", "Anna", phones=["+79165550000"]),
        person("a6", "Anna", emails=["anna@x.ru"]),
        person("a7", "Zed", "Last", emails=["anna@x.ru", "z@x.ru"]),
        person("a8", "Solo", "One", phones=["+79169999999"]),
    ])  # fmt: skip
    for by in (REASONS, ("phone",), ("email",), ("name",), ("email", "name")):
        whole = find_duplicates(c.contacts(), by, "RU")
        assert group_shared(c.shared_keys(by)) == whole, by
        assert whole or by == ("name",)
    c.close()


def test_phone_pages_hold_each_contacts_numbers_and_name(cache):
    whole = {c.resource_name: c for c in cache.contacts()}
    light = [c for page in cache.phone_pages(size=2) for c in page]
    assert [c.resource_name for c in light] == list(whole)
    for c in light:
        assert c.phones == whole[c.resource_name].phones
        assert c.display_name == whole[c.resource_name].display_name
        assert c.etag == whole[c.resource_name].etag
        assert c.to_person(["phoneNumbers"]) == whole[c.resource_name].to_person(["phoneNumbers"])
