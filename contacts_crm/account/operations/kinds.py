"""The step-kind registry: what a step's code gets (``Runner``), how a kind runs
and is taken back (``Kind``), and the ``crm.ops`` marks an update leaves."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contacts_crm.account.operations.records import OPS_KEPT, OPS_KEY, SENDING, Operation, Step
from contacts_crm.card.events import JournalEvent

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account


class Runner:
    """What a step's code gets: the account, the operation, earlier results."""

    def __init__(self, account: Account, op: Operation, step: Step) -> None:
        self.account = account
        self.op = op
        self.step = step
        self.resuming = step.state == SENDING

    @property
    def mark(self) -> str:
        """This step's id, as it goes into a contact's ``crm.ops``."""
        return f"{self.op.op_id}.{self.step.seq}"

    def ref(self, target: str) -> str:
        """A resource name, ``@N`` resolved to what step N created."""
        if target.startswith("@"):
            return str(self.op.result(int(target[1:])).get("resourceName", ""))
        if target.startswith("restored:"):  # what a restore step of this operation created
            was = target[len("restored:") :]
            for s in self.op.steps:
                if s.kind == "restore" and s.data.get("was") == was:
                    return str(s.result.get("resourceName", ""))
        return target


@dataclass
class Kind:
    """How to run one kind of step and how to take it back."""

    run: Callable[[Runner], dict[str, Any]]
    invert: Callable[[Operation, Step], list[Step]] | None = None
    # a journal-only step: runs with the connection inside the landing transaction
    local: Callable[[Runner, sqlite3.Connection], dict[str, Any]] | None = None
    # a journal event the step adds once it landed (applied with the operation's own)
    event: Callable[[Account, Operation, Step], JournalEvent] | None = None


KINDS: dict[str, Kind] = {}
# step kinds a use case registers, loaded when an open operation of theirs is met
PROVIDERS = {"card": "contacts_crm.usecases.cards"}


def kind_of(name: str) -> Kind:
    """The registered step kind ``name`` (a use case's own loaded on first need)."""
    if name not in KINDS and name in PROVIDERS:
        import importlib

        importlib.import_module(PROVIDERS[name])
    return KINDS[name]


def register(
    kind: str,
    run: Callable[[Runner], dict[str, Any]],
    invert: Callable[[Operation, Step], list[Step]] | None = None,
) -> None:
    """Add a step kind (a use case's own write)."""
    KINDS[kind] = Kind(run, invert)


def ops_of(person: dict[str, Any]) -> list[str]:
    for cd in person.get("clientData", []):
        if cd.get("key") == OPS_KEY:
            return str(cd.get("value", "")).split()
    return []


def with_mark(person: dict[str, Any], mark: str) -> list[dict[str, Any]]:
    """The person's clientData with ``mark`` added to ``crm.ops``."""
    done = [*ops_of(person), mark][-OPS_KEPT:]
    data = [dict(cd) for cd in person.get("clientData", []) if cd.get("key") != OPS_KEY]
    return [*data, {"key": OPS_KEY, "value": " ".join(done)}]
