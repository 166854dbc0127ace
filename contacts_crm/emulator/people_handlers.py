"""Handlers of the ``people.*`` methods (except connections.list, in sync.py)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .envelope import ApiError, bad_request, failed_precondition, not_found
from .persons import (
    CREATE_FIELDS,
    PERSON_FIELDS,
    UPDATE_FIELDS,
    check_fields,
    ensure_source,
    etag_of,
    parse_mask,
    render,
)
from .request import Request
from .store import GroupRecord, PersonRecord
from .sync import connections_list

if TYPE_CHECKING:
    from .app import Emulator

__all__ = ["connections_list"]

ADDABLE_SYSTEM_GROUPS = ("contactGroups/myContacts", "contactGroups/starred")
MISSING_ETAG = (
    "Request must set person.etag or person.metadata.sources.etag for the source that is being"
    " updated."
)
STALE_ETAG = (
    "Request person.etag is different than the current person.etag. Clear local cache and get the"
    " latest person."
)
BATCH_CREATE_MAX = 200
BATCH_UPDATE_MAX = 200
BATCH_GET_MAX = 200
BATCH_DELETE_MAX = 500
SEARCH_MAX = 30
READ_SOURCES = frozenset(
    {
        "READ_SOURCE_TYPE_UNSPECIFIED",
        "READ_SOURCE_TYPE_PROFILE",
        "READ_SOURCE_TYPE_CONTACT",
        "READ_SOURCE_TYPE_DOMAIN_CONTACT",
        "READ_SOURCE_TYPE_OTHER_CONTACT",
    }
)
ONE_WRITE = {"critical_read": 1, "critical_write": 1, "daily_contact_write": 1}
ONE_READ = {"critical_read": 1}


def check_sources(values: list[str]) -> None:
    """Validate ``sources[]`` values (client-side enums, re-checked for raw HTTP callers)."""
    for value in values:
        if value not in READ_SOURCES:
            raise bad_request(
                f"Invalid value at 'sources' (type.googleapis.com/google.apps.people.v1"
                f'.ReadSourceType), "{value}"'
            )


def person_name(value: str) -> str:
    """Validate a contact resource name (``people/c<decimal>``)."""
    if not re.fullmatch(r"people/c\d+", value or ""):
        raise bad_request(f'Resource name "{value}" is not a valid contact person resource.')
    return value


def live_person(emu: Emulator, rn: str) -> PersonRecord:
    """A live contact or 404."""
    rec = emu.store.get_person(rn)
    if rec is None or rec.deleted:
        raise not_found()
    return rec


def check_memberships(emu: Emulator, fields: dict[str, Any], current: list[str]) -> None:
    """Every group in ``fields['memberships']`` exists; new adds only to addable groups."""
    for item in fields.get("memberships") or []:
        grp = (item.get("contactGroupMembership") or {}).get("contactGroupResourceName")
        if not grp:
            raise bad_request("Only contact group memberships can be written.")
        rec = emu.store.get_group(grp)
        if rec is None or rec.deleted:
            raise bad_request(f"Contact group {grp} was not found.")  # [NF] message is ours
        if grp not in current:
            check_addable(rec)


def check_addable(group: GroupRecord) -> None:
    """400 unless the group takes new members (user groups, myContacts and starred do)."""
    if group.group_type == "SYSTEM_CONTACT_GROUP" and group.rn not in ADDABLE_SYSTEM_GROUPS:
        raise bad_request("Cannot add contacts to deprecated system contact group")


def _writable(person: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in person.items() if k in allowed and v}


def prepare_create(emu: Emulator, person: Any) -> dict[str, Any]:
    """Validate a Person for creation; return the fields to store."""
    if not isinstance(person, dict):
        raise bad_request("Request must contain a person.")
    fields = _writable(person, CREATE_FIELDS)
    check_fields(fields, list(fields), emu.settings.max_field_chars)
    check_memberships(emu, fields, [])
    if not fields.get("memberships"):
        fields["memberships"] = [
            {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/myContacts"}}
        ]
    return fields


def check_capacity(emu: Emulator, adding: int) -> None:
    """[NF] Google's error for the 25,000-contact limit is unpublished; this 400 is ours."""
    limit = emu.settings.max_contacts
    if emu.store.count_live_persons() + adding > limit:
        raise failed_precondition(
            f"Contact limit exceeded: an account can hold at most {limit} contacts.",
            details=[
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "CONTACT_LIMIT_EXCEEDED",  # emulator's own reason
                    "domain": "people.googleapis.com",
                    "metadata": {"limit": str(limit)},
                }
            ],
        )


