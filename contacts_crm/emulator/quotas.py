"""Per-user quota buckets, charged per call as people-api.md §5.1 lists the costs.

Our cost table (documented choices where Google is silent):
- create/update one contact: 1 critical_read + 1 critical_write + 1 daily_contact_write
- batch create/update (up to 200): 6 critical_read + 6 critical_write + N daily_contact_write
- delete one contact: 1 write; batch delete: 10 write
- people reads (get, getBatchGet, connections.list, searchContacts): 1 critical_read
- the first page of a full connections.list also takes 1 full_sync_first_page
- contactGroups list/get/batchGet: 1 group_read
- contactGroups create/update/delete and members.modify: 1 write

Windows are fixed (aligned to multiples of ``quota_window_s``); the "day" of
``daily_contact_write`` is 1440 windows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from .envelope import ApiError, error_info
from .settings import EmulatorSettings

_NAMES = {
    "critical_read": (
        "Critical read requests (Contact and Profile Reads)",
        "critical_read_requests",
        "CriticalReadsPerMinutePerProjectPerUser",
    ),
    "critical_write": (
        "Critical write requests",
        "critical_write_requests",
        "CriticalWritesPerMinutePerProjectPerUser",
    ),
    "group_read": (
        "Contact Group Reads",
        "contact_group_read_requests",
        "ContactGroupReadsPerMinutePerProjectPerUser",
    ),
    "write": (
        "Write requests (Contact Deletes and Contact Group Writes)",
        "write_requests",
        "WritesPerMinutePerProjectPerUser",
    ),
    "daily_contact_write": (
        "Daily Contact Writes",
        "daily_contact_writes",
        "DailyContactWritesPerDayPerProjectPerUser",
    ),
    "full_sync_first_page": (
        "Full sync first page requests",
        "full_sync_first_page_requests",
        "FullSyncFirstPagePerMinutePerProjectPerUser",
    ),
}

DAY_WINDOWS = 1440


class QuotaBook:
    """Counts quota use per category and window; raises the 429 envelope when over."""

    def __init__(self) -> None:
        self._used: dict[str, tuple[int, int]] = {}

    def reset(self) -> None:
        """Forget all use (a new minute and a new day for every bucket)."""
        self._used.clear()

    def charge(self, cost: Mapping[str, int], settings: EmulatorSettings, now: float) -> None:
        """Take ``cost`` from the buckets, all or nothing; 429 RESOURCE_EXHAUSTED when over."""
        window = max(settings.quota_window_s, 1e-6)
        updates = {}
        for cat, units in cost.items():
            if units <= 0:
                continue
            span = window * (DAY_WINDOWS if cat == "daily_contact_write" else 1)
            index = int(now // span)
            prev_index, used = self._used.get(cat, (index, 0))
            if prev_index != index:
                used = 0
            limit = settings.quotas.get(cat)
            if limit is not None and used + units > limit:
                # a per-window bucket frees up when its window ends: say when
                wait = span - (now % span) if span == window else settings.retry_after_s
                raise quota_error(cat, settings, retry_after=wait)
            updates[cat] = (index, used + units)
        self._used.update(updates)


def quota_error(
    category: str, settings: EmulatorSettings, retry_after: float | None = None
) -> ApiError:
    """Google's 429 for an exhausted quota category, with Retry-After."""
    metric, metric_id, limit_id = _NAMES.get(category, (category, category, category))
    limit_name = f"{metric.split(' (')[0]} per minute per user"
    message = (
        f"Quota exceeded for quota metric '{metric}' and limit '{limit_name}' of service"
        " 'people.googleapis.com' for consumer 'project_number:0'."
    )
    detail = error_info(
        "RATE_LIMIT_EXCEEDED",
        "googleapis.com",
        {
            "quota_metric": f"people.googleapis.com/{metric_id}",
            "quota_limit": limit_id,
            "service": "people.googleapis.com",
            "consumer": "projects/0",
        },
    )
    return ApiError(
        429,
        "RESOURCE_EXHAUSTED",
        message,
        details=[detail],
        headers={"Retry-After": _retry_after(settings, retry_after)},
    )


def _retry_after(settings: EmulatorSettings, seconds: float | None = None) -> str:
    value = settings.retry_after_s if seconds is None else round(max(seconds, 0.01), 2)
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def add_units(counter: Counter[str], cost: Mapping[str, int]) -> None:
    """Record quota units in the observability counter (``quota.<category>``)."""
    for cat, units in cost.items():
        if units:
            counter[f"quota.{cat}"] += units
