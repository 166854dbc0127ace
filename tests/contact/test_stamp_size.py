"""The write stamp fits in one clientData value, whatever the card holds."""

from __future__ import annotations

from contacts_crm.contact.stamp import make_stamp, stamped


def _person(lines: int, tag: str = "") -> dict:
    notes = "\n".join(f"  2026-11-{1 + i % 28:02d} in (Olga): call {i}{tag}" for i in range(lines))
    return {"resourceName": "people/c1", "etag": "e1", "names": [{"givenName": "Ivan"}],
            "biographies": [{"value": notes, "contentType": "TEXT_PLAIN"}]}  # fmt: skip


def test_the_stamp_stays_under_google_s_1024_characters_per_value():
    for lines in (0, 10, 60, 200, 2000):
        base = _person(lines, " (typed on a phone)")  # lines the tool never saw: unseen
        prev = make_stamp(_person(lines), None, None)
        body, _ = stamped({**_person(lines + 5), "clientData": []}, ["biographies", "clientData"],
                          base)  # fmt: skip
        value = next(cd["value"] for cd in body["clientData"] if cd["key"] == "crm.stamp")
        assert len(value) <= 1024, (lines, len(value))
        assert prev.encode() and len(prev.encode()) <= 1024
