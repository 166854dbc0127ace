"""Bounded retries with full jitter: the one retry mechanism (tenacity) of the API clients.

Two waits, both "full jitter" (a random wait between 0 and an exponentially
growing bound, so that clients that failed together do not retry together):

- ``backoff_wait``: for a service that said "not now" (429, 5xx, no connection);
  a ``Retry-After`` the service sent is honoured.
- ``ContentionWait``: for a read-modify-write that met a stale etag because
  someone else wrote the same contact first. Its unit is the duration of the
  failed attempt itself (read, decide, write), so the writers of a busy card
  spread out over a window that grows with the load: ten writers on one card
  on a slow, loaded machine get through as surely as two on a fast one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tenacity itself loads with the first request (start-up stays fast)
    from tenacity import RetryCallState

Rand = Callable[[], float]


def backoff_wait(
    base: float, cap: float, rand: Rand, retry_after: Callable[[BaseException | None], float | None]
) -> Callable[[RetryCallState], float]:
    """Wait before attempt n+1: uniform in [0, min(cap, base * 2**(n-1))], or Retry-After."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        bound = min(cap, base * 2 ** (state.attempt_number - 1))
        return max(bound * rand(), retry_after(exc) or 0.0)

    return wait


class ContentionWait:
    """Full-jitter wait in units of the last attempt's duration (a "slot").

    After the n-th lost attempt: uniform in [0, slot * 2**min(n, max_doublings)]
    (at most ``cap``), where slot is max(``base``, how long that attempt took).
    ``before`` must be tenacity's ``before`` hook, so attempts are timed.
    """

    def __init__(
        self,
        *,
        base: float = 0.02,
        cap: float = 30.0,
        max_doublings: int = 6,
        rand: Rand,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self.cap = cap
        self.max_doublings = max_doublings
        self._rand = rand
        self._clock = clock
        self._started = clock()

    def before(self, state: RetryCallState) -> None:
        self._started = self._clock()

    def __call__(self, state: RetryCallState) -> float:
        slot = max(self.base, self._clock() - self._started)
        bound = slot * 2 ** min(state.attempt_number, self.max_doublings)
        return min(self.cap, bound) * self._rand()
