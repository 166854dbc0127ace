"""Contact: the tool's view of a People API Person, and the way back.

Pure: no I/O. ``Contact.from_person`` keeps the whole Person it came from, so
``to_person`` can write back only the fields the tool changed, with every
sub-field and every field it does not model left exactly as Google had it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from contacts_crm.contact import phones

# Fields read from the API for every contact (Person field names).
READ_FIELDS = (
    "names,nicknames,phoneNumbers,emailAddresses,organizations,addresses,biographies,"
    "memberships,clientData,userDefined,urls,birthdays,events,relations,externalIds,metadata"
)
# Fields the tool models and may write (a subset of the API's updatePersonFields).
WRITABLE = (
    "names",
    "nicknames",
    "phoneNumbers",
    "emailAddresses",
    "organizations",
    "addresses",
    "urls",
    "birthdays",
    "biographies",
    "memberships",
    "clientData",
    "userDefined",
)
MY_CONTACTS = "contactGroups/myContacts"
STARRED = "contactGroups/starred"
# Google's system groups a person may name (their names, any letter case) -> resourceName;
# every other system group (friends, coworkers...) is neither shown nor offered.
SYSTEM_GROUPS = {"mycontacts": MY_CONTACTS, "my contacts": MY_CONTACTS, "starred": STARRED}


class Listed(NamedTuple):
    """One contact as a listing shows it: what ``crm list`` prints of it, no more."""

    resource_name: str
    name: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    organization: str
    groups: tuple[str, ...]  # group resource names, in the Person's order


@dataclass
class PhoneEntry:
    value: str
    type: str = "mobile"


@dataclass
class EmailEntry:
    value: str
    type: str = "work"


@dataclass
class UrlEntry:
    """A website (``urls[]``): type is custom or one of Google's (home, work, blog,
    profile, homePage, ftp, reservations, appInstallPage, other)."""

    value: str
    type: str = "other"


@dataclass
class Address:
    formatted: str = ""
    type: str = "work"
    street: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    po_box: str = ""
    extended: str = ""  # extendedAddress: apartment, suite, c/o

    def key(self) -> dict[str, str]:
        """The address's parts that are set (what makes two addresses the same)."""
        return {k: v for k, v in vars(self).items() if v}


