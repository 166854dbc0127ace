"""The step kinds ``phone_fix`` (numbers to E.164) and ``phone_unfix`` (its undo)."""

from __future__ import annotations

from typing import Any

from contacts_crm.account.operations.kinds import KINDS, Kind, Runner
from contacts_crm.account.operations.records import Operation, Step
from contacts_crm.account.operations.updates import batch


def _run_phone_fix(r: Runner) -> dict[str, Any]:
    """Numbers to E.164 (``data``: region, persons): planned again on each fresh
    copy, so another writer's change stays; lands once by itself (a fixed number
    plans no change)."""
    from contacts_crm.contact.model import Contact
    from contacts_crm.contact.phone_fix import plan_fix

    region = r.step.data["region"]
    fields = ["phoneNumbers"]

    def again(fresh: dict[str, Any]) -> dict[str, Any] | None:
        plan, fixed = plan_fix(Contact.from_person(fresh), region)
        return fixed.to_person(fields) if plan.changed else None

    return batch(r, fields, again)


def _invert_phone_fix(op: Operation, step: Step) -> list[Step]:
    from contacts_crm.contact.model import Contact
    from contacts_crm.contact.phone_fix import plan_fix

    items = []  # from the before-images: a killed run's writes that landed count too
    for p in step.data["persons"]:
        plan, _ = plan_fix(Contact.from_person(p), step.data["region"])
        if not plan.changed:
            continue
        items.append({"resourceName": p["resourceName"], "changes": [list(c) for c in plan.changes],
                      "before": list(plan.before)})  # fmt: skip
    return [Step("phone_unfix", "", {"items": items})] if items else []


def _run_phone_unfix(r: Runner) -> dict[str, Any]:
    """The typed numbers back where the fix's value still holds (a later change stays)."""
    from contacts_crm.contact.model import Contact, PhoneEntry
    from contacts_crm.contact.phone_fix import undo_changes

    by_rn = {i["resourceName"]: i for i in r.step.data["items"]}
    fields = ["phoneNumbers"]

    def again(fresh: dict[str, Any]) -> dict[str, Any] | None:
        item = by_rn[fresh["resourceName"]]
        contact = Contact.from_person(fresh)
        types = {p.value: p.type for p in contact.phones}
        pairs = [(str(t), str(n)) for t, n in item["changes"]]
        fixed_of = dict(pairs)
        before = [PhoneEntry(v, types.get(fixed_of.get(v, v), "mobile")) for v in item["before"]]
        restored = undo_changes(contact, pairs, before)
        return restored.to_person(fields) if restored.phones != contact.phones else None

    return batch(r, fields, again, names=list(by_rn), fresh=True)


KINDS.update(
    phone_fix=Kind(_run_phone_fix, _invert_phone_fix),
    phone_unfix=Kind(_run_phone_unfix),
)
