"""What a durable operation is made of: its plan, its steps, its record, an undo's answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contacts_crm.card.events import JournalEvent

OPS_KEY = "crm.ops"  # clientData: ids of the last writes to the contact (card/decide.py)
OPS_KEPT = 30
MARKER_KEY = "crm.key"  # clientData marker of every create (account/people.py)
RESTORE_KEY = "crm.restore"  # clientData marker of a contact an undo brought back

OPEN, DONE = "open", "done"
PLANNED, SENDING, LANDED = "planned", "sending", "landed"


@dataclass
class Step:
    """One write of an operation, as data (``target``: a resource name, or ``@N``:
    the resource name step N of the same operation created)."""

    kind: str
    target: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    state: str = PLANNED
    sent_at: float | None = None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """What a command will do, before it does any of it."""

    kind: str
    steps: list[Step]
    params: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    contacts: list[str] = field(default_factory=list)
    events: list[JournalEvent] = field(default_factory=list)
    op_id: str = ""
    who: str | None = None  # default: the profile's user


@dataclass
class Operation:
    """An operation as the journal holds it."""

    op_id: str
    kind: str
    at: str
    who: str | None
    state: str
    params: dict[str, Any]
    text: str
    contacts: list[str]
    undoes: str | None
    undone_by: str | None
    steps: list[Step]

    @property
    def done(self) -> bool:
        return self.state == DONE

    def result(self, seq: int) -> dict[str, Any]:
        return next((s.result for s in self.steps if s.seq == seq), {})

    def to_dict(self) -> dict[str, Any]:
        return {
            "opId": self.op_id, "kind": self.kind, "at": self.at, "who": self.who,
            "state": self.state, "text": self.text, "contacts": self.contacts,
            "undoes": self.undoes, "undoneBy": self.undone_by,
            "steps": len(self.steps), "landed": sum(s.state == LANDED for s in self.steps),
        }  # fmt: skip


@dataclass
class Undone:
    """What an undo did (``already``: the operation had been undone before, by ``undo``)."""

    op_id: str
    kind: str
    undo: Operation
    already: bool = False

    def kept(self) -> list[str]:
        """Contacts an undo left as they are because people worked on them since."""
        return [rn for s in self.undo.steps for rn in s.result.get("kept", [])]
