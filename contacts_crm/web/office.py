"""The server's hold on the account: one writer, per-thread readers, background sync.

- Writes (the card and contact use cases) and syncs run on the one
  ``Account`` this server opened, in one writer thread, one at a time:
  mutations of an account go out one at a time anyway, the API client is not
  made for two threads at once, and the journal's SQLite connection belongs
  to the thread that opened it. A write still carries the etag it read and re-applies
  its operation on a conflict (``usecases.cards``), so a phone, another PC
  running ``crm`` and the Google Contacts page lose nothing.
- Reads never wait on the network: each request thread reads through its own
  ``Account`` over its own connection to the same SQLite cache (WAL: it sees
  the last committed state, never a sync half-way through), with
  ``sync_minutes=0`` so a read never syncs.
- A background thread syncs incrementally every ``sync_interval`` seconds (one
  API call when nothing changed), so a client added on another PC a minute
  ago is found during the call.
- Another uploads what the writes and syncs journalled to the account's copy
  of the journal (account/uploader.py): a request never waits for that.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from contacts_crm import i18n
from contacts_crm.account.connected import Account, SyncReport
from contacts_crm.account.uploader import HistoryUploader
from contacts_crm.errors import CrmError
from contacts_crm.logs import private_traceback
from contacts_crm.usecases.dashboard import FiguresCache
from contacts_crm.web.sessions import SESSION_DAYS, Sessions
from contacts_crm.web.staff import Staff

log = logging.getLogger(__name__)
T = TypeVar("T")


class Office:
    """What the web app works with: the account, its staff, its freshness."""

    def __init__(self, account: Account, *, sync_interval: float = 30.0) -> None:
        self.account = account
        self.profile = account.profile
        # the groups the tool creates and the report words, in the office's language
        i18n.use(account.profile.language)
        self.sync_interval = sync_interval
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-writer")
        self.staff = Staff(account.data_dir)
        self.sessions = Sessions(account.data_dir, days=SESSION_DAYS)
        self._staff_mtime = self._mtime()
        self.changes = account.change_watch()  # what the dashboard's kept figures are keyed on
        self.figures = FiguresCache()  # the dashboard's figures (usecases/dashboard.py)
        self._local = threading.local()
        self._readers: list[Account] = []
        self._readers_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_sync: SyncReport | None = None
        self.sync_error: str | None = None
        self.writes_waiting = 0  # writes sent to the writer thread, not finished yet
        self.uploader: HistoryUploader | None = None  # started by start()
        self._waiting = threading.Condition()

    # ---------------------------------------------------------------- reads
    def reader(self) -> Account:
        """This thread's read-only view of the account (own cache connection)."""
        acc: Account | None = getattr(self._local, "account", None)
        if acc is None:
            main = self.account
            acc = main.reader(dataclasses.replace(self.profile, sync_minutes=0))
            self._local.account = acc
            with self._readers_lock:
                self._readers.append(acc)
        return acc

    def staff_now(self) -> Staff:
        """The staff file as it is now (``crm serve user …`` may change it while serving)."""
        mtime = self._mtime()
        if mtime != self._staff_mtime:
            self.staff.reload()
            self._staff_mtime = mtime
        return self.staff

    def _mtime(self) -> tuple[int, int, int]:
        try:
            st = self.staff.path.stat()  # replaced atomically: a new inode each time
        except OSError:
            return (0, 0, 0)
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    # --------------------------------------------------------------- writes
    def write(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a use case that writes, on the server's account, one at a time; what it
        journalled goes to the account's copy in the background (uploader.py)."""
        with self._queued():
            try:
                return self._writer.submit(use_case, self.account, *args, **kwargs).result()
            finally:
                self._kick_upload()

    def _kick_upload(self) -> None:
        if self.uploader is not None:
            self.uploader.kick()

    @contextmanager
    def _queued(self) -> Iterator[None]:
        with self._waiting:
            self.writes_waiting += 1
            self._waiting.notify_all()
        try:
            yield
        finally:
            with self._waiting:
                self.writes_waiting -= 1
                self._waiting.notify_all()

    def wait_for_writes(self, count: int, timeout: float = 60.0) -> bool:
        """Block until ``count`` writes are queued or running (False on timeout):
        lets a test hold the server at the point it checks, with no timing guess."""
        with self._waiting:
            return self._waiting.wait_for(lambda: self.writes_waiting == count, timeout)

    @property
    def syncing(self) -> bool:
        """True while the background sync thread runs (``close`` stops and joins it)."""
        return self._thread is not None and self._thread.is_alive()

    # ----------------------------------------------------------------- sync
    def start(self) -> None:
        """Fill the local copy if needed, then keep it fresh in the background."""
        self._writer.submit(self.account.ensure_synced).result()
        if self.uploader is None:  # the journal opens on the writer thread, as it must
            self.uploader = self._writer.submit(HistoryUploader, self.account).result()
        if self.sync_interval > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="crm-sync", daemon=True)
            self._thread.start()

    def sync_now(self) -> SyncReport | None:
        """One incremental sync (what the background thread does each interval)."""
        return self._writer.submit(self._sync).result()

    def _sync(self) -> SyncReport | None:
        try:
            report = self.account.sync()
        except CrmError as exc:
            self.sync_error = exc.message
            log.warning("background sync failed: %s", exc.message)
            return None
        self.last_sync, self.sync_error = report, None
        if report.changed or report.deleted:
            log.info("sync: %d changed, %d deleted", report.changed, report.deleted)
        self._finish_interrupted()
        self._kick_upload()  # hand edits the sync journalled, operations it finished
        return report

    def _finish_interrupted(self) -> None:
        """Roll forward what an interrupted command left (account/operations/)."""
        from contacts_crm.account import operations as ops

        try:
            for op in ops.finish_pending(self.account):
                log.info("finished the interrupted %s operation %s", op.kind, op.op_id)
        except CrmError as exc:
            log.warning("an interrupted operation waits: %s", exc.message)

    def _loop(self) -> None:
        while not self._stop.wait(self.sync_interval):
            try:
                self.sync_now()
            except Exception as exc:  # never let the sync thread die silently
                log.error("background sync crashed\n%s", private_traceback(exc).rstrip())

    def close(self) -> None:
        self.figures.close()  # its thread reads through a reader closed below
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if self.uploader is not None:
            self.uploader.close()  # one last upload of what is new
            self.uploader = None
        self._writer.submit(self._close_journal).result()
        self._writer.shutdown(wait=True)
        with self._readers_lock:
            for acc in self._readers:
                acc.close()  # its cache and journal connections (the client is shared)
            self._readers.clear()
        self.sessions.close()
        self.changes.close()

    def _close_journal(self) -> None:
        """The writer's journal connection is closed by the thread that opened it."""
        journal = self.account._journal  # opened lazily, by this thread
        if journal is not None:
            journal.close()
            self.account._journal = None
