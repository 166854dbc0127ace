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
``repoint`` (journal events moved between contacts). Use cases register more
with ``register``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from contacts_crm.account.journal import new_op_id, now
from contacts_crm.card.events import APPLIED, PENDING, SUPERSEDED, JournalEvent
from contacts_crm.contact.model import same_fields, three_way
from contacts_crm.contact.revert import revert as revert_fields
from contacts_crm.errors import NotFoundError, UsageError
from contacts_crm.i18n import _

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account
    from contacts_crm.account.journal import Journal

OPS_KEY = "crm.ops"  # clientData: ids of the last writes to the contact (card/decide.py)
OPS_KEPT = 30
MARKER_KEY = "crm.key"  # clientData marker of every create (account/people.py)
RESTORE_KEY = "crm.restore"  # clientData marker of a contact an undo brought back

OPEN, DONE = "open", "done"
PLANNED, SENDING, LANDED = "planned", "sending", "landed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    op_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    who TEXT,
    state TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    text TEXT NOT NULL DEFAULT '',
    contacts TEXT NOT NULL DEFAULT '[]',
    undoes TEXT,
    undone_by TEXT,
    runner TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS operations_open ON operations (state) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS operations_undoes ON operations (undoes);
CREATE TABLE IF NOT EXISTS operation_steps (
    op_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'planned',
    sent_at REAL,
    result TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (op_id, seq)
);
"""


# ------------------------------------------------------------------ records
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


# ------------------------------------------------------------------ storage
class Store:
    """The operations tables in the profile's journal (same file, same connection)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._db: sqlite3.Connection = journal._db
        with self._tx():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)

    def _tx(self) -> Any:
        return self.journal._transaction()

    def begin(self, plan: Plan, who: str | None) -> str:
        """Journal the whole plan (one transaction) and claim it for this process."""
        op_id = plan.op_id or new_op_id()
        events = [_event_row(e, op_id) for e in plan.events]
        with self._tx():
            self._db.execute(
                "INSERT INTO operations (op_id, kind, at, who, state, params, text, contacts,"
                " undoes, runner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (op_id, plan.kind, now(), who, OPEN, _dumps(plan.params), plan.text,
                 _dumps(plan.contacts), plan.params.get("undoes"), _me()),
            )  # fmt: skip
            self._db.executemany(
                "INSERT INTO operation_steps (op_id, seq, kind, target, data)"
                " VALUES (?, ?, ?, ?, ?)",
                [(op_id, n, s.kind, s.target, _dumps(s.data)) for n, s in enumerate(plan.steps, 1)],
            )
            if events:
                self._db.executemany(
                    "INSERT OR IGNORE INTO events (op_id, seq, at, who, contact, contact_name,"
                    " kind, order_no, stage, amount, outcome, text, data, state)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*r, PENDING) for r in events],
                )
            if plan.params.get("undoes"):
                self._db.execute(
                    "UPDATE operations SET undone_by = ? WHERE op_id = ? AND undone_by IS NULL",
                    (op_id, plan.params["undoes"]),
                )
        return op_id

    def get(self, op_id: str) -> Operation | None:
        row = self._db.execute(
            "SELECT op_id, kind, at, who, state, params, text, contacts, undoes, undone_by"
            " FROM operations WHERE op_id = ?",
            (op_id,),
        ).fetchone()
        if row is None:
            return None
        steps = [
            Step(kind=k, target=t, data=json.loads(d), seq=n, state=st, sent_at=at,
                 result=json.loads(r))
            for n, k, t, d, st, at, r in self._db.execute(
                "SELECT seq, kind, target, data, state, sent_at, result FROM operation_steps"
                " WHERE op_id = ? ORDER BY seq", (op_id,))
        ]  # fmt: skip
        op, kind, at, who, state, params, text, contacts, undoes, undone_by = row
        return Operation(op, kind, at, who, state, json.loads(params), text,
                         json.loads(contacts), undoes, undone_by, steps)  # fmt: skip

    def open_ids(self) -> list[str]:
        """Operations begun and not finished, oldest first."""
        cur = self._db.execute(
            "SELECT op_id FROM operations WHERE state = ? ORDER BY at, rowid", (OPEN,)
        )
        return [str(r[0]) for r in cur]

    def claim(self, op_id: str) -> bool:
        """Take the operation for this process unless another live process runs it."""
        me = _me()
        with self._tx():
            row = self._db.execute(
                "SELECT runner, state FROM operations WHERE op_id = ?", (op_id,)
            ).fetchone()
            if row is None or row[1] != OPEN:
                return False
            if row[0] and row[0] != me and _alive(row[0]):
                return False
            self._db.execute("UPDATE operations SET runner = ? WHERE op_id = ?", (me, op_id))
        return True

    def sending(self, op_id: str, seq: int) -> float:
        at = time.time()
        with self._tx():
            self._db.execute(
                "UPDATE operation_steps SET state = ?, sent_at = ? WHERE op_id = ? AND seq = ?"
                " AND state = ?",
                (SENDING, at, op_id, seq, PLANNED),
            )
        return at

    def landed(
        self,
        op_id: str,
        seq: int,
        result: dict[str, Any],
        local: Callable[[sqlite3.Connection], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Mark a step landed with its result; ``local`` (a journal step) runs in the
        same transaction, so it lands exactly once."""
        with self._tx():
            state = self._db.execute(
                "SELECT state, result FROM operation_steps WHERE op_id = ? AND seq = ?",
                (op_id, seq),
            ).fetchone()
            if state is not None and state[0] == LANDED:
                return dict(json.loads(state[1]))
            if local is not None:
                result = {**result, **local(self._db)}
            self._db.execute(
                "UPDATE operation_steps SET state = ?, result = ? WHERE op_id = ? AND seq = ?",
                (LANDED, _dumps(result), op_id, seq),
            )
        return result

    def finish(self, op_id: str, events: Sequence[JournalEvent] = ()) -> None:
        """The operation is done: its events applied (and those its steps added)."""
        rows = [_event_row(e, op_id) for e in events]
        with self._tx():
            if rows:
                self._db.executemany(
                    "INSERT OR IGNORE INTO events (op_id, seq, at, who, contact, contact_name,"
                    " kind, order_no, stage, amount, outcome, text, data, state)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*r, APPLIED) for r in rows],
                )
            self._db.execute(
                "UPDATE events SET state = ? WHERE op_id = ? AND state IN (?, ?)",
                (APPLIED, op_id, PENDING, SUPERSEDED),
            )
            self._db.execute(
                "UPDATE operations SET state = ?, finished_at = ?, runner = NULL WHERE op_id = ?",
                (DONE, now(), op_id),
            )

    def last_event_seq(self, op_id: str) -> int:
        row = self._db.execute("SELECT MAX(seq) FROM events WHERE op_id = ?", (op_id,)).fetchone()
        return int(row[0] or 0)


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(runner: str) -> bool:
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's claim: leave it (a journal is one PC's file)
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _event_row(e: JournalEvent, op_id: str) -> tuple[Any, ...]:
    return (
        op_id, e.seq, e.at, e.who, e.contact, e.contact_name, e.kind, e.order_no,
        e.stage, e.amount, e.outcome, e.text, _dumps(e.data),
    )  # fmt: skip


_STORES: weakref.WeakKeyDictionary[Any, Store] = weakref.WeakKeyDictionary()
_FINISHED: weakref.WeakKeyDictionary[Any, list[Operation]] = weakref.WeakKeyDictionary()


def store(account: Account) -> Store:
    """The operations store of an account's journal (created on first use)."""
    journal = account.journal
    found = _STORES.get(journal)
    if found is None:
        found = _STORES[journal] = Store(journal)
    return found


def any_open(account: Account) -> bool:
    """Whether the profile's journal holds an interrupted operation, looked up
    with a connection of its own (the account's journal stays unopened: a
    server opens it on its writer thread)."""
    path = account.data_dir / "journal.sqlite"
    if not path.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
            row = db.execute("SELECT 1 FROM operations WHERE state = ? LIMIT 1", (OPEN,))
            return row.fetchone() is not None
    except sqlite3.DatabaseError as exc:
        # no such table: nothing was ever begun; busy or odd: let the journal tell
        return "no such table" not in str(exc)


def finished_here(account: Account) -> list[Operation]:
    """Operations this account object finished on behalf of an interrupted run."""
    return _FINISHED.setdefault(account, [])


# ------------------------------------------------------------------ step kinds
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
    local: bool = False  # a journal-only step: ``run`` gets the connection in the landing tx


KINDS: dict[str, Kind] = {}
# step kinds a use case registers, loaded when an open operation of theirs is met
PROVIDERS = {"card": "contacts_crm.usecases.cards"}


def _kind(name: str) -> Kind:
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


def _fields(data: dict[str, Any]) -> list[str]:
    fields = list(data["fields"])
    return fields if "clientData" in fields else [*fields, "clientData"]


def _change(
    current: dict[str, Any], mark: str, before: dict[str, Any], after: dict[str, Any],
    fields: list[str], reverting: bool,
) -> dict[str, Any] | None:  # fmt: skip
    if reverting:  # lands once by itself: on a contact that holds it, it changes nothing
        body = revert_fields(before, after, current, fields)
        return None if same_fields(current, body, fields) else body
    if mark in ops_of(current):
        return None
    body = three_way(before, current, after, fields)
    body["clientData"] = with_mark(
        {"clientData": body.get("clientData", current.get("clientData", []))}, mark
    )
    return body


def _run_update(r: Runner) -> dict[str, Any]:
    rn = r.ref(r.step.target)
    data = r.step.data
    fields = _fields(data)
    reverting = r.step.kind == "revert"

    def operation(current: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        body = _change(current, r.mark, data["before"], data["after"], fields, reverting)
        return None if body is None else (body, fields)

    client = r.account.client
    try:
        start = None if r.resuming or reverting else r.account.cache.person(rn)
        if start is not None and start.get("etag") != data["before"].get("etag"):
            start = None
        written = client.modify(rn, operation, person=start)
    except NotFoundError:
        return {"gone": True}
    r.account.remember([written])
    return {"written": written}


def _invert_update(op: Operation, step: Step) -> list[Step]:
    if step.result.get("gone"):
        return []
    data = {"before": step.data["before"], "after": step.result["written"],
            "fields": step.data["fields"]}  # fmt: skip
    return [Step("revert", step.target if not step.target.startswith("@") else
                 str(op.result(int(step.target[1:])).get("resourceName", "")), data)]  # fmt: skip


def _run_update_many(r: Runner) -> dict[str, Any]:
    """Many contacts, one batch write: ``data.items`` = [{before, after}]."""
    data = r.step.data
    fields = _fields(data)
    reverting = r.step.kind == "revert_many"
    items = {i["before"]["resourceName"]: i for i in data["items"]}

    def again(intended: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any] | None:
        item = items[fresh["resourceName"]]
        return _change(fresh, r.mark, item["before"], item["after"], fields, reverting)

    names = list(items)
    if r.resuming or reverting or data.get("fresh"):
        current = {p["resourceName"]: p for p in r.account.client.get_many(names)}
    else:
        current = {rn: i["before"] for rn, i in items.items()}
    todo, done = [], []
    for rn in names:
        person = current.get(rn)
        if person is None:
            continue
        body = again({}, person)
        if body is None:
            done.append(person)
        else:
            todo.append({**body, "resourceName": rn, "etag": person.get("etag")})
    written = r.account.client.update_many(todo, fields, reapply=again, bases=current)
    r.account.remember(written)
    gone = [rn for rn in names if rn not in current]
    seen = [current[p["resourceName"]] for p in written if p["resourceName"] in current]
    return {"written": [*done, *written], "gone": gone, "seen": seen}


def _invert_revert_many(op: Operation, step: Step) -> list[Step]:
    """A revert taken back: the reverted change applied again (three-way), to every
    contact of the step (a killed run's writes that landed count too)."""
    data = {**step.data, "fresh": True}  # the contacts changed since their before-images
    return [Step("update_many", "", data)] if step.data["items"] else []


def _invert_update_many(op: Operation, step: Step) -> list[Step]:
    after = {p["resourceName"]: p for p in step.result.get("written", [])}
    items = [{"before": i["before"], "after": after[i["before"]["resourceName"]]}
             for i in step.data["items"] if i["before"]["resourceName"] in after]  # fmt: skip
    return (
        [Step("revert_many", "", {"items": items, "fields": step.data["fields"]})] if items else []
    )


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


def _run_repoint(conn: sqlite3.Connection, r: Runner) -> dict[str, Any]:
    """Move journal events between contacts (in the landing transaction)."""
    data = r.step.data
    new = r.ref(data["to"])
    numbers = {int(k): int(v) for k, v in data.get("renumber", {}).items()}
    if "ids" in data:
        wanted = [int(i) for i in data["ids"]]
        rows = conn.execute(
            f"SELECT id, order_no FROM events WHERE id IN ({', '.join('?' * len(wanted))})",
            wanted,
        ).fetchall() if wanted else []  # fmt: skip
    else:
        rows = conn.execute(
            "SELECT id, order_no FROM events WHERE contact = ? AND op_id != ? ORDER BY id",
            (r.ref(data["from"]), r.op.op_id),
        ).fetchall()
    conn.executemany(
        "UPDATE events SET contact = ?, contact_name = ?, order_no = ? WHERE id = ?",
        [(new, data.get("name", ""), numbers.get(n, n) if n is not None else None, i)
         for i, n in rows],
    )  # fmt: skip
    return {"ids": [int(i) for i, _ in rows]}


def _invert_repoint(op: Operation, step: Step) -> list[Step]:
    back = {str(v): int(k) for k, v in step.data.get("renumber", {}).items()}
    return [Step("repoint", "", {"from": step.data["to"], "to": f"restored:{step.data['from']}",
                                 "ids": step.result.get("ids", []), "renumber": back,
                                 "name": step.data.get("from_name", "")})]  # fmt: skip


def _run_members(r: Runner) -> dict[str, Any]:
    """Put contacts into a group or take them out (``data``: group, add, persons —
    their before-images). Lands once by itself: a contact already where asked is
    left alone; a contact whose only group this is stays in it."""
    from contacts_crm.contact.model import MY_CONTACTS, Contact

    data = r.step.data
    group, add = data["group"], bool(data["add"])
    names = [p["resourceName"] for p in data["persons"]]
    if r.resuming or data.get("fresh"):
        current = {p["resourceName"]: p for p in r.account.client.get_many(names)}
        r.account.remember(list(current.values()))
    else:
        current = {p["resourceName"]: p for p in data["persons"]}

    def again(intended: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any] | None:
        groups = Contact.from_person(fresh).groups
        others = [g for g in groups if g != group]
        if (group in groups) == add or (not add and not others):
            return None
        new = [*groups, group] if add else others
        return {"memberships": [{"contactGroupMembership": {"contactGroupResourceName": g}}
                                for g in (new or [MY_CONTACTS])]}  # fmt: skip

    todo = []
    for rn in names:
        person = current.get(rn)
        body = again({}, person) if person is not None else None
        if body is not None and person is not None:
            todo.append({**body, "resourceName": rn, "etag": person.get("etag")})
    written = r.account.client.update_many(todo, ["memberships"], reapply=again, bases=current)
    r.account.remember(written)
    final = {**current, **{p["resourceName"]: p for p in written}}
    # what holds the change now: this run's writes, or a killed run's that landed
    held = [rn for rn in names if rn in final
            and (group in Contact.from_person(final[rn]).groups) == add]  # fmt: skip
    return {"changed": held}


def _invert_members(op: Operation, step: Step) -> list[Step]:
    changed = set(step.result.get("changed", []))
    persons = [p for p in step.data["persons"] if p["resourceName"] in changed]
    data = {"group": step.data["group"], "add": not step.data["add"], "persons": persons,
            "fresh": True}  # fmt: skip
    return [Step("members", "", data)] if persons else []


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

    return _batch(r, fields, again)


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

    return _batch(r, fields, again, names=list(by_rn), fresh=True)


def _batch(
    r: Runner,
    fields: list[str],
    again: Callable[[dict[str, Any]], dict[str, Any] | None],
    *,
    names: list[str] | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """One batch write of ``again`` applied to each contact (its before-image in
    ``data.persons``, or read fresh when resuming); what was written and seen."""
    if names is None:
        names = [p["resourceName"] for p in r.step.data["persons"]]
    if r.resuming or fresh:
        current = {p["resourceName"]: p for p in r.account.client.get_many(names)}
        r.account.remember(list(current.values()))
    else:
        current = {p["resourceName"]: p for p in r.step.data["persons"]}
    todo = []
    for rn in names:
        person = current.get(rn)
        body = again(person) if person is not None else None
        if body is not None and person is not None:
            todo.append({**body, "resourceName": rn, "etag": person.get("etag")})
    written = r.account.client.update_many(
        todo, fields, reapply=lambda _, fresh_copy: again(fresh_copy), bases=current
    )
    r.account.remember(written)
    seen = [current[p["resourceName"]] for p in written if p["resourceName"] in current]
    return {"written": written, "seen": seen}


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


KINDS.update(
    update=Kind(_run_update, _invert_update),
    revert=Kind(_run_update),
    update_many=Kind(_run_update_many, _invert_update_many),
    revert_many=Kind(_run_update_many, _invert_revert_many),
    create=Kind(_run_create, _invert_create),
    delete=Kind(_run_delete, _invert_delete),
    restore=Kind(_run_restore, _invert_create),
    delete_created=Kind(_run_delete_created),
    repoint=Kind(lambda r: {}, _invert_repoint, local=True),
    merge_fold=Kind(_run_merge_fold, _invert_merge_fold),
    members=Kind(_run_members, _invert_members),
    phone_fix=Kind(_run_phone_fix, _invert_phone_fix),
    phone_unfix=Kind(_run_phone_unfix),
)


# ------------------------------------------------------------------ running
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
        kind = _kind(step.kind)
        if kind.local:
            runner = Runner(account, op, step)
            step.result = st.landed(op_id, step.seq, {}, local=partial(_run_repoint, r=runner))
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
        if step.kind == "restore":
            added.append(_undeleted_event(account, op, step))
        if progress is not None:
            progress(op)
    st.finish(op_id, _numbered(st, op_id, added))
    return st.get(op_id) or op


def _undeleted_event(account: Account, op: Operation, step: Step) -> JournalEvent:
    from contacts_crm.contact.model import Contact

    c = Contact.from_person(step.result["created"])
    return JournalEvent(
        op_id=op.op_id, seq=0, at=now(), who=op.who, kind="contact_undeleted",
        contact=step.result["resourceName"], contact_name=c.display_name, text=c.display_name,
        data={"from": step.result["was"], "missing_groups": step.result.get("missingGroups", [])},
    )  # fmt: skip


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
        finished = run(account, op.op_id)
        done.append(finished)
        finished_here(account).append(finished)
    return done


def again(account: Account, kind: str, params: dict[str, Any]) -> Operation | None:
    """The operation of this kind and these arguments that was just finished for an
    interrupted run (the same command run again answers with it)."""
    for op in reversed(finished_here(account)):
        if op.kind == kind and all(op.params.get(k) == v for k, v in params.items()):
            return op
    return None


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
        inverse = _kind(step.kind).invert
        if inverse is not None and step.state == LANDED:
            steps.extend(inverse(op, step))
    # journal steps last: they point events at the contacts the writes brought back
    steps = [s for s in steps if not KINDS[s.kind].local] + [
        s for s in steps if KINDS[s.kind].local
    ]
    plan = Plan(
        "undo", steps, params={"undoes": op_id, "kind": op.kind, "force": force},
        text=f"undid {op.kind} {op_id}", contacts=op.contacts,
        events=[JournalEvent(op_id="", seq=0, at=now(), who=account.profile.user or None,
                             kind=f"{op.kind}_undone", text=f"undid {op.kind} {op_id}",
                             data={"undoes": op_id, op.kind: op_id})],
    )  # fmt: skip
    return Undone(op_id, op.kind, start(account, plan))
