"""A call-screen read answered from a local copy older than ``sync_minutes``.

``crm card``, ``find``, ``show`` and ``journal`` answer from the local copy at
once (the phone is ringing): syncing first meant loading the whole API stack
(googleapiclient alone is 0.19 s) and a round trip. When the copy is older than
the profile's ``sync_minutes`` they say how old it is and start ``crm sync
--background`` as a process of its own, which refreshes the copy for the next
read; a read that finds nothing syncs first and looks again
(``Account.catch_up``), so a client added on another PC a minute ago is found.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from contacts_crm.i18n import ngettext

LOCK_FILE = "background-sync.lock"
PID_FILE = "background-sync.pid"  # the process id of the last refresh started
# the process ids of the refreshes this process started (a test waits for them)
STARTED: list[int] = []


def say_age_and_refresh(account: Any) -> None:
    """Say how old the copy was (stderr: the answer on stdout stays clean) and start
    its refresh in the background."""
    minutes = max(int((account.stale_for or 0) // 60), 1)
    click.echo(
        ngettext(
            "(The local copy is {n} minute old; it is being refreshed in the background.)",
            "(The local copy is {n} minutes old; it is being refreshed in the background.)",
            minutes,
        ).format(n=minutes),
        err=True,
    )
    start_refresh(account.profile.name, account.data_dir)


def start_refresh(profile: str, data_dir: Path | None = None) -> None:
    """``crm --profile PROFILE sync --background`` in a process of its own, detached:
    it outlives this command, writes nothing on this terminal, and is never waited
    for. POSIX: ``os.posix_spawn`` (no fork of this process, no subprocess module to
    load: a few ms); Windows: subprocess. Its process id goes into ``PID_FILE`` in
    ``data_dir`` (whoever wants to know when it ends waits on that process)."""
    args = [sys.executable, "-m", "contacts_crm", "--profile", profile, "sync", "--background"]
    try:
        if os.name == "posix":
            quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
            # setsid: no Ctrl+C from this terminal reaches it
            STARTED.append(os.posix_spawn(sys.executable, args, os.environ,
                                          file_actions=quiet, setsid=True))  # fmt: skip
        else:
            import subprocess

            flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW  # type: ignore[attr-defined]
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, creationflags=flags)  # fmt: skip
            STARTED.append(proc.pid)
    except OSError:
        return  # the next read says the copy is old again and tries again
    if data_dir is not None:
        _note_pid(data_dir / PID_FILE, STARTED[-1])


def _note_pid(path: Path, pid: int) -> None:
    """Write ``pid`` to ``path`` atomically, owner-only (a plain file, not a database)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(f"{pid}\n")
        os.replace(tmp, path)
    except OSError:  # only a test or a curious admin reads it
        return


def refresh_pid(data_dir: Path) -> int | None:
    """The process id of the last background refresh started for this profile."""
    try:
        return int((data_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def hold_refresh_lock(data_dir: Path) -> bool:
    """Take the profile's background-sync lock for the rest of this process; False
    when another refresh holds it (it is doing the work already)."""
    try:
        import fcntl
    except ImportError:  # Windows: two refreshes at once are safe, only wasted work
        return True
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    return True  # kept open (and locked) until the process ends
