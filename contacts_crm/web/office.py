"""The server's hold on the account: writer lanes, per-thread readers, background sync.

- A card write (a call, an order opened, moved or closed) never waits on the
  account: the request journals it as a durable operation (one transaction in
  journal.sqlite, on the ``crm-journal`` thread) and hands it to the writer
  lanes (``lanes.py``: one contact's writes in order, different contacts in
  parallel). The request waits at most ``answer_budget`` seconds: "saved" if
  the write landed by then, else "saved on this PC, written when the account
  answers" -- the lanes keep trying, and the card shows it as pending.
- Other writes (a new client) and the syncs run on the one ``Account`` this
  server opened, in one writer thread. Every write carries the etag it read
  and re-applies its operation on a conflict (``usecases.cards``), so a phone,
  another PC running ``crm`` and the Google Contacts page lose nothing.
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
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from contacts_crm import i18n
from contacts_crm.account.connected import Account, RetryPolicy, SyncReport
from contacts_crm.account.operations import Operation as JournalledOp
from contacts_crm.account.uploader import HistoryUploader
from contacts_crm.card.operations import Operation
from contacts_crm.errors import CrmError
from contacts_crm.logs import private_traceback
from contacts_crm.usecases import card_ops
from contacts_crm.usecases.dashboard import FiguresCache
from contacts_crm.web.lanes import Lanes, Ticket
from contacts_crm.web.sessions import SESSION_DAYS, Sessions
from contacts_crm.web.staff import Staff

log = logging.getLogger(__name__)
T = TypeVar("T")
# seconds a save waits for its write before it answers "saved on the office PC" (none
# while the account is known not to answer: the write cannot land meanwhile)
ANSWER_BUDGET = 0.15
SILENCE_BANNER = 180.0  # seconds without an answer from the account before the page says so
# a lane's own retries are short: the lane parks the contact and tries again itself
LANE_RETRY = RetryPolicy(attempts=2, base=0.2, cap=1.0)


@dataclasses.dataclass
class Saved:
    """The answer to a card write from the page."""

    op_id: str
    landed: bool  # written to the account within the answer budget
    result: dict[str, Any] = dataclasses.field(default_factory=dict)  # card_ops.result

    @property
    def refused(self) -> str | None:
        """Why the card refused the write (it changed meanwhile), if it did."""
        why = self.result.get("refused")
        return str(why) if why else None


class Office:
    """What the web app works with: the account, its staff, its freshness."""

    def __init__(
        self,
        account: Account,
        *,
        sync_interval: float = 30.0,
        answer_budget: float = ANSWER_BUDGET,
        lanes: int = 4,
        silence_banner: float = SILENCE_BANNER,
        lane_retry: RetryPolicy = LANE_RETRY,
    ) -> None:
        self.account = account
        self.profile = account.profile
        # the groups the tool creates and the report words, in the office's language
        i18n.use(account.profile.language)
        self.sync_interval = sync_interval
        self.answer_budget = answer_budget
        self.silence_banner = silence_banner
        self.drain_timeout = 30.0  # seconds close() lets the lanes finish what is queued
        self.silent_since: float | None = None  # time.time() of the first failure unanswered
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-writer")
        # the journal's connection for the requests: begin a write, list what is pending
        self._books = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-journal")
        self._books_account: Account | None = None
        self.lanes = Lanes(lambda: account.twin(retry=lane_retry), threads=lanes,
                           on_answer=self._lane_wrote,
                           on_silence=self.account_silent)  # fmt: skip
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

    # ---------------------------------------------------------- card writes
    def save(self, rn: str, op: Operation) -> Saved:
        """Journal a card write, queue it on its contact's lane and wait at most
        ``answer_budget`` for it to land (the answer either way, within a second)."""
        op_id, known = self._books.submit(self._begin, rn, op).result()
        if known is not None:  # this form was saved before (a double tap, a resend)
            return Saved(op_id, True, {**known, "changed": False})
        ticket = self.lanes.submit(op_id, rn)
        return self._answer(ticket)

    def _answer(self, ticket: Ticket) -> Saved:
        budget = self.answer_budget if self.silent_since is None else 0.0
        if ticket.wait(budget):
            return Saved(ticket.op_id, True, ticket.result)
        return Saved(ticket.op_id, False)

    def _begin(self, rn: str, op: Operation) -> tuple[str, dict[str, Any] | None]:
        """On the journal thread: the write journalled (the same fact already queued
        for this contact: that one); (its id, its result when it was written before)."""
        acc = self._books_twin()
        if card_ops.begin(acc, rn, op):
            return op.op_id, None
        from contacts_crm.account import operations as ops

        known = ops.store(acc).get(op.op_id)
        if known is not None and known.done:
            return op.op_id, card_ops.result(known)
        return op.op_id, None

    def pending(self, rn: str) -> list[tuple[JournalledOp, Operation]]:
        """The card writes of ``rn`` journalled and not written yet, oldest first."""
        return self._books.submit(self._pending, rn).result()

    def _pending(self, rn: str) -> list[tuple[JournalledOp, Operation]]:
        return [(op, card_ops.card_operation(op))
                for op in card_ops.open_ops(self._books_twin(), rn)]  # fmt: skip

    def _books_twin(self) -> Account:
        if self._books_account is None:
            self._books_account = self.account.reader()
        return self._books_account

    def queue_open(self) -> int:
        """Queue every card write the journal holds open (a killed server's, a
        crm command's that could not reach the account); how many."""
        found = self._books.submit(lambda: card_ops.open_ops(self._books_twin())).result()
        for op in found:
            self.lanes.submit(op.op_id, op.contacts[0])
        return len(found)

    # ---------------------------------------------------- is the account there
    def account_answered(self) -> None:
        if self.silent_since is not None:
            self.silent_since = None
            self.lanes.answered()

    def _lane_wrote(self) -> None:
        """A lane's write landed: the account answers; its journal lines go up."""
        self.account_answered()
        self._kick_upload()

    def account_silent(self, _exc: CrmError | None = None) -> None:
        if self.silent_since is None:
            self.silent_since = time.time()

    def silent_minutes(self) -> int | None:
        """Minutes the account has not answered, once that is ``silence_banner`` or more."""
        since = self.silent_since
        if since is None or time.time() - since < self.silence_banner:
            return None
        return max(int((time.time() - since) // 60), 1)

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
        self.lanes.start()
        self.queue_open()
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
            self.account_silent(exc)
            log.warning("background sync failed: %s", exc.message)
            return None
        self.last_sync, self.sync_error = report, None
        self.account_answered()
        if report.changed or report.deleted:
            log.info("sync: %d changed, %d deleted", report.changed, report.deleted)
        self._finish_interrupted()
        self._kick_upload()  # hand edits the sync journalled, operations it finished
        return report

    def _finish_interrupted(self) -> None:
        """Roll forward what an interrupted command left (account/operations/)."""
        from contacts_crm.account import operations as ops

        try:
            for op in ops.pending(self.account):
                if op.kind == card_ops.CARD:  # the lanes write those, in order per contact
                    self.lanes.submit(op.op_id, op.contacts[0])
                elif ops.store(self.account).claim(op.op_id):
                    ops.run(self.account, op.op_id)
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
        if self.silent_since is None:  # the account answers: what is queued goes out first
            self.lanes.wait_idle(self.drain_timeout)
        self.lanes.stop()
        self._books.submit(self._close_books).result()
        self._books.shutdown(wait=True)
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

    def _close_books(self) -> None:
        if self._books_account is not None:
            self._books_account.close()
            self._books_account = None

    def _close_journal(self) -> None:
        """The writer's journal connection is closed by the thread that opened it."""
        journal = self.account._journal  # opened lazily, by this thread
        if journal is not None:
            journal.close()
            self.account._journal = None
