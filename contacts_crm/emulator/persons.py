"""Person field rules: masks, singletons, field limits, derived output fields, projection."""

from __future__ import annotations

import base64
import os
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from .envelope import MASK_DOCS, ApiError, bad_request
from .store import PersonRecord

PERSON_FIELDS = frozenset(
    [
        "addresses",
        "ageRange",
        "ageRanges",
        "biographies",
        "birthdays",
        "braggingRights",
        "calendarUrls",
        "clientData",
        "coverPhotos",
        "emailAddresses",
        "events",
        "externalIds",
        "fileAses",
        "genders",
        "imClients",
        "interests",
        "locales",
        "locations",
        "memberships",
        "metadata",
        "miscKeywords",
        "names",
        "nicknames",
        "occupations",
        "organizations",
        "phoneNumbers",
        "photos",
        "relations",
        "relationshipInterests",
        "relationshipStatuses",
        "residences",
        "sipAddresses",
        "skills",
        "taglines",
        "urls",
        "userDefined",
    ]
)
UPDATE_FIELDS = frozenset(
    [
        "addresses",
        "biographies",
        "birthdays",
        "calendarUrls",
        "clientData",
        "emailAddresses",
        "events",
        "externalIds",
        "genders",
        "imClients",
        "interests",
        "locales",
        "locations",
        "memberships",
        "miscKeywords",
        "names",
        "nicknames",
        "occupations",
        "organizations",
        "phoneNumbers",
        "relations",
        "sipAddresses",
        "urls",
        "userDefined",
    ]
)
# Fields a create may carry: the updatable ones plus fileAses (written by Google CSV import).
CREATE_FIELDS = UPDATE_FIELDS | {"fileAses"}
SINGLETONS = ("names", "biographies", "birthdays", "genders")
LIST_CAPPED = ("emailAddresses", "phoneNumbers")  # connections.list returns at most 100 of each

_FORMATTED_TYPES = {
    "home": "Home",
    "work": "Work",
    "mobile": "Mobile",
    "homeFax": "Home Fax",
    "workFax": "Work Fax",
    "otherFax": "Other Fax",
    "pager": "Pager",
    "workMobile": "Work Mobile",
    "workPager": "Work Pager",
    "main": "Main",
    "googleVoice": "Google Voice",
    "other": "Other",
    "school": "School",
    "blog": "Blog",
    "profile": "Profile",
    "homePage": "Home Page",
    "ftp": "FTP",
    "reservations": "Reservations",
    "appInstallPage": "App Install Page",
}
# Fields whose items carry an output-only formattedType (Nickname has none: its type is an enum).
_TYPED = frozenset(
    ["phoneNumbers", "emailAddresses", "addresses", "urls", "organizations", "relations",
     "events", "imClients", "externalIds", "sipAddresses", "calendarUrls"]
)  # fmt: skip
NICKNAME_TYPES = frozenset(
    ["DEFAULT", "MAIDEN_NAME", "INITIALS", "GPLUS", "OTHER_NAME", "ALTERNATE_NAME", "SHORT_NAME"]
)


def new_etag(prefix: str, size: int) -> str:
    """An opaque etag shaped like Google's (``%…`` for persons, ``#…`` for sources)."""
    return prefix + base64.b64encode(os.urandom(size)).decode("ascii")


def iso_time(t: float) -> str:
    """RFC 3339 UTC timestamp, as Google writes ``updateTime``."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_mask(
    value: str | None, param: str, allowed: frozenset[str], *, required: bool = True
) -> list[str] | None:
    """Parse a comma-separated field mask; 400 when missing (if required) or invalid."""
    if value is None or not value.strip():
        if not required:
            return None
        what = param if param == "readMask" else f"{param} mask"
        raise bad_request(
            f"{what} is required. Please specify one or more valid paths. {MASK_DOCS}"
        )
    paths = []
    for raw in value.split(","):
        path = raw.strip()
        if path.startswith("person."):
            path = path[len("person.") :]
        if path not in allowed:
            raise bad_request(f'Invalid {param} mask path: "{raw.strip()}". {MASK_DOCS}')
        paths.append(path)
    return paths


def check_fields(
    person: dict[str, Any], fields: list[str] | frozenset[str], max_chars: int
) -> None:
    """Singletons and per-field length (emulator choice for the unpublished length error)."""
    for name in SINGLETONS:
        if name in fields and len(person.get(name) or []) > 1:
            raise bad_request(f"Cannot have more than one person.{name} per source.")
    for name in fields:
        for n, item in enumerate(person.get(name) or []):
            if not isinstance(item, dict):
                raise bad_request(f"Invalid value at 'person.{name}': expected an object.")
            if name == "nicknames" and item.get("type", "DEFAULT") not in NICKNAME_TYPES:
                raise bad_request(
                    f"Invalid value at 'person.nicknames[{n}].type' (type.googleapis.com/"
                    f'google.people.v1.Nickname.Type), "{item.get("type")}"'
                )
            if isinstance(item.get("date"), dict):
                _check_date(f"person.{name}[{n}].date", item["date"])
            for key, val in item.items():
                if key == "date" and isinstance(val, dict):
                    continue
                _check_value(f"person.{name}[{n}].{key}", val)
                if name == "biographies":
                    continue
                if isinstance(val, str) and len(val) > max_chars:
                    # [NF] Google's message for this limit is unpublished; this one is ours.
                    raise bad_request(
                        f"Value of person.{name}.{key} is too long: a field can hold at most"
                        f" {max_chars} characters (Notes excepted)."
                    )


def _check_value(path: str, value: Any) -> None:
    """Google's 400 for a number where text belongs, and for text that is not UTF-8."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise bad_request(f"Invalid value at '{path}' (TYPE_STRING), {value}")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request(f"Invalid value at '{path}': invalid UTF-8.") from None


