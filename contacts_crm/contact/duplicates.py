"""Likely duplicates among contacts: same number, same e-mail, same name. Pure: no I/O.

A name matches up to case, transliteration (Петров = Petrov), Turkish i
(Yılmaz = YILMAZ) and word order (``names.name_key``); names of one word
("Anna") are too common to say anything and are not compared. Groups that
hold the same contacts for several reasons are one group with every reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from contacts_crm.contact import names, phones
from contacts_crm.contact.model import Contact

REASONS = ("phone", "email", "name")
EXACT = frozenset({"phone", "email"})  # what --merge --yes may merge without asking


@dataclass(frozen=True)
class DuplicateGroup:
    """Contacts (resource names, in the order met) that look like one client, and why."""

    members: tuple[str, ...]
    reasons: tuple[tuple[str, str], ...]  # (reason, the shared value)

    @property
    def exact(self) -> bool:
        """Same phone or e-mail: safe to merge without a person looking."""
        return any(r in EXACT for r, _ in self.reasons)


def keys_of(contact: Contact, by: Sequence[str], region: str = "RU") -> list[tuple[str, str]]:
    """The (reason, value) keys a contact can share with another."""
    out: list[tuple[str, str]] = []
    if "phone" in by:
        for p in contact.phones:
            e164 = phones.normalize(p.value.split(";ext=")[0], region).e164
            if e164 and ("phone", e164) not in out:
                out.append(("phone", e164))
    if "email" in by:
        for e in contact.emails:
            value = e.value.strip().casefold()
            if value and ("email", value) not in out:
                out.append(("email", value))
    if "name" in by:
        full = " ".join(
            x for x in (contact.given_name, contact.middle_name, contact.family_name) if x
        )
        key = names.name_key(full)
        if len(key.split()) >= 2:
            out.append(("name", key))
    return out


def find_duplicates(
    contacts: Iterable[Contact], by: Sequence[str] = REASONS, region: str = "RU"
) -> list[DuplicateGroup]:
    """Groups of two or more contacts sharing a key; exact groups (phone, e-mail) first."""
    unknown = [b for b in by if b not in REASONS]
    if unknown:
        raise ValueError(f"unknown duplicate reason(s): {', '.join(unknown)}")
    by_key: dict[tuple[str, str], list[str]] = {}
    for contact in contacts:
        rn = contact.resource_name or ""
        for key in keys_of(contact, by, region):
            members = by_key.setdefault(key, [])
            if rn not in members:
                members.append(rn)
    return group_shared(by_key)


def group_shared(by_key: Mapping[tuple[str, str], Sequence[str]]) -> list[DuplicateGroup]:
    """Groups from (reason, value) -> members sharing it (in the order met): keys held
    by the same contacts are one group; exact groups (phone, e-mail) first."""
    grouped: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for key, members in by_key.items():
        if len(members) > 1:
            grouped.setdefault(tuple(members), []).append(key)
    groups = [DuplicateGroup(m, tuple(keys)) for m, keys in grouped.items()]
    return sorted(groups, key=lambda g: (not g.exact, REASONS.index(g.reasons[0][0])))
