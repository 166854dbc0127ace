"""Benchmark: how fast the call-screen commands start, as whole processes.

Staff look a caller up while the phone rings: `crm card`, `crm find` and
`crm --help` must answer in a blink. Each is run as a whole process, several
times after a warm-up, on a local account of ``--clients`` clients whose local
copy is as old as the default ``sync_minutes`` allows, less a minute (so no
API call is needed, and nothing synced just before timing) and whose profile is configured (the
user's name set, so the config file is read as in an office); the baseline in
the same run is a bare interpreter start (``python -c pass``), timed the same
way, interleaved.

The package's bytecode is compiled first (``compileall``), as an installed
package has it: this machine sets PYTHONDONTWRITEBYTECODE, so without that
every run would compile the sources again.

Goals: median whole-process wall time of `crm card` and `crm find` under
120 ms; `crm --help` under 150 ms; `crm card` on a local copy older than the
profile's ``sync_minutes`` (made so before each of its runs) under 150 ms: it
answers from the copy and refreshes it in the background (a process of its own,
left to finish before the next run, not timed). Also printed: each command's
median minus the bare start (what the tool itself costs) and what the stale
copy adds to the fresh card.
The last line is one JSON object.

    .venv/bin/python scripts/bench_startup.py [--runs 15] [--clients 2000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import Goals

# the installed `crm` entry point, as people run it (else the module)
_ENTRY = Path(sys.executable).with_name("crm")
CRM = [str(_ENTRY)] if _ENTRY.exists() else [sys.executable, "-m", "contacts_crm"]


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def _seed(env: dict[str, str], clients: int) -> None:
    """A local account with ``clients`` clients (one import), its copy fresh, a user set."""
    home = Path(env["CRM_HOME"])
    rows = ["Name,Phone,Group"] + [f"Client {i},+7916{1000000 + i},Retail" for i in range(clients)]
    src = home / "clients.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = subprocess.run([*CRM, "import", str(src)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"seeding failed: {done.stderr[-500:]}")
    subprocess.run([*CRM, "config", "set", "user", "Olga"], env=env, capture_output=True,
                   check=True)  # fmt: skip
    _age_copy(home)


def _age_copy(home: Path) -> None:
    """The local copy as old as the default ``sync_minutes`` allows, less a minute (what
    a user has between two syncs), not synced just before timing."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    from contacts_crm.config import Profile

    at = datetime.now(UTC) - timedelta(minutes=Profile(name="x").sync_minutes, seconds=-60)
    for cache in home.glob("profiles/*/cache.sqlite"):
        with sqlite3.connect(cache) as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('synced_at', ?)", (at.isoformat(),))
        db.close()


def _copy(home: str) -> Path:
    return Path(home) / "profiles" / "local" / "cache.sqlite"


def _synced_at(home: str) -> str:
    with sqlite3.connect(_copy(home)) as db:
        value = str(db.execute("SELECT value FROM meta WHERE key='synced_at'").fetchone()[0])
    db.close()
    return value


def _make_stale(home: str) -> str:
    """The local copy a day old (the PC slept): older than sync_minutes."""
    with sqlite3.connect(_copy(home)) as db:
        db.execute("UPDATE meta SET value='2000-01-01T00:00:00+00:00' WHERE key='synced_at'")
    db.close()
    return _synced_at(home)


def _wait_for_refresh(home: str, before: str) -> None:
    """Until the background refresh a stale read started has synced and ended (it
    holds its lock while it runs), so it does not load the next timed run."""
    deadline = time.monotonic() + 120
    while _synced_at(home) == before:
        if time.monotonic() > deadline:
            sys.exit("the background refresh of the local copy never ran")
        time.sleep(0.02)
    try:
        import fcntl
    except ImportError:
        time.sleep(1.0)  # Windows: no flock to wait on
        return
    fd = os.open(_copy(home).with_name("background-sync.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    finally:
        os.close(fd)


STALE = "crm card, stale copy"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--clients", type=int, default=2000)
    args = ap.parse_args()
    import compileall

    import contacts_crm

    compileall.compile_dir(str(Path(contacts_crm.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory() as home:
        os.chmod(home, 0o700)
        env = {**os.environ, "CRM_HOME": home, "COLUMNS": "100"}
        _seed(env, args.clients)
        commands = {
            "bare python -c pass": [sys.executable, "-c", "pass"],
            "crm card 9161000042": [*CRM, "card", "9161000042"],
            STALE: [*CRM, "card", "9161000042"],
            "crm find Client 42": [*CRM, "find", "Client 42"],
            "crm --help": [*CRM, "--help"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for name, cmd in commands.items():  # warm-up: page cache, .pyc files
            before = _make_stale(home) if name == STALE else ""
            _time(cmd, env)
            if name == STALE:
                _wait_for_refresh(home, before)
                _age_copy(Path(home))  # back to as old as sync_minutes allows
        for _ in range(args.runs):  # interleaved, so drift hits all alike
            for name, cmd in commands.items():
                before = _make_stale(home) if name == STALE else ""
                times[name].append(_time(cmd, env))
                if name == STALE:
                    _wait_for_refresh(home, before)
                    _age_copy(Path(home))  # back to as old as sync_minutes allows
    med = {name: statistics.median(ts) for name, ts in times.items()}
    bare = med["bare python -c pass"]
    print(f"{args.clients:,} clients on the local account, local copy as old as the default "
          f"sync_minutes allows; "
          f"{args.runs} runs each after a warm-up, interleaved")  # fmt: skip
    for name, m in med.items():
        extra = "" if name.startswith("bare") else f"  (tool: {1000 * (m - bare):.0f} ms)"
        print(f"{name:24} median {1000 * m:6.1f} ms  min {1000 * min(times[name]):6.1f} ms{extra}")
    goals = Goals("bench_startup")
    base = f"a bare interpreter start {1000 * bare:.0f} ms (interleaved)"
    goals.at_most("crm card, whole process, median", 1000 * med["crm card 9161000042"], 120, "ms",
                  against=base)  # fmt: skip
    goals.at_most("crm find, whole process, median", 1000 * med["crm find Client 42"], 120, "ms",
                  against=base)  # fmt: skip
    goals.at_most("crm --help, whole process, median", 1000 * med["crm --help"], 150, "ms",
                  against=base)  # fmt: skip
    fresh = med["crm card 9161000042"]
    print(f"the stale copy adds {1000 * (med[STALE] - fresh):.1f} ms to crm card "
          f"(x{med[STALE] / fresh:.2f} of the fresh card)")  # fmt: skip
    goals.at_most("crm card on a stale copy, whole process, median", 1000 * med[STALE], 150,
                  "ms", against=base)  # fmt: skip
    goals.finish({"clients": args.clients, "runs": args.runs,
                  "median_ms": {k: round(1000 * v, 1) for k, v in med.items()}})  # fmt: skip


if __name__ == "__main__":
    main()
