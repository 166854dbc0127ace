"""The write stamp: how any PC tells the tool's own writes from hand edits.

Every write the tool makes carries one clientData entry (``crm.stamp``)
holding short hashes of what the write left on the contact: the card text
(Notes), the name, phones, e-mails, company and groups, and one hash per Notes
line. A contact whose current content does not match its stamp was edited
after the tool's last write — on a phone, in the Contacts web page — by
someone who did not update the stamp (clientData is not shown anywhere in
Google's UI, and other apps keep it as it is).

The line hashes let a PC whose local copy is older than the tool's last write
separate the lines that write put there from the lines people added after it.
``unseen`` holds the lines a tool write carried over from a hand edit that no
earlier stamp knew (a phone edit made just before the write): they still count
as hand-written, so the first PC to see them journals them.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

try:  # the builtin BLAKE2 (what hashlib.blake2b is) without hashlib loading OpenSSL (~2 ms)
    from _blake2 import blake2b
except ImportError:  # an interpreter without it
    from hashlib import blake2b

STAMP_KEY = "crm.stamp"
MY_CONTACTS = "contactGroups/myContacts"
# The modelled fields the stamp covers: our name -> the Person field it reads.
FIELDS = {
    "notes": "biographies",
    "name": "names",
    "phones": "phoneNumbers",
    "emails": "emailAddresses",
    "company": "organizations",
    "groups": "memberships",
}
# line hashes kept (6 hex each, the unseen ones a subset): with the field hashes the stamp
# stays under Google's 1,024 characters per clientData value (120 went over it)
MAX_LINES = 60
MAX_STAMP = 1000
_LINE_HEX = 6
_FIELD_HEX = 12


@dataclass(frozen=True)
class Stamp:
    """What the tool's last write left: field hashes, Notes line hashes, unseen hand lines."""

    fields: dict[str, str]
    lines: frozenset[str]
    unseen: frozenset[str] = frozenset()

    def encode(self) -> str:
        return json.dumps(
            {"v": 1, "f": self.fields, "l": "".join(sorted(self.lines)),
             "u": "".join(sorted(self.unseen))},
            separators=(",", ":"), sort_keys=True,
        )  # fmt: skip

    @classmethod
    def decode(cls, text: str) -> Stamp | None:
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("v") != 1 or not isinstance(data.get("f"), dict):
            return None
        return cls(
            {str(k): str(v) for k, v in data["f"].items()},
            frozenset(_split(str(data.get("l", "")))),
            frozenset(_split(str(data.get("u", "")))),
        )

    def matches(self, field: str, value: Any) -> bool:
        """True when ``value`` of ``field`` is what the tool's last write left."""
        return self.fields.get(field) == value_hash(value)


def _split(text: str) -> list[str]:
    return [text[i : i + _LINE_HEX] for i in range(0, len(text), _LINE_HEX)]


