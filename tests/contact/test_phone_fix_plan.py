"""Phone fixing (pure): E.164, repeats, unreadable numbers, undo, last-7-digit clashes."""

from __future__ import annotations

from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.contact.phone_fix import plan_fix, tail_clashes, undo_changes


def contact(*numbers: str, rn: str = "people/c1", name: str = "Ivan") -> Contact:
    return Contact(given_name=name, phones=[PhoneEntry(n, "mobile") for n in numbers],
                   resource_name=rn)  # fmt: skip


def test_plan_fix_rewrites_keeps_types_and_drops_repeats():
    c = contact("8 (916) 123-45-67", "+79161234567", "office", "8 495 123-45-67 доб. 12")
    c.phones[3].type = "work"
    plan, fixed = plan_fix(c, "RU")
    assert [(p.value, p.type) for p in fixed.phones] == [
        ("+79161234567", "mobile"),
        ("office", "mobile"),
        ("+74951234567;ext=12", "work"),
    ]
    assert plan.changes == (
        ("8 (916) 123-45-67", "+79161234567"),
        ("8 495 123-45-67 доб. 12", "+74951234567;ext=12"),
    )
    assert plan.problems[0][0] == "office"
    assert plan.changed
    already, _ = plan_fix(contact("+79161234567", "+74951234567;ext=12"), "RU")
    assert not already.changed and already.changes == ()


def test_region_decides_national_numbers():
    _, tr = plan_fix(contact("0532 123 45 67"), "TR")
    assert tr.phones[0].value == "+905321234567"


def test_undo_restores_exactly_or_only_what_no_one_changed_since():
    c = contact("8 (916) 123-45-67", "+7 916 123 45 67", "8 495 123-45-67")
    plan, fixed = plan_fix(c, "RU")
    back = undo_changes(fixed, plan.changes, c.phones)
    assert [p.value for p in back.phones] == [p.value for p in c.phones]
    fixed.phones = [fixed.phones[0], PhoneEntry("+79990001122")]  # someone edited meanwhile
    back = undo_changes(fixed, plan.changes, c.phones)
    assert [p.value for p in back.phones] == ["8 (916) 123-45-67", "+79990001122"]


def test_tail_clashes_pairs_contacts_sharing_the_last_seven_digits():
    people = [
        contact("+7 903 555-12-34", rn="p/1", name="A"),
        contact("+90 532 555 12 34", rn="p/2", name="B"),
        contact("8 903 555 12 34", rn="p/3", name="C"),
        contact("+79160000000", "89160000000", rn="p/4", name="D"),  # one contact: no clash
    ]
    clashes = tail_clashes(people, "RU")
    pairs = {(c.first[0], c.second[0]): c.same_number for c in clashes}
    assert pairs == {("p/1", "p/2"): False, ("p/1", "p/3"): True, ("p/2", "p/3"): False}
