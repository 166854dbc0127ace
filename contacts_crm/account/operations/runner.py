"""Running operations: journal a plan and run it, roll an interrupted one
forward (every step not landed yet, in order), finish every open one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from contacts_crm.account.operations.kinds import Runner, kind_of
from contacts_crm.account.operations.records import LANDED, PLANNED, Operation, Plan
from contacts_crm.account.operations.store import Store, finished_here, store
from contacts_crm.card.events import JournalEvent
from contacts_crm.dates import now as clock
from contacts_crm.errors import NotFoundError
from contacts_crm.i18n import _

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account


def start(
    account: Account,
    plan: Plan,
    *,
    on_start: Callable[[str], None] | None = None,
    progress: Callable[[Operation], None] | None = None,
) -> Operation:
    """Journal ``plan`` whole, tell ``on_start`` its id, then run it to the end
    (``progress(op)`` after each step landed)."""
    op_id = store(account).begin(plan, plan.who or account.profile.user or None)
    if on_start is not None:
        on_start(op_id)
    return run(account, op_id, progress=progress)


def run(
    account: Account, op_id: str, *, progress: Callable[[Operation], None] | None = None
) -> Operation:
    """Roll the operation forward: every step not landed yet, in order."""
    st = store(account)
    op = st.get(op_id)
    if op is None:
        raise NotFoundError(_("no operation {op!r} in the journal").format(op=op_id))
    if op.done:
        return op
    if not st.claim(op_id):
        from contacts_crm.errors import ConflictError

        raise ConflictError(
            _("operation {op} is being finished by another crm right now").format(op=op_id),
            hint=_("wait for it to end, then run the command again"),
        )
    added: list[JournalEvent] = []
    for step in op.steps:
        if step.state == LANDED:
            continue
        kind = kind_of(step.kind)
        if kind.local is not None:
            in_tx = partial(kind.local, Runner(account, op, step))
            step.result = st.landed(op_id, step.seq, {}, local=in_tx)
        else:
            if step.state == PLANNED:
                step.sent_at = st.sending(op_id, step.seq)
                runner = Runner(account, op, step)
                runner.resuming = False
            else:
                runner = Runner(account, op, step)
            result = kind.run(runner)
            step.result = st.landed(op_id, step.seq, result)
        step.state = LANDED
        if kind.event is not None:
            added.append(kind.event(account, op, step))
        if progress is not None:
            progress(op)
    st.finish(op_id, _numbered(st, op_id, added))
    return st.get(op_id) or op


def _numbered(st: Store, op_id: str, events: list[JournalEvent]) -> list[JournalEvent]:
    from dataclasses import replace

    first = st.last_event_seq(op_id) + 1
    return [replace(e, seq=n) for n, e in enumerate(events, first)]


def pending(account: Account) -> list[Operation]:
    """Operations begun and never finished (a kill, a lost connection)."""
    st = store(account)
    return [op for op in map(st.get, st.open_ids()) if op is not None]


def finish_pending(
    account: Account,
    *,
    notice: Callable[[Operation], None] | None = None,
    contacts: Iterable[str] | None = None,
) -> list[Operation]:
    """Finish every interrupted operation (of ``contacts``, if given); ``notice(op)``
    is told before each one. Returns the finished operations."""
    wanted = set(contacts) if contacts is not None else None
    done: list[Operation] = []
    for op in pending(account):
        if wanted is not None and not wanted & set(op.contacts):
            continue
        if not store(account).claim(op.op_id):
            continue  # another live crm is on it
        if notice is not None:
            notice(op)
        store(account).mark_interrupted(op.op_id)
        finished = run(account, op.op_id)
        done.append(finished)
        finished_here(account).append(finished)
    return done


def again(account: Account, kind: str, params: dict[str, Any]) -> Operation | None:
    """The operation of this kind and these arguments that was finished for an
    interrupted run — by this process, or by another command since (within a day,
    nothing of its kind begun since, not undone) — and not yet answered: the same
    command run again answers with it, once."""
    st = store(account)

    def fits(op: Operation) -> bool:
        return op.kind == kind and all(op.params.get(k) == v for k, v in params.items())

    for op in reversed(finished_here(account)):
        if fits(op):
            st.mark_answered(op.op_id)
            return op
    since = (clock() - timedelta(days=1)).astimezone(UTC).isoformat(timespec="seconds")
    for op_id in st.unanswered(kind, since):
        found = st.get(op_id)
        if found is not None and fits(found):
            st.mark_answered(op_id)
            return found
    return None
