"""The manager's dashboard: the office's figures for a period and a group.

Every figure is read through the reports use cases, so the page says what the
commands say for the same period and group:
- the funnel and revenue by group: ``reports.summary`` (``crm summary --group``);
- calls and revenue per person (and calls per day): ``reports.activity`` with
  the group (``crm activity --group``);
- overdue call-backs, missed calls and clients not contacted for their group's
  interval: ``reports.callbacks`` with the missed calls (``crm callbacks``).
  A call-back or a missed call is a person's when that person last contacted
  the client (as on the page's "My call-backs"); NOBODY's otherwise.

Computing them reads every card and the period's journal; ``FiguresCache``
keeps the result, and computes it again in the background once the local copy,
the journal or the calls file change.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contacts_crm.reports.activity import Activity, activity
from contacts_crm.reports.callbacks import Callback, callbacks
from contacts_crm.reports.clients import client_views, find_group, user_group_names
from contacts_crm.reports.settings import NO_GROUP, period
from contacts_crm.reports.summary import Summary, summary
from contacts_crm.usecases.calls import missed_calls

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account

log = logging.getLogger(__name__)
NOBODY = ""  # the owner of a call-back nobody has contacted yet
STALE_SHOWN = 10  # clients not contacted listed by name (the count covers all)


@dataclass(frozen=True)
class Person:
    """One person's line of the dashboard."""

    who: str
    calls: int = 0
    calls_by_day: tuple[int, ...] = ()  # per day of the period, first day first
    completed: int = 0
    revenue: Decimal = Decimal(0)
    overdue_callbacks: int = 0
    missed_calls: int = 0


@dataclass(frozen=True)
class FunnelStep:
    key: str  # leads | converted | stage:<key> | delivered
    count: int
    amount: Decimal | None = None


@dataclass
class Dashboard:
    since: date
    until: date
    today: date
    group: str | None  # the exact group name, None: every client
    days: list[date]
    summary: Summary
    activity: Activity
    people: list[Person]
    funnel: list[FunnelStep]
    conversion: float | None  # converted / (leads + converted), as the summary's
    delivered_share: float | None  # completed / (completed + cancelled) in the period
    revenue_by_group: list[tuple[str, Decimal, int]]  # group, amount delivered, orders
    stale_by_group: Counter[str] = field(default_factory=Counter)
    stale: list[Callback] = field(default_factory=list)  # the most overdue first
    stale_count: int = 0
    groups: list[str] = field(default_factory=list)  # the account's groups, to choose from


def dashboard(
    account: Account,
    *,
    since: date | None = None,
    until: date | None = None,
    group: str | None = None,
    today: date,
) -> Dashboard:
    """The figures of the period (default: this month up to ``today``) for ``group``."""
    start, end = period(since, until, today)
    only = find_group(account, group) if group else None
    views = list(client_views(account))  # every card read once for all three reports
    groups_of = {v.resource_name: v.groups for v in views}
    report = summary(account, since=start, until=end, group=only, today=today, employees=False,
                     views=views)  # fmt: skip
    act = activity(account, since=start, until=end, group=only, today=today, by_day=True,
                   groups_of=groups_of)  # fmt: skip
    due = callbacks(account, group=only, today=today, missed=missed_calls(account), views=views)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    total = report.total
    funnel = [FunnelStep("leads", total.leads), FunnelStep("converted", total.converted)]
    funnel += [FunnelStep(f"stage:{s}", total.open_by_stage[s]) for s in report.open_stages]
    funnel.append(FunnelStep("delivered", total.completed, total.completed_amount))
    closed = total.completed + total.cancelled
    by_group = [(g.group, g.completed_amount, g.completed) for g in report.groups]
    stale = [c for c in due if any(r.key == "stay_in_touch" for r in c.reasons)]
    stale_by_group: Counter[str] = Counter()
    for c in stale:
        for g in c.groups:
            if only is None or g == only:
                stale_by_group[g] += 1
    stale.sort(key=lambda c: (-_stay_overdue(c), c.name.casefold()))
    return Dashboard(
        since=start, until=end, today=today, group=only, days=days, summary=report,
        activity=act, people=_people(act, due, days), funnel=funnel,
        conversion=total.conversion,
        delivered_share=round(total.completed / closed, 3) if closed else None,
        revenue_by_group=by_group, stale_by_group=stale_by_group, stale=stale[:STALE_SHOWN],
        stale_count=len(stale),
        groups=[*sorted(set(user_group_names(account.groups.all()).values()), key=str.casefold),
                NO_GROUP],
    )  # fmt: skip


def _stay_overdue(c: Callback) -> int:
    return max(r.overdue for r in c.reasons if r.key == "stay_in_touch")


