"""The step kind ``merge_fold``: before a merge's other contact goes, whatever
changed on it since the merge read it is folded into the survivor."""

from __future__ import annotations

from typing import Any

from contacts_crm.account.journal import now
from contacts_crm.account.operations.kinds import KINDS, Kind, Runner, ops_of, with_mark
from contacts_crm.account.operations.records import Operation, Step
from contacts_crm.account.operations.store import store
from contacts_crm.card.events import JournalEvent
from contacts_crm.contact.model import same_fields
from contacts_crm.errors import NotFoundError


def _run_merge_fold(r: Runner) -> dict[str, Any]:
    """Before the other contact of a merge goes: fold into the survivor whatever
    changed on it since the merge read it (fields joined again, new card lines
    merged in). The result keeps its last version (what an undo brings back)."""
    from contacts_crm.card.contact_merge import merged_person
    from contacts_crm.contact.model import WRITABLE, Contact
    from contacts_crm.office.cards import card_settings

    used = r.step.data["other"]
    rn_b = used["resourceName"]
    try:
        now_b = r.account.client.get(rn_b)
    except NotFoundError:  # the delete after this step landed already
        return {"person": used}
    if now_b.get("etag") == used.get("etag") or same_fields(used, now_b, WRITABLE):
        return {"person": now_b}
    old = set(Contact.from_person(used).notes.splitlines())
    new = [ln for ln in Contact.from_person(now_b).notes.splitlines() if ln not in old]
    delta = {**now_b, "biographies": [{"value": "\n".join(new)}] if new else []}
    labels = card_settings(r.account.profile).labels
    fields = list(WRITABLE)
    b = Contact.from_person(now_b)
    seq = store(r.account).last_event_seq(r.op.op_id) + 1
    r.account.journal.record([JournalEvent(  # its newer version is journalled before it is used
        op_id=r.op.op_id, seq=seq, at=now(), who=r.op.who, kind="merge_catch_up",
        contact=rn_b, contact_name=b.display_name, text="changed during the merge",
        data={"person": now_b})])  # fmt: skip

    seen: dict[str, Any] = {}

    def operation(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        seen.update(person)
        if r.mark in ops_of(person):
            return None
        contact, _, _ = merged_person(person, delta, labels, r.account.profile.region)
        body = contact.to_person(fields)
        body["clientData"] = with_mark(body, r.mark)
        return body, fields

    written = r.account.client.modify(r.ref(r.step.target), operation)
    r.account.remember([written])
    return {"person": now_b, "written": written, "before": dict(seen)}


def _invert_merge_fold(op: Operation, step: Step) -> list[Step]:
    if "written" not in step.result:
        return []
    data = {"before": step.result["before"], "after": step.result["written"],
            "fields": list(_MERGE_FIELDS)}  # fmt: skip
    return [Step("revert", step.target, data)]


_MERGE_FIELDS = ("names", "phoneNumbers", "emailAddresses", "organizations", "addresses",
                 "biographies", "memberships", "clientData", "userDefined")  # fmt: skip


KINDS.update(merge_fold=Kind(_run_merge_fold, _invert_merge_fold))
