"""Sign-in rate limiting, per user name and per network address.

After ``MAX_FAILURES`` wrong PINs within ``WINDOW_S`` for one user (or from
one address), further attempts for it are refused for ``LOCK_S`` — also with
the right PIN — so a 4-digit PIN cannot be guessed from the office Wi-Fi.
A successful sign-in clears the user's and the address's count. In memory:
a restart forgets the counts (an attacker gains a few tries per restart).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_S = 15 * 60.0
LOCK_S = 15 * 60.0


class SignInLimiter:
    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        lock_s: float = LOCK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lock_s = lock_s
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(user: str, address: str) -> tuple[str, str]:
        return f"user:{' '.join(user.split()).casefold()}", f"addr:{address}"

    def locked_for(self, user: str, address: str) -> float:
        """Seconds until this user / address may try again (0: now)."""
        now = self.clock()
        with self._lock:
            until = max(self._locked_until.get(k, 0.0) for k in self._keys(user, address))
        return max(0.0, until - now)

    def failed(self, user: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(user, address):
                recent = [t for t in self._failures.get(key, []) if now - t < self.window_s]
                recent.append(now)
                self._failures[key] = recent
                if len(recent) >= self.max_failures:
                    self._locked_until[key] = now + self.lock_s
                    self._failures[key] = []

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            for key in self._keys(user, address):
                self._failures.pop(key, None)
                self._locked_until.pop(key, None)
