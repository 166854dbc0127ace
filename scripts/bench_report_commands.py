"""Benchmark: the manager's reports as whole processes, over the whole journal.

An account of ``--contacts`` clients with realistic cards (made by the real
card operations, drawn from ``--variants`` histories (3,000 shapes), each card
distinct by its free text; see bench_reports.fill) in 8 groups, its local copy
as old as the default ``sync_minutes`` allows (not synced just before), and
``--events`` journal events over three months (calls, orders opened, moved and
closed with amounts), in a CRM home of
its own. `crm summary`, `crm activity` and `crm callbacks` are run as people
run them, each over the whole journal (``--since`` the first event), output to
a file in csv (the terminal table is timed by bench_reports):

- first run: no card facts remembered yet (each card parsed once — what a
  competent naive report does every time), then
- warm: the facts remembered (``reports_cache.sqlite``), median of ``--runs``.

Baseline in the same run: the first run (every card parsed) against warm, and a
bare interpreter start. Goals (2 cores): each report under 1 s warm and the
first summary under 2 s.
The last line is one JSON object.

    .venv/bin/python scripts/bench_report_commands.py [--contacts 25000] [--events 100000]
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import Goals
from bench_reports import CARD_VARIANTS, fill

import contacts_crm
from contacts_crm import config as cfg

_ENTRY = Path(sys.executable).with_name("crm")
CRM = [str(_ENTRY)] if _ENTRY.exists() else [sys.executable, "-m", "contacts_crm"]
SINCE = "2026-08-01"
REPORTS = {
    "summary": ["summary", "--since", SINCE, "--format", "csv"],
    "activity": ["activity", "--since", SINCE, "--format", "csv"],
    "callbacks": ["callbacks", "--format", "csv"],
}


def _age_copy(data: Path) -> None:
    """The local copy as old as the default ``sync_minutes`` allows (a minute short of
    it, so the command reads it as it is): what a user has between two syncs."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    minutes = cfg.Profile(name="default").sync_minutes
    at = datetime.now(UTC) - timedelta(minutes=minutes) + timedelta(seconds=60)
    with sqlite3.connect(data / "cache.sqlite") as db:
        db.execute("INSERT OR REPLACE INTO meta VALUES ('synced_at', ?)", (at.isoformat(),))
    db.close()


def _run(args: list[str], env: dict[str, str], out: Path) -> float:
    _age_copy(cfg.profile_dir("local"))
    start = time.perf_counter()
    done = subprocess.run([*CRM, *args, "--output", str(out)], env=env, capture_output=True,
                          text=True)  # fmt: skip
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"crm {' '.join(args)} failed ({done.returncode}): {done.stderr[-800:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contacts", type=int, default=25_000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--variants", type=int, default=CARD_VARIANTS,
                    help="card histories the cards come from (bench_reports.fill)")  # fmt: skip
    args = ap.parse_args()
    compileall.compile_dir(str(Path(contacts_crm.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory() as home:
        os.chmod(home, 0o700)
        env = {**os.environ, "CRM_HOME": home, "COLUMNS": "120"}
        os.environ["CRM_HOME"] = home
        conf = cfg.load()
        conf.profiles["local"] = cfg.Profile(name="local", user="Olga")  # default sync_minutes
        cfg.save(conf)
        data = cfg.profile_dir("local")
        started = time.perf_counter()
        account = fill(data, args.contacts, args.events, random.Random(args.seed), args.variants)
        account.cache.close()
        account.journal.close()
        print(f"{args.contacts:,} clients and {args.events:,} journal events written in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        out = Path(home) / "report.csv"
        first: dict[str, float] = {}
        warm: dict[str, list[float]] = {name: [] for name in REPORTS}
        for name, report in REPORTS.items():
            (data / "reports_cache.sqlite").unlink(missing_ok=True)
            first[name] = _run(report, env, out)
        for _ in range(args.runs):
            for name, report in REPORTS.items():
                warm[name].append(_run(report, env, out))
        bare = statistics.median(_time_bare() for _ in range(max(3, args.runs)))
    med = {name: statistics.median(ts) for name, ts in warm.items()}
    print(f"whole journal (--since {SINCE}), csv to a file; bare interpreter start "
          f"{1000 * bare:.0f} ms")  # fmt: skip
    for name in REPORTS:
        print(f"crm {name:10} first run {first[name]:6.2f} s   warm median {med[name]:6.2f} s"
              f"   (first/warm {first[name] / med[name]:.1f}x)")  # fmt: skip
    goals = Goals("bench_report_commands")
    for name in REPORTS:
        goals.at_most(f"crm {name}, whole journal, warm, whole process", med[name], 1.0, "s",
                      against=f"its first run (every card parsed) {first[name]:.2f} s; a bare "
                      f"interpreter start {1000 * bare:.0f} ms")  # fmt: skip
    goals.at_most("crm summary, whole journal, first run, whole process", first["summary"],
                  2.0, "s", against=f"a bare interpreter start {1000 * bare:.0f} ms")  # fmt: skip
    goals.finish({"contacts": args.contacts, "events": args.events, "runs": args.runs,
                  "card_variants": args.variants,
                  "first_s": {k: round(v, 3) for k, v in first.items()},
                  "warm_median_s": {k: round(v, 3) for k, v in med.items()},
                  "bare_start_s": round(bare, 3)})  # fmt: skip


def _time_bare() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
