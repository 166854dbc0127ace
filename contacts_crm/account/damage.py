"""Damaged or missing files of the tool's own: found, set aside, rebuilt or reported.

- The cache (``cache.sqlite``) is only a copy of the account: a damaged one is
  deleted and filled again from the account (``Account.rebuild_cache``).
- The journal (``journal.sqlite``) is the office's history (calls, orders, what
  undo restores). It is never silently replaced: a damaged one is renamed aside
  (``journal.damaged-<time>.sqlite``); one that disappeared or was emptied is
  noticed, because ``journal.id`` remembers that this profile had one
  (``check_journal``). With the office memory (the journal's copy in the
  account, replica.py) it is then rebuilt from that copy; without it, or when
  the account holds no history, the command stops (exit 74).

Checks run only on an error path or when the journal opens (one stat and one
small read), so a read from the local copy pays nothing for them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from contacts_crm.config import atomic_write
from contacts_crm.errors import CrmError, StorageError
from contacts_crm.i18n import _

CACHE = "cache.sqlite"
JOURNAL = "journal.sqlite"
JOURNAL_ID = "journal.id"  # the identity of this profile's journal (also in its meta table)
SIDE_FILES = ("-wal", "-shm", "-journal")


class JournalDamagedError(StorageError):
    """The journal was damaged, emptied or removed; ``kept`` is where its copy is."""

    def __init__(self, message: str, *, hint: str, kept: Path | None = None) -> None:
        super().__init__(message, hint=hint)
        self.kept = kept


def is_damaged(path: Path) -> bool:
    """True when ``path`` is a SQLite file that SQLite itself finds damaged.

    ``PRAGMA quick_check`` reads every page (fine on an error path, too slow
    for every command). A file held by another process, or one SQLite cannot
    read for a full disk, is not damaged.
    """
    if not path.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return False
    try:
        rows = con.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        # damage, not a full disk ("disk I/O error") or another process's lock
        text = str(exc).lower()
        return any(word in text for word in ("malformed", "not a database", "corrupt"))
    finally:
        con.close()
    return rows != [("ok",)]


def aside_name(path: Path) -> Path:
    """A free name ``<stem>.damaged-<UTC time><suffix>`` beside ``path``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
    n = 1
    while kept.exists():
        n += 1
        kept = path.with_name(f"{path.stem}.damaged-{stamp}-{n}{path.suffix}")
    return kept


def set_aside(path: Path) -> Path:
    """Rename a damaged file (and its -wal/-shm) to ``<stem>.damaged-<UTC time><suffix>``."""
    kept = aside_name(path)
    path.rename(kept)
    for side in SIDE_FILES:
        extra = Path(f"{path}{side}")
        if extra.exists():
            extra.rename(Path(f"{kept}{side}"))
    return kept


def remove_cache(path: Path) -> None:
    """Delete a damaged cache and its side files (everything in it is in the account)."""
    for p in (path, *(Path(f"{path}{side}") for side in SIDE_FILES)):
        p.unlink(missing_ok=True)


def journal_damaged(
    path: Path, kept: Path, *, unreachable: str | None = None
) -> JournalDamagedError:
    """The error for a damaged journal that was just renamed to ``kept``;
    ``unreachable``: why the account's copy could not rebuild it."""
    message = _(
        "the journal {path} is damaged: nothing was changed; it was moved aside to {kept}"
    ).format(path=path, kept=kept)
    if unreachable is not None:
        hint = _(
            "the account's copy of the journal could not be read ({reason}); the next "
            "command rebuilds journal.sqlite from it once the account answers; events this "
            "PC had not copied to the account yet are only in {kept}"
        ).format(reason=unreachable, kept=kept)
        return JournalDamagedError(message, hint=hint, kept=kept)
    return JournalDamagedError(
        message,
        hint=_(
            "the journal is the history of every card change (calls, orders, what undo "
            "restores) and it exists nowhere else: keep {kept}, put journal.sqlite back "
            "from a backup, or have the damaged file repaired (sqlite3 '.recover'); "
            "to start a new, empty journal without that history, delete {idfile}"
        ).format(kept=kept, idfile=path.with_name(JOURNAL_ID)),
        kept=kept,
    )


@dataclass(frozen=True)
class JournalRebuilt:
    """A missing or emptied journal that was rebuilt from the account's copy."""

    events: int  # events the account's copy held
    kept: Path | None  # where the emptied file was set aside (None: it was missing)


def check_journal(
    data_dir: Path, rebuild: Callable[[Path], int | None] | None = None
) -> JournalRebuilt | None:
    """Refuse (JournalDamagedError, exit 74) a journal that disappeared or was emptied,
    or, with the office memory (``rebuild``), rebuild it from the account's copy.

    ``journal.id`` is written when a profile's journal is first opened; while
    it exists, a missing or empty ``journal.sqlite`` is history lost, not a
    new start. An empty file is renamed aside so nothing writes over it.
    ``rebuild(path)`` fills a new journal from the account and says how many
    events it holds, None when the account holds no history (then refused too).
    """
    idfile = data_dir / JOURNAL_ID
    if not idfile.exists():
        return None
    path = data_dir / JOURNAL
    kept: Path | None = None
    if path.exists() and path.stat().st_size > 0:
        return None
    if path.exists():
        kept = set_aside(path)
    message = (
        _("the journal {path} was emptied (kept aside as {kept}): nothing was changed")
        if kept
        else _("the journal {path} is missing, but this profile had one: nothing was changed")
    ).format(path=path, kept=kept)
    if rebuild is not None:
        try:
            events = rebuild(path)
        except CrmError as exc:
            raise JournalDamagedError(
                message,
                hint=_(
                    "the account's copy of the journal could not be read ({reason}); the next "
                    "command rebuilds journal.sqlite from it once the account answers"
                ).format(reason=exc.message),
                kept=kept,
            ) from None
        if events is not None:
            return JournalRebuilt(events=events, kept=kept)
    raise JournalDamagedError(
        message,
        hint=_(
            "the journal is the history of every card change (calls, orders, what undo "
            "restores) and it exists nowhere else: put journal.sqlite back from a backup "
            "or from a file kept aside (journal.damaged-….sqlite); to start a new, empty "
            "journal without that history, delete {idfile}"
        ).format(idfile=idfile),
        kept=kept,
    )


def note_journal(data_dir: Path, identity: str) -> None:
    """Remember that this profile has a journal (``journal.id``), once."""
    idfile = data_dir / JOURNAL_ID
    if not idfile.exists():
        atomic_write(idfile, identity.encode("ascii") + b"\n")
