"""Planning: duplicates inside the file and against the account, policies, idempotence."""

from __future__ import annotations

import pytest

from contacts_crm.contact.model import Contact, EmailEntry, PhoneEntry
from contacts_crm.imports.plan import IMPORT_KEY
from contacts_crm.imports.report import problem_summary
from contacts_crm.imports.run import plan_records, read_records

HEADER = ["ФИО", "Телефон", "Email", "Компания", "Группа", "Примечание"]


def _existing() -> Contact:
    person = {
        "resourceName": "people/c1",
        "etag": "e1",
        "names": [{"givenName": "Иван", "familyName": "Петров"}],
        "phoneNumbers": [{"value": "+79161234567", "type": "mobile"}],
        "emailAddresses": [{"value": "old@mail.ru", "type": "work"}],
        "biographies": [{"value": "Order 3 · paid", "contentType": "TEXT_PLAIN"}],
        "memberships": [
            {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/myContacts"}},
            {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/g1"}},
        ],
    }
    return Contact.from_person(person)


@pytest.fixture
def records(write_xlsx):
    path = write_xlsx(
        "c.xlsx",
        {
            "Clients": [
                HEADER,
                ["Петров Иван", "8 916 123 45 67", "ivan@mail.ru", "", "Опт", "Перезвонить"],
                ["Сидорова Анна", "8 916 000 00 01", "", "", "Розница", ""],
                ["Анна Сидорова", "", "", "", "VIP", "Любит чай"],  # same name -> in-file duplicate
                ["Козлов Олег", "", "OLEG@x.ru", "", "", ""],
                ["Oleg K", "", "oleg@x.ru", "", "", "second row, same e-mail"],
                ["", "", "", "", "", ""],
                ["", "не телефон", "", "", "", ""],
            ]
        },
    )
    return read_records(path, region="RU")[1]


def test_skip_policy(records):
    plan = plan_records(
        records, [_existing()], on_duplicate="skip", groups={"Опт": "contactGroups/g1"}
    )
    got = {r.row: (r.action, r.reason) for r in plan.rows}
    assert got[2] == ("skip", "duplicate of a contact in the account (same phone +79161234567)")
    assert got[3][0] == "create" and got[5][0] == "create"
    # rows of the file are one client whatever --on-duplicate says: merged by union
    assert got[4] == ("merge", "merged into row 3 (same name and company)")
    assert got[6] == ("merge", "merged into row 5 (same e-mail oleg@x.ru)")
    assert got[8][0] == "reject" and "не телефон" in got[8][1]  # row 7 is blank: not a row
    assert 7 not in got
    assert plan.new_groups == ["Розница", "VIP"]  # "Опт" exists; "VIP" from row 4, merged
    assert plan.counts() == {"create": 2, "update": 0, "merge": 2, "skip": 1, "reject": 1}


def test_merge_policy_unions_and_keeps_notes(records):
    plan = plan_records(
        records, [_existing()], on_duplicate="merge", groups={"опт": "contactGroups/g1"}
    )
    by_row = {r.row: r for r in plan.rows}
    ivan = by_row[2]
    assert ivan.action == "merge" and ivan.match.resource_name == "people/c1"
    c = ivan.contact
    assert [p.value for p in c.phones] == ["+79161234567"]
    assert [e.value for e in c.emails] == ["old@mail.ru", "ivan@mail.ru"]
    assert c.notes == "Order 3 · paid\nПерезвонить"  # appended, the card is kept
    assert c.groups == ["contactGroups/myContacts", "contactGroups/g1"]
    assert set(ivan.fields) == {"emailAddresses", "biographies"}
    anna = by_row[3]
    assert by_row[4].into_row == 3 and by_row[4].action == "merge"
    assert anna.contact.notes == "Любит чай"
    assert anna.contact.groups[-2:] == ["new-group:Розница", "new-group:VIP"]
    assert anna.contact.client_data[IMPORT_KEY].startswith("import:")


def test_rows_merged_in_the_file_keep_every_name_and_are_named_in_the_summary(records, write_xlsx):
    plan = plan_records(records, [], on_duplicate="skip")
    by_row = {r.row: r for r in plan.rows}
    assert by_row[6].into_row == 5
    # "Oleg K" (Козлов Олег's e-mail) and "Анна Сидорова" ("Сидорова Анна") say no new name
    assert by_row[5].contact.notes == "second row, same e-mail"
    assert "Also known as" not in by_row[3].contact.notes
    merged = {p["kind"]: p for p in problem_summary(plan)}["merged"]
    assert merged["count"] == 2
    assert merged["first"][1] == "row 6: merged into row 5 (same e-mail oleg@x.ru)"
    # a phone's contacts under other names: every name is kept
    path = write_xlsx("p.xlsx", {"S": [["ФИО", "Телефон", "Email"],
                                       ["Иван Петров", "89161234567", ""],
                                       ["Ваня", "8 916 123 45 67", "ivan@x.ru"],
                                       ["Петров И.", "+7 916 123-45-67", "ivan@x.ru"],
                                       ["Petrov Ivan", "89161234567", ""]]})  # fmt: skip
    plan = plan_records(read_records(path, region="RU")[1], [])
    assert [r.into_row for r in plan.rows] == [None, 2, 2, 2]
    merged = plan.rows[0].contact
    assert (merged.given_name, merged.family_name) == ("Иван", "Петров")
    assert merged.notes.splitlines() == ["Also known as: Ваня"]


def test_update_keeps_the_name_it_replaces(records):
    existing = _existing()
    existing.given_name, existing.family_name = "Ванька", "Петров"
    plan = plan_records(records, [existing], on_duplicate="update")
    ivan = plan.rows[0].contact
    assert (ivan.given_name, ivan.family_name) == ("Иван", "Петров")
    assert "Also known as: Ванька Петров" in ivan.notes.splitlines()


def test_update_policy_replaces_values_but_not_the_card(records):
    plan = plan_records(
        records, [_existing()], on_duplicate="update", groups={"Опт": "contactGroups/g1"}
    )
    ivan = plan.rows[0]
    assert ivan.action == "update"
    assert [e.value for e in ivan.contact.emails] == ["ivan@mail.ru"]
    assert ivan.contact.notes.startswith("Order 3 · paid")


def test_replanning_after_apply_is_all_skips(records):
    plan = plan_records(records, [], import_id="imp-1", on_duplicate="merge")
    existing = []
    for n, r in enumerate(plan.rows):
        if r.writes:
            person = r.contact.to_person()
            person["resourceName"] = f"people/c{n}"
            person["memberships"] = [
                {
                    "contactGroupMembership": {
                        "contactGroupResourceName": g.replace("new-group:", "contactGroups/")
                    }
                }
                for g in r.contact.groups
            ]
            existing.append(Contact.from_person(person))
    groups = {"Розница": "contactGroups/Розница", "VIP": "contactGroups/VIP"}
    again = plan_records(records, existing, import_id="imp-2", on_duplicate="merge", groups=groups)
    assert {r.action for r in again.rows} == {"skip", "reject"}
    assert not again.creates and not again.updates


def test_phone_extension_and_email_dedupe_against_account():
    existing = Contact(
        given_name="A",
        phones=[PhoneEntry("+74951112233;ext=12")],
        emails=[EmailEntry("A@B.ru")],
        resource_name="people/x",
    )
    from contacts_crm.imports.normalize import ImportRecord

    rec = ImportRecord(row=9, given_name="B", emails=[EmailEntry("a@b.ru")])
    [row] = plan_records([rec], [existing]).rows
    assert (row.action, row.reason) == (
        "skip",
        "duplicate of a contact in the account (same e-mail a@b.ru)",
    )
    rec2 = ImportRecord(row=10, given_name="C", phones=[PhoneEntry("+74951112233;ext=99")])
    assert plan_records([rec2], [existing]).rows[0].action == "skip"


def test_a_later_row_of_a_skipped_client_is_skipped_too():
    """Row 2 matches the account (skip); row 3 shares only row 2's second phone: same client."""
    from contacts_crm.imports.normalize import ImportRecord

    existing = Contact(
        given_name="A", phones=[PhoneEntry("+79161234567")], resource_name="people/a"
    )
    first = ImportRecord(
        row=2, given_name="A", phones=[PhoneEntry("+79161234567"), PhoneEntry("+79169999999")]
    )
    second = ImportRecord(row=3, given_name="A2", phones=[PhoneEntry("+79169999999")])
    plan = plan_records([first, second], [existing], on_duplicate="skip")
    assert [(r.row, r.action, r.reason) for r in plan.rows] == [
        (2, "skip", "duplicate of a contact in the account (same phone +79161234567)"),
        (
            3,
            "skip",
            "duplicate of row 2, which matches a contact in the account (same phone +79169999999)",
        ),
    ]
    assert not plan.creates


@pytest.mark.parametrize("policy", ["update", "merge", "skip"])
def test_planning_on_light_copies_writes_what_planning_on_whole_contacts_writes(
    records, tmp_path, policy
):
    """The import plans against Cache.light_contacts and loads the whole contact of each
    account contact a row writes to: the plan and every Person it writes are the same
    as planned against whole contacts (a second company, a phone's own sub-fields and
    the card are kept)."""
    from contacts_crm.account.cache import Cache

    person = _existing().raw | {
        "organizations": [{"name": ""}, {"name": "Second firm"}],
        "phoneNumbers": [{"value": "+79161234567", "type": "mobile", "customLabel": "x"}],
        "clientData": [{"key": IMPORT_KEY, "value": "imp-0:feed"}],
    }
    bystander = {"resourceName": "people/c2", "names": [{"givenName": "Олег"}],
                 "biographies": [{"value": "card " * 200}]}  # fmt: skip
    cache = Cache(tmp_path / "cache.sqlite")
    cache.upsert([person, bystander])
    loaded: list[str] = []

    def load(rn: str) -> Contact | None:
        loaded.append(rn)
        return cache.get(rn)

    groups = {"Опт": "contactGroups/g1"}
    whole = plan_records(records, cache.contacts(), on_duplicate=policy, groups=groups)
    light = plan_records(
        records, cache.light_contacts(), on_duplicate=policy, groups=groups, load=load
    )
    assert [(r.row, r.action, r.reason, r.fields) for r in light.rows] == [
        (r.row, r.action, r.reason, r.fields) for r in whole.rows
    ]
    for a, b in zip(light.rows, whole.rows, strict=True):
        assert (a.contact.to_person() if a.contact else None) == (
            b.contact.to_person() if b.contact else None
        )
        assert (a.match.raw if a.writes and a.match else None) == (
            b.match.raw if b.writes and b.match else None
        )  # the before-image undo restores
    assert loaded == ([] if policy == "skip" else ["people/c1"])  # only what is written to
    if policy != "skip":
        [row] = [r for r in light.rows if r.match and r.writes]
        assert {"name": "Second firm"} in row.contact.to_person()["organizations"]
    cache.close()


TRIO = [
    ["Иван Петров", "89161234567", ""],  # A ~ B: the same phone
    ["Ваня Плиточник", "+7 916 123-45-67", "ivan@tiles.example"],  # B ~ C: the same e-mail
    ["Petrov Johnny", "", "IVAN@tiles.example"],
]
OTHERS = [[f"Клиент {n} Номер", f"8903000{n:04d}", f"c{n}@x.example"] for n in range(8)]


@pytest.mark.parametrize("seed", range(8))
def test_rows_linked_through_another_row_are_one_client_in_any_row_order(tmp_path, seed):
    """A~B by phone and B~C by e-mail: one contact with all three names, whatever the
    order of the rows (shuffled with a seed, among other clients' rows)."""
    import csv
    import random

    rows = TRIO + OTHERS
    random.Random(seed).shuffle(rows)
    path = tmp_path / f"trio{seed}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["ФИО", "Телефон", "Email"], *rows])
    plan = plan_records(read_records(path, region="RU")[1], [])
    trio = [r for r in plan.rows if r.contact and "+79161234567" in
            [p.value for p in r.contact.phones]]  # fmt: skip
    first = min(r.row for r in trio)
    assert len(trio) == 3 and [r.into_row for r in trio if r.row != first] == [first, first]
    owner = next(r for r in trio if r.row == first)
    assert owner.action == "create" and sum(r.action == "create" for r in plan.rows) == 9
    client = owner.contact
    assert [e.value for e in client.emails] == ["ivan@tiles.example"]
    shown = " ".join([client.given_name, client.family_name, client.notes])
    for word in ("Иван", "Петров", "Ваня", "Плиточник", "Johnny"):
        assert word in shown, (word, shown)
    merged = [n.text for r in trio for n in r.notices if n.kind == "merged"]
    assert len(merged) == 2 and all(f"into row {first} " in m for m in merged)


def test_the_three_linked_rows_in_each_of_their_six_orders(tmp_path):
    import csv
    from itertools import permutations

    for n, rows in enumerate(permutations(TRIO)):
        path = tmp_path / f"order{n}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([["ФИО", "Телефон", "Email"], *rows])
        plan = plan_records(read_records(path, region="RU")[1], [])
        assert [r.into_row for r in plan.rows] == [None, 2, 2], rows
        assert [r.action for r in plan.rows] == ["create", "merge", "merge"]
