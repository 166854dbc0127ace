"""The one undo of every operation kind: the inverse of its landed steps, in
reverse, run as an operation of its own (kind ``undo``), three-way so that later
work stays; a second undo answers ``Undone(already=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contacts_crm.account.journal import now
from contacts_crm.account.operations.kinds import KINDS, kind_of
from contacts_crm.account.operations.records import LANDED, Plan, Step, Undone
from contacts_crm.account.operations.runner import run, start
from contacts_crm.account.operations.store import store
from contacts_crm.card.events import JournalEvent
from contacts_crm.errors import NotFoundError, UsageError
from contacts_crm.i18n import _

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account


def undo(account: Account, op_id: str, *, force: bool = False, kind: str | None = None) -> Undone:
    """Take back operation ``op_id`` (finished first if it was interrupted)."""
    st = store(account)
    op = st.get(op_id)
    if op is None or (kind is not None and op.kind != kind):
        raise NotFoundError(
            _("no operation {op!r} in the journal").format(op=op_id),
            hint=_("the id is printed when the command starts; 'crm journal' lists them"),
        )
    if op.kind == "undo":
        raise UsageError(_("{op} is itself an undo").format(op=op_id),
                         hint=_("run the command again to redo it"))  # fmt: skip
    if op.undone_by:
        undo_op = st.get(op.undone_by)
        if undo_op is not None:
            already = undo_op.done
            return Undone(op_id, op.kind, run(account, undo_op.op_id), already=already)
    if not op.done:
        op = run(account, op_id)
    steps: list[Step] = []
    for step in reversed(op.steps):
        inverse = kind_of(step.kind).invert
        if inverse is not None and step.state == LANDED:
            steps.extend(inverse(op, step))
    # journal steps last: they point events at the contacts the writes brought back
    steps = [s for s in steps if KINDS[s.kind].local is None] + [
        s for s in steps if KINDS[s.kind].local is not None
    ]
    plan = Plan(
        "undo", steps, params={"undoes": op_id, "kind": op.kind, "force": force},
        text=f"undid {op.kind} {op_id}", contacts=op.contacts,
        events=[JournalEvent(op_id="", seq=0, at=now(), who=account.profile.user or None,
                             kind=f"{op.kind}_undone", text=f"undid {op.kind} {op_id}",
                             data={"undoes": op_id, op.kind: op_id})],
    )  # fmt: skip
    return Undone(op_id, op.kind, start(account, plan))
