"""Step kinds that make or remove contacts: ``create`` (a marker looked up
before any re-send), ``restore`` (a deleted contact back from its before-image),
``delete`` (before-images journalled first) and ``delete_created`` (the undo of
a create: only a contact nobody worked on since); ``create_batch`` (many
contacts in one request, each with its own marker: an import's batch)."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from contacts_crm.account.journal import now
from contacts_crm.account.operations.kinds import KINDS, Kind, Runner
from contacts_crm.account.operations.records import MARKER_KEY, RESTORE_KEY, Operation, Step
from contacts_crm.account.operations.store import store
from contacts_crm.card.events import JournalEvent
from contacts_crm.errors import NotFoundError

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account


def _run_create(r: Runner) -> dict[str, Any]:
    """Create one contact (``data.person``); looked up by its marker before a re-send."""
    body = dict(r.step.data["person"])
    marker, key = r.mark, r.step.data.get("marker_key", MARKER_KEY)
    data = [cd for cd in body.get("clientData", []) if cd.get("key") != key]
    body["clientData"] = [*data, {"key": key, "value": marker}]
    client = r.account.client
    if r.resuming:
        wait = (r.step.sent_at or 0.0) + client.request_timeout - time.time()
        if wait > 0:
            time.sleep(wait)  # the killed run's request may still be running until then
        found = client.find_by_markers(key, [marker]).get(marker)
        if found is not None:
            r.account.remember([found])
            return {"resourceName": found["resourceName"], "created": found}
    created = client.create(body, marker_key=key)
    r.account.remember([created])
    return {"resourceName": created["resourceName"], "created": created}


def _invert_create(op: Operation, step: Step) -> list[Step]:
    return [Step("delete_created", step.result["resourceName"],
                 {"created": step.result["created"]})]  # fmt: skip


def _run_delete_created(r: Runner) -> dict[str, Any]:
    """Undo of a create: the contact goes unless someone worked on it since."""
    rn = r.ref(r.step.target)
    try:
        person = r.account.client.get(rn)
    except NotFoundError:
        r.account.cache.remove([rn])
        return {}
    created = r.step.data["created"]
    if person.get("etag") != created.get("etag") and not r.op.params.get("force"):
        return {"kept": [rn]}
    _delete_journalled(r, [person])
    return {}


def _run_delete(r: Runner) -> dict[str, Any]:
    """Delete contacts (``data.persons``: their before-images, already journalled)."""
    names = [p["resourceName"] for p in r.step.data["persons"]]
    client = r.account.client
    if r.resuming:  # only what is still there: a batch delete is all or nothing
        names = [p["resourceName"] for p in client.get_many(names)]
    if len(names) == 1 and not r.step.data.get("batch"):
        with contextlib.suppress(NotFoundError):  # gone already: what a delete wants
            client.delete(names[0])
    elif names:
        client.delete_many(names)
    r.account.cache.remove([p["resourceName"] for p in r.step.data["persons"]])
    return {}


def _invert_delete(op: Operation, step: Step) -> list[Step]:
    latest = step.data.get("latest_from")  # a step that read them again just before
    persons = step.data["persons"]
    if latest:
        person = op.result(int(latest)).get("person")
        persons = [person] if person else persons
    return [Step("restore", "", {"person": p, "was": p["resourceName"]})
            for p in persons]  # fmt: skip


def _delete_journalled(r: Runner, persons: list[dict[str, Any]]) -> None:
    from contacts_crm.contact.model import Contact

    seq = store(r.account).last_event_seq(r.op.op_id)
    events = []
    for n, p in enumerate(persons, seq + 1):
        c = Contact.from_person(p)
        events.append(JournalEvent(
            op_id=r.op.op_id, seq=n, at=now(), who=r.op.who, kind="contact_deleted",
            contact=p["resourceName"], contact_name=c.display_name,
            text=f"deleted {c.display_name}", data={"person": p}))  # fmt: skip
    r.account.journal.record(events)
    names = [p["resourceName"] for p in persons]
    if len(names) == 1:
        with contextlib.suppress(NotFoundError):
            r.account.client.delete(names[0])
    else:
        r.account.client.delete_many(names)
    r.account.cache.remove(names)


def _run_restore(r: Runner) -> dict[str, Any]:
    """Bring a deleted contact back from its before-image (a create, looked up first)."""
    from contacts_crm.contact.restore import restore_body

    live = {g["resourceName"] for g in r.account.cache.groups()}
    exact = r.step.data.get("exact", True)
    body, missing = restore_body(r.step.data["person"], live, exact=exact)
    data = {"person": body, "marker_key": RESTORE_KEY if exact else MARKER_KEY}
    step = Step("create", "", data, r.step.seq, r.step.state, r.step.sent_at)
    out = _run_create(Runner(r.account, r.op, step))
    return {**out, "was": r.step.data["was"], "missingGroups": missing}


def _undeleted_event(account: Account, op: Operation, step: Step) -> JournalEvent:
    from contacts_crm.contact.model import Contact

    c = Contact.from_person(step.result["created"])
    return JournalEvent(
        op_id=op.op_id, seq=0, at=now(), who=op.who, kind="contact_undeleted",
        contact=step.result["resourceName"], contact_name=c.display_name, text=c.display_name,
        data={"from": step.result["was"], "missing_groups": step.result.get("missingGroups", [])},
    )  # fmt: skip


def _run_create_batch(r: Runner) -> dict[str, Any]:
    """Create many contacts in one request (``data.persons``, each carrying its own
    marker under ``data.marker_key``). A batch a killed run sent is looked up by
    its markers once no request can still be running; only what did not land is
    sent (again)."""
    data = r.step.data
    key = data["marker_key"]
    persons = data["persons"]
    markers = [_marker(p, key) for p in persons]
    contacts = r.account.contacts
    found: dict[str, dict[str, Any]] = {}
    if r.resuming:
        found = contacts.find_landed(key, markers, sent_at=r.step.sent_at or 0.0,
                                     answered=False, timeout=data.get("timeout"))  # fmt: skip
        contacts.remember(list(found.values()))
    todo = [p for p, m in zip(persons, markers, strict=True) if m not in found]
    created = contacts.create_many(todo, marker_key=key) if todo else []
    return {"created": [*found.values(), *created]}


def _marker(person: dict[str, Any], key: str) -> str:
    return next(str(cd.get("value", "")) for cd in person.get("clientData", [])
                if cd.get("key") == key)  # fmt: skip


def _invert_create_batch(op: Operation, step: Step) -> list[Step]:
    return [Step("delete_created", p["resourceName"], {"created": p})
            for p in step.result.get("created", [])]  # fmt: skip


KINDS.update(
    create=Kind(_run_create, _invert_create),
    create_batch=Kind(_run_create_batch, _invert_create_batch),
    delete=Kind(_run_delete, _invert_delete),
    restore=Kind(_run_restore, _invert_create, event=_undeleted_event),
    delete_created=Kind(_run_delete_created),
)
