"""Goals for the benchmarks: each bench states them, checks them and says PASS/FAIL.

    goals = Goals("bench_startup")
    goals.at_most("crm card, whole process (median)", 0.084, 0.120, "s")
    goals.ratio_at_least("find vs searchContacts", ours=0.2, baseline=255.0, least=100)
    goals.finish(extra={...})   # prints the table and the JSON line; exits 1 on any FAIL

The last line a benchmark prints is one JSON object: its figures, each goal with
its verdict, and "passed". ``--tighten`` (for showing a goal can fail) divides
every limit by that factor. Figures that are projections say so in their names;
latencies are assumptions, labelled as such by the benches that use them.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass
from typing import Any

#: Set by ``scripts/bench --tighten F`` (or by hand): every goal's limit made F times harder.
TIGHTEN = float(os.environ.get("CRM_BENCH_TIGHTEN", "1") or 1)


@dataclass
class Goal:
    name: str
    value: float
    limit: float
    unit: str
    kind: str  # "at_most" | "at_least" | "equal"

    @property
    def passed(self) -> bool:
        if math.isnan(self.value):
            return False
        if self.kind == "at_most":
            return self.value <= self.limit
        if self.kind == "at_least":
            return self.value >= self.limit
        return self.value == self.limit

    def line(self) -> str:
        sign = {"at_most": "<=", "at_least": ">=", "equal": "=="}[self.kind]
        verdict = "PASS" if self.passed else "FAIL"
        goal = f"goal {sign} {_fmt(self.limit)}"
        return f"{verdict}  {self.name}: {_fmt(self.value)} {self.unit} ({goal})"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "limit": self.limit, "unit": self.unit,
                "kind": self.kind, "passed": self.passed}  # fmt: skip


def _fmt(x: float) -> str:
    if x == int(x) and abs(x) < 1e12:
        return f"{int(x):,}"
    return f"{x:,.3g}" if abs(x) < 100 else f"{x:,.1f}"


class Goals:
    """The goals of one benchmark run."""

    def __init__(self, bench: str) -> None:
        self.bench = bench
        self.goals: list[Goal] = []

    def at_most(self, name: str, value: float, limit: float, unit: str = "") -> Goal:
        goal = Goal(name, float(value), limit / TIGHTEN, unit, "at_most")
        self.goals.append(goal)
        return goal

    def at_least(self, name: str, value: float, limit: float, unit: str = "") -> Goal:
        goal = Goal(name, float(value), limit * TIGHTEN, unit, "at_least")
        self.goals.append(goal)
        return goal

    def equal(self, name: str, value: float, expected: float, unit: str = "") -> Goal:
        goal = Goal(name, float(value), expected, unit, "equal")
        self.goals.append(goal)
        return goal

    def ratio_at_least(self, name: str, *, ours: float, baseline: float, least: float) -> Goal:
        """baseline / ours at least ``least`` (ours is the faster one)."""
        ratio = baseline / ours if ours else math.inf
        return self.at_least(name, ratio, least, "x")

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.goals)

    def finish(self, extra: dict[str, Any] | None = None) -> None:
        """Print each goal's verdict, then the JSON line; exit 1 when a goal failed."""
        print(f"-- goals of {self.bench}")
        for goal in self.goals:
            print(goal.line())
        failed = [g for g in self.goals if not g.passed]
        print(f"{len(self.goals) - len(failed)} passed, {len(failed)} failed")
        payload = {"bench": self.bench, **(extra or {}),
                   "goals": [g.to_dict() for g in self.goals], "passed": not failed}  # fmt: skip
        print(json.dumps(payload, ensure_ascii=False))
        sys.stdout.flush()
        sys.exit(1 if failed else 0)


def scaled_settings(window: float) -> Any:
    """The emulator as Google (quotas, assumed latencies) with its "minute" scaled to
    ``window`` seconds and every latency scaled alike."""
    from contacts_crm.emulator import EmulatorSettings

    s = EmulatorSettings.google_like(window_s=window)
    scale = window / 60.0
    s.latency_ms_by_kind = {k: v * scale for k, v in s.latency_ms_by_kind.items()}
    s.latency_ms *= scale
    return s


def quota_floor(calls: dict[str, int], window: float) -> float:
    """Least time the per-window quotas allow for ``calls`` (the first window is free)."""
    from contacts_crm.account.pacing import COSTS, OBSERVED_LIMITS

    spent: dict[str, int] = {}
    for method, n in calls.items():
        for cat, units in COSTS.get(method, {}).items():
            spent[cat] = spent.get(cat, 0) + units * n
    windows = [math.ceil(spent[c] / OBSERVED_LIMITS[c]) - 1 for c in spent if c in OBSERVED_LIMITS]
    return max([0, *windows]) * window
