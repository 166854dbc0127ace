"""Benchmark: sync 25,000 contacts over loopback HTTP at Google's latency and quotas; find by phone.

Setup (not measured): an emulator is filled with ``--contacts`` realistic
contacts through its in-process transport (batchCreateContacts, no latency,
no quotas). Then the emulator gets the observed Google settings
(``EmulatorSettings.google_like``: 120 ms per read, per-minute quotas) and is
served on 127.0.0.1; the real client (``Account.from_service`` over
googleapiclient, with the ``Pacer`` at ``OBSERVED_LIMITS``) measures:

- a full sync (``account.sync(full=True)``): calls and wall time;
- a no-change incremental sync: calls by method (goal: 1 connections.list;
  ``Account.sync`` also re-lists contactGroups, reported separately);
- ``crm.find`` by phone from the cache, in varied spellings
  ("8 (916) 123-45-67", "+7 916 123 4567", "9161234567", ...): p50/p99 over
  ``--lookups`` lookups (goal: p99 < 2 ms) and the API calls they made (0);
- baseline: the same question asked of the API, ``PeopleClient.search`` (a
  searchContacts round trip; given the digits in E.164 order, the only
  spelling Google's prefix search can match), p50/p99 over ``--searches``;
- hand edits (issue 11): ``--edited`` contacts (default 1,000) are edited "on a
  phone" (the emulator's device-edit: a call line appended to Notes, every 10th
  also a new phone), then one incremental sync brings them: the time spent
  comparing versions and journalling (goal: under 1 s) against the rest of
  the same sync (listing and cache writes, the baseline), and the events
  written (goal: exactly one per edit). The first full sync journals nothing
  (goal: 0 events) and the no-change sync compares nothing.
- the journal in the account (issue 21, scripts/_bench_history.py): a new PC's
  first sync of ``--history-events`` (1,000,000) events: time (goal ≤ 60 s),
  peak memory, requests of a no-change sync (≤ 1), requests per command (1 when
  it journalled something, 0 when not).

Each goal prints its figure and PASS or FAIL; the script exits 1 when one fails.

The default ``--window`` is Google's real 60-s minute and latency is not
scaled: everything here fits in one minute's quota (25 pages + 1 + the
searches < 60 critical reads). A shrunken window scales the latency by the
same factor (and is said so in the output). The last line is one JSON object.

    .venv/bin/python scripts/bench_sync.py [--contacts 25000] [--lookups 2000] [--searches 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from _bench import Goals
from _bench_history import history

from contacts_crm.account.connected import Account
from contacts_crm.account.pacing import OBSERVED_LIMITS, Pacer
from contacts_crm.emulator import Emulator, EmulatorSettings, build_service
from contacts_crm.usecases import contacts as crm

GIVEN = ["Иван", "Ольга", "Анна", "Пётр", "Мария", "Ayşe", "Mehmet", "Zeynep", "John", "Emma"]
FAMILY = ["Петров", "Смирнова", "Кузнецов", "Yılmaz", "Kaya", "Demir", "Smith", "Brown", "Öztürk"]
ORGS = ["ООО Плитка", "ИП Соколов", "Yapı Market A.Ş.", "ACME Ltd", "", ""]
GROUPS = ["Опт", "Розница", "Новые", "VIP", "Call back"]


def phone_of(i: int) -> str:
    return f"+7916{i:07d}"


def spellings(e164: str, rng: random.Random) -> str:
    """One of the ways people type a Russian mobile number."""
    d = e164[2:]  # 10 national digits: 916 xxx xx xx
    forms = [
        f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
        f"+7 {d[:3]} {d[3:6]} {d[6:]}",
        f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
        d,
        f"8{d}",
        f"7{d}",
        e164,
        f"8-{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}",
        f"{d[:3]} {d[3:6]} {d[6:8]} {d[8:]}",
    ]
    return rng.choice(forms)


def make_person(i: int, rng: random.Random, groups: list[str]) -> dict[str, Any]:
    person: dict[str, Any] = {
        "names": [{"givenName": rng.choice(GIVEN), "familyName": f"{rng.choice(FAMILY)}-{i}"}],
        "phoneNumbers": [{"value": phone_of(i), "type": "mobile"}],
        "emailAddresses": [{"value": f"client{i}@example.ru", "type": "work"}],
        "memberships": [
            {"contactGroupMembership": {"contactGroupResourceName": g}}
            for g in rng.sample(groups, rng.choice([0, 1, 1, 2]))
        ],
    }
    if i % 4 == 0:  # some have an office line too
        person["phoneNumbers"].append({"value": f"+7495{i:07d}", "type": "work"})
    org = rng.choice(ORGS)
    if org:
        person["organizations"] = [{"name": org}]
    if i % 3 == 0:
        person["biographies"] = [
            {
                "value": f"Customer · 2026-10-{i % 28 + 1:02d} out (Olga): asks about delivery",
                "contentType": "TEXT_PLAIN",
            }
        ]
    return person


def fill(emu: Emulator, n: int, rng: random.Random) -> None:
    """Setup: create ``n`` contacts in batches of 200, no latency, no quotas."""
    svc = build_service(emu)
    groups = [
        svc.contactGroups().create(body={"contactGroup": {"name": g}}).execute()["resourceName"]
        for g in GROUPS
    ]
    people = svc.people()
    for start in range(0, n, 200):
        batch = [make_person(i, rng, groups) for i in range(start, min(n, start + 200))]
        people.batchCreateContacts(
            body={"contacts": [{"contactPerson": p} for p in batch], "readMask": "names"}
        ).execute()


def settings_for(window: float) -> EmulatorSettings:
    s = EmulatorSettings.google_like(window_s=window)
    scale = window / 60.0
    s.latency_ms *= scale
    s.latency_ms_by_kind = {k: v * scale for k, v in s.latency_ms_by_kind.items()}
    return s


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class EmulatorProcess:
    """``python -m contacts_crm.emulator`` on a filled SQLite file, in its own process
    (as Google is: its work and heap are not the client's), with the admin surface."""

    def __init__(self, db: Path, window: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "contacts_crm.emulator", "--db", str(db), "--google-like",
             "--quota-window", str(window)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1"):
            self.stop()
            raise RuntimeError(f"emulator did not start: {self.url!r}")

    def admin(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "_emulator/" + path, data=data,
                                     method="GET" if body is None else "POST",
                                     headers={"content-type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def counters(self) -> dict[str, int]:
        return self.admin("counters")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=25_000)
    ap.add_argument("--lookups", type=int, default=2_000)
    ap.add_argument("--searches", type=int, default=20)
    ap.add_argument("--edited", type=int, default=1_000, help="contacts edited by hand")
    ap.add_argument("--window", type=float, default=60.0, help="seconds per quota 'minute'")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--history-events", type=int, default=1_000_000,
                    help="journal events in the account for a new PC's first history sync "
                         "(0: skip)")  # fmt: skip
    args = ap.parse_args()
    rng = random.Random(args.seed)
    scale = args.window / 60.0

    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "account.sqlite"
        emu = Emulator(str(db))
        t = time.perf_counter()
        fill(emu, args.contacts, rng)
        emu.close()
        print(f"setup: {args.contacts:,} contacts created in {time.perf_counter() - t:.1f}s")
        server = EmulatorProcess(db, args.window)
        try:
            run(server, args, rng, scale, Path(tmp) / "client")
        finally:
            server.stop()


def hand_edits(server: EmulatorProcess, account: Account, n: int) -> dict[str, Any]:
    """Edit ``n`` contacts as a phone would, then measure the incremental sync that brings
    them: diffing and journalling time against the rest of the sync, events written."""
    names = sorted(p["resourceName"] for p in account.cache.persons())[:n]
    t = time.perf_counter()
    for k, rn in enumerate(names):
        edit: dict[str, Any] = {
            "resourceName": rn,
            "biographyAppend": f"\n  2026-12-01 in (Masha): hand call {k}",
        }
        if k % 10 == 0:
            edit["set"] = {"phoneNumbers": [{"value": f"+7903{k:07d}", "type": "mobile"}]}
        server.admin("device-edit", edit)
    setup_s = time.perf_counter() - t
    expected = len(names) + sum(1 for k in range(len(names)) if k % 10 == 0)
    before = account.journal.count()
    t = time.perf_counter()
    report = account.sync()
    sync_s = time.perf_counter() - t
    rest_s = sync_s - report.history_s
    written = account.journal.count() - before
    print(f"hand edits: {len(names):,} contacts edited on a 'phone' (setup {setup_s:.1f}s); "
          f"the incremental sync that brings them: {sync_s:.2f}s, of which comparing and "
          f"journalling {report.history_s:.3f}s ({report.compared:,} compared, {written:,} "
          f"events, expected {expected:,}); baseline, the rest of that sync: {rest_s:.2f}s; "
          f"ratio diff/rest {report.history_s / rest_s:.2f}")  # fmt: skip
    return {"edited": len(names), "changed": report.changed, "compared": report.compared,
            "history_s": round(report.history_s, 3), "sync_s": round(sync_s, 2),
            "rest_of_sync_s": round(rest_s, 2), "events": written,
            "expected_events": expected}  # fmt: skip


def run(server: EmulatorProcess, args: argparse.Namespace, rng: random.Random, scale: float,
        data_dir: Path) -> None:  # fmt: skip
    s = settings_for(args.window)
    server.admin("settings", {"latency_ms": s.latency_ms,
                              "latency_ms_by_kind": s.latency_ms_by_kind})  # fmt: skip
    server.admin("reset-counters", {})
    served = server.admin("settings")
    print(f"emulator process on {server.url} with google_like(window={args.window:g}s): latency "
          f"{served['latency_ms_by_kind']} ms (x{scale:g} of the observed values), "
          f"quotas {served['quotas']}")  # fmt: skip
    account = Account.from_service(
        build_service(server.url), data_dir, pacer=Pacer(OBSERVED_LIMITS, args.window)
    )
    client = account.client

    # ---- full sync
    t = time.perf_counter()
    full = account.sync(full=True)
    full_s = time.perf_counter() - t
    full_calls = dict(client.calls)
    print(f"full sync: {full.contacts:,} contacts in {full_s:.2f}s, {full.calls} calls "
          f"{full_calls} (pacer waited {client.pacer.waited:.2f}s)")  # fmt: skip

    # ---- no-change incremental sync
    before = dict(client.calls)
    emu_before = server.counters()
    t = time.perf_counter()
    inc = account.sync()
    inc_s = time.perf_counter() - t
    inc_calls = {k: v - before.get(k, 0) for k, v in client.calls.items()
                 if v - before.get(k, 0)}  # fmt: skip
    served = {k: v - emu_before.get(k, 0) for k, v in server.counters().items()
              if not k.startswith(("quota.", "status.")) and v - emu_before.get(k, 0)}  # fmt: skip
    print(f"incremental sync, nothing changed: {inc.calls} calls {inc_calls} "
          f"(emulator served {served}), {inc_s * 1000:.0f} ms, changed {inc.changed}, "
          f"compared {inc.compared}")  # fmt: skip
    full_events = account.journal.count()
    print(f"first full sync journalled {full_events} event(s) (nothing was known before)")

    # ---- find by phone from the cache
    picks = [rng.randrange(args.contacts) for _ in range(args.lookups)]
    queries = [spellings(phone_of(i), rng) for i in picks]
    for q in queries[:50]:  # warm the interpreter's and SQLite's caches
        crm.find(account, q)
    before = sum(client.calls.values())
    times, wrong = [], 0
    for i, q in zip(picks, queries, strict=True):
        t = time.perf_counter()
        found = crm.find(account, q)
        times.append(time.perf_counter() - t)
        wrong += [c.phones[0].value for c in found] != [phone_of(i)]
    find_calls = sum(client.calls.values()) - before
    find_p50, find_p99 = pct(times, 50) * 1000, pct(times, 99) * 1000
    print(f"find by phone from the cache, {args.lookups:,} lookups in varied spellings: "
          f"p50 {find_p50:.3f} ms, p99 {find_p99:.3f} ms, max {max(times) * 1000:.2f} ms; "
          f"wrong answers {wrong}; API calls {find_calls}")  # fmt: skip

    # ---- baseline: searchContacts round trips (the session's first search also
    # sends Google's empty warm-up query: timed apart, not in the percentiles)
    before = client.calls["people.searchContacts"]
    stimes, smiss, warm_ms = [], 0, 0.0
    for n, i in enumerate(picks[: args.searches + 1]):
        digits = phone_of(i)[1:]
        t = time.perf_counter()
        res = client.search(digits)
        if n == 0:
            warm_ms = (time.perf_counter() - t) * 1000
        else:
            stimes.append(time.perf_counter() - t)
        smiss += not any(p.get("value") == phone_of(i)
                         for r in res for p in r.get("phoneNumbers", []))  # fmt: skip
    search_calls = client.calls["people.searchContacts"] - before
    s_p50, s_p99 = pct(stimes, 50) * 1000, pct(stimes, 99) * 1000
    print(f"baseline searchContacts round trip, {len(stimes)} searches: p50 {s_p50:.1f} ms,"
          f" p99 {s_p99:.1f} ms (first search with warm-up {warm_ms:.0f} ms; {search_calls} calls; "
          f"not found {smiss})")  # fmt: skip
    print(f"ratio search/find: p50 {s_p50 / find_p50:,.0f}x, p99 {s_p99 / find_p99:,.0f}x")
    hand = hand_edits(server, account, min(args.edited, args.contacts))
    served_429 = server.counters().get("status.429", 0)
    account.close()

    goals = Goals("bench_sync")
    goals.at_most("find by phone from the local copy, p99", find_p99, 2.0, "ms",
                  against=f"searchContacts round trip p99 {s_p99:.0f} ms "
                          f"({s_p99 / find_p99:,.0f}x slower)")  # fmt: skip
    goals.ratio_at_least("find by phone, p50: searchContacts round trip / the local copy",
                         ours=find_p50, baseline=s_p50, least=50,
                         against=f"searchContacts p50 {s_p50:.0f} ms (find p50 "
                                 f"{find_p50:.3f} ms)")  # fmt: skip
    goals.equal("no-change incremental sync: connections.list calls",
                inc_calls.get("people.connections.list", 0), 1, "calls",
                against=f"a full re-read: {full_calls.get('people.connections.list', 0)} "
                "calls (the full sync above)")  # fmt: skip
    goals.equal("no-change incremental sync: contacts compared", inc.compared, 0, "contacts",
                against=f"a full re-read compares all {full.contacts:,}")  # fmt: skip
    goals.check("first full sync: journal events", full_events, 0, "events")
    goals.at_most(
        f"{hand['edited']:,} changed contacts: comparing + journalling",
        hand["history_s"],
        1.0,
        "s",
        against=f"the rest of the same sync {hand['rest_of_sync_s']:.2f} s",
    )
    goals.check("hand edits journalled (one event each)", hand["events"],
                hand["expected_events"], "events")  # fmt: skip
    history_figures: dict[str, Any] = {}
    if args.history_events:
        history_goals, history_figures = history(server.url, args.history_events)
        goals.goals.extend(history_goals.goals)
    goals.finish({
        "history": history_figures,
        "contacts": args.contacts, "window_s": args.window, "latency_scale": scale,
        "full_sync_s": round(full_s, 2), "full_sync_calls": full.calls,
        "full_sync_calls_by_method": full_calls,
        "incremental_calls": inc.calls,
        "incremental_connections_list_calls": inc_calls.get("people.connections.list", 0),
        "incremental_contact_groups_list_calls": inc_calls.get("contactGroups.list", 0),
        "incremental_s": round(inc_s, 3),
        "find_lookups": args.lookups, "find_p50_ms": round(find_p50, 3),
        "find_p99_ms": round(find_p99, 3), "find_wrong": wrong, "find_api_calls": find_calls,
        "search_p50_ms": round(s_p50, 1), "search_p99_ms": round(s_p99, 1),
        "ratio_p50": round(s_p50 / find_p50), "ratio_p99": round(s_p99 / find_p99),
        "served_429": served_429, "incremental_compared": inc.compared,
        "full_sync_events": full_events, "hand_edits": hand,
    })  # fmt: skip


if __name__ == "__main__":
    main()