def is_overdue_callback(c: Callback) -> bool:
    """A call-back date that has passed (the day itself is "due", not overdue)."""
    return any(r.key == "callback_due" and r.overdue > 0 for r in c.reasons)


def is_missed(c: Callback) -> bool:
    return any(r.key == "missed_call" for r in c.reasons)


def _people(act: Activity, due: list[Callback], days: list[date]) -> list[Person]:
    overdue: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for c in due:
        owner = c.last_contact_by or NOBODY
        overdue[owner] += is_overdue_callback(c)
        missed[owner] += is_missed(c)
    names = {e.who: e for e in act.employees}
    everyone = sorted({*names, *(n for n in (*overdue, *missed) if overdue[n] or missed[n])},
                      key=lambda n: (n == NOBODY, n.casefold()))  # fmt: skip
    out = []
    for who in everyone:
        e = names.get(who)
        per_day = tuple(e.calls_by_day[d.isoformat()] for d in days) if e else ()
        out.append(Person(who, e.calls if e else 0, per_day or (0,) * len(days),
                          e.orders_completed if e else 0, e.amount_completed if e else Decimal(0),
                          overdue[who], missed[who]))  # fmt: skip
    return out


# ------------------------------------------------------------------- the cache
@dataclass(frozen=True)
class Kept:
    """A computed result, the stamp it was computed under, and when."""

    value: Any
    stamp: Hashable
    at: float  # time.monotonic()
    wall: datetime  # when, for the page ("figures of 14:05")
    fresh: bool = True  # False: the account changed since; newer figures are on their way


class FiguresCache:
    """Dashboards kept until the account changes, shared by the page's threads.

    A result is kept with the stamp (``Account.change_watch().stamp()``) taken
    before it was computed. While the stamp is the same it is served as it is.
    Once something changed (a commit to the local copy, the journal or the
    calls file, by any process), the kept result is served marked not fresh
    and the figures are computed again on the cache's own thread, one key at
    a time: the page answers at once, and the next one has the new figures
    (stale-while-revalidate). A result older than ``max_age`` (what no stamp
    sees: the report templates edited by hand, the clock) is served and
    counted again the same way; only a key with nothing kept is computed while
    the request waits (``warm`` counts the usual one ahead, at start-up).
    ``compute`` is called on whichever thread computes, so it must open what
    it reads there (the page's per-thread reader)."""

    def __init__(self, max_age: float = 300.0, size: int = 16,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.max_age = max_age
        self._clock = clock
        self.size = size
        self._lock = threading.Condition()
        self._kept: dict[Hashable, Kept] = {}
        self._pending: set[Hashable] = set()
        self._worker: ThreadPoolExecutor | None = None
        self.computed = 0  # how many times a result was computed (tests, the bench)
        self.seconds: list[float] = []  # how long each computing took (the bench)

    def get(self, key: Hashable, stamp: Callable[[], Hashable],
            compute: Callable[[], Any]) -> Kept:  # fmt: skip
        """The result for ``key`` (see the class doc); ``stamp()`` is taken before
        each computing."""
        now = stamp()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                young = self._clock() - kept.at < self.max_age
                if young and kept.stamp == now:
                    return kept
                self._refresh(key, stamp, compute)
                return dataclasses.replace(kept, fresh=False)
        return self._compute(key, now, compute)

    def warm(self, key: Hashable, stamp: Callable[[], Hashable],
             compute: Callable[[], Any]) -> None:  # fmt: skip
        """Count ``key`` on the cache's thread if nothing is kept for it (start-up)."""
        with self._lock:
            if key not in self._kept:
                self._refresh(key, stamp, compute)

    def _compute(self, key: Hashable, now: Hashable, compute: Callable[[], Any]) -> Kept:
        started = time.perf_counter()
        value = compute()
        kept = Kept(value, now, self._clock(), datetime.now().astimezone())
        with self._lock:
            self.computed += 1
            self.seconds.append(time.perf_counter() - started)
            self._kept.pop(key, None)
            if len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)))  # the oldest
            self._kept[key] = kept
        return kept

    def _refresh(self, key: Hashable, stamp: Callable[[], Hashable],
                 compute: Callable[[], Any]) -> None:  # fmt: skip
        """Compute ``key`` again on the cache's thread (once, however many ask)."""
        if key in self._pending:
            return
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-figures")
        self._pending.add(key)

        def run() -> None:
            try:
                self._compute(key, stamp(), compute)
            except Exception:  # the next page computes it in its request and says why
                log.exception("the dashboard's figures could not be computed again")
                with self._lock:
                    self._kept.pop(key, None)
            finally:
                with self._lock:
                    self._pending.discard(key)
                    self._lock.notify_all()

        self._worker.submit(run)

    def wait_idle(self, timeout: float = 120.0) -> bool:
        """Block until no figures are being computed again (tests, the bench)."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._pending, timeout)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None