@dataclass
class Contact:
    """A client as the tool sees it. ``raw`` is the Person JSON it was read from
    (shared with the caller's dict below the top level: treat it as read-only)."""

    given_name: str = ""
    family_name: str = ""
    middle_name: str = ""
    phones: list[PhoneEntry] = field(default_factory=list)
    emails: list[EmailEntry] = field(default_factory=list)
    organization: str = ""
    title: str = ""
    department: str = ""
    job_description: str = ""  # vCard ROLE
    addresses: list[Address] = field(default_factory=list)
    nicknames: list[str] = field(default_factory=list)
    urls: list[UrlEntry] = field(default_factory=list)
    birthday: str = ""  # "YYYY-MM-DD", "--MM-DD" (no year), or Google's free text
    notes: str = ""
    groups: list[str] = field(default_factory=list)  # contactGroups/... resource names
    client_data: dict[str, str] = field(default_factory=dict)
    user_defined: list[tuple[str, str]] = field(default_factory=list)
    resource_name: str | None = None
    etag: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- reading ----------------------------------------------------------
    @classmethod
    def from_person(cls, person: dict[str, Any]) -> Contact:
        """Build a Contact from a Person JSON object (as the API returns it)."""
        name = _first(person.get("names"))
        org = _first(person.get("organizations"))
        bio = _first(person.get("biographies"))
        return cls(
            given_name=name.get("givenName", ""),
            family_name=name.get("familyName", ""),
            middle_name=name.get("middleName", ""),
            phones=[
                PhoneEntry(p.get("value", ""), p.get("type", "") or "other")
                for p in person.get("phoneNumbers", [])
            ],
            emails=[
                EmailEntry(e.get("value", ""), e.get("type", "") or "other")
                for e in person.get("emailAddresses", [])
            ],
            organization=org.get("name", ""),
            title=org.get("title", ""),
            department=org.get("department", ""),
            job_description=org.get("jobDescription", ""),
            nicknames=[n["value"] for n in person.get("nicknames", []) if n.get("value")],
            urls=[
                UrlEntry(u["value"], u.get("type", "") or "other")
                for u in person.get("urls", [])
                if u.get("value")
            ],
            birthday=birthday_text(_first(person.get("birthdays"))),
            addresses=[
                Address(
                    formatted=a.get("formattedValue", ""),
                    type=a.get("type", "") or "other",
                    street=a.get("streetAddress", ""),
                    city=a.get("city", ""),
                    region=a.get("region", ""),
                    postal_code=a.get("postalCode", ""),
                    country=a.get("country", ""),
                    po_box=a.get("poBox", ""),
                    extended=a.get("extendedAddress", ""),
                )
                for a in person.get("addresses", [])
            ],
            notes=bio.get("value", ""),
            groups=[
                m["contactGroupMembership"]["contactGroupResourceName"]
                for m in person.get("memberships", [])
                if "contactGroupMembership" in m
                and "contactGroupResourceName" in m["contactGroupMembership"]
            ],
            client_data={
                c.get("key", ""): c.get("value", "") for c in person.get("clientData", [])
            },
            user_defined=[
                (u.get("key", ""), u.get("value", "")) for u in person.get("userDefined", [])
            ],
            resource_name=person.get("resourceName"),
            etag=person.get("etag"),
            raw=dict(person),  # read-only: to_person builds new items, never edits these
        )

    # -- derived ------------------------------------------------------------
    @property
    def display_name(self) -> str:
        """The name people see: given + family, else the company, else a phone."""
        full = " ".join(p for p in (self.given_name, self.middle_name, self.family_name) if p)
        if full:
            return full
        shown = _first(self.raw.get("names")).get("displayName", "")
        return shown or self.organization or (self.phones[0].value if self.phones else "")

    @property
    def phone_keys(self) -> list[str]:
        """Keys for the phone index (E.164 and digit tails) of every number."""
        keys: list[str] = []
        for p in self.phones:
            for k in phones.lookup_keys(p.value.split(";ext=")[0]):
                if k not in keys:
                    keys.append(k)
        return keys

    # -- writing ------------------------------------------------------------
    def to_person(self, fields: Iterable[str] | None = None) -> dict[str, Any]:
        """Person JSON for ``fields`` (default: every modelled field).

        Items keep the sub-fields the tool does not model (e.g. a phone's
        custom label); ``resourceName`` and ``etag`` come along when known.
        """
        wanted = list(fields) if fields is not None else list(WRITABLE)
        out: dict[str, Any] = {}
        if self.resource_name:
            out["resourceName"] = self.resource_name
        if self.etag:
            out["etag"] = self.etag
        for f in wanted:
            out[f] = getattr(self, f"_build_{f}")()
        return out

    def changed_fields(self, other: Contact) -> list[str]:
        """Person fields whose written form differs between ``self`` and ``other``."""
        mine, theirs = self.to_person(), other.to_person()
        return [f for f in WRITABLE if _normal(mine[f]) != _normal(theirs[f])]

    def _old(self, key: str) -> list[dict[str, Any]]:
        return [dict(x) for x in self.raw.get(key, []) if isinstance(x, dict)]

    def _build_names(self) -> list[dict[str, Any]]:
        old = _first(self.raw.get("names"))
        keep = {k: v for k, v in old.items() if k not in _NAME_OUTPUT and k not in _NAME_MODELLED}
        new = {
            "givenName": self.given_name,
            "familyName": self.family_name,
            "middleName": self.middle_name,
        }
        item = {**keep, **{k: v for k, v in new.items() if v}}
        return [item] if any(v for k, v in item.items() if k != "metadata") else []

    def _build_phoneNumbers(self) -> list[dict[str, Any]]:
        old = {p.get("value"): p for p in self._old("phoneNumbers")}
        return [
            _merge(old.get(p.value), {"value": p.value, "type": p.type}, _PHONE_OUTPUT)
            for p in self.phones
        ]

    def _build_emailAddresses(self) -> list[dict[str, Any]]:
        old = {e.get("value"): e for e in self._old("emailAddresses")}
        return [
            _merge(old.get(e.value), {"value": e.value, "type": e.type}, _EMAIL_OUTPUT)
            for e in self.emails
        ]

    def _build_nicknames(self) -> list[dict[str, Any]]:
        old = {n.get("value"): n for n in self._old("nicknames")}
        return [_merge(old.get(n), {"value": n}, set()) for n in dict.fromkeys(self.nicknames)]

    def _build_urls(self) -> list[dict[str, Any]]:
        old = {u.get("value"): u for u in self._old("urls")}
        return [
            _merge(old.get(u.value), {"value": u.value, "type": u.type}, _EMAIL_OUTPUT)
            for u in self.urls
        ]

    def _build_birthdays(self) -> list[dict[str, Any]]:
        old = self._old("birthdays")
        if old and birthday_text(old[0]) == self.birthday:
            return old[:1]  # as Google has it (a date and its text both kept)
        if not self.birthday:
            return []
        date = birthday_date(self.birthday)
        return [{"date": date} if date else {"text": self.birthday}]

    def _build_organizations(self) -> list[dict[str, Any]]:
        old = self._old("organizations")
        rest = old[1:]
        mine = (
            ("name", self.organization),
            ("title", self.title),
            ("department", self.department),
            ("jobDescription", self.job_description),
        )
        if not any(v for _, v in mine):
            return rest
        first = {k: v for k, v in (old[0] if old else {}).items() if k not in dict(mine)}
        first.update({k: v for k, v in mine if v})
        first.pop("formattedType", None)
        return [first, *rest]

    def _build_addresses(self) -> list[dict[str, Any]]:
        out = []
        for a in self.addresses:
            item = {
                "formattedValue": a.formatted,
                "type": a.type,
                "poBox": a.po_box,
                "streetAddress": a.street,
                "extendedAddress": a.extended,
                "city": a.city,
                "region": a.region,
                "postalCode": a.postal_code,
                "country": a.country,
            }
            out.append({k: v for k, v in item.items() if v})
        return out

    def _build_biographies(self) -> list[dict[str, Any]]:
        return [{"value": self.notes, "contentType": "TEXT_PLAIN"}] if self.notes else []

    def _build_memberships(self) -> list[dict[str, Any]]:
        groups = list(dict.fromkeys(self.groups)) or [MY_CONTACTS]
        return [{"contactGroupMembership": {"contactGroupResourceName": g}} for g in groups]

    def _build_clientData(self) -> list[dict[str, Any]]:
        return [{"key": k, "value": v} for k, v in self.client_data.items()]

    def _build_userDefined(self) -> list[dict[str, Any]]:
        return [{"key": k, "value": v} for k, v in self.user_defined]


