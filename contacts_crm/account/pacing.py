"""Client-side pacing under the People API's per-minute quotas.

Google counts each request against quota *categories* (people-api.md §5.1):
a single create costs one critical read and one critical write, a batch of up
to 200 costs six of each, and so on. The pacer keeps a sliding window per
category and makes a caller wait just long enough that the next request
stays under every limit, so bulk work runs at the quota floor instead of
bouncing off 429s.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

# Quota cost of each People API method, by category (people-api.md §5.1).
# "critical_read" = Contact and Profile Reads, "critical_write" = Contact
# Creates and Updates, "write" = Contact Deletes and Contact Group Writes,
# "group_read" = Contact Group Reads.
COSTS: dict[str, dict[str, int]] = {
    "people.connections.list": {"critical_read": 1},
    "people.get": {"critical_read": 1},
    "people.getBatchGet": {"critical_read": 1},
    "people.searchContacts": {"critical_read": 1},
    "people.createContact": {"critical_read": 1, "critical_write": 1},
    "people.updateContact": {"critical_read": 1, "critical_write": 1},
    "people.batchCreateContacts": {"critical_read": 6, "critical_write": 6},
    "people.batchUpdateContacts": {"critical_read": 6, "critical_write": 6},
    "people.deleteContact": {"write": 1},
    "people.batchDeleteContacts": {"write": 10},
    "contactGroups.list": {"group_read": 1},
    "contactGroups.get": {"group_read": 1},
    "contactGroups.batchGet": {"group_read": 1},
    "contactGroups.create": {"write": 1},
    "contactGroups.update": {"write": 1},
    "contactGroups.delete": {"write": 1},
    "contactGroups.members.modify": {"write": 1},
}

# Per-minute, per-user limits seen in a 2026 Google Cloud console
# (people-api.md §5.1: observed, not published; a project may differ).
OBSERVED_LIMITS: dict[str, int] = {
    "critical_read": 60,
    "critical_write": 30,
    "group_read": 90,
    "write": 30,
}


class Pacer:
    """Sliding-window limiter over several quota categories (thread-safe).

    ``limits`` maps a category to the number of units allowed per ``window``
    seconds; an empty mapping disables pacing. ``headroom`` keeps a little
    below each limit so clock skew with the server does not cost a 429.
    """

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        window: float = 60.0,
        *,
        headroom: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = {k: max(1, int(v * (1 - headroom))) for k, v in (limits or {}).items()}
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._spent: dict[str, deque[list[float]]] = {k: deque() for k in self.limits}
        self._lock = threading.Lock()
        # Requests are counted where they arrive, a little after they leave here:
        # wait that much past the window's edge (2% of it) so none lands early.
        self.margin = max(1e-3, 0.02 * window)
        self.waited = 0.0  # total seconds spent waiting, for reports and benchmarks

    def acquire(self, method: str) -> list[list[float]]:
        """Block until ``method`` fits in every category's window, then spend it.

        Returns the spent entries; pass them to :meth:`settle` when the answer came.
        """
        # A request dearer than a whole window's allowance can still go out
        # once the window is empty (Google counts it then), never wait forever.
        cost = {
            k: min(v, self.limits[k]) for k, v in COSTS.get(method, {}).items() if k in self.limits
        }
        if not cost:
            return []
        with self._lock:
            while True:
                now = self._clock()
                wait = max(
                    (self._wait_for(cat, units, now) for cat, units in cost.items()), default=0.0
                )
                if wait <= 0:
                    entries = [[now, float(units)] for units in cost.values()]
                    for cat, entry in zip(cost, entries, strict=True):
                        self._spent[cat].append(entry)
                    return entries
                self.waited += wait
                self._sleep(wait)

    def settle(self, entries: list[list[float]]) -> None:
        """Date spent entries at their answer: the server counted them by then at the latest.

        A request slowed on its way (a loaded PC, a busy network) is counted where it
        arrives, possibly in a later window than when it left; dating it at the answer
        keeps the window honest whatever the delay was.
        """
        now = self._clock()
        with self._lock:
            for entry in entries:
                entry[0] = max(entry[0], now)

    def _wait_for(self, category: str, units: int, now: float) -> float:
        spent = self._spent[category]
        while spent and spent[0][0] <= now - self.window:
            spent.popleft()
        used = sum(u for _, u in spent)
        limit = self.limits[category]
        if used + units <= limit:
            return 0.0
        # Free enough units: wait until the oldest entries leave the window.
        # Settled entries can be later than those after them: free by the latest so far.
        need = used + units - limit
        freed = 0.0
        latest = 0.0
        for at, u in spent:
            freed += u
            latest = max(latest, at)
            if freed >= need:
                return latest + self.window - now + self.margin
        return self.window  # pragma: no cover - unreachable: costs are clamped to the limit
