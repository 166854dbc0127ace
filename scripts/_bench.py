"""Goals for the benchmarks: each bench states them, checks them and says PASS/FAIL.

    goals = Goals("bench_startup")
    goals.at_most("crm card, whole process (median)", 0.084, 0.120, "s")
    goals.ratio_at_most("crm list vs the streaming script", ours=0.41, baseline=0.35,
                        most=1.5, against="a 20-line streaming script, same copy")
    goals.finish(extra={...})   # prints the table and the JSON line; exits 1 on any FAIL

Every goal prints its figure, and a goal measured against something says what
(``against``: the baseline and its figure, printed and written to the README).
The last line a benchmark prints is one JSON object: its figures, each goal with
its verdict, and "passed". ``--tighten F`` (for showing a goal can fail) makes
every goal F times harder: an upper limit divided by F, a lower one multiplied,
an exact count asked F times better (fewer calls, more cards). Figures that are
projections say so in their names; latencies are assumptions, labelled as such
by the benches that use them.

Ratios are measured interleaved (``interleaved``: A B A B …, the median of the
pairwise ratios), so a busy machine slows both sides alike.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
    against: str = field(default="")  # the baseline and its figure, for a comparison

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
        base = f"; baseline: {self.against}" if self.against else ""
        return f"{verdict}  {self.name}: {_fmt(self.value)} {self.unit} ({goal}{base})"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "limit": self.limit, "unit": self.unit,
                "kind": self.kind, "passed": self.passed, "against": self.against}  # fmt: skip


def _fmt(x: float) -> str:
    if x == int(x) and abs(x) < 1e12:
        return f"{int(x):,}"
    return f"{x:,.3g}" if abs(x) < 100 else f"{x:,.1f}"


class Goals:
    """The goals of one benchmark run."""

    def __init__(self, bench: str) -> None:
        self.bench = bench
        self.goals: list[Goal] = []
        self.checks: list[dict[str, Any]] = []

    def at_most(self, name: str, value: float, limit: float, unit: str = "",
                against: str = "") -> Goal:  # fmt: skip
        goal = Goal(name, float(value), limit / TIGHTEN, unit, "at_most", against)
        self.goals.append(goal)
        return goal

    def at_least(self, name: str, value: float, limit: float, unit: str = "",
                 against: str = "") -> Goal:  # fmt: skip
        goal = Goal(name, float(value), limit * TIGHTEN, unit, "at_least", against)
        self.goals.append(goal)
        return goal

    def equal(self, name: str, value: float, expected: float, unit: str = "", *,
              better: str = "less", against: str = "") -> Goal:  # fmt: skip
        """Exactly ``expected`` (a count: calls, rows). Tightened, the count asked for is
        F times better: ``better="less"`` (calls) divides it, ``"more"`` multiplies it."""
        if TIGHTEN != 1 and expected:
            expected = expected / TIGHTEN if better == "less" else expected * TIGHTEN
        goal = Goal(name, float(value), expected, unit, "equal", against)
        self.goals.append(goal)
        return goal

    def check(self, name: str, value: float, expected: float, unit: str = "") -> None:
        """A correctness count of the run measured (every row imported, every number
        fixed): not a speed goal, so not tightened and not in the README table; the
        behaviour is asserted by the tests at small size. A wrong count means the
        figures measured a broken run: the benchmark fails with it named."""
        self.checks.append({"name": name, "value": float(value), "expected": float(expected),
                            "unit": unit, "ok": float(value) == float(expected)})  # fmt: skip

    def ratio_at_least(self, name: str, *, ours: float, baseline: float, least: float,
                       against: str = "") -> Goal:  # fmt: skip
        """baseline / ours at least ``least`` (ours is the faster one)."""
        ratio = baseline / ours if ours else math.inf
        return self.at_least(name, ratio, least, "x", against)

    def ratio_at_most(self, name: str, *, ratio: float, most: float, against: str) -> Goal:
        """ours / baseline at most ``most`` (``ratio``: the median of interleaved pairs)."""
        return self.at_most(name, ratio, most, "x", against)

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.goals) and all(c["ok"] for c in self.checks)

    def finish(self, extra: dict[str, Any] | None = None) -> None:
        """Print each check and goal's verdict, then the JSON line; exit 1 when a goal
        failed or a check found the run broken."""
        print(f"-- checks of {self.bench} (correctness of the run measured)")
        for c in self.checks:
            verdict = "ok    " if c["ok"] else "BROKEN"
            print(f"{verdict}  {c['name']}: {_fmt(c['value'])} {c['unit']} "
                  f"(expected {_fmt(c['expected'])})".replace("  (", " ("))  # fmt: skip
        print(f"-- goals of {self.bench}")
        for goal in self.goals:
            print(goal.line())
        failed = [g for g in self.goals if not g.passed]
        broken = [c for c in self.checks if not c["ok"]]
        print(f"{len(self.goals) - len(failed)} passed, {len(failed)} failed"
              + (f"; {len(broken)} check(s) broken" if broken else ""))  # fmt: skip
        payload = {"bench": self.bench, **(extra or {}),
                   "goals": [g.to_dict() for g in self.goals], "checks": self.checks,
                   "passed": not failed and not broken}  # fmt: skip
        print(json.dumps(payload, ensure_ascii=False))
        sys.stdout.flush()
        sys.exit(1 if failed or broken else 0)


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


class ScriptClient:
    """How the baselines' plain scripts send: the same pacer as ours, and what a
    competent script does when Google says "not now" anyway (a 429, or a 5xx, which a
    busy machine's late arrivals can still meet at a scaled window): wait the
    ``Retry-After`` it names, or back off exponentially with jitter (googleapiclient's
    ``num_retries`` rule, its delays scaled to the window), and send again. Its calls
    and retries are counted, so a baseline's figure says what it cost."""

    def __init__(self, pacer: Any, window: float, attempts: int = 8) -> None:
        import random

        self.pacer = pacer
        self.scale = window / 60.0
        self.attempts = attempts
        self.calls: dict[str, int] = {}
        self.retries: dict[str, int] = {}  # status -> retries
        self.retry_wait_s = 0.0
        self._rand = random.Random(1).random

    def send(self, method: str, request: Any) -> Any:
        from googleapiclient.errors import HttpError

        for attempt in range(self.attempts):
            self.pacer.acquire(method)
            self.calls[method] = self.calls.get(method, 0) + 1
            try:
                return request.execute()
            except HttpError as exc:
                status = int(exc.resp.status)
                if (status != 429 and status < 500) or attempt == self.attempts - 1:
                    raise
                self.retries[str(status)] = self.retries.get(str(status), 0) + 1
                said = exc.resp.get("retry-after")
                wait = float(said) if said else self._rand() * 2 ** (attempt + 1) * self.scale
                self.retry_wait_s += wait
                time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def retried(self) -> int:
        return sum(self.retries.values())


# ------------------------------------------------------------ whole processes, interleaved
# Runs argv and reports the child's rusage (wait4). The launcher is small, so the
# child's peak RSS is its own: Linux carries a forking parent's high-water mark into
# a child's ru_maxrss, which would count the benchmark's pages if it ran the command.
_LAUNCH = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
with open(sys.argv[2], "wb") as out:
    done = subprocess.run(sys.argv[3:], stdout=out, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump({"rc": done.returncode, "peak_mb": r.ru_maxrss / 1024, "wall_s": wall,
               "cpu_s": r.ru_utime + r.ru_stime, "err": done.stderr[-2000:].decode()}, fh)
"""


@dataclass
class Run:
    """One whole-process run: wall and CPU seconds, the process's own peak RSS."""

    wall_s: float
    cpu_s: float
    peak_mb: float


def run_process(argv: Sequence[str], env: dict[str, str], stdout: str = os.devnull) -> Run:
    """``argv`` as a whole process (its output to ``stdout``), timed from outside;
    exits the benchmark with the command's error when it fails."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".json") as note:
        launcher = [sys.executable, "-c", _LAUNCH, note.name, stdout, *argv]
        subprocess.run(launcher, env=env, check=True)
        with open(note.name, encoding="utf-8") as fh:
            result = json.load(fh)
    if result["rc"] != 0:
        sys.exit(f"{' '.join(argv)} failed ({result['rc']}): {result['err']}")
    return Run(result["wall_s"], result["cpu_s"], result["peak_mb"])


@dataclass
class Pairs:
    """Interleaved runs of ours (A) and a baseline (B): A B A B …"""

    ours: list[Any]
    base: list[Any]

    def median(self, side: str, key: Callable[[Any], float] = lambda x: x) -> float:
        return statistics.median(key(x) for x in (self.ours if side == "ours" else self.base))

    def ratio(self, key: Callable[[Any], float] = lambda x: x) -> float:
        """The median of the pairwise ratios ours/baseline: load that hits a pair hits
        both of its sides alike."""
        return statistics.median(key(a) / key(b) for a, b in zip(self.ours, self.base,
                                                                 strict=True))  # fmt: skip


def interleaved(ours: Callable[[], Any], base: Callable[[], Any], runs: int,
                warmup: int = 1) -> Pairs:  # fmt: skip
    """Run ``ours`` and ``base`` in turn, ``runs`` pairs after ``warmup`` pairs not counted."""
    pairs = Pairs([], [])
    for i in range(warmup + runs):
        a, b = (ours(), base()) if i % 2 == 0 else tuple(reversed((base(), ours())))
        if i >= warmup:
            pairs.ours.append(a)
            pairs.base.append(b)
    return pairs


def timed(fn: Callable[[], Any]) -> Callable[[], float]:
    """``fn`` as a callable returning its wall seconds."""

    def run() -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    return run


def at_real_minute(prep_s: float, api_s: float, waited_s: float, calls: dict[str, int],
                   last_latency_s: float) -> float:  # fmt: skip
    """A paced run measured at a scaled quota window, projected to Google's 60-s minute.

    ``prep_s``: the part before the first paced write (reading, planning: as measured);
    ``api_s``: the rest, of which ``waited_s`` waiting on the pacer. At the real minute
    that rest takes the longer of the quota floor of ``calls`` (plus the last call's
    latency, which nothing hides) and the time it was busy (its CPU and the answers'
    latencies, which the pacer's waits absorb while they are shorter). At a scaled
    window a loaded machine's CPU would count 60/window times too much."""
    busy = max(0.0, api_s - waited_s)
    return prep_s + max(quota_floor(calls, 60.0) + last_latency_s, busy)
