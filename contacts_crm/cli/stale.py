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
    start_refresh(account.profile.name)


def start_refresh(profile: str) -> None:
    """``crm --profile PROFILE sync --background`` in a process of its own, detached:
    it outlives this command, writes nothing on this terminal, and is never waited
    for. POSIX: ``os.posix_spawn`` (no fork of this process, no subprocess module to
    load: a few ms); Windows: subprocess."""
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
