"""A deleted contact's create body from its last full Person (pure).

Used by ``crm undelete`` and by every undo that brings a deleted contact back:
the writable fields the tool reads, without output-only keys, without the
tool's markers and stamp (the new contact gets its own), in the groups that
still exist (``contactGroups/myContacts`` always).
"""

from __future__ import annotations

from typing import Any

from contacts_crm.contact.model import MY_CONTACTS
from contacts_crm.contact.stamp import STAMP_KEY

# Person fields a restore writes back (the writable ones the tool reads).
RESTORED = ("names", "nicknames", "phoneNumbers", "emailAddresses", "organizations",
            "addresses", "biographies", "memberships", "userDefined", "urls", "birthdays",
            "events", "relations", "externalIds", "clientData")  # fmt: skip
_OUTPUT_ONLY = {"metadata", "formattedType", "canonicalForm", "displayName",
                "displayNameLastFirst", "contactGroupId", "formattedValue"}  # fmt: skip
_NOT_RESTORED_DATA = {STAMP_KEY, "crm.key", "crm.import", "crm.restore"}


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in _OUTPUT_ONLY}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def restore_body(
    person: dict[str, Any], live_groups: set[str], *, exact: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """The create body that brings ``person`` back, and the groups that no longer exist.

    ``exact`` (an undo) keeps the contact's own markers (``crm.key``, ``crm.import``:
    which import row it is), so the contact is back as it was."""
    body = {f: _clean(person[f]) for f in RESTORED if person.get(f)}
    if person.get("addresses"):  # an address's formattedValue is what people typed: writable
        body["addresses"] = [
            {**_clean(a), **({"formattedValue": a["formattedValue"]} if "formattedValue" in a
                             else {})}
            for a in person["addresses"]
        ]  # fmt: skip
    missing: list[str] = []
    members = []
    for m in body.get("memberships", []):
        rn = (m.get("contactGroupMembership") or {}).get("contactGroupResourceName", "")
        if rn == MY_CONTACTS or rn in live_groups:
            members.append({"contactGroupMembership": {"contactGroupResourceName": rn}})
        elif rn:
            missing.append(rn)
    if not any(
        m["contactGroupMembership"]["contactGroupResourceName"] == MY_CONTACTS for m in members
    ):
        members.insert(0, {"contactGroupMembership": {"contactGroupResourceName": MY_CONTACTS}})
    body["memberships"] = members
    dropped = {STAMP_KEY, "crm.restore"} if exact else _NOT_RESTORED_DATA
    data = [cd for cd in body.get("clientData", []) if cd.get("key") not in dropped]
    if data:
        body["clientData"] = data
    else:
        body.pop("clientData", None)
    return body, missing
