"""The server's writers: one lane per contact, over a small pool of threads.

A card write from the page is journalled first (``usecases/card_ops.py``),
then run here. The writes of one contact run strictly in the order they were
journalled; those of different contacts run in parallel, so a request the
account holds (a hung connection) holds only its own contact. Each thread owns
a twin of the account (its own API client and write lock, its own cache and
journal connections).

A write that meets an unreachable account stays open in the journal: its
contact is parked and tried again with backoff (jittered, capped), and at once
when the account answers again (``answered()``: a write to another contact, or
the background sync, got through). Whatever the lanes had not written when the
server stopped is still open in the journal: the next ``crm serve`` queues it
again at start-up, the next ``crm`` command writes it.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contacts_crm.account import operations as ops
from contacts_crm.account.connected import Account
from contacts_crm.errors import CrmError, NotFoundError
from contacts_crm.logs import private_traceback
from contacts_crm.usecases import card_ops

log = logging.getLogger(__name__)


@dataclass
class Ticket:
    """One queued write, as a request waits on it."""

    op_id: str
    contact: str
    done: threading.Event = field(default_factory=threading.Event)
    result: dict[str, Any] = field(default_factory=dict)
    # set when the write landed, or when a try met an unreachable account
    settled: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout: float | None) -> bool:
        """True once the write landed (or the card refused it: ``result["refused"]``);
        False after ``timeout``, or as soon as a try found the account unreachable."""
        self.settled.wait(timeout)
        return self.done.is_set()


class Lanes:
    """Per-contact FIFO lanes over ``threads`` writer threads."""

    def __init__(
        self,
        make_account: Callable[[], Account],
        *,
        threads: int = 4,
        base: float = 1.0,
        cap: float = 60.0,
        rand: Callable[[], float] = random.random,
        on_answer: Callable[[], None] | None = None,
        on_silence: Callable[[CrmError], None] | None = None,
    ) -> None:
        self._make_account = make_account
        self._threads_wanted = threads
        self.base, self.cap = base, cap
        self._rand = rand
        self._on_answer = on_answer
        self._on_silence = on_silence
        self._queues: dict[str, deque[Ticket]] = {}
        self._tickets: dict[str, Ticket] = {}
        self._busy: set[str] = set()
        self._parked: dict[str, float] = {}  # contact -> monotonic time of its next try
        self._failures: dict[str, int] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------ the queue
    def start(self) -> None:
        for n in range(self._threads_wanted):
            t = threading.Thread(target=self._work, name=f"crm-lane-{n}", daemon=True)
            t.start()
            self._threads.append(t)

    def submit(self, op_id: str, contact: str) -> Ticket:
        """Queue a journalled write (a second submit of the same id gets the same ticket)."""
        with self._cond:
            ticket = self._tickets.get(op_id)
            if ticket is None:
                ticket = self._tickets[op_id] = Ticket(op_id, contact)
                self._queues.setdefault(contact, deque()).append(ticket)
                self._cond.notify_all()
            return ticket

    def answered(self) -> None:
        """The account answers again: every parked contact is tried now."""
        with self._cond:
            self._parked.clear()
            self._cond.notify_all()

    def queued(self) -> int:
        """Writes queued or running."""
        with self._cond:
            return len(self._tickets)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Until every queued write landed (False on timeout): tests and the benchmark."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._tickets, timeout)

    def wait_queued(self, count: int, timeout: float = 60.0) -> bool:
        """Until ``count`` writes are queued or running (False on timeout): a test
        holds the server at the point it checks, with no timing guess."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._tickets) == count, timeout)

    def wait_parked(self, contact: str, timeout: float = 60.0) -> bool:
        """Until ``contact``'s lane met an unreachable account and waits to try again."""
        with self._cond:
            return self._cond.wait_for(lambda: contact in self._parked, timeout)

    def stop(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout)  # a thread held by a hung request ends with its request
        self._threads.clear()

    # ---------------------------------------------------------- the workers
    def _next(self) -> tuple[Ticket | None, float | None]:
        """The oldest write of a contact no lane is on and not parked (under the lock);
        else when the soonest parked one may be tried."""
        now = time.monotonic()
        soonest: float | None = None
        for contact, queue in self._queues.items():
            if not queue or contact in self._busy:
                continue
            at = self._parked.get(contact, 0.0)
            if at <= now:
                self._busy.add(contact)
                return queue[0], None
            soonest = at if soonest is None else min(soonest, at)
        return None, soonest

    def _work(self) -> None:
        account: Account | None = None
        try:
            while True:
                with self._cond:
                    while True:
                        if self._stopping:
                            return
                        ticket, soonest = self._next()
                        if ticket is not None:
                            break
                        wait = None if soonest is None else max(soonest - time.monotonic(), 0)
                        self._cond.wait(wait)
                if account is None:
                    account = self._make_account()
                self._run(account, ticket)
        finally:
            if account is not None:
                account.close()

    def _run(self, account: Account, ticket: Ticket) -> None:
        try:
            done = ops.run(account, ticket.op_id)
        except NotFoundError:  # no such operation (any more): nothing to write
            self._finished(ticket, {"refused": "gone"})
            return
        except CrmError as exc:  # unreachable, a conflict, a busy journal: stays open
            self._parked_after(ticket, exc)
            return
        except Exception as exc:  # a bug: logged without client data, tried again later
            log.error("card write %s failed\n%s", ticket.op_id, private_traceback(exc).rstrip())
            self._parked_after(ticket, None)
            return
        self._finished(ticket, card_ops.result(done))

    def _finished(self, ticket: Ticket, result: dict[str, Any]) -> None:
        with self._cond:
            queue = self._queues.get(ticket.contact)
            if queue and queue[0] is ticket:
                queue.popleft()
            if not queue:
                self._queues.pop(ticket.contact, None)
            self._tickets.pop(ticket.op_id, None)
            self._busy.discard(ticket.contact)
            was_failing = self._failures.pop(ticket.contact, 0) > 0
            if was_failing or self._parked:
                self._parked.clear()  # the account answers: the others try now
            ticket.result = result
            ticket.done.set()
            ticket.settled.set()
            self._cond.notify_all()
        if self._on_answer is not None:
            self._on_answer()

    def _parked_after(self, ticket: Ticket, exc: CrmError | None) -> None:
        """The write stays open; its contact waits (backoff) before the next try. Said
        (silence, log line) before the contact shows as parked: a test waits on that."""
        if exc is not None and self._on_silence is not None:
            self._on_silence(exc)
        with self._cond:
            n = self._failures.get(ticket.contact, 0) + 1
            self._failures[ticket.contact] = n
        delay = min(self.cap, self.base * 2 ** (n - 1)) * (0.5 + self._rand() / 2)
        if exc is not None:
            log.warning("card write %s waits for the account (%s); next try in %.0f s",
                        ticket.op_id, type(exc).__name__, delay)  # fmt: skip
        with self._cond:
            self._parked[ticket.contact] = time.monotonic() + delay
            self._busy.discard(ticket.contact)
            for waiting in self._queues.get(ticket.contact, ()):
                waiting.settled.set()  # their requests answer "saved on the PC" now
            self._cond.notify_all()
