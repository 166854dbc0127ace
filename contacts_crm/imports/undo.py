"""``crm import undo``: take an import back without destroying anything written since.

- A contact the import updated gets back only the fields the import changed,
  and only where they still hold the import's value (``contact.revert``):
  calls and orders logged since, free text, phones added elsewhere all stay.
- A contact the import created is deleted, unless it was worked on since (its
  card or fields changed, or the journal has events for it): then it is kept
  and reported, unless ``force``. Every deletion is journaled first with the
  full contact (kind ``contact_deleted``), so it can be brought back.
- Groups the import created are deleted once they are empty again.
- An import undone already says so; one undone in part (contacts kept) can be
  undone again, e.g. with ``force``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.account.contacts import WRITE_BATCH
from contacts_crm.account.journal import now as _now  # 'now' names a fresh copy here
from contacts_crm.card.events import JournalEvent
from contacts_crm.contact.model import WRITABLE, Contact, same_fields
from contacts_crm.contact.revert import revert
from contacts_crm.errors import NotFoundError
from contacts_crm.imports.apply import ImportState, recover_in_flight, settle

DELETED = "contact_deleted"  # journal kind of a removal; data {"person": <Person JSON>}
UNDONE, PARTLY = "undone", "partly-undone"


@dataclass
class UndoReport:
    """What an undo did (and left alone, and why)."""

    import_id: str
    status: str = UNDONE
    already_undone: bool = False
    removed: list[str] = field(default_factory=list)  # created contacts deleted
    kept: list[dict[str, str]] = field(default_factory=list)  # {resourceName, name, why}
    restored: list[str] = field(default_factory=list)  # updated contacts changed back
    unchanged: list[str] = field(default_factory=list)  # nothing of the import holds any more
    gone: list[str] = field(default_factory=list)  # no longer in the account
    groups_removed: list[str] = field(default_factory=list)
    groups_kept: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def undo_import(
    account: Account,
    import_id: str,
    *,
    force: bool = False,
    on_start: Callable[[str], None] | None = None,
) -> UndoReport:
    """Undo import ``import_id`` three-way (see the module docstring).

    One durable operation (account/operations/): which contacts go and which
    are reverted is decided once, before the first write, and journalled with
    their before-images; a run killed in between is finished as decided by
    whoever runs next, so its own deletions never count as work since."""
    state = ImportState.load(account.data_dir, import_id)
    if state is None:
        raise NotFoundError(
            f"no import {import_id!r}", hint="'crm import list' shows the imports on record"
        )
    report = UndoReport(state.id)
    ops.finish_pending(account)
    state = settle(account, state)  # an import finished since it was interrupted
    done = ops.again(account, "import_undo", {"import": state.id})
    if done is None and state.status == UNDONE:
        report.already_undone = True
        return report
    if done is None:
        recover_in_flight(account, state)
        steps = _remove_created(account, state, report, force)
        steps += _revert_updated(account, state, report)
        events = [replace(e, seq=n) for n, e in enumerate(
            (e for s in steps if s.kind == "delete" for e in s.data.pop("events")), 1)]  # fmt: skip
        plan = ops.Plan("import_undo", steps, params={"import": state.id, "force": force,
                                                      "report": report.to_dict()},
                        text=f"undid import {state.id}", events=events,
                        contacts=[p["resourceName"] for s in steps if s.kind == "delete"
                                  for p in s.data["persons"]])  # fmt: skip
        done = ops.start(account, plan, on_start=on_start)
    report = UndoReport(**done.params["report"])
    report.restored = [p["resourceName"] for s in done.steps if s.kind == "revert_many"
                       for p in s.result.get("written", [])]  # fmt: skip
    _remove_empty_groups(account, state, report)
    report.status = PARTLY if report.kept else UNDONE
    state.status = report.status
    state.finished = _now()
    state.save(account.data_dir)
    return report


def _remove_created(
    account: Account, state: ImportState, report: UndoReport, force: bool
) -> list[ops.Step]:
    names = [rn for rn in dict.fromkeys(state.created.values()) if rn]
    fresh = {p["resourceName"]: p for p in account.contacts.fetch_many(names)}
    report.gone += [rn for rn in names if rn not in fresh]
    doomed = []
    after = state.after_images(account.data_dir)
    for rn, person in fresh.items():
        why = _worked_on(account, person, after.get(rn))
        if why and not force:
            name = Contact.from_person(person).display_name
            report.kept.append({"resourceName": rn, "name": name, "why": why})
        else:
            doomed.append(person)
    if not doomed:
        return []
    report.removed += [p["resourceName"] for p in doomed]
    events = [deleted_event(account, "", p, state.id) for p in doomed]
    return [ops.Step("delete", "", {"persons": doomed, "batch": True, "events": events})]


def _worked_on(account: Account, person: dict[str, Any], created: dict[str, Any] | None) -> str:
    """Why a contact the import created counts as worked on since ("" if it does not)."""
    events = account.journal.history(person["resourceName"])
    if events:
        return f"{len(events)} journal event(s) since the import"
    if created is not None and not same_fields(person, created, WRITABLE):
        changed = [f for f in WRITABLE if not same_fields(person, created, [f])]
        return "changed since the import (" + ", ".join(changed) + ")"
    return ""


def _revert_updated(account: Account, state: ImportState, report: UndoReport) -> list[ops.Step]:
    names = list(state.before)
    fresh = {p["resourceName"]: p for p in account.contacts.fetch_many(names)}
    report.gone += [rn for rn in names if rn not in fresh]
    items = []
    images = state.after_images(account.data_dir) if names else {}
    for rn, now in fresh.items():
        after = images.get(rn)
        if after is None:  # the import never wrote it (or an old record): nothing to take back
            report.unchanged.append(rn)
            continue
        body = revert(state.before[rn], after, now, WRITABLE)
        if same_fields(now, body, WRITABLE):
            report.unchanged.append(rn)
            continue
        items.append({"before": state.before[rn], "after": after})
    return [ops.Step("revert_many", "", {"items": items[i : i + WRITE_BATCH],
                                         "fields": list(WRITABLE)})
            for i in range(0, len(items), WRITE_BATCH)]  # fmt: skip


def _remove_empty_groups(account: Account, state: ImportState, report: UndoReport) -> None:
    if not state.groups_created:
        return
    groups = {g["resourceName"]: g for g in account.groups.fetch()}
    for name, rn in state.groups_created.items():
        group = groups.get(rn)
        if group is None:
            continue  # deleted already
        if int(group.get("memberCount", 0) or 0) == 0:
            account.groups.drop(rn)
            report.groups_removed.append(name)
        else:
            report.groups_kept.append(name)


def delete_journalled(account: Account, events: list[JournalEvent]) -> list[str]:
    """Delete the contacts of ``events`` (their deleted_event entries): nothing leaves
    the account before it is in the journal; each entry is marked applied after."""
    account.journal.record(events)
    gone = [e.contact for e in events]
    account.contacts.delete_many(gone)
    for e in events:
        account.journal.mark_applied(e.op_id)
    return gone


def deleted_event(
    account: Account, op_id: str, person: dict[str, Any], import_id: str, *, why: str = ""
) -> JournalEvent:
    """The journal entry that keeps a contact about to be deleted (``crm undelete`` reads it)."""
    name = Contact.from_person(person).display_name
    return JournalEvent(
        op_id=op_id, seq=0, at=_now(), who=account.profile.user or None, kind=DELETED,
        contact=person["resourceName"], contact_name=name,
        text=f"deleted: {why or f'by the undo of import {import_id}'}",
        data={"person": person, "import_id": import_id},
    )  # fmt: skip
