"""Creates on their way to the account: recorded on disk before they are sent.

A create is the one write that cannot be made safe by re-sending it: a second
send is a second contact. So before a create goes out, a small record (its
marker, when it was sent, a digest of what it creates) is written and synced
to ``<data dir>/pending/<marker>.json``:

- if that write fails (a full disk, an unwritable home) nothing is sent;
- once the contact is in the local copy, the record is deleted;
- a record left behind (the disk filled up after Google made the contact, the
  process was killed) is finished by the next run (``finish``): the contact
  is looked up by its marker and put into the local copy, or, not found once
  no request can still be running, forgotten. Never a second create.

One file per create, so several processes never share one. Any command that
reads the account finishes them first (``Account.ensure_synced``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contacts_crm.account.people import MARKER_KEY
from contacts_crm.config import atomic_write, private_dir
from contacts_crm.contact.stamp import blake2b
from contacts_crm.errors import StorageError
from contacts_crm.i18n import _

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account

FOLDER = "pending"


@dataclass
class PendingCreate:
    marker: str  # the clientData value the contact carries
    key: str  # the clientData key
    digest: str  # what it creates (the person without its marker)
    sent_at: float  # when it was (about to be) sent
    timeout: float  # how long such a request may run on the server
    pid: int = 0  # the process sending it: while it lives, it finishes its own record


def digest(person: dict[str, Any], key: str = MARKER_KEY) -> str:
    """A digest of a person to create, its marker left out (the same command run
    again with the same values gives the same digest)."""
    data = [cd for cd in person.get("clientData", []) if cd.get("key") != key]
    body = {**person, "clientData": data}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def record(data_dir: Path, create: PendingCreate) -> Path:
    """Write the record and sync it; StorageError (exit 74, nothing sent) when it cannot."""
    path = _path(data_dir, create.marker)
    try:
        private_dir(path.parent)
        atomic_write(path, json.dumps(asdict(create)).encode("utf-8"))
    except OSError as exc:
        raise StorageError(
            _(
                "cannot record the new contact before sending it ({reason}): nothing was sent"
            ).format(reason=exc.strerror or exc),
            hint=_(
                "free some disk space (or make {path} writable), then run the command again"
            ).format(path=path.parent),
        ) from None
    return path


def forget(data_dir: Path, marker: str) -> None:
    _path(data_dir, marker).unlink(missing_ok=True)


def _path(data_dir: Path, marker: str) -> Path:
    """The record's file: named by a digest (a marker may be a resource name, with a /)."""
    name = blake2b(marker.encode("utf-8"), digest_size=16).hexdigest()
    return folder(data_dir) / f"{name}.json"


def left(data_dir: Path) -> list[PendingCreate]:
    """The records a run left behind, oldest first (unreadable ones: torn by a crash
    before their sync, so their create was never sent)."""
    out: list[PendingCreate] = []
    base = folder(data_dir)
    if not base.is_dir():
        return out
    for path in base.glob("*.json"):
        try:
            out.append(PendingCreate(**json.loads(path.read_text("utf-8"))))
        except (ValueError, TypeError):
            path.unlink(missing_ok=True)
    return sorted(out, key=lambda c: c.sent_at)


def finish(account: Account) -> dict[str, dict[str, Any]]:
    """Finish the creates earlier runs left: digest -> the contact that landed.

    Each is looked up by its marker once no request can still be running
    (``PeopleClient.find_landed``); a found contact goes into the local copy,
    then the record is deleted. Raises what the local copy raises (a full
    disk): the record stays for the run after.
    """
    landed: dict[str, dict[str, Any]] = {}
    for create in left(account.data_dir):
        if _running(create.pid):
            continue  # another crm (crm serve, a second window) is sending it right now
        found = account.client.find_landed(
            create.key,
            [create.marker],
            sent_at=create.sent_at,
            answered=False,
            timeout=create.timeout,
        ).get(create.marker)
        if found is not None:
            account.remember([found])
            landed[create.digest] = found
        forget(account.data_dir, create.marker)
    return landed


def _running(pid: int) -> bool:
    """Whether another process with this id runs on this PC (POSIX; elsewhere the
    record is finished after its request timeout, as for a dead process)."""
    if not pid or pid == os.getpid() or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether it exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, another user's
    return True