def _check_date(path: str, date: dict[str, Any]) -> None:
    """A Date's year, month and day are numbers (Google: "Invalid value ... (TYPE_INT32)")."""
    for key, val in date.items():
        if key not in ("year", "month", "day"):
            raise bad_request(f'Invalid JSON payload received. Unknown name "{key}" at '
                              f"'{path}': Cannot find field.")  # fmt: skip
        if not isinstance(val, int) or isinstance(val, bool):
            raise bad_request(f"Invalid value at '{path}.{key}' (TYPE_INT32), {val!r}")


def _item_meta(source_id: str, primary: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"source": {"type": "CONTACT", "id": source_id}}
    if primary:
        meta["primary"] = True
        meta["sourcePrimary"] = True
    return meta


def _display_names(name: dict[str, Any]) -> None:
    parts = [name.get(k) for k in ("honorificPrefix", "givenName", "middleName", "familyName")]
    display = " ".join(p for p in parts if p) or name.get("unstructuredName") or ""
    if name.get("honorificSuffix"):
        display = f"{display}, {name['honorificSuffix']}" if display else name["honorificSuffix"]
    if display:
        name["displayName"] = display
        given = " ".join(p for p in (name.get("givenName"), name.get("middleName")) if p)
        family = name.get("familyName")
        name["displayNameLastFirst"] = f"{family}, {given}" if family and given else display
        name.setdefault("unstructuredName", display)


def _canonical(value: str) -> str | None:
    try:
        num = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def normalize(
    fields: dict[str, Any], source_id: str, only: Collection[str] | None = None
) -> dict[str, Any]:
    """Add Google's output-only parts (item metadata, displayName, canonicalForm...).

    With ``only``, the other fields are stored ones, already normalised: kept as they are.
    """
    out: dict[str, Any] = {}
    for name, items in fields.items():
        if not items:
            continue
        if only is not None and name not in only:
            out[name] = items
            continue
        new_items = []
        for i, raw in enumerate(items):
            item = {k: v for k, v in raw.items() if k != "metadata"}
            item["metadata"] = _item_meta(source_id, i == 0)
            if name == "names":
                for k in ("displayName", "displayNameLastFirst"):
                    item.pop(k, None)
                _display_names(item)
            elif name == "phoneNumbers" and item.get("value"):
                item.pop("canonicalForm", None)
                canon = _canonical(str(item["value"]))
                if canon:
                    item["canonicalForm"] = canon
            elif name == "memberships":
                cgm = item.get("contactGroupMembership") or {}
                grp = cgm.get("contactGroupResourceName", "")
                item["contactGroupMembership"] = {
                    "contactGroupId": grp.split("/", 1)[-1],
                    "contactGroupResourceName": grp,
                }
            if "type" in item and name in _TYPED:
                item["formattedType"] = _FORMATTED_TYPES.get(item["type"], item["type"])
            new_items.append(item)
        out[name] = new_items
    return out


def source_meta(rec: PersonRecord) -> dict[str, Any]:
    """``metadata.sources[0]`` of a stored contact."""
    return {
        "type": "CONTACT",
        "id": rec.source_id,
        "etag": rec.source_etag,
        "updateTime": iso_time(rec.update_time),
    }


def render(rec: PersonRecord, mask: list[str] | None, *, capped: bool = False) -> dict[str, Any]:
    """The Person JSON for ``rec`` restricted to ``mask`` (None = all fields)."""
    out: dict[str, Any] = {"resourceName": rec.rn, "etag": rec.etag}
    if rec.deleted:
        out["metadata"] = {"sources": [source_meta(rec)], "deleted": True, "objectType": "PERSON"}
        return out
    fields = mask if mask is not None else sorted(PERSON_FIELDS)
    for name in fields:
        if name == "metadata":
            out["metadata"] = {"sources": [source_meta(rec)], "objectType": "PERSON"}
        elif name in rec.data:
            value = rec.data[name]
            if capped and name in LIST_CAPPED:
                value = value[:100]
            out[name] = value
    return out


def etag_of(person: dict[str, Any]) -> str | None:
    """The etag a request body carries: the CONTACT source etag wins over ``person.etag``."""
    for src in (person.get("metadata") or {}).get("sources") or []:
        if src.get("type", "CONTACT") == "CONTACT" and src.get("etag"):
            return str(src["etag"])
    return person.get("etag") or None


def ensure_source(person: dict[str, Any]) -> None:
    """Reject an update body whose ``metadata.sources`` names no CONTACT source."""
    sources = (person.get("metadata") or {}).get("sources")
    if (
        sources is not None
        and sources
        and not any(s.get("type", "CONTACT") == "CONTACT" for s in sources)
    ):
        raise ApiError(400, "INVALID_ARGUMENT", "Request person must have a contact source.")
