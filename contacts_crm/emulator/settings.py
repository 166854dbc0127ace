"""Tunable behaviour of the People API emulator: latency, quotas, faults, limits."""

from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

QUOTA_CATEGORIES = (
    "critical_read",
    "critical_write",
    "group_read",
    "write",
    "daily_contact_write",
    "full_sync_first_page",
)


@dataclass
class EmulatorSettings:
    """Knobs of one emulator; every field may be changed at runtime.

    ``quotas`` maps a category (see ``QUOTA_CATEGORIES``) to its limit per
    ``quota_window_s`` per user; a missing category is unlimited.
    ``daily_contact_write`` is counted per "day" = 1440 windows, so a shrunken
    window shrinks the day too. ``full_sync_first_page`` is a fixed bucket per
    window for the first page of a full ``connections.list``.
    """

    latency_ms: float = 0.0
    latency_ms_by_kind: dict[str, float] = field(default_factory=dict)  # read, write, batch_write
    quota_window_s: float = 60.0
    quotas: dict[str, int] = field(default_factory=dict)
    fail_rate: float = 0.0
    # Share of successful writes answered with a 500 anyway (the write landed).
    fail_after_write_rate: float = 0.0
    fail_statuses: tuple[int, ...] = (429, 500, 503)
    # Seed of the fault injection (fail_rate, fail_after_write_rate). None: the
    # emulator picks one when it starts (``default_seed()``) and records it
    # here, so ``/_emulator/settings`` and ``Emulator.seed`` show it for a replay.
    seed: int | None = None
    sync_token_ttl_s: float = 7 * 24 * 3600.0
    expired_token_status: int = 400
    propagation_delay_s: float = 0.0
    search_warmup_s: float = 0.0
    max_contacts: int = 25_000
    max_field_chars: int = 1024
    retry_after_s: float = 1.0

    @classmethod
    def google_like(cls, window_s: float = 60.0) -> EmulatorSettings:
        """Settings that imitate a real account, as observed (not published).

        Quotas are the per-minute per-user limits one 2026 project showed in its
        console (people-api.md §5.1): critical reads 60, critical writes 30,
        contact group reads 90, deletes and group writes 30, 100,000 daily
        contact writes. ``window_s`` scales the "minute" (benchmarks use 1.0).

        Latency is our ASSUMPTION, not a measurement we can cite: about 120 ms
        for a read (a typical Google API round trip from Europe), 250 ms for a
        single write (writes are synchronous across replicas) and 900 ms for a
        batch write of up to 200 contacts (it does a read-after-write of every
        contact). The full-sync first-page bucket is unpublished; we use 10.
        """
        return cls(
            latency_ms=120.0,
            latency_ms_by_kind={"read": 120.0, "write": 250.0, "batch_write": 900.0},
            quota_window_s=window_s,
            quotas={
                "critical_read": 60,
                "critical_write": 30,
                "group_read": 90,
                "write": 30,
                "daily_contact_write": 100_000,
                "full_sync_first_page": 10,
            },
        )

    def latency_for(self, kind: str) -> float:
        """Latency in milliseconds for a call of ``kind`` ("read", "write", "batch_write")."""
        return float(self.latency_ms_by_kind.get(kind, self.latency_ms))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy of the settings."""
        out = dataclasses.asdict(self)
        out["fail_statuses"] = list(self.fail_statuses)
        return out

    def apply_patch(self, patch: dict[str, Any]) -> None:
        """Set the named fields; unknown names raise ``KeyError``, bad types ``ValueError``."""
        names = {f.name: f for f in dataclasses.fields(self)}
        for key in patch:
            if key not in names:
                raise KeyError(key)
        for key, value in patch.items():
            current = getattr(self, key)
            if key == "fail_statuses":
                value = tuple(int(v) for v in value)
            elif key in ("quotas", "latency_ms_by_kind"):
                if not isinstance(value, dict):
                    raise ValueError(f"{key} must be an object")
                value = {
                    str(k): (int(v) if key == "quotas" else float(v)) for k, v in value.items()
                }
            elif key == "seed":
                value = None if value is None else int(value)
            elif isinstance(current, bool):
                value = bool(value)
            elif isinstance(current, int):
                value = int(value)
            elif isinstance(current, float):
                value = float(value)
            setattr(self, key, value)


SEED_ENV = "CRM_EMULATOR_SEED"


def default_seed() -> int:
    """The fault-injection seed of an emulator given none: ``$CRM_EMULATOR_SEED``, else random.

    Random per run, so fault tests meet different faults each time; the seed is
    recorded (settings, admin surface, the server's first lines) to replay a failure.
    """
    value = os.environ.get(SEED_ENV, "").strip()
    if value:
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{SEED_ENV} must be an integer, not {value!r}") from None
    return secrets.randbits(32)
