"""The server's upload of the journal to the account, off the request threads.

``crm serve`` runs for days: its events (calls and orders logged on the page,
hand edits its syncs journal) go to the account's copy of the journal
(replica.py) from one background thread, woken by ``kick()`` after each write
and each sync. A request thread only sets an event; it never waits for Drive.
The thread has its own connection to the journal; the Drive service is shared
with the account's own replica under ``Account.history_lock`` (one request at
a time). An upload that fails is tried again on the next kick, or after
``retry_s`` (an event wait, not a sleep); the events wait in the journal, so a
kill loses nothing: the next command or server uploads them.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from contacts_crm.errors import CrmError

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account
    from contacts_crm.account.replica import Replica

log = logging.getLogger(__name__)


class HistoryUploader:
    """One background thread that pushes the journal's new events to the account."""

    def __init__(self, account: Account, *, retry_s: float = 60.0) -> None:
        self._replica: Replica | None = account.new_replica()
        self.retry_s = retry_s
        self.uploaded = 0  # events this thread uploaded
        self.failures = 0  # uploads that failed (tried again later)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        if self._replica is not None:
            self._thread = threading.Thread(target=self._loop, name="crm-upload", daemon=True)
            self._thread.start()
            self.kick()  # what an earlier run left unsent

    def kick(self) -> None:
        """Something may have been journalled: upload it soon (returns at once)."""
        with self._idle:
            self._busy = True
        self._wake.set()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every kick so far was handled (False on timeout); for tests."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            woken = self._wake.wait(self.retry_s)
            self._wake.clear()
            if self._stop.is_set():
                break
            ok = self._push_once() if woken or self.failures else True
            with self._idle:
                if ok and not self._wake.is_set():
                    self._busy = False
                    self._idle.notify_all()

    def _push_once(self) -> bool:
        assert self._replica is not None
        try:
            self.uploaded += self._replica.push()
        except CrmError as exc:
            self.failures += 1
            log.warning("the journal was not copied to the account yet: %s", exc.message)
            with self._idle:  # a failure ends the wait too: the events wait in the journal
                self._busy = False
                self._idle.notify_all()
            return False
        except Exception as exc:  # never let the thread die silently (no card text in the log)
            self.failures += 1
            log.error("the journal upload crashed: %s", type(exc).__name__)
            with self._idle:
                self._busy = False
                self._idle.notify_all()
            return False
        self.failures = 0
        return True

    def close(self) -> None:
        """One last upload of what is new, then stop the thread."""
        if self._thread is None:
            return
        self.kick()
        self.wait_idle(30)
        self._stop.set()
        self._wake.set()
        self._thread.join(30)
        self._thread = None
        if self._replica is not None:
            self._replica.close()
            self._replica = None
