"""Benchmark: ``crm doctor --phones --fix`` on 25,000 contacts at Google's quotas.

The account holds ``--contacts`` contacts whose numbers are typed in mixed
ways ("8 (916) 123-45-67", "+7 916 123 45 67", "89161234567", some already
E.164, a few unreadable). Timed: the whole fix (full sync, planning, the
batched writes, journal) through ``usecases.phone_fix.doctor_phones`` against
the emulator running google_like, with the quota "minute" scaled to
``--window`` seconds and latency scaled alike. Counted: API calls by method.

Baseline, in the same run: the way a script written from the API docs does
it, one ``updateContact`` per contact, measured on ``--baseline-contacts``
and extrapolated per contact (it is quota-bound: 30 writes a minute).

Goals (PASS/FAIL each; the exit status is non-zero when one fails):
1. API calls: exactly ceil(contacts/1000) list pages + ceil(fixed/200)
   batch updates + 1 group list, nothing else (no per-contact call);
2. wall time within 1.25x the quota floor (the least time the per-minute
   quotas allow for those calls, plus the last batch's latency), projected to
   Google's real 60-second minute: the CPU part (sync, planning, journal) as
   measured, the paced API phase scaled by 60/window (the measured wall/floor
   at the scaled window is printed too);
3. at least 20x faster than the per-contact baseline (extrapolated, both at
   the same window);
4. every readable number is exact E.164 afterwards; the fix is one journal
   operation with one entry per changed contact.
The emulator runs in a process of its own (its work is Google's, not ours).
The default window is 4 s: at 1 s the per-batch CPU work (journal, cache)
on a loaded 2-core machine no longer fits in the fifth of a window a batch
gets, and the scaled run measures the machine rather than the quotas. At
Google's real minute a batch has 12 s. The last line is one JSON object.

    .venv/bin/python scripts/bench_doctor_phones.py [--contacts 25000] [--window 4]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from _bench import quota_floor, scaled_settings  # shared by the benchmarks

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

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "contacts_crm.emulator", "--port", "0"],
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


def seeded(tmp: Path, name: str, n: int, window: float) -> tuple[Account, Peer]:
    """A peer holding ``n`` contacts (seeded unthrottled), then set to Google's limits."""
    peer = Peer()
    seeder = Account.from_service(build_service(peer.url), tmp / f"{name}-seed")
    seeder.client.create_many(people(n))
    seeder.close()
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


def baseline(tmp: Path, n: int, window: float) -> dict[str, float]:
    """One updateContact per contact (after one full read), as the API docs show."""
    acc, emu = seeded(tmp, "baseline", n, window)
    persons = acc.client.list_all().persons
    start = time.perf_counter()
    for person in persons:
        plan, fixed = plan_fix(Contact.from_person(person), "RU")
        if plan.changed:
            acc.client.update(fixed.to_person(["phoneNumbers"]), ["phoneNumbers"])
    wall = time.perf_counter() - start
    calls = dict(acc.client.calls)
    acc.close()
    emu.close()
    return {
        "contacts": len(persons),
        "wall_s": wall,
        "updates": calls.get("people.updateContact", 0),
    }


