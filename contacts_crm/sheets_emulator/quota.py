"""Per-minute request quotas of the Sheets API, with a scalable window."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

from .api_error import ApiError


@dataclass(frozen=True)
class QuotaSettings:
    """Request limits per window (``None`` = unlimited). Default: no quota at all.

    Google's published Sheets quotas are per minute; ``window_s`` scales the
    window so tests can exhaust and recover from a quota in about a second.
    """

    read_per_project: int | None = None
    write_per_project: int | None = None
    read_per_user: int | None = None
    write_per_user: int | None = None
    window_s: float = 60.0

    @classmethod
    def google_like(cls, window_s: float = 60.0) -> QuotaSettings:
        """Sheets' published limits: 300 read/write per project, 60 per user, per window."""
        return cls(300, 300, 60, 60, window_s)

    @property
    def enabled(self) -> bool:
        """Whether any limit is set."""
        return any(
            v is not None
            for v in (
                self.read_per_project,
                self.write_per_project,
                self.read_per_user,
                self.write_per_user,
            )
        )


class QuotaTracker:
    """Sliding-window counters; ``charge`` raises a 429 ``ApiError`` when over a limit."""

    def __init__(self, settings: QuotaSettings, clock=time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self.rejected = 0

    def charge(self, kind: str, user: str) -> None:
        """Count one ``kind`` ("read"/"write") request of ``user``, or raise 429."""
        s = self.settings
        if not s.enabled:
            return
        limits = {
            ("project", kind): s.read_per_project if kind == "read" else s.write_per_project,
            (f"user:{user}", kind): s.read_per_user if kind == "read" else s.write_per_user,
        }
        with self._lock:
            now = self._clock()
            for key, limit in limits.items():
                if limit is None:
                    continue
                hits = self._hits.setdefault(key, deque())
                while hits and hits[0] <= now - s.window_s:
                    hits.popleft()
                if len(hits) >= limit:
                    self.rejected += 1
                    wait = max(hits[0] + s.window_s - now, 0.0)
                    scope = "per user" if key[0].startswith("user:") else "per project"
                    metric = "Read requests" if kind == "read" else "Write requests"
                    raise ApiError(
                        429,
                        f"Quota exceeded for quota metric '{metric}' and limit "
                        f"'{metric} per minute {scope}' of service 'sheets.googleapis.com'.",
                        reason="rateLimitExceeded",
                        retry_after=max(1, math.ceil(wait)),
                    )
            for key, limit in limits.items():
                if limit is not None:
                    self._hits[key].append(now)
