"""Durable operations: every command that makes more than one write is one.

An operation is journalled whole before its first write: its kind, the
command's arguments (``params``), the contacts it touches, its journal events
(pending) and its steps, each a write described as data with its
before-images. Each step is marked ``sending`` right before it goes out and
``landed`` (with what it wrote) once it did; the operation is ``done`` when the
last step landed, and its events are applied in the same transaction.

A step may be run again at any time and lands once: an update carries the
step's id in the contact's ``crm.ops``, a create carries a marker that is
looked up before it is ever sent again, a delete checks what is still there, a
journal step lands in the same transaction that marks it. So whoever comes
next — the same command run again, any later command (``finish_pending`` when
the CLI opens the account), ``crm doctor``, ``crm serve``'s background loop —
rolls an interrupted operation forward; it is never started twice and never
left half done. One process runs an operation at a time (a claim with the
runner's pid, taken with ``BEGIN IMMEDIATE``; a dead runner's claim is taken over).

``undo(account, op_id)`` is the one undo of every kind: it finishes the
operation first if it is open, then runs the inverse of its landed steps, in
reverse, as an operation of its own (kind ``undo``), three-way so that later
work stays. A second undo answers ``Undone(already=True)``.

Step kinds: ``update`` / ``update_many`` (apply a before -> after change to the
fresh contact, three-way), ``revert`` / ``revert_many`` (their inverse),
``create`` (a whole Person), ``delete`` / ``delete_many`` (before-images kept),
``delete_created`` (undo of a create: only a contact nobody worked on since),
``repoint`` (journal events moved between contacts), ``members``,
``merge_fold``, ``phone_fix`` / ``phone_unfix``. Use cases register more with
``register``.

The package, by concern: ``records`` (plan, step, operation), ``store`` (the
tables, claims), ``kinds`` (the registry and what a step's code gets),
``runner`` (start, run, finish_pending, again), ``undo``; one module per family
of step kinds (``updates``, ``creates``, ``repoint``, ``members``, ``phones``,
``merge``), each registering its kinds when imported.
"""

from contacts_crm.account.operations import (  # noqa: F401  (each registers its step kinds)
    creates,
    members,
    merge,
    phones,
    repoint,
    updates,
)
from contacts_crm.account.operations.kinds import KINDS, Kind, Runner, ops_of, register, with_mark
from contacts_crm.account.operations.records import (
    DONE,
    LANDED,
    MARKER_KEY,
    OPEN,
    OPS_KEPT,
    OPS_KEY,
    PLANNED,
    RESTORE_KEY,
    SENDING,
    Operation,
    Plan,
    Step,
    Undone,
)
from contacts_crm.account.operations.runner import again, finish_pending, pending, run, start
from contacts_crm.account.operations.store import Store, any_open, finished_here, store
from contacts_crm.account.operations.undo import undo

__all__ = [
    "DONE", "KINDS", "LANDED", "MARKER_KEY", "OPEN", "OPS_KEPT", "OPS_KEY", "PLANNED",
    "RESTORE_KEY", "SENDING", "Kind", "Operation", "Plan", "Runner", "Step", "Store", "Undone",
    "again", "any_open", "finish_pending", "finished_here", "ops_of", "pending", "register",
    "run", "start", "store", "undo", "with_mark",
]  # fmt: skip
