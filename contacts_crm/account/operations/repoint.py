"""The journal-only step kind ``repoint``: events moved between contacts, in the
transaction that marks the step landed (so it lands exactly once)."""

from __future__ import annotations

import sqlite3
from typing import Any

from contacts_crm.account.operations.kinds import KINDS, Kind, Runner
from contacts_crm.account.operations.records import Operation, Step


def _run_repoint(r: Runner, conn: sqlite3.Connection) -> dict[str, Any]:
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


KINDS.update(repoint=Kind(lambda r: {}, _invert_repoint, local=_run_repoint))
