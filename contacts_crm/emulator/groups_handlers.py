"""Handlers of the ``contactGroups.*`` methods."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import tokens
from .envelope import ApiError, bad_request, failed_precondition, not_found
from .people_handlers import check_addable
from .persons import iso_time
from .request import Request
from .store import GroupRecord
from .sync import PAGE_MISMATCH, page_size, read_page_token, read_sync_token

if TYPE_CHECKING:
    from .app import Emulator

GROUP_FIELDS = frozenset({"clientData", "groupType", "memberCount", "metadata", "name"})
DEFAULT_GROUP_FIELDS = ["metadata", "groupType", "memberCount", "name"]
DEFAULT_READ_GROUP_FIELDS = ["metadata", "groupType", "name"]
UPDATE_GROUP_FIELDS = frozenset({"name", "clientData"})
MODIFY_MAX = 1000
BATCH_GET_MAX = 200
MEMBERSHIPS = ("memberships",)  # the only field a group method changes on a person


def _mask(value: str | None, param: str, allowed: frozenset[str], default: list[str]) -> list[str]:
    if value is None or not value.strip():
        return default
    paths = [p.strip() for p in value.split(",")]
    for path in paths:
        if path not in allowed:
            raise bad_request(f'Invalid {param} mask path: "{path}".')
    return paths


def render_group(
    emu: Emulator,
    rec: GroupRecord,
    fields: list[str],
    *,
    max_members: int = 0,
    counts: dict[str, int] | None = None,
) -> dict[str, Any]:
    """ContactGroup JSON restricted to ``fields``."""
    out: dict[str, Any] = {"resourceName": rec.rn, "etag": rec.etag}
    if rec.deleted:
        out["metadata"] = {"updateTime": iso_time(rec.update_time), "deleted": True}
        return out
    if "metadata" in fields:
        out["metadata"] = {"updateTime": iso_time(rec.update_time)}
    if "groupType" in fields:
        out["groupType"] = rec.group_type
    if "name" in fields:
        out["name"] = rec.name
        out["formattedName"] = rec.formatted_name
    if "clientData" in fields and rec.client_data:
        out["clientData"] = rec.client_data
    if "memberCount" in fields:
        count = counts.get(rec.rn, 0) if counts is not None else emu.store.member_count(rec.rn)
        if count:
            out["memberCount"] = count
    if max_members > 0:
        members = emu.store.members(rec.rn, max_members)
        if members:
            out["memberResourceNames"] = members
    return out


def live_group(emu: Emulator, rn: str) -> GroupRecord:
    """A live group or 404."""
    rec = emu.store.get_group(rn)
    if rec is None or rec.deleted:
        raise not_found()
    return rec


def list_groups(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """contactGroups.list, with syncToken support (deleted groups as tombstones)."""
    emu.charge({"group_read": 1})
    fields = _mask(req.one("groupFields"), "groupFields", GROUP_FIELDS, DEFAULT_GROUP_FIELDS)
    size = page_size(req, 30)
    fp = tokens.fingerprint(req.params(exclude=("pageToken",)))
    binding = tokens.fingerprint([("groupFields", req.one("groupFields") or "")])
    now = emu.clock()
    page_token, sync_token = req.one("pageToken"), req.one("syncToken")
    if page_token:
        state = read_page_token(page_token, fp)
    elif sync_token:
        prev = read_sync_token(emu, sync_token, binding)
        since = int(prev["w"])
        state = {
            "s": since,
            "n": max(since, emu.store.watermark(now, "groups")),
            "t": prev["t"],
            "a": 0,
        }
    else:
        state = {"s": None, "n": emu.store.watermark(now, "groups"), "t": now, "a": 0}
    if sync_token and state.get("s") is None:
        raise bad_request(PAGE_MISMATCH)
    recs = emu.store.list_groups(state["s"], now, int(state["a"]), size + 1)
    more = len(recs) > size
    recs = recs[:size]
    counts = emu.store.member_counts()
    out: dict[str, Any] = {}
    if recs:
        out["contactGroups"] = [render_group(emu, r, fields, counts=counts) for r in recs]
    if more:
        state["a"] = recs[-1].seq
        out["nextPageToken"] = tokens.encode("page", {**state, "f": fp})
    else:
        out["nextSyncToken"] = tokens.encode(
            "sync", {"w": state["n"], "t": state["t"], "b": binding}
        )
    if state["s"] is None:
        out["totalItems"] = emu.store.count_live_groups()
    return out


def get(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """contactGroups.get"""
    emu.charge({"group_read": 1})
    fields = _mask(req.one("groupFields"), "groupFields", GROUP_FIELDS, DEFAULT_GROUP_FIELDS)
    max_members = req.integer("maxMembers", 0)
    return render_group(emu, live_group(emu, match.group(1)), fields, max_members=max_members)


def batch_get(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """contactGroups.batchGet"""
    emu.charge({"group_read": 1})
    names = req.all("resourceNames")
    if not names:
        raise bad_request("resourceNames is required.")
    if len(names) > BATCH_GET_MAX:
        raise bad_request(f"Too many resourceNames: at most {BATCH_GET_MAX} may be requested.")
    fields = _mask(req.one("groupFields"), "groupFields", GROUP_FIELDS, DEFAULT_GROUP_FIELDS)
    max_members = req.integer("maxMembers", 0)
    responses = []
    for name in names:
        rec = emu.store.get_group(name)
        if rec is None or rec.deleted:
            responses.append(
                {
                    "requestedResourceName": name,
                    "status": {"code": 5, "message": "Requested entity was not found."},
                }
            )
        else:
            responses.append(
                {
                    "requestedResourceName": name,
                    "status": {},
                    "contactGroup": render_group(emu, rec, fields, max_members=max_members),
                }
            )
    return {"responses": responses}


def _check_name(emu: Emulator, name: Any, own_rn: str | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise bad_request("Contact group name must not be empty.")
    if len(name) > emu.settings.max_field_chars:
        raise bad_request(
            f"Contact group name can hold at most {emu.settings.max_field_chars} characters."
        )
    other = emu.store.group_by_name(name)
    if other is not None and other.rn != own_rn:
        raise ApiError(409, "ALREADY_EXISTS", "Contact group name already exists.")  # [NF] text
    return name


def create(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """contactGroups.create (409 on a duplicate name)."""
    emu.charge({"write": 1})
    body = req.json_body()
    group = body.get("contactGroup") or {}
    fields = _mask(
        body.get("readGroupFields"), "readGroupFields", GROUP_FIELDS, DEFAULT_READ_GROUP_FIELDS
    )
    with emu.store.transaction():
        name = _check_name(emu, group.get("name"))
        rn = f"contactGroups/{emu.new_id('groups')}"
        rec = GroupRecord(
            rn,
            name,
            name,
            "USER_CONTACT_GROUP",
            list(group.get("clientData") or []),
            "",
            0,
            0.0,
            0.0,
        )
        rec = emu.write_group(rec)
    return render_group(emu, rec, fields)


def _user_group(emu: Emulator, rn: str) -> GroupRecord:
    rec = live_group(emu, rn)
    if rec.group_type != "USER_CONTACT_GROUP":
        raise bad_request("System contact groups cannot be modified.")  # [NF] text
    return rec


def update(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """contactGroups.update (updateGroupFields defaults to name)."""
    emu.charge({"write": 1})
    body = req.json_body()
    group = body.get("contactGroup") or {}
    mask = _mask(body.get("updateGroupFields"), "updateGroupFields", UPDATE_GROUP_FIELDS, ["name"])
    fields = _mask(
        body.get("readGroupFields"), "readGroupFields", GROUP_FIELDS, DEFAULT_READ_GROUP_FIELDS
    )
    with emu.store.transaction():
        rec = _user_group(emu, match.group(1))
        etag = group.get("etag")
        if etag and etag != rec.etag:
            raise failed_precondition(
                "Request contactGroup.etag is different than the current contactGroup.etag."
            )
        changes: dict[str, Any] = {}
        if "name" in mask:
            name = _check_name(emu, group.get("name"), rec.rn)
            changes.update(name=name, formatted_name=name)
        if "clientData" in mask:
            changes["client_data"] = list(group.get("clientData") or [])
        rec = emu.write_group(rec, **changes)
    return render_group(emu, rec, fields)


def delete(emu: Emulator, req: Request, match: re.Match[str]) -> None:
    """contactGroups.delete; ``deleteContacts=true`` also deletes the members."""
    emu.charge({"write": 1})
    cascade = req.flag("deleteContacts")
    with emu.store.transaction():
        rec = _user_group(emu, match.group(1))
        for rn in emu.store.members(rec.rn):
            person = emu.store.get_person(rn)
            if person is None or person.deleted:
                continue
            if cascade:
                emu.write_person(person, {}, deleted=True)
            else:
                data = dict(person.data)
                data["memberships"] = _without(data.get("memberships", []), rec.rn)
                if not data["memberships"]:
                    data["memberships"] = [_membership("contactGroups/myContacts")]
                emu.write_person(person, data, changed=MEMBERSHIPS)
        emu.write_group(rec, deleted=True)


def _membership(rn: str) -> dict[str, Any]:
    return {"contactGroupMembership": {"contactGroupResourceName": rn}}


def _without(memberships: list[dict[str, Any]], grp: str) -> list[dict[str, Any]]:
    return [
        m
        for m in memberships
        if (m.get("contactGroupMembership") or {}).get("contactGroupResourceName") != grp
    ]


def modify_members(emu: Emulator, req: Request, match: re.Match[str]) -> dict[str, Any]:
    """contactGroups.members.modify"""
    emu.charge({"write": 1})
    body = req.json_body()
    to_add = list(body.get("resourceNamesToAdd") or [])
    to_remove = list(body.get("resourceNamesToRemove") or [])
    if len(to_add) + len(to_remove) > MODIFY_MAX:
        raise bad_request(
            f"Too many resource names: at most {MODIFY_MAX} adds and removes in total."
        )
    grp_rn = match.group(1)
    with emu.store.transaction():
        grp = live_group(emu, grp_rn)
        if to_add:
            check_addable(grp)
        not_found_names: list[str] = []
        cannot_remove: list[str] = []
        persons = emu.store.get_persons(sorted(set(to_add) | set(to_remove)))
        for rn in to_add:
            rec = persons.get(rn)
            if rec is None or rec.deleted:
                not_found_names.append(rn)
                continue
            if grp_rn in rec.group_names():
                continue
            data = dict(rec.data)
            data["memberships"] = [*data.get("memberships", []), _membership(grp_rn)]
            persons[rn] = emu.write_person(rec, data, changed=MEMBERSHIPS)
        for rn in to_remove:
            rec = persons.get(rn)
            if rec is None or rec.deleted:
                if rn not in not_found_names:
                    not_found_names.append(rn)
                continue
            groups = rec.group_names()
            if grp_rn not in groups:
                continue
            if len(groups) == 1:
                cannot_remove.append(rn)
                continue
            data = dict(rec.data)
            data["memberships"] = _without(data["memberships"], grp_rn)
            persons[rn] = emu.write_person(rec, data, changed=MEMBERSHIPS)
    out: dict[str, Any] = {}
    if not_found_names:
        out["notFoundResourceNames"] = not_found_names
    if cannot_remove:
        out["canNotRemoveLastContactGroupResourceNames"] = cannot_remove
    return out
