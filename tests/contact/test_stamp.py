"""The write stamp (contact/stamp.py): tool writes are recognisable, hand edits are not."""

from __future__ import annotations

from contacts_crm.contact.stamp import (
    MAX_LINES,
    STAMP_KEY,
    Stamp,
    hand_changes,
    line_hash,
    read_stamp,
    stamped,
)


def person(
    notes: str = "",
    phones: tuple[str, ...] = ("+79161234567",),
    groups=("g/1",),
    given: str = "Ivan",
    data=(),
) -> dict:
    return {
        "resourceName": "people/c1", "etag": "e1",
        "names": [{"givenName": given, "familyName": "Petrov"}],
        "phoneNumbers": [{"value": v, "type": "mobile"} for v in phones],
        "biographies": [{"value": notes, "contentType": "TEXT_PLAIN"}],
        "memberships": [{"contactGroupMembership": {"contactGroupResourceName": g}}
                        for g in ("contactGroups/myContacts", *groups)],
        "clientData": [{"key": k, "value": v} for k, v in data],
    }  # fmt: skip


def edit(p: dict, **changes) -> dict:
    return {**p, **changes, "etag": p["etag"] + "x"}


def test_a_created_contact_matches_its_stamp_and_keeps_other_client_data():
    body, mask = stamped(person("Calls\n  2026-12-01 in (Olga)", data=[("crm.key", "k1")]), None)
    assert mask is None
    keys = [cd["key"] for cd in body["clientData"]]
    assert keys == ["crm.key", STAMP_KEY]
    stamp = read_stamp(body)
    assert stamp is not None and stamp.matches("notes", "Calls\n  2026-12-01 in (Olga)")
    # notes, phones and groups all differ from the old version, but the tool wrote them
    old = person("x", phones=("+70000000000",), groups=())
    assert hand_changes(old, body) == ([], False)
    # without the stamp the same change is by hand
    unstamped = {**body, "clientData": []}
    fields, notes = hand_changes(old, unstamped)
    assert [c.field for c in fields] == ["phones", "groups"] and notes is True


def test_an_edit_after_the_stamp_is_by_hand_field_by_field():
    written, _ = stamped(person("a"), None)
    phone = edit(written, phoneNumbers=[{"value": "+79990000000"}])
    fields, notes = hand_changes(written, phone)
    assert [(c.field, c.old, c.new) for c in fields] == [
        ("phones", ["+79161234567"], ["+79990000000"])
    ]
    assert notes is False
    grouped = edit(written, memberships=[])
    assert [c.field for c in hand_changes(written, grouped)[0]] == ["groups"]
    assert hand_changes(written, edit(written, biographies=[{"value": "a\nb"}]))[1] is True


def test_an_update_mask_without_client_data_is_stamped_from_its_base():
    base, _ = stamped(person("a", data=[("crm.ops", "op1")]), None)
    body = {"resourceName": "people/c1", "etag": "e1", "names": [{"givenName": "Oleg"}]}
    out, mask = stamped(body, ["names"], base)
    assert mask == ["names", "clientData"]
    assert [cd["key"] for cd in out["clientData"]] == ["crm.ops", STAMP_KEY]
    after = {**base, **out, "etag": "e2"}
    assert hand_changes(base, after) == ([], False)
    # no base and no clientData in the mask: sent unstamped, clientData untouched
    assert stamped(body, ["names"]) == (body, ["names"])


def test_a_field_the_write_leaves_alone_keeps_the_old_stamp():
    """A phone edited by hand, then a tool write of the notes only: the phone edit
    made before that write still shows as a hand edit."""
    first, _ = stamped(person("a"), None)
    by_hand = edit(first, phoneNumbers=[{"value": "+79990000000"}])
    body = {
        "resourceName": "people/c1",
        "etag": by_hand["etag"],
        "biographies": [{"value": "a\nb"}],
        "clientData": by_hand["clientData"],
    }
    out, _ = stamped(body, ["biographies", "clientData"], by_hand)
    after = {**by_hand, **out, "etag": "e3"}
    fields, notes = hand_changes(first, after)
    assert [c.field for c in fields] == ["phones"] and notes is False


def test_lines_a_write_carried_over_from_an_unseen_hand_edit_stay_hand_written():
    first, _ = stamped(person("Calls\n  2026-12-01 in (Olga)"), None)
    hand = "Calls\n  2026-12-02 in (Masha)\n  2026-12-01 in (Olga)"
    by_hand = edit(first, biographies=[{"value": hand}])
    body = {
        "resourceName": "people/c1",
        "etag": by_hand["etag"],
        "biographies": [{"value": "Calls\n  2026-12-03 out (Olga)\n" + hand[6:]}],
        "clientData": by_hand["clientData"],
    }
    out, _ = stamped(body, ["biographies", "clientData"], by_hand)
    stamp = read_stamp(out)
    assert stamp is not None
    assert stamp.unseen == {line_hash("  2026-12-02 in (Masha)")}
    assert line_hash("  2026-12-03 out (Olga)") in stamp.lines


def test_the_stamp_stays_small_for_long_notes():
    notes = "\n".join(f"line {i}" for i in range(2000))
    body, _ = stamped(person(notes), None)
    value = next(cd["value"] for cd in body["clientData"] if cd["key"] == STAMP_KEY)
    assert len(value) < 1024
    stamp = Stamp.decode(value)
    assert stamp is not None and len(stamp.lines) == MAX_LINES


def test_a_damaged_stamp_counts_as_none():
    assert read_stamp({"clientData": [{"key": STAMP_KEY, "value": "{not json"}]}) is None
    assert read_stamp({"clientData": [{"key": STAMP_KEY, "value": '{"v": 9}'}]}) is None