def _digest(text: str, size: int) -> str:
    return blake2b(text.encode("utf-8"), digest_size=(size + 1) // 2).hexdigest()[:size]


def line_hash(line: str) -> str:
    """The stamp's hash of one Notes line (trailing spaces and ``\\r`` aside)."""
    return _digest(line.rstrip(), _LINE_HEX)


def value_hash(value: Any) -> str:
    return _digest(json.dumps(value, ensure_ascii=False, sort_keys=True), _FIELD_HEX)


# ---------------------------------------------------------------- modelled values
def notes_of(person: dict[str, Any]) -> str:
    bios = person.get("biographies") or []
    return str(bios[0].get("value", "")) if bios and isinstance(bios[0], dict) else ""


def _plain(notes: str) -> str:
    """Notes as compared: line ends and trailing spaces a server may tidy do not count."""
    return "\n".join(line.rstrip() for line in notes.split("\n")).strip("\n")


def values(person: dict[str, Any]) -> dict[str, Any]:
    """The modelled fields of a Person, in a comparable form (order-free lists)."""
    names = (person.get("names") or [{}])[0] or {}
    orgs = (person.get("organizations") or [{}])[0] or {}
    groups = [
        m["contactGroupMembership"].get("contactGroupResourceName", "")
        for m in person.get("memberships") or []
        if isinstance(m, dict) and isinstance(m.get("contactGroupMembership"), dict)
    ]
    return {
        "notes": _plain(notes_of(person)),
        "name": " ".join(
            str(names.get(k, "")).strip()
            for k in ("givenName", "middleName", "familyName")
            if str(names.get(k, "")).strip()
        ),
        "phones": sorted(str(p.get("value", "")) for p in person.get("phoneNumbers") or []),
        "emails": sorted(
            str(e.get("value", "")).strip().casefold() for e in person.get("emailAddresses") or []
        ),
        "company": str(orgs.get("name", "")).strip(),
        "groups": sorted(g for g in groups if g and g != MY_CONTACTS),
    }


def notes_lines(notes: str) -> list[str]:
    """Notes split the card's way (only ``\\n``; a ``\\r`` stays on its line)."""
    return notes.split("\n") if notes else []


def read_stamp(person: dict[str, Any] | None) -> Stamp | None:
    """The stamp a Person carries (the last one, if a client duplicated it)."""
    if not person:
        return None
    found = None
    for cd in person.get("clientData") or []:
        if isinstance(cd, dict) and cd.get("key") == STAMP_KEY:
            found = Stamp.decode(str(cd.get("value", "")))
    return found


# ---------------------------------------------------------------------- stamping
def _hashes(lines: Iterable[str]) -> set[str]:
    return {line_hash(ln) for ln in lines if ln.strip()}


def make_stamp(
    result: dict[str, Any],
    written: Iterable[str] | None,
    base: dict[str, Any] | None,
    prev: Stamp | None = None,
) -> Stamp:
    """The stamp of a write that leaves ``result`` on the contact.

    ``written`` are the Person fields the write replaces (None: a create, all of
    them); ``base`` the whole Person the write was made from, when known, and
    ``prev`` the stamp it carried. A field the write leaves alone keeps the
    previous stamp's hash, so a hand edit of it made before stays visible; a
    field neither written nor known is left out (unknown: compared by value).
    """
    wrote = set(FIELDS.values()) if written is None else set(written)
    now = values(result)
    fields: dict[str, str] = {}
    for name, person_field in FIELDS.items():
        if person_field not in wrote and prev is not None and name in prev.fields:
            fields[name] = prev.fields[name]
        elif person_field in wrote or base is not None:
            fields[name] = value_hash(now[name])
    if "biographies" not in wrote and (prev is not None or base is None):
        return Stamp(fields, prev.lines if prev else frozenset(),
                     prev.unseen if prev else frozenset())  # fmt: skip
    lines = notes_lines(now["notes"])
    known = _hashes(lines)
    unseen: set[str] = set()
    if prev is not None and base is not None:
        carried = known & _hashes(notes_lines(notes_of(base)))
        unseen = {h for h in carried if h not in prev.lines or h in prev.unseen}
    if len(known) > MAX_LINES:  # keep the card's top lines (the tool's part comes first)
        order = [line_hash(ln) for ln in lines if ln.strip()]
        known = set(list(dict.fromkeys(order))[:MAX_LINES])
    stamp = Stamp(fields, frozenset(known), frozenset(unseen & known))
    if len(stamp.encode()) > MAX_STAMP:  # never let the stamp make the write fail
        stamp = Stamp(fields, stamp.lines, frozenset())
    return stamp


def overlay(base: dict[str, Any], body: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The contact after an update: ``base`` with ``fields`` taken from ``body``."""
    out = dict(base)
    for f in fields:
        if f in body:
            out[f] = body[f]
        else:
            out.pop(f, None)
    return out


def stamped(
    body: dict[str, Any], fields: Sequence[str] | None, base: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[str] | None]:
    """``body`` (and its update mask) with the write's stamp in clientData.

    For a create ``fields`` is None and the body is the whole contact. For an
    update the clientData written is the body's when the mask has it, else
    ``base``'s (clientData is replaced as a whole, so it must be complete);
    with neither the body goes out unstamped rather than lose clientData.
    """
    mask = None if fields is None else list(fields)
    if mask is not None and "clientData" not in mask:
        if base is None:
            return body, mask
        body = {**body, "clientData": list(base.get("clientData") or [])}
        mask.append("clientData")
    result = overlay(base, body, mask) if base is not None and mask is not None else body
    prev = read_stamp(base if base is not None else body) if mask is not None else None
    stamp = make_stamp(result, mask, base, prev)
    data = [
        cd for cd in body.get("clientData") or []
        if not (isinstance(cd, dict) and cd.get("key") == STAMP_KEY)
    ]  # fmt: skip
    data.append({"key": STAMP_KEY, "value": stamp.encode()})
    return {**body, "clientData": data}, mask


# ---------------------------------------------------------------------- reading
@dataclass(frozen=True)
class FieldChange:
    """A modelled field someone changed outside the tool: its old and new value."""

    field: str
    old: Any
    new: Any


def hand_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[FieldChange], bool]:
    """The fields (but Notes) changed by hand between ``old`` and ``new``, and whether
    Notes need a line diff. A change is by hand when the new value is not what
    the new version's stamp says the tool wrote, when there is no stamp, or
    when ``old`` carries the same stamp (no tool write came in between)."""
    stamp = read_stamp(new)
    old_stamp = read_stamp(old)
    before, after = values(old), values(new)

    def by_hand(name: str) -> bool:
        return stamp is None or stamp == old_stamp or not stamp.matches(name, after[name])

    changes = [
        FieldChange(name, before[name], after[name])
        for name in FIELDS
        if name != "notes" and before[name] != after[name] and by_hand(name)
    ]
    notes = before["notes"] != after["notes"] and (
        by_hand("notes") or bool(stamp is not None and stamp.unseen)
    )
    return changes, notes
