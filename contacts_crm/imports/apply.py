"""Apply an ImportPlan to an account, resumably, and undo it.

Every import keeps a state file ``<data dir>/imports/<id>.json``: the
contacts it created (import key -> resourceName), the before-image of every
contact it changed, the batch in flight. It is saved before and after every
batch, so a run killed at any point can be resumed (``recover_in_flight``
looks up a batch that may have landed once no request can still be running
and reads have settled) and undone (imports/undo.py).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import Any

from contacts_crm.account.connected import Account
from contacts_crm.account.journal import now
from contacts_crm.config import atomic_write
from contacts_crm.contact.model import WRITABLE, three_way
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
) -> ImportState:
    """Create and update what ``plan`` says, in batches of 200, saving ``state`` as it goes."""
    data_dir = account.data_dir
    state.save(data_dir)
    resolved = _ensure_groups(account, plan, state)
    todo = [r for r in plan.creates if r.key not in state.created]
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        keys = [r.key for r in chunk]
        already = {k: c.resource_name for k in keys for c in account.contacts.by_marker(
            IMPORT_KEY, k)}  # fmt: skip
        chunk = [r for r in chunk if r.key not in already]
        state.note_created({k: v for k, v in already.items() if v}, data_dir)
        if chunk:

            def sending(keys: list[str]) -> None:
                """Before every send: what may land, and when (saved before it goes)."""
                state.in_flight = keys
                state.in_flight_sent = time.time()
                state.in_flight_timeout = account.contacts.request_timeout
                state.save(data_dir)

            persons = [_person(r, resolved, list(WRITABLE)) for r in chunk]
            created = account.contacts.create_many(persons, marker_key=IMPORT_KEY,
                                                   on_send=sending)  # fmt: skip
            pairs = {k: p["resourceName"] for p in created if (k := _key_of(p))}
            state.note_created(pairs, data_dir)
            state.note_after(created, data_dir)
            state.in_flight = []
            state.save(data_dir)
        if progress:
            progress(len(keys))
    updates = plan.updates
    for start in range(0, len(updates), BATCH):
        chunk = updates[start : start + BATCH]
        images = {}
        for r in chunk:
            assert r.match is not None and r.match.resource_name
            images[r.match.resource_name] = r.match.raw
        state.note_before(images, data_dir)
        mask = [f for f in WRITABLE if any(f in r.fields for r in chunk)]
        persons = [_person(r, resolved, mask) for r in chunk]
        # the persons the plan was made from: a contact edited meanwhile is merged
        bases = {
            r.match.resource_name: r.match.raw
            for r in chunk
            if r.match is not None and r.match.resource_name
        }
        planned = {p["resourceName"]: p for p in persons}
        done = account.contacts.write_many(persons, mask, partial(_merge, bases, mask, planned),
                                           bases=bases)  # fmt: skip
        state.note_after(done, data_dir)
        state.updated.extend(p["resourceName"] for p in done)
        state.save(data_dir)
        if progress:
            progress(len(chunk))
    state.status = "done"
    state.finished = now()
    state.save(data_dir)
    return state


def _merge(
    bases: Mapping[str, dict[str, Any]],
    mask: Sequence[str],
    planned: Mapping[str, dict[str, Any]],
    fresh: dict[str, Any],
) -> dict[str, Any] | None:
    """A planned update re-applied to a contact edited meanwhile (``three_way``);
    without the base it was planned from, the planned values of ``mask``."""
    intended = planned[fresh["resourceName"]]
    base = bases.get(intended["resourceName"])
    if base is None:
        return {f: intended.get(f, []) for f in mask}
    return three_way(base, fresh, intended, mask)


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


