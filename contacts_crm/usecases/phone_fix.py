"""``crm doctor --phones``: every number to E.164, account-wide, undoable.

A dry run by default: what would change, what cannot be read, and which
contacts share the last 7 digits of a number (Android's default caller-ID
match: a call from one shows the other's name). With ``fix`` the numbers are
rewritten in batches of 200 (``batchUpdateContacts``), each batch journalled
before it is sent (kind ``phone_fixed``: the typed and the new values), all
of it one journal operation; a batch met by a concurrent edit is redone
contact by contact with the fix re-planned on the fresh copy, so the other
writer's change stays. ``undo_fix`` puts the typed values back (where no one
changed the number since), again in batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.account.contacts import WRITE_BATCH as BATCH_UPDATE
from contacts_crm.account.journal import new_op_id
from contacts_crm.card.events import JournalEvent
from contacts_crm.contact.model import Contact, PhoneEntry
from contacts_crm.contact.phone_fix import Clash, plan_fix, tail_clashes, undo_changes
from contacts_crm.errors import FieldError, NotFoundError, UsageError
from contacts_crm.i18n import _
from contacts_crm.usecases.manage import contact_event, summary_event

FIELDS = ["phoneNumbers"]


@dataclass
class PhoneReport:
    """What ``doctor_phones`` found (and, with ``fix``, did)."""

    region: str
    checked: int = 0
    to_fix: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[dict[str, Any]] = field(default_factory=list)
    clashes: list[Clash] = field(default_factory=list)
    fixed: int = 0
    op_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "checked": self.checked,
            "toFix": self.to_fix,
            "unreadable": self.unreadable,
            "clashes": [
                {
                    "tail": c.tail,
                    "sameNumber": c.same_number,
                    "contacts": [
                        {"resourceName": rn, "name": name, "phone": phone}
                        for rn, name, phone in (c.first, c.second)
                    ],
                }
                for c in self.clashes
            ],
            "fixed": self.fixed,
            "opId": self.op_id,
        }


def check_region(region: str) -> str:
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise FieldError(
            "region", "unknown", _("{region!r} is not a country code").format(region=region),
            hint=_("use a two-letter code such as RU, TR, GB or US"), region=region,
        )  # fmt: skip
    return code


def doctor_phones(
    account: Account,
    *,
    fix: bool = False,
    region: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_start: Callable[[str], None] | None = None,
) -> PhoneReport:
    """Check (and with ``fix`` rewrite) every number of the account; see the module doc.

    ``progress(done, total)`` is called after each batch of 200.
    """
    account.ensure_synced()
    code = check_region(region or account.profile.region)
    report = PhoneReport(code)
    todo: list[tuple[Contact, Any]] = []

    def checked() -> Iterator[Contact]:  # the numbers only, a page at a time, planned once
        for page in account.contacts.phone_pages():
            for contact in page:
                _plan(contact)
                yield contact

    def _plan(contact: Contact) -> None:
        report.checked += 1
        plan, fixed = plan_fix(contact, code)
        for typed, why in plan.problems:
            report.unreadable.append(
                {
                    "resourceName": contact.resource_name,
                    "name": contact.display_name,
                    "phone": typed,
                    "problem": why,
                }
            )
        if plan.changed:
            report.to_fix.append(
                {
                    "resourceName": contact.resource_name,
                    "name": contact.display_name,
                    "changes": [list(c) for c in plan.changes],
                    "before": list(plan.before),
                    "after": list(plan.after),
                }
            )
            todo.append((fixed, plan))

    report.clashes = tail_clashes(checked(), code)
    if not fix or not todo:
        return report
    persons = _bases(account, [fixed.resource_name or "" for fixed, _ in todo])
    events = [summary_event(account, "", "phone_fix", f"phones to E.164 ({code})", region=code,
                            contacts=len(todo))]  # fmt: skip
    events += [
        _event(account, "", seq, "phone_fixed", fixed, plan.changes, plan.before, plan.after)
        for seq, (fixed, plan) in enumerate(todo, 1)
    ]
    steps = [
        ops.Step("phone_fix", "", {"region": code, "persons": [
            persons[rn] for fixed, _ in chunk if (rn := fixed.resource_name or "") in persons]})
        for chunk in _chunks(todo, BATCH_UPDATE)
    ]  # fmt: skip
    plan = ops.Plan("phone_fix", steps, params={"region": code}, text=f"phones to E.164 ({code})",
                    contacts=list(persons), events=events)  # fmt: skip
    total = len(todo)

    def landed(op: ops.Operation) -> None:
        if progress:
            progress(_fixed_by(op), total)

    done = ops.start(account, plan, on_start=on_start, progress=landed)
    report.op_id, report.fixed = done.op_id, _fixed_by(done)
    return report


def _fixed_by(op: ops.Operation) -> int:
    return sum(len(s.data.get("persons", [])) for s in op.steps if s.state == ops.LANDED)


def fix_again(account: Account, region: str | None) -> PhoneReport | None:
    """The interrupted fix of this region, when this run just finished it (the same
    command run again answers with it)."""
    account.ensure_synced()
    code = check_region(region or account.profile.region)
    ops.finish_pending(account)
    op = ops.again(account, "phone_fix", {"region": code})
    if op is None:
        return None
    report = PhoneReport(code, op_id=op.op_id, fixed=_fixed_by(op))
    return report


def _event(
    account: Account,
    op: str,
    seq: int,
    kind: str,
    contact: Contact,
    changes: Any,
    before: Any,
    after: Any,
) -> JournalEvent:
    text = f"{len(changes)} number(s) {'to E.164' if kind == 'phone_fixed' else 'back'}"
    return contact_event(account, op, seq, kind, contact, text,
                         changes=[list(c) for c in changes], before=list(before),
                         after=list(after))  # fmt: skip


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class PhoneUndo:
    op_id: str
    undone: str
    restored: int
    already: bool = False  # the fix had been undone before (by ``op_id``)

    def to_dict(self) -> dict[str, Any]:
        return {"opId": self.op_id, "undone": self.undone, "restored": self.restored,
                "already": self.already}  # fmt: skip


def undo_fix(
    account: Account, op_id: str, *, progress: Callable[[int, int], None] | None = None
) -> PhoneUndo:
    """Put back the typed numbers of the fix ``op_id`` (a later change of a number stays).

    The one undo of operations (account/operations/); a fix journalled before
    fixes were operations is undone as it was then."""
    account.ensure_synced()
    if ops.store(account).get(op_id) is None:
        return _undo_journalled(account, op_id, progress=progress)
    done = ops.undo(account, op_id, kind="phone_fix")
    restored = sum(len(s.result.get("written", [])) for s in done.undo.steps)
    return PhoneUndo(done.undo.op_id, op_id, restored, already=done.already)


def _undo_journalled(
    account: Account, op_id: str, *, progress: Callable[[int, int], None] | None = None
) -> PhoneUndo:
    """Undo of a fix made before phone fixes were durable operations."""
    events = [e for e in account.journal.operation(op_id) if e.kind == "phone_fixed"]
    if not events:
        raise NotFoundError(
            _("no phone fix with the operation id {op!r} in the journal").format(op=op_id),
            hint=_("the id is printed by 'crm doctor --phones --fix'"),
        )
    for e in account.journal.events(kinds=["phone_fix_undone"]):
        if e.data.get("undo") == op_id:
            raise UsageError(_("the phone fix {op} was already undone (operation {undo})").format(
                op=op_id, undo=e.op_id))  # fmt: skip
    by_rn = {e.contact: e for e in events}
    typed_types: dict[str, list[PhoneEntry]] = {}

    def undo_of(person: dict[str, Any]) -> Contact | None:
        event = by_rn[person["resourceName"]]
        contact = Contact.from_person(person)
        types = {p.value: p.type for p in contact.phones}
        pairs = [tuple(c) for c in event.data["changes"]]
        fixed_of = {t: n for t, n in pairs}
        before = typed_types.setdefault(
            person["resourceName"],
            [PhoneEntry(v, types.get(fixed_of.get(v, v), "mobile")) for v in event.data["before"]],
        )
        restored = undo_changes(contact, pairs, before)
        return restored if restored.phones != contact.phones else None

    def reapply(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        restored = undo_of(person)
        return (restored.to_person(FIELDS), FIELDS) if restored is not None else None

    undo = new_op_id()
    journal = account.journal
    journal.record(
        [summary_event(account, undo, "phone_fix_undone", f"undid phone fix {op_id}", undo=op_id)]
    )
    names = list(by_rn)
    seq, done = 1, 0
    for chunk in _chunks(names, BATCH_UPDATE):
        persons = list(account.contacts.persons_of(chunk).values())
        planned = [(p, r) for p in persons if (r := undo_of(p)) is not None]
        journal.record(
            [
                _event(
                    account,
                    undo,
                    seq + i,
                    "phone_unfixed",
                    r,
                    [(n, t) for t, n in by_rn[p["resourceName"]].data["changes"]],
                    [x.value for x in Contact.from_person(p).phones],
                    [x.value for x in r.phones],
                )
                for i, (p, r) in enumerate(planned)
            ]
        )
        seq += len(planned)
        if planned:
            account.contacts.write_many(
                [r.to_person(FIELDS) for _, r in planned],
                FIELDS,
                _again(reapply),
                bases={p["resourceName"]: p for p, _ in planned},
            )
        done += len(planned)
        if progress:
            progress(done, len(names))
    journal.mark_applied(undo)
    return PhoneUndo(undo, op_id, done)


def _again(
    redo: Callable[[dict[str, Any]], tuple[dict[str, Any], list[str]] | None],
) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """``write_many``'s re-apply from a per-person operation: the fix (or undo)
    worked out again on the fresh copy; None when it needs nothing any more."""

    def again(fresh: dict[str, Any]) -> dict[str, Any] | None:
        change = redo(fresh)
        return change[0] if change else None

    return again


def _bases(account: Account, names: list[str]) -> dict[str, dict[str, Any]]:
    """The cached persons the writes are made from (they stamp the writes)."""
    return account.contacts.persons_of(names)
