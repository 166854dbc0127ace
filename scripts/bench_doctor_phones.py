"""Benchmark: ``crm doctor --phones --fix`` on 25,000 contacts at Google's quotas.

The account holds ``--contacts`` contacts whose numbers are typed in mixed
ways ("8 (916) 123-45-67", "+7 916 123 45 67", "89161234567", some already
E.164, a few unreadable). Timed: the whole fix (full sync, planning, the
batched writes, journal) through ``usecases.phone_fix.doctor_phones`` against
the emulator running google_like, with the quota "minute" scaled to
``--window`` seconds and latency scaled alike. Counted: API calls by method.

Baseline, in the same run: the plain script a competent engineer writes from
the API docs: read every contact (connections.list in pages of 1,000), fix the
numbers, send ``batchUpdateContacts`` in 200s through the same pacer at the
same quotas (no journal, no local copy, no undo). Ours and the script run
interleaved (A B, B A: ``--pairs``), each on a freshly seeded account, and the
ratio is the median of the pairs' ratios.
Goals (each with its figure; the exit status is non-zero when one fails):
1. API calls: exactly ceil(contacts/1000) list pages + ceil(fixed/200)
   batch updates + 1 group list, nothing else (no per-contact call);
2. wall within 1.25x the batch script's at Google's 60-s minute (interleaved,
   median of the pairs; ``_bench.at_real_minute``: each run's reading and
   planning as measured, then the longer of the quota floor at the real minute
   and the time its paced phase was busy — at the scaled window a loaded
   machine's CPU would count 60/window times too much; the ratio measured at
   the scaled window is printed beside it);
3. wall within 1.25x the quota floor (the least time the per-minute quotas
   allow for those calls, plus the last batch's latency), projected to
   Google's real 60-second minute: the CPU part (sync, planning, journal) as
   measured, the paced API phase scaled by 60/window;
4. every readable number is exact E.164 afterwards; the fix is one journal
   operation with one entry per changed contact; no 429 met.
The emulator runs in a process of its own (its work is Google's, not ours).
The default window is 4 s: at 1 s the per-batch CPU work (journal, cache)
on a loaded 2-core machine no longer fits in the fifth of a window a batch
gets, and the scaled run measures the machine rather than the quotas. At
Google's real minute a batch has 12 s. The last line is one JSON object.

    .venv/bin/python scripts/bench_doctor_phones.py [--contacts 25000] [--window 4] [--pairs 2]
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from _bench import (
    Goals,
    ScriptClient,
    at_real_minute,
    interleaved,
    quota_floor,
    scaled_settings,
)

from contacts_crm.account.connected import Account
from contacts_crm.account.pacing import OBSERVED_LIMITS, Pacer
from contacts_crm.contact.model import Contact
from contacts_crm.contact.phone_fix import plan_fix
from contacts_crm.emulator import build_service
from contacts_crm.usecases.phone_fix import doctor_phones


def typed(i: int) -> str:
    d = f"{i:07d}"
    a, b, c = d[:3], d[3:5], d[5:]
    forms = [
        f"8 (916) {a}-{b}-{c}",
        f"+7 916 {a} {b} {c}",
        f"8916{d}",
        f"7-916-{a}-{b}-{c}",
        f"916 {a} {b} {c}",
        f"+7916{d}",
        f"8-903-{a}-{b}-{c}",
        f"+7 (495) {a}-{b}{c}",
    ]
    return forms[i % len(forms)]


def people(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        phones = [{"value": typed(i), "type": "mobile"}]
        if i % 97 == 0:
            phones.append({"value": "ask the office", "type": "work"})
        out.append(
            {"names": [{"givenName": f"Клиент{i}", "familyName": "Петров"}], "phoneNumbers": phones}
        )
    return out


class Peer:
    """The emulator in a process of its own (its CPU is Google's, not ours), on loopback."""

    def __init__(self, db: Path | None = None) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "contacts_crm.emulator",
                "--port",
                "0",
                *(["--db", str(db)] if db else []),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip().rstrip("/")

    def admin(self, action: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}/_emulator/{action}",
            data=data,
            method="POST" if data is not None or action.startswith("reset") else "GET",
        )
        with urllib.request.urlopen(req, timeout=60) as res:
            return json.loads(res.read() or b"{}")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def seed(tmp: Path, n: int) -> Path:
    """An emulator file holding ``n`` contacts (seeded unthrottled, once for every run)."""
    db = tmp / f"seed-{n}.sqlite"
    if not db.exists():
        peer = Peer(db)
        seeder = Account.from_service(build_service(peer.url), tmp / "seeder")
        seeder.client.create_many(people(n))
        seeder.close()
        peer.close()
    return db


