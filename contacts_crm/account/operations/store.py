"""The operations tables in the profile's journal: plans, step states, claims."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from contacts_crm.account.journal import new_op_id, now
from contacts_crm.account.operations.records import (
    DONE,
    LANDED,
    OPEN,
    PLANNED,
    SENDING,
    Operation,
    Plan,
    Step,
)
from contacts_crm.card.events import APPLIED, PENDING, SUPERSEDED, JournalEvent

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account
    from contacts_crm.account.journal import Journal

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
    finished_at TEXT,
    interrupted INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0
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


class Store:
    """The operations tables in the profile's journal (same file, same connection)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._db: sqlite3.Connection = journal._db
        with self._tx():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            have = {str(r[1]) for r in self._db.execute("PRAGMA table_info(operations)")}
            for column in ("interrupted", "answered"):  # journals made before them
                if column not in have:
                    self._db.execute(
                        f"ALTER TABLE operations ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0"
                    )

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

    def find(self, kind: str, **params: str) -> list[str]:
        """Ids of the operations of ``kind`` whose params hold these (text) values,
        newest first."""
        where = "".join(f" AND json_extract(params, '$.{k}') = ?" for k in params)
        cur = self._db.execute(
            f"SELECT op_id FROM operations WHERE kind = ?{where} ORDER BY at DESC, rowid DESC",
            (kind, *params.values()),
        )
        return [str(r[0]) for r in cur]

    def mark_interrupted(self, op_id: str) -> None:
        """The operation is being finished for a run that did not finish it."""
        with self._tx():
            self._db.execute("UPDATE operations SET interrupted = 1 WHERE op_id = ?", (op_id,))

    def mark_answered(self, op_id: str) -> None:
        """The command that was interrupted has been answered with the operation."""
        with self._tx():
            self._db.execute("UPDATE operations SET answered = 1 WHERE op_id = ?", (op_id,))

    def unanswered(self, kind: str, since: str) -> list[str]:
        """Operations of ``kind`` finished (since ``since``) for an interrupted run whose
        command has not been answered with them yet, nor undone, nor followed by
        another of their kind; newest first."""
        cur = self._db.execute(
            "SELECT op_id FROM operations AS o WHERE kind = ? AND state = ? AND interrupted = 1"
            " AND answered = 0 AND undone_by IS NULL AND finished_at >= ?"
            " AND NOT EXISTS (SELECT 1 FROM operations AS later WHERE later.kind = o.kind"
            " AND later.at > o.finished_at) ORDER BY at DESC, rowid DESC",
            (kind, DONE, since),
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
    """Whether the profile's journal holds an interrupted operation (a look with a
    connection of its own: ``account/interrupted.py``)."""
    from contacts_crm.account.interrupted import any_open as open_in

    return open_in(account.data_dir)


def finished_here(account: Account) -> list[Operation]:
    """Operations this account object finished on behalf of an interrupted run."""
    return _FINISHED.setdefault(account, [])
