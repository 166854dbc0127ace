"""Apply an ImportPlan to an account as one durable operation, and keep its record.

The writes are one operation (kind ``import``, account/operations/): batches
of 200 creates, each contact carrying its import key (a batch a killed run
sent is looked up by its keys before anything is sent again) and batches of
200 updates (three-way on the fresh contact, marked so they land once). The
operation is journalled whole before the first write and finished by whoever
comes next: the same import run again, any command, ``crm doctor``, ``crm
serve``.

Each import keeps a small record ``<data dir>/imports/<id>.json`` (id, file,
status, its operation) and logs of the contacts it created and their before-
and after-images, filled in from the operation once it is done (``settle``):
what ``crm import list`` and ``crm import undo`` read. Records of imports made
before operations (with a batch ``in_flight``) are still read and undone
(``recover_in_flight``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.account.journal import new_op_id, now
from contacts_crm.card.events import JournalEvent
from contacts_crm.config import atomic_write
from contacts_crm.contact.model import WRITABLE
from contacts_crm.imports.plan import IMPORT_KEY, NEW_GROUP, ImportPlan, PlanRow

BATCH = 200


@dataclass
class ImportState:
    """What one import did so far (the undo record)."""

    id: str
    source: str = ""
    status: str = "running"  # running, done, undone
    started: str = ""
    finished: str = ""
    created: dict[str, str] = field(default_factory=dict)  # import key -> resourceName
    before: dict[str, dict[str, Any]] = field(default_factory=dict)  # rn -> Person before
    updated: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)  # keys of the batch being sent
    in_flight_sent: float = 0.0  # when it was sent (epoch seconds)
    in_flight_timeout: float = 0.0  # the sender's request timeout: it can run that long
    groups_created: dict[str, str] = field(default_factory=dict)
    op: str = ""  # the durable operation that writes it (the record is filled in from it)
    # The after-images (rn -> Person as written) are only on disk (the ``.after`` log,
    # ``after_images``): only undo reads them, and 25,000 of them held in memory cost
    # hundreds of MB on every import and re-import.

    @staticmethod
    def path(data_dir: Path, import_id: str) -> Path:
        return data_dir / "imports" / f"{import_id}.json"

    @classmethod
    def load(cls, data_dir: Path, import_id: str, *, logs: bool = True) -> ImportState | None:
        """The state on record, or None; ``logs=False`` reads only the header (status,
        times, counts of updates), not the created/before logs."""
        p = cls.path(data_dir, import_id)
        if not p.exists():
            return None
        state = cls(**json.loads(p.read_text("utf-8")))
        if not logs:
            return state
        state.created.update(_read_log(p.with_suffix(".created")))
        for rn, person in _read_log(p.with_suffix(".before")):
            state.before.setdefault(rn, person)  # the first image is the one to restore
        return state

    def after_images(self, data_dir: Path) -> dict[str, dict[str, Any]]:
        """rn -> Person as this import last wrote it (read from the ``.after`` log)."""
        return dict(_read_log(self.path(data_dir, self.id).with_suffix(".after")))

    def save(self, data_dir: Path) -> None:
        """Write the small header atomically; the growing parts live in append-only logs.

        Created contacts (``.created``) and before-images (``.before``) are
        appended as they happen, not rewritten with every header. A crash
        leaves the old or the new header, and at worst a torn last log line
        (ignored on load).
        """
        p = self.path(data_dir, self.id)
        for suffix, entries in ((".created", self.created), (".before", self.before)):
            log = p.with_suffix(suffix)
            if not log.exists():  # first save (or an old-style file): every entry once
                atomic_write(log, b"")
                _append_log(log, list(entries.items()))
        header = {f.name: getattr(self, f.name) for f in fields(self)
                  if f.name not in ("created", "before")}  # fmt: skip
        atomic_write(p, json.dumps(header, ensure_ascii=False).encode("utf-8"))

    def note_created(self, pairs: dict[str, str], data_dir: Path) -> None:
        """Record created contacts (import key -> resourceName)."""
        self.created.update(pairs)
        _append_log(self.path(data_dir, self.id).with_suffix(".created"), list(pairs.items()))

    def note_after(self, persons: list[dict[str, Any]], data_dir: Path) -> None:
        """Record contacts as this import wrote them (what undo compares with today)."""
        images = {p["resourceName"]: p for p in persons if p.get("resourceName")}
        _append_log(self.path(data_dir, self.id).with_suffix(".after"), list(images.items()))

    def note_before(self, images: dict[str, dict[str, Any]], data_dir: Path) -> None:
        """Record the before-images of contacts about to be changed (first one wins).

        Synced to disk before the change is sent, so undo can always restore:
        a line torn by a crash belongs to a batch that was never sent.
        """
        new = {rn: person for rn, person in images.items() if rn not in self.before}
        self.before.update(new)
        _append_log(self.path(data_dir, self.id).with_suffix(".before"), list(new.items()))


def _append_log(path: Path, entries: list[tuple[str, Any]]) -> None:
    """Append one JSON line per entry and sync; a torn last line is closed off first."""
    if not entries:
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # private from the start
    with os.fdopen(fd, "ab") as fh:
        if fh.tell() and _last_byte(path) != b"\n":
            fh.write(b"\n")  # a crash tore the last line: never glue the next one to it
        fh.write("".join(json.dumps(list(e), ensure_ascii=False) + "\n" for e in entries)
                 .encode("utf-8"))  # fmt: skip
        fh.flush()
        os.fsync(fh.fileno())


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1)


def _read_log(path: Path) -> list[Any]:
    """The (key, value) entries of a log in order; torn lines are skipped."""
    out = []
    if path.exists():
        for line in path.read_text("utf-8").splitlines():
            try:
                key, value = json.loads(line)
            except (ValueError, TypeError):
                continue  # a line torn by a crash
            out.append((key, value))
    return out


def list_states(data_dir: Path) -> list[ImportState]:
    """Every import recorded under ``data_dir``, oldest first."""
    folder = data_dir / "imports"
    states = [ImportState.load(data_dir, p.stem) for p in folder.glob("*.json")]
    return sorted((s for s in states if s), key=lambda s: s.started)


def recover_in_flight(account: Account, state: ImportState) -> int:
    """A batch that was being sent when the last run died may have landed: find it by key.

    The killed run's request may still be running on the server: this waits
    until its timeout has passed since it was sent and reads have settled
    (``PeopleClient.find_landed``). Found keys are recorded as created; the
    rest are sent again by ``apply_plan``.
    """
    if not state.in_flight:
        return 0
    found = account.contacts.find_landed(
        IMPORT_KEY,
        state.in_flight,
        sent_at=state.in_flight_sent,
        answered=False,
        timeout=state.in_flight_timeout or account.contacts.request_timeout,
    )
    account.contacts.remember(list(found.values()))
    state.note_created({k: p["resourceName"] for k, p in found.items()}, account.data_dir)
    state.note_after(list(found.values()), account.data_dir)
    state.in_flight = []
    state.save(account.data_dir)
    return len(found)


def apply_plan(
    account: Account,
    plan: ImportPlan,
    state: ImportState,
    *,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[str], None] | None = None,
) -> ImportState:
    """Create and update what ``plan`` says as one durable operation (kind
    ``import``): batches of 200 creates (each contact with its import key, looked
    up before any re-send) and 200 updates (three-way, marked), journalled whole
    before the first write; a kill is finished by whoever comes next."""
    resolved = _ensure_groups(account, plan, state)
    steps = [
        ops.Step("create_batch", "", {
            "persons": [_person(r, resolved, list(WRITABLE)) for r in plan.creates[i : i + BATCH]],
            "marker_key": IMPORT_KEY, "timeout": account.contacts.request_timeout})
        for i in range(0, len(plan.creates), BATCH)
    ]  # fmt: skip
    for i in range(0, len(plan.updates), BATCH):
        chunk = plan.updates[i : i + BATCH]
        mask = [f for f in WRITABLE if any(f in r.fields for r in chunk)]
        items = []
        for r in chunk:
            assert r.match is not None and r.match.resource_name
            planned = _person(r, resolved, mask)
            after = {**r.match.raw, **{f: planned.get(f, []) for f in mask}}
            items.append({"before": r.match.raw, "after": after})
        steps.append(ops.Step("update_many", "", {"items": items, "fields": mask}))
    state.op = state.op or new_op_id()
    state.save(account.data_dir)  # the import's record names its operation before it begins
    counts = plan.counts()
    event = JournalEvent(
        op_id="", seq=1, at=now(), who=account.profile.user or None, kind="import",
        text=f"import {state.id} of {Path(state.source).name}",
        data={"import_id": state.id, "file": state.source, "created": len(plan.creates),
              "updated": len(plan.updates), **counts},
    )  # fmt: skip
    op_plan = ops.Plan("import", steps, params={"import": state.id, "source": state.source,
                                                "counts": counts},
                       text=f"import {state.id}", events=[event], op_id=state.op)  # fmt: skip
    sizes = {n: len(st.data.get("persons", st.data.get("items", [])))
             for n, st in enumerate(steps, 1)}  # fmt: skip
    told: set[int] = set()

    def landed(op: ops.Operation) -> None:
        for s in op.steps:
            if s.state == ops.LANDED and s.seq not in told:
                told.add(s.seq)
                if progress:
                    progress(sizes.get(s.seq, 0))

    ops.start(account, op_plan, on_start=on_start, progress=landed)
    return settle(account, state)


def settle(account: Account, state: ImportState) -> ImportState:
    """An import whose operation is done gets its record filled in (contacts created,
    before- and after-images, status ``done``), whoever finished the operation."""
    if not state.op or state.status != "running":
        return state
    op = ops.store(account).get(state.op)
    if op is None or not op.done:
        return state
    data_dir = account.data_dir
    created = [p for s in op.steps if s.kind == "create_batch" for p in s.result.get("created", [])]
    state.note_created({k: p["resourceName"] for p in created if (k := _key_of(p))}, data_dir)
    state.note_after(created, data_dir)
    for s in op.steps:
        if s.kind != "update_many":
            continue
        state.note_before({i["before"]["resourceName"]: i["before"] for i in s.data["items"]},
                          data_dir)  # fmt: skip
        written = s.result.get("written", [])
        state.note_after(written, data_dir)
        state.updated.extend(p["resourceName"] for p in written)
    state.status = "done"
    state.finished = now()
    state.save(data_dir)
    return state


def states(account: Account) -> list[ImportState]:
    """Every import on record for this profile, oldest first (each settled)."""
    return [settle(account, s) for s in list_states(account.data_dir)]


def _ensure_groups(account: Account, plan: ImportPlan, state: ImportState) -> dict[str, str]:
    """Resource names of the plan's new groups, creating those that do not exist yet."""
    if not plan.new_groups:
        return {}
    out = {}
    for name in plan.new_groups:
        group = account.groups.ensure(name)  # made meanwhile elsewhere: taken as it is
        if group.created:
            state.groups_created[name] = group.resource_name
        out[NEW_GROUP + name] = group.resource_name
    return out


def _person(row: PlanRow, resolved: dict[str, str], fields: list[str]) -> dict[str, Any]:
    assert row.contact is not None
    contact = row.contact
    contact.groups = [resolved.get(g, g) for g in contact.groups]
    if row.match is not None:
        contact.resource_name, contact.etag = row.match.resource_name, row.match.etag
    return contact.to_person(fields)


def _key_of(person: dict[str, Any]) -> str | None:
    return next((d["value"] for d in person.get("clientData", []) if d.get("key") == IMPORT_KEY),
                None)  # fmt: skip