def apply_update(emu: Emulator, rn: str, person: Any, mask: list[str]) -> PersonRecord:
    """Validate one update against the stored contact; return the new stored version."""
    if not isinstance(person, dict):
        raise bad_request("Request must contain a person.")
    rec = live_person(emu, rn)
    ensure_source(person)
    etag = etag_of(person)
    if not etag:
        raise bad_request(MISSING_ETAG)
    if etag not in (rec.etag, rec.source_etag):
        raise failed_precondition(STALE_ETAG)
    check_fields(person, mask, emu.settings.max_field_chars)
    data = dict(rec.data)
    for name in mask:
        value = person.get(name)
        if value:
            data[name] = value
        else:
            data.pop(name, None)
    if "memberships" in mask:
        if not any(
            (m.get("contactGroupMembership") or {}).get("contactGroupResourceName")
            for m in person.get("memberships") or []
        ):
            raise bad_request(
                "Person must have at least one contact group membership."
            )  # [NF] text
        check_memberships(emu, data, rec.group_names())
    return emu.write_person(rec, data, changed=mask)


def get(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """people.get"""
    emu.charge(ONE_READ)
    rn = match.group(1)
    mask = parse_mask(req.one("personFields"), "personFields", PERSON_FIELDS)
    check_sources(req.all("sources"))
    if rn == "people/me":
        raise not_found()  # the emulated account has no profile
    return render(live_person(emu, person_name(rn)), mask)


def get_batch(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """people.getBatchGet"""
    emu.charge(ONE_READ)
    names = req.all("resourceNames")
    if not names:
        raise bad_request("resourceNames is required.")
    if len(names) > BATCH_GET_MAX:
        raise bad_request(f"Too many resourceNames: at most {BATCH_GET_MAX} may be requested.")
    mask = parse_mask(req.one("personFields"), "personFields", PERSON_FIELDS)
    check_sources(req.all("sources"))
    found = emu.store.get_persons([n for n in names if n.startswith("people/c")])
    responses = []
    for name in names:
        rec = found.get(name)
        if rec is None or rec.deleted:
            responses.append(
                {
                    "requestedResourceName": name,
                    "httpStatusCode": 404,
                    "status": {"code": 5, "message": "Requested entity was not found."},
                }
            )
        else:
            responses.append(
                {
                    "requestedResourceName": name,
                    "httpStatusCode": 200,
                    "person": render(rec, mask),
                    "status": {},
                }
            )
    return {"responses": responses}


def create(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """people.createContact"""
    emu.charge(ONE_WRITE)
    mask = parse_mask(req.one("personFields"), "personFields", PERSON_FIELDS, required=False)
    check_sources(req.all("sources"))
    fields = prepare_create(emu, req.json_body())
    with emu.store.transaction():
        check_capacity(emu, 1)
        rec = emu.write_person(None, fields)
    return render(rec, mask)


def update(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """people.updateContact"""
    emu.charge(ONE_WRITE)
    rn = person_name(match.group(1))
    mask = parse_mask(req.one("updatePersonFields"), "updatePersonFields", UPDATE_FIELDS)
    read = parse_mask(req.one("personFields"), "personFields", PERSON_FIELDS, required=False)
    check_sources(req.all("sources"))
    emu.take_conflict(rn)  # outside the transaction: the other device's edit stays
    with emu.store.transaction():
        rec = apply_update(emu, rn, req.json_body(), mask or [])
    return render(rec, read)


def _delete_one(emu: Emulator, rn: str) -> None:
    rec = live_person(emu, rn)
    emu.write_person(rec, {}, deleted=True)


def delete(emu: Emulator, req: Request, match: re.Match[str]) -> None:
    """people.deleteContact"""
    emu.charge({"write": 1})
    rn = person_name(match.group(1))
    with emu.store.transaction():
        _delete_one(emu, rn)


def _charge_batch_write(emu: Emulator, count: int, maximum: int) -> None:
    """Quota of a batch create or update of ``count`` contacts, then its size checks."""
    emu.charge({"critical_read": 6, "critical_write": 6, "daily_contact_write": max(count, 1)})
    if not count:
        raise bad_request("contacts must not be empty.")
    if count > maximum:
        raise bad_request(f"Too many contacts in the request: at most {maximum} are allowed.")


def _batch_errors(errors: list[tuple[int, ApiError]]) -> ApiError:
    """[NF] Google's per-contact batch error layout; ours lists one violation per bad entry."""
    first = errors[0][1]
    violations = [{"field": f"contacts[{i}]", "description": e.message} for i, e in errors]
    return ApiError(
        first.code,
        first.status,
        first.message,
        details=[
            {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": violations}
        ],
    )


def batch_create(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """people.batchCreateContacts: all or nothing."""
    body = req.json_body()
    contacts = body.get("contacts") or []
    _charge_batch_write(emu, len(contacts), BATCH_CREATE_MAX)
    mask = parse_mask(body.get("readMask"), "readMask", PERSON_FIELDS, required=False)
    check_sources(body.get("sources") or [])
    prepared, errors = [], []
    for i, entry in enumerate(contacts):
        try:
            prepared.append(prepare_create(emu, (entry or {}).get("contactPerson")))
        except ApiError as err:
            errors.append((i, err))
    if errors:
        raise _batch_errors(errors)
    with emu.store.transaction():
        check_capacity(emu, len(prepared))
        created = [emu.write_person(None, fields) for fields in prepared]
    if not mask:
        return {}
    return {
        "createdPeople": [
            {
                "httpStatusCode": 200,
                "person": render(rec, mask),
                "requestedResourceName": rec.rn,
                "status": {},
            }
            for rec in created
        ]
    }


def batch_update(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """people.batchUpdateContacts: all or nothing."""
    body = req.json_body()
    contacts = body.get("contacts") or {}
    if not isinstance(contacts, dict):
        raise bad_request("contacts must be a map keyed by resource name.")
    _charge_batch_write(emu, len(contacts), BATCH_UPDATE_MAX)
    mask = parse_mask(body.get("updateMask"), "updateMask", UPDATE_FIELDS)
    read = parse_mask(body.get("readMask"), "readMask", PERSON_FIELDS, required=False)
    check_sources(body.get("sources") or [])
    results: dict[str, PersonRecord] = {}
    for rn in contacts:
        emu.take_conflict(rn)  # outside the transaction: the other device's edit stays
    with emu.store.transaction():
        errors = []
        for i, (rn, person) in enumerate(contacts.items()):
            try:
                results[rn] = apply_update(emu, person_name(rn), person, mask or [])
            except ApiError as err:
                errors.append((i, err))
        if errors:
            raise _batch_errors(errors)
    if not read:
        return {}
    return {
        "updateResult": {
            rn: {
                "httpStatusCode": 200,
                "person": render(rec, read),
                "requestedResourceName": rn,
                "status": {},
            }
            for rn, rec in results.items()
        }
    }


def batch_delete(emu: Emulator, req: Request, match: re.Match[str]) -> None:
    """people.batchDeleteContacts: all or nothing."""
    emu.charge({"write": 10})
    names = req.json_body().get("resourceNames") or []
    if not names:
        raise bad_request("resourceNames must not be empty.")
    if len(names) > BATCH_DELETE_MAX:
        raise bad_request(f"Too many resourceNames: at most {BATCH_DELETE_MAX} are allowed.")
    with emu.store.transaction():
        for rn in names:
            _delete_one(emu, person_name(rn))


def search(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """people.searchContacts: answered from the warm-up snapshot."""
    emu.charge(ONE_READ)
    query = req.one("query")
    if query is None:
        raise bad_request("query is required.")
    mask = parse_mask(req.one("readMask"), "readMask", PERSON_FIELDS)
    check_sources(req.all("sources"))
    size = req.integer("pageSize", 0)
    if size < 0:
        raise bad_request("pageSize must not be negative.")
    size = min(size or 10, SEARCH_MAX)
    now = emu.clock()
    if not query.strip():
        emu.search_index.refresh(emu.store.all_live_persons(), now + emu.settings.search_warmup_s)
        return {}
    names = emu.search_index.query(query, now, size)
    found = emu.store.get_persons(names)
    results = [
        {"person": render(found[n], mask)} for n in names if n in found and not found[n].deleted
    ]
    return {"results": results} if results else {}