_NAME_OUTPUT = {"displayName", "displayNameLastFirst", "unstructuredName"}
_NAME_MODELLED = {"givenName", "familyName", "middleName"}
_PHONE_OUTPUT = {"canonicalForm", "formattedType"}
_EMAIL_OUTPUT = {"formattedType"}


def birthday_text(item: dict[str, Any]) -> str:
    """A Birthday item as the tool shows it: "1985-11-30", "--11-30" (no year), or its text."""
    d = item.get("date") or {}
    if d.get("month") and d.get("day"):
        year = f"{d['year']:04d}" if d.get("year") else "-"
        return f"{year}-{d['month']:02d}-{d['day']:02d}"
    return str(item.get("text", ""))


_DATE = re.compile(r"^(\d{4}|-)-?(\d{2})-?(\d{2})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # 30.11.1985 (ru, tr)
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")  # 11/30/1985 (Outlook, en-US)


def birthday_date(text: str) -> dict[str, int] | None:
    """Google's Date for "1985-11-30", "19851130", "--11-30", "--1130" (vCard), with a
    time after "T" ignored; "30.11.1985" (day first) and "11/30/1985" (Outlook's month
    first) too. None: not a date."""
    t = text.strip().partition("T")[0] if re.match(r"^[\d-]{6,10}T", text.strip()) else text.strip()
    if m := _DOTTED.match(t):
        t = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    elif m := _SLASHED.match(t):
        t = f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    m = _DATE.match(t)
    if not m:
        return None
    year = 0 if m.group(1) == "-" else int(m.group(1))
    month, day = int(m.group(2)), int(m.group(3))
    try:
        datetime.date(year or 2000, month, day)  # 2000: a leap year, so --02-29 is a date
    except ValueError:
        return None
    return {"year": year, "month": month, "day": day} if year else {"month": month, "day": day}


def birthday_value(text: str) -> str:
    """``text`` as the tool writes a birthday ("1985-11-30", "--11-30"); "" when not a date."""
    date = birthday_date(text)
    return birthday_text({"date": date}) if date else ""


def _first(items: Any) -> dict[str, Any]:
    return dict(items[0]) if items else {}


def _merge(
    old: dict[str, Any] | None, new: dict[str, Any], output_only: set[str]
) -> dict[str, Any]:
    base = {k: v for k, v in (old or {}).items() if k not in output_only}
    base.update({k: v for k, v in new.items() if v})
    return base


def _normal(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Compare items without metadata (the server adds it)."""
    return [{k: v for k, v in i.items() if k != "metadata"} for i in items]


def _item_key(field_name: str, item: dict[str, Any]) -> Any:
    """What makes two items of a field the same item (ignoring output-only keys)."""
    if field_name in ("phoneNumbers", "emailAddresses", "urls"):
        return str(item.get("value", "")).casefold()
    if field_name == "memberships":
        return item.get("contactGroupMembership", {}).get("contactGroupResourceName")
    if field_name in ("clientData", "userDefined"):
        return (item.get("key"), item.get("value"))
    skip = {"metadata", "canonicalForm", "formattedType", "displayName", "displayNameLastFirst"}
    return tuple(sorted((k, repr(v)) for k, v in item.items() if k not in skip))


def same_fields(a: dict[str, Any], b: dict[str, Any], fields: Iterable[str]) -> bool:
    """True when persons ``a`` and ``b`` hold the same items in every one of ``fields``
    (output-only keys and item order ignored)."""
    return all(
        sorted(map(repr, (_item_key(f, it) for it in a.get(f, []))))
        == sorted(map(repr, (_item_key(f, it) for it in b.get(f, []))))
        for f in fields
    )


def three_way(
    base: dict[str, Any], fresh: dict[str, Any], intended: dict[str, Any], fields: Iterable[str]
) -> dict[str, Any]:
    """Re-apply a planned write to a person someone else changed meanwhile.

    ``base`` is the person the plan was made from, ``intended`` the planned
    write, ``fresh`` the person now. Per field: what only we changed takes our
    value, what only they changed keeps theirs; where both changed, list items
    are unioned (theirs first) and Notes get our new lines appended — so no
    one's edit is lost. Names and other singletons keep theirs.
    """
    out: dict[str, Any] = {}
    for f in fields:
        b, n, i = ([_item_key(f, it) for it in x.get(f, [])] for x in (base, fresh, intended))
        if i == b:
            out[f] = fresh.get(f, [])
        elif n == b:
            out[f] = intended.get(f, [])
        elif f == "biographies":
            mine = _first(intended.get(f)).get("value", "")
            old = _first(base.get(f)).get("value", "")
            theirs = _first(fresh.get(f)).get("value", "")
            added = "\n".join(ln for ln in mine.splitlines() if ln not in old.splitlines())
            text = theirs if not added or added in theirs else f"{theirs.rstrip()}\n{added}"
            out[f] = [{"value": text, "contentType": "TEXT_PLAIN"}] if text else []
        elif f == "names":
            out[f] = fresh.get(f, [])
        else:
            ours = [
                it
                for it, key in zip(intended.get(f, []), i, strict=True)
                if key not in b and key not in n
            ]
            out[f] = [*fresh.get(f, []), *ours]
    return out
