"""Benchmark part of bench_sync.py: the journal replicated through the account (issue 21).

Setup (not measured): ``--history-events`` journal events (default 1,000,000:
half of five years of a 30-person office) as segments of 50,000 in the
emulator's appDataFolder (Drive v3), uploaded through googleapiclient.

Measured, each in a fresh process (its peak memory is its own):

- a new PC's first sync of the history (``Replica.pull``): wall time (goal:
  ≤ 60 s) and peak RSS (goal: ≤ 300 MB, bounded: one segment at a time);
  baseline, the same segments merged by the same ``Replica.pull`` from local
  files (no network): the ratio says what the store costs;
- a no-change sync: history-store requests (goal: ≤ 1);
- a command that journalled one event: uploads (goal: 1); one that journalled
  nothing: requests (goal: 0).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _bench import Goals

from contacts_crm.account.replica import SEGMENT_EVENTS, HistoryStore, encode
from contacts_crm.emulator import build_drive_service

KINDS = ["call", "call", "call", "order_step", "order_open", "order_close", "contact_changed"]
WHO = ["Olga", "Ivan", "Masha", "Anna", "Petr"]

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from contacts_crm.account.connected import Account
from contacts_crm.emulator import build_drive_service, build_service
url, home, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
out = {}
if mode == "baseline":
    from contacts_crm.account.journal import Journal
    from contacts_crm.account.replica import Replica, decode
    journal = Journal(home / "journal.sqlite")
    from contacts_crm.account.replica import HistoryStore
    class LocalFiles(HistoryStore):  # the same segments as files here: pull with no network
        def __init__(self, folder):
            self.folder = Path(folder)
        def list(self):
            yield [{"id": p.name, "name": "events-" + p.name}
                   for p in sorted(self.folder.iterdir())], 0
        def download(self, file_id):
            return (self.folder / file_id).read_bytes()
    rep = Replica(journal.path, LocalFiles(sys.argv[4]))
    t = time.perf_counter()
    rep.pull()
    out["seconds"] = time.perf_counter() - t
else:
    account = Account.from_service(build_service(url), home, drive=build_drive_service(url))
    t = time.perf_counter()
    report = account.replica.pull()
    out["seconds"] = time.perf_counter() - t
    out["calls"], out["events"] = report.calls, report.events
    out["again_calls"] = account.replica.pull().calls
    from contacts_crm.card.events import JournalEvent
    out["nothing_calls"] = account.push_history()
    before = account.replica.requests
    account.journal.record([JournalEvent(op_id="bench", seq=0, at="2026-12-01T10:00:00+00:00",
                            who="Olga", contact="people/c1", kind="call", text="x")],
                           applied=True)
    account.push_history()
    out["one_event_uploads"] = account.replica.requests - before
    before = account.replica.requests
    account.push_history()
    out["nothing_uploads"] = account.replica.requests - before
    out["journal_events"] = account.journal.count()
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _rows(start: int, n: int) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(start, start + n):
        kind = KINDS[i % len(KINDS)]
        day = 1 + i % 28
        rows.append((
            f"{i // 3:016x}", i % 3, f"2026-{1 + i % 12:02d}-{day:02d}T10:00:00+00:00",
            WHO[i % len(WHO)], f"people/c{1000 + i % 25000}", f"Client {i % 25000}", kind,
            i % 7 or None, "paid" if kind == "order_step" else None, None, None,
            f"2026-11-{day:02d} in ({WHO[i % len(WHO)]}): call number {i}", "{}",
        ))  # fmt: skip
    return rows


def _child(url: str, home: Path, mode: str, *extra: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", _CHILD, url, str(home), mode, *extra],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def history(url: str, events: int) -> tuple[Goals, dict[str, Any]]:
    """Fill the history store behind ``url`` and measure (see the module docstring)."""
    goals = Goals("bench_sync (history)")
    store = HistoryStore(build_drive_service(url))
    with tempfile.TemporaryDirectory() as tmp:
        segs = Path(tmp) / "segments"
        segs.mkdir()
        t = time.perf_counter()
        done = 0
        while done < events:
            n = min(SEGMENT_EVENTS, events - done)
            data = encode(_rows(done, n))
            (segs / f"{done:09d}").write_bytes(data)
            store.upload(f"events-bench-{done:09d}.jsonl.gz", data)
            done += n
        size = sum(p.stat().st_size for p in segs.iterdir())
        print(f"history setup: {events:,} events in {len(list(segs.iterdir()))} segments "
              f"({size / 1e6:.1f} MB gzip) uploaded in {time.perf_counter() - t:.1f}s")  # fmt: skip
        ours = _child(url, Path(tmp) / "new_pc", "pull")
        base = _child(url, Path(tmp) / "baseline", "baseline", str(segs))
    print(f"new PC's first history sync: {ours['events']:,} events in {ours['seconds']:.1f}s, "
          f"{ours['calls']} requests, peak RSS {ours['peak_rss_mb']:.0f} MB; baseline (same "
          f"segments from local files, no network): {base['seconds']:.1f}s, peak RSS "
          f"{base['peak_rss_mb']:.0f} MB; "
          f"ratio {ours['seconds'] / base['seconds']:.2f}")  # fmt: skip
    goals.equal("first history sync: events merged", ours["events"], events)
    goals.at_most("first history sync of the whole history", ours["seconds"], 60.0, "s")
    goals.at_most("first history sync: peak memory", ours["peak_rss_mb"], 300.0, "MB")
    goals.at_most("no-change sync: history-store requests", ours["again_calls"], 1)
    goals.equal("command that journalled one event: uploads", ours["one_event_uploads"], 1)
    goals.equal("command that journalled nothing: requests", ours["nothing_uploads"], 0)
    return goals, {"ours": ours, "baseline": base}