def goal(name: str, ok: bool, detail: str) -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=25_000)
    ap.add_argument("--window", type=float, default=4.0, help="seconds per quota 'minute'")
    ap.add_argument("--baseline-contacts", type=int, default=240)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        acc, emu = seeded(tmp, "ours", args.contacts, args.window)
        t = time.perf_counter()
        report = doctor_phones(acc, fix=True, region="RU")
        wall = time.perf_counter() - t
        calls = dict(acc.client.calls)
        fixed = report.fixed
        pacer = acc.client.pacer
        assert isinstance(pacer, TimedPacer)
        served_429 = emu.admin("counters").get("status.429", 0)
        first_write = next(at for m, at in pacer.sent if m == "people.batchUpdateContacts")
        prep_s = first_write - t  # sync, planning, the first journal batch: CPU and reads
        api_s = wall - prep_s
        events = acc.journal.operation(report.op_id or "")
        wrong = 0
        for person in acc.client.list_all().persons:
            for p in person.get("phoneNumbers", []):
                value = p["value"]
                if value != "ask the office" and not (
                    value.startswith("+") and value[1:].isdigit()
                ):
                    wrong += 1
        acc.close()
        emu.close()

        pages = math.ceil(args.contacts / 1000)
        want = {
            "people.connections.list": pages,
            "people.batchUpdateContacts": math.ceil(fixed / 200),
            "contactGroups.list": 1,
        }
        floor = quota_floor(calls, args.window)
        last = scaled_settings(args.window).latency_for("batch_write") / 1000
        floor_lat = floor + last
        scale = 60.0 / args.window
        projected = (prep_s + api_s * scale) / (floor_lat * scale)
        base = baseline(tmp, args.baseline_contacts, args.window)
        per_contact = base["wall_s"] / max(1, base["updates"])
        base_wall = per_contact * fixed
        speedup = base_wall / wall if wall else 0.0
        # at Google's real minute the paced parts take scale times longer, the CPU part does not
        ours_60 = prep_s + api_s * scale
        speedup_60 = base_wall * scale / ours_60 if ours_60 else 0.0
        print(
            f"doctor --phones --fix: {fixed:,} of {args.contacts:,} contacts rewritten in "
            f"{wall:.1f}s; calls {calls}"
        )
        print(
            f"quota floor {floor:.1f}s (+{last * 1000:.0f} ms last batch) -> wall/floor "
            f"{wall / floor_lat:.3f}; unreadable listed {len(report.unreadable)}; "
            f"last-7-digit clashes {len(report.clashes)}"
        )
        print(
            f"baseline (updateContact per contact, measured on {base['updates']:.0f}): "
            f"{base['wall_s']:.1f}s -> extrapolated to {fixed:,}: {base_wall:.0f}s; "
            f"ours is {speedup:.1f}x faster, {fixed / max(1, sum(calls.values())):.0f}x "
            f"fewer calls"
        )
        results = [
            goal("calls", calls == want, f"{calls} vs {want}"),
            goal(
                "wall within 1.25x the quota floor at Google's 60-s minute",
                projected <= 1.25,
                f"projected {projected:.3f} (prep {prep_s:.1f}s + API phase {api_s:.1f}s x"
                f"{scale:g} over floor {floor_lat * scale:.0f}s); measured at the "
                f"{args.window:g}-s window: {wall:.1f}s / {floor_lat:.1f}s "
                f"= {wall / floor_lat:.3f}",
            ),
            goal(
                "20x faster than per-contact updates at Google's 60-s minute",
                speedup_60 >= 20,
                f"{speedup_60:.1f}x projected; {speedup:.1f}x measured at the "
                f"{args.window:g}-s window",
            ),
            goal(
                "exact E.164, one journal operation",
                wrong == 0 and len([e for e in events if e.kind == "phone_fixed"]) == fixed,
                f"{wrong} numbers not E.164; {len(events)} journal entries",
            ),
        ]
        out = {
            "contacts": args.contacts,
            "fixed": fixed,
            "window_s": args.window,
            "calls": calls,
            "calls_total": sum(calls.values()),
            "wall_s": round(wall, 2),
            "quota_floor_s": round(floor, 2),
            "quota_floor_with_last_latency_s": round(floor_lat, 3),
            "wall_over_floor": round(wall / floor_lat, 3),
            "prep_s": round(prep_s, 2),
            "api_phase_s": round(api_s, 2),
            "projected_wall_over_floor_60s_window": round(projected, 3),
            "baseline_measured": base["updates"],
            "baseline_wall_s": round(base["wall_s"], 2),
            "baseline_wall_s_extrapolated": round(base_wall, 1),
            "speedup": round(speedup, 1),
            "speedup_60s_window": round(speedup_60, 1),
            "served_429": served_429,
            "unreadable": len(report.unreadable),
            "clashes": len(report.clashes),
            "goals_passed": sum(results),
            "goals": len(results),
            "pass": all(results),
        }
        print(json.dumps(out, ensure_ascii=False))
        return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
