"""Two contacts of one client made into one. Pure: no I/O.

The first contact survives (its resource name, and every field the tool
does not model). Name parts, company, title, department, job description and
birthday: the first's where it has one, else the other's; where both have one
and they differ, the other's is kept as a note line (returned, for the card's
free text). Phones (compared as numbers, any spelling), e-mails (any case),
addresses, nicknames, websites, groups, clientData and userDefined entries: the
union, the first's first. The card is merged by
``card.merging``; the caller passes the result in.
"""

from __future__ import annotations

from dataclasses import replace

from contacts_crm.contact import names
from contacts_crm.contact.editing import same_number
from contacts_crm.contact.model import Contact


def merge_contacts(first: Contact, other: Contact, region: str = "RU") -> tuple[Contact, list[str]]:
    """The merged contact (built on ``first``) and the note lines for what disagreed."""
    merged = replace(
        first,
        phones=list(first.phones),
        emails=list(first.emails),
        addresses=list(first.addresses),
        nicknames=list(first.nicknames),
        urls=list(first.urls),
        groups=list(first.groups),
        client_data=dict(first.client_data),
        user_defined=list(first.user_defined),
    )
    notes: list[str] = []
    name_differs = False
    for part in ("given_name", "middle_name", "family_name"):
        mine, theirs = getattr(first, part), getattr(other, part)
        if not mine and theirs:
            setattr(merged, part, theirs)
        elif mine and theirs and names.fold(mine) != names.fold(theirs):
            name_differs = True
    if name_differs:
        notes.append(f"Also named: {other.display_name}")
    for part, label in (("organization", "Company"), ("title", "Title"),
                        ("department", "Department"), ("job_description", "Role"),
                        ("birthday", "Birthday")):  # fmt: skip
        mine, theirs = getattr(first, part), getattr(other, part)
        if not mine and theirs:
            setattr(merged, part, theirs)
        elif mine and theirs and names.fold(mine) != names.fold(theirs):
            notes.append(f"{label} also given as: {theirs}")
    for p in other.phones:
        if not any(same_number(p.value, q.value, region) for q in merged.phones):
            merged.phones.append(p)
    seen = {e.value.strip().casefold() for e in merged.emails}
    for e in other.emails:
        if e.value.strip().casefold() not in seen:
            seen.add(e.value.strip().casefold())
            merged.emails.append(e)
    have = {_address_key(a) for a in merged.addresses}
    for a in other.addresses:
        if _address_key(a) not in have:
            have.add(_address_key(a))
            merged.addresses.append(a)
    for nick in other.nicknames:
        if names.fold(nick) not in {names.fold(n) for n in merged.nicknames}:
            merged.nicknames.append(nick)
    for u in other.urls:
        if u.value.casefold() not in {x.value.casefold() for x in merged.urls}:
            merged.urls.append(u)
    for g in other.groups:
        if g not in merged.groups:
            merged.groups.append(g)
    for k, v in other.client_data.items():
        merged.client_data.setdefault(k, v)
    for item in other.user_defined:
        if item not in merged.user_defined:
            merged.user_defined.append(item)
    return merged, notes


_ADDRESS_PARTS = ("formatted", "street", "city", "region", "postal_code", "country", "po_box",
                  "extended")  # fmt: skip


def _address_key(a: object) -> str:
    return names.fold(" ".join(str(getattr(a, f, "")) for f in _ADDRESS_PARTS))