def seeded(tmp: Path, name: str, n: int, window: float) -> tuple[Account, Peer]:
    """A peer holding a copy of the ``n`` seeded contacts, set to Google's limits."""
    own = tmp / f"{name}.sqlite"
    with sqlite3.connect(seed(tmp, n)) as source, sqlite3.connect(own) as copy:
        source.backup(copy)  # the whole file, its log included
    source.close()
    copy.close()
    peer = Peer(own)
    peer.admin("settings", scaled_settings(window).to_dict())
    peer.admin("reset-counters", {})
    acc = Account.from_service(
        build_service(peer.url), tmp / name, pacer=TimedPacer(OBSERVED_LIMITS, window)
    )
    return acc, peer


class TimedPacer(Pacer):
    """The client's pacer, noting when each request was let out (for the phase split)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[str, float]] = []

    def acquire(self, method: str) -> None:
        super().acquire(method)
        self.sent.append((method, time.perf_counter()))


def batch_script(tmp: Path, name: str, n: int, window: float) -> dict[str, Any]:
    """The baseline: the plain script a competent engineer writes from the API docs.
    Read every contact (connections.list, pages of 1,000), fix the numbers, send
    ``batchUpdateContacts`` in 200s, paced by the same pacer at the same quotas; no
    journal, no local copy, no undo. Timed from the first read to the last answer."""
    acc, peer = seeded(tmp, name, n, window)
    acc.close()
    people = build_service(peer.url).people()
    pacer = Pacer(OBSERVED_LIMITS, window)
    script = ScriptClient(pacer, window)
    send, calls = script.send, script.calls

    start = time.perf_counter()
    persons, token = [], None
    while True:
        page = send("people.connections.list", people.connections().list(
            resourceName="people/me", pageSize=1000, pageToken=token,
            personFields="names,phoneNumbers"))  # fmt: skip
        persons += page.get("connections", [])
        token = page.get("nextPageToken")
        if not token:
            break
    fixed: dict[str, dict[str, Any]] = {}
    for person in persons:
        plan, contact = plan_fix(Contact.from_person(person), "RU")
        if plan.changed:
            fixed[person["resourceName"]] = {
                "etag": person["etag"],
                **contact.to_person(["phoneNumbers"]),
            }
    names = list(fixed)
    prep = time.perf_counter() - start  # read and planned: the paced writes start here
    for i in range(0, len(names), 200):
        body = {"contacts": {rn: fixed[rn] for rn in names[i:i + 200]},
                "updateMask": "phoneNumbers", "readMask": "phoneNumbers"}  # fmt: skip
        send("people.batchUpdateContacts", people.batchUpdateContacts(body=body))
    wall = time.perf_counter() - start
    served_429 = peer.admin("counters").get("status.429", 0)
    peer.close()
    return {"wall_s": wall, "fixed": len(fixed), "calls": calls, "served_429": served_429,
            "retries": script.retried, "prep_s": prep, "api_s": wall - prep,
            "waited_s": pacer.waited + script.retry_wait_s}  # fmt: skip


def ours(tmp: Path, name: str, n: int, window: float) -> dict[str, Any]:
    """``doctor_phones(fix=True)`` on a fresh account: full sync, plan, batches, journal."""
    acc, emu = seeded(tmp, name, n, window)
    t = time.perf_counter()
    report = doctor_phones(acc, fix=True, region="RU")
    wall = time.perf_counter() - t
    calls = dict(acc.client.calls)
    pacer = acc.client.pacer
    assert isinstance(pacer, TimedPacer)
    served_429 = emu.admin("counters").get("status.429", 0)
    first_write = next(at for m, at in pacer.sent if m == "people.batchUpdateContacts")
    prep_s = first_write - t  # sync, planning, the first journal batch: CPU and reads
    events = acc.journal.operation(report.op_id or "")
    wrong = 0
    for person in acc.client.list_all().persons:
        for p in person.get("phoneNumbers", []):
            value = p["value"]
            if value != "ask the office" and not (value.startswith("+") and value[1:].isdigit()):
                wrong += 1
    acc.close()
    emu.close()
    return {"wall_s": wall, "fixed": report.fixed, "calls": calls, "prep_s": prep_s,
            "api_s": wall - prep_s, "waited_s": pacer.waited, "served_429": served_429,
            "wrong": wrong,
            "journalled": len([e for e in events if e.kind == "phone_fixed"]),
            "unreadable": len(report.unreadable), "clashes": len(report.clashes)}  # fmt: skip


def _walls(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['wall_s']:.1f}" for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=25_000)
    ap.add_argument("--window", type=float, default=4.0, help="seconds per quota 'minute'")
    ap.add_argument(
        "--pairs",
        type=int,
        default=2,
        help="interleaved runs of ours and the batch script (A B, B A, ...)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        runs = iter(range(1000))
        pairs = interleaved(lambda: ours(tmp, f"ours{next(runs)}", args.contacts, args.window),
                            lambda: batch_script(tmp, f"script{next(runs)}", args.contacts,
                                                 args.window),
                            args.pairs, warmup=0)  # fmt: skip
    first, base = pairs.ours[0], pairs.base[0]
    fixed, calls = first["fixed"], first["calls"]
    ratio = pairs.ratio(lambda r: r["wall_s"])
    last_60 = scaled_settings(60.0).latency_for("batch_write") / 1000
    ratio_60 = pairs.ratio(lambda r: at_real_minute(r["prep_s"], r["api_s"], r["waited_s"],
                                                    r["calls"], last_60))  # fmt: skip
    wall = pairs.median("ours", lambda r: r["wall_s"])
    base_wall = pairs.median("base", lambda r: r["wall_s"])
    pages = math.ceil(args.contacts / 1000)
    want = {
        "people.connections.list": pages,
        "people.batchUpdateContacts": math.ceil(fixed / 200),
        "contactGroups.list": 1,
    }
    floor = quota_floor(calls, args.window)
    last = scaled_settings(args.window).latency_for("batch_write") / 1000
    floor_lat = floor + last
    prep_s, api_s = first["prep_s"], first["api_s"]
    floor_60 = quota_floor(calls, 60.0) + last_60
    projected = at_real_minute(prep_s, api_s, first["waited_s"], calls, last_60) / floor_60
    print(
        f"doctor --phones --fix: {fixed:,} of {args.contacts:,} contacts rewritten; walls "
        f"{_walls(pairs.ours)} s; calls {calls}"
    )
    print(
        f"baseline, a batch script (connections.list pages, batchUpdateContacts in 200s, "
        f"the same pacer): {base['fixed']:,} fixed; walls "
        f"{_walls(pairs.base)} s; calls {base['calls']}"
    )
    print(f"interleaved {args.pairs} pair(s): ours/script median {ratio:.3f}x measured at the "
          f"{args.window:g}-s window, {ratio_60:.3f}x projected to Google's 60-s minute "
          f"(_bench.at_real_minute: each run's quota floor there or its busy time, whichever "
          f"is longer)")  # fmt: skip
    print(
        f"quota floor {floor:.1f}s (+{last * 1000:.0f} ms last batch) -> wall/floor "
        f"{first['wall_s'] / floor_lat:.3f}; unreadable listed {first['unreadable']}; "
        f"last-7-digit clashes {first['clashes']}"
    )
    goals = Goals("bench_doctor_phones")
    goals.equal("API calls (list pages + batches of 200 + 1 group list)",
                sum(calls.values()), sum(want.values()), "calls",
                against=f"the batch script's {sum(base['calls'].values())} calls "
                f"({base['retries']} of them retries)")  # fmt: skip
    goals.ratio_at_most("wall at Google's 60-s minute, ours / the batch script (interleaved)",
                        ratio=ratio_60, most=1.25, against=f"batch script, batchUpdateContacts "
                        f"in 200s, same pacing: {base_wall:.1f} s at the {args.window:g}-s "
                        f"window (ours {wall:.1f} s: {ratio:.2f}x)")  # fmt: skip
    goals.at_most("wall / quota floor, projected to Google's 60-s minute", projected, 1.25, "x",
                  against=f"quota floor {floor_60:.0f} s at the 60-s minute "
                          f"(measured at the {args.window:g}-s window: "
                          f"{first['wall_s'] / floor_lat:.3f})")  # fmt: skip
    goals.check("numbers not E.164 afterwards", first["wrong"], 0, "numbers")
    goals.check("journal entries of the fix (one per changed contact)", first["journalled"],
                fixed, "entries")  # fmt: skip
    base_429 = sum(r["served_429"] for r in pairs.base)
    goals.equal("429s met", sum(r["served_429"] for r in pairs.ours), 0, "",
                against=f"the batch script met {base_429} in {len(pairs.base)} run(s) and "
                f"retried {sum(r['retries'] for r in pairs.base)} (Retry-After)")  # fmt: skip
    goals.finish(
        {
            "contacts": args.contacts,
            "fixed": fixed,
            "window_s": args.window,
            "calls": calls,
            "walls_s": [round(r["wall_s"], 2) for r in pairs.ours],
            "baseline_walls_s": [round(r["wall_s"], 2) for r in pairs.base],
            "ratio_ours_over_script": round(ratio, 3),
            "quota_floor_s": round(floor, 2),
            "prep_s": round(prep_s, 2),
            "api_phase_s": round(api_s, 2),
            "projected_wall_over_floor_60s_window": round(projected, 3),
            "unreadable": first["unreadable"],
            "clashes": first["clashes"],
        }
    )


if __name__ == "__main__":
    main()
