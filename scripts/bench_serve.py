"""Benchmark: the office page and the PBX caller-ID answer on an account of 25,000 contacts,
measured as a user meets them: from a client process of their own, over loopback.

Setup: ``--contacts`` clients (+7 916 …, short cards) in a People-API
emulator served over loopback from its own process (Google is not in the
server's process either); a profile of kind ``endpoint`` pointing at it
(in a throw-away CRM_HOME); the server's account synced once, as
``crm serve`` does at start. While the page is measured the emulator answers
with Google-like latency (reads 120 ms, writes 250 ms: an assumption, see
EmulatorSettings.google_like) and the background sync runs every
``--sync-interval`` seconds (30, as ``crm serve`` does: a sync every second
would spend the whole per-minute read quota, and a logged call would wait
for it), so the figures show that reads never wait on it.

Every request is sent by a separate client process (``CLIENT`` below: one
keep-alive connection per server, as a phone on the Wi-Fi or the PBX holds
one), for numbers typed in a different spelling than stored ("8 916
123-45-67" for +79161234567): the look-up (``/?q=…``, which redirects to the
card), the card page (``/c/…``), ``/cid?number=…&token=…`` and the call form
(POST, one People API write each).

Baseline, same run, same client process: the same look-up over HTTP from a
bare server script (``BARE``: the standard library's HTTP server, the same
phone look-up in the same SQLite copy, a redirect; no sign-in, no templates,
no framework), in its own process. Look-ups alternate between the two servers
in blocks (A B, B A, …), so load hits both alike.

Call events: ``POST /events/call`` (the fields in the URL, the token as
``Authorization: Bearer``), each a new call (in, out or missed) of a client
found by its number, kept in calls.sqlite as a call to log or a missed-call
line; sent from the client process like the rest, timed server-side by the
server's own access log (from the request's first hook to its last, in the
server process). Its fair baseline, the same run: the CID answer for the same
numbers (the same look-up, without the write), in blocks interleaved with the
events (A B, B A, …) and timed the same way.

The dashboard (``/dashboard``, managers): see ``_bench_dashboard.py`` (its own
account of 25,000 clients and ``--events`` journal events; ``--dashboard-only``
runs it alone): p99 server-side under 300 ms while the figures are kept, and
after a change at most 1.3x the three reports the commands run (interleaved).

Saves with the account slow or away (``saves_bench``): ``--phones`` phone
processes (10), each signed in with its own session, save ``--saves`` calls
each (20) at the same moment, each on a client of its own, against a server
over a small account in an emulator process of its own: with every API request
taking ``--slow-ms`` (2 s), with the emulator process stopped during the saves
(and started again after, when the time until every call is in the account is
measured against Google's quota floor), and with the account normal. The fair
baseline, same run, same phones: today's synchronous save, where the answer
waits for the write (the same server with an answer budget of an hour).

Goals: look-up p50 within 5x the bare script's (interleaved) and p99 under
50 ms; card page and CID p99 under 50 ms; a logged call's p99 under 2 s (its
API write included, 250 ms assumed); exactly 1 API call per logged call with
a fresh local copy; a call event's p99 server-side at most 20 ms; a save's p99
at most 300 ms with the account slow and with it away, every call in the
account once. Each prints its figure; exits 1 when one fails; the last line
is one JSON object.

    .venv/bin/python scripts/bench_serve.py [--contacts 25000] [--requests 2000]
    .venv/bin/python scripts/bench_serve.py --dashboard-only [--events 100000]
    .venv/bin/python scripts/bench_serve.py --saves-only [--phones 10] [--saves 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import _bench_dashboard as dashboard_bench
from _bench import Goals, quota_floor

EVENT_RULES = ("/events/call", "/cid")


class ServerSide(logging.Handler):
    """The server's access log lines ("POST /events/call 201 0.8ms"): time per route."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.ms: dict[str, list[float]] = {rule: [] for rule in EVENT_RULES}

    def emit(self, record: logging.LogRecord) -> None:
        _method, rule, _status, took = record.getMessage().split()
        if rule in self.ms:
            self.ms[rule].append(float(took.removesuffix("ms")) / 1000)


def admin(url: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """The emulator's admin surface (settings, counters), over loopback."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{url}/_emulator/{action}", data=data,
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read() or b"{}")  # type: ignore[no-any-return]


def spelled(i: int) -> str:
    d = f"{i:07d}"
    return f"8 916 {d[:3]}-{d[3:5]}-{d[5:]}"


def stats(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    return {
        "p50_ms": round(statistics.median(ms), 3),
        "p99_ms": round(ms[math.ceil(0.99 * len(ms)) - 1], 3),
        "n": len(ms),
    }  # nearest rank


def make_account(n: int, url: str, emu: Any) -> None:
    from contacts_crm.emulator import build_service

    people = build_service(emu).people()
    for start in range(0, n, 200):
        people.batchCreateContacts(body={"contacts": [{"contactPerson": {
            "names": [{"givenName": "Client", "familyName": f"No{i}"}],
            "phoneNumbers": [{"value": f"+7916{i:07d}"}],
            "organizations": [{"name": f"Firm {i % 900}"}],
            "biographies": [{"value": f"last contact 2026-11-{1 + i % 28:02d} (Olga)\n"
                             f"Order 1 · paid · {1000 + i}\n--\nNote {i}",
                             "contentType": "TEXT_PLAIN"}],
        }} for i in range(start, min(n, start + 200))], "readMask": "names"}).execute()  # fmt: skip


def sign_in(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/signin")
    resp = conn.getresponse()
    page = resp.read().decode()
    cookie = resp.getheader("Set-Cookie", "").split(";")[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = urlencode({"name": "Olga", "pin": "2468", "csrf": csrf, "next": "/"})
    conn.request("POST", "/signin", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 302, resp.status
    return resp.getheader("Set-Cookie", "").split(";")[0]


# The client: its own process, one keep-alive connection per server; runs the blocks
# of requests in the order given and prints each block's latencies (JSON).
CLIENT = """
import http.client, json, sys, time
job = json.load(open(sys.argv[1]))
conns, out = {}, []
for block in job["blocks"]:
    port, headers = block["port"], block.get("headers", {})
    times = []
    for path in block["paths"]:
        for attempt in (0, 1):  # a server may close an idle connection: open a new one
            conn = conns.get(port) or conns.setdefault(
                port, http.client.HTTPConnection("127.0.0.1", port, timeout=120))
            try:
                t = time.perf_counter()
                conn.request(block.get("method", "GET"), path, body=block.get("body"),
                             headers=headers)
                resp = conn.getresponse()
                resp.read()
                took = time.perf_counter() - t
                break
            except (http.client.HTTPException, ConnectionError):
                conn.close()
                conns.pop(port, None)
                if attempt:
                    raise
        if resp.status != block["expect"]:
            sys.exit(f"{path}: {resp.status}, expected {block['expect']}")
        times.append(took)
    out.append({"label": block["label"], "times": times})
print(json.dumps(out))
"""

# The baseline server: the same phone look-up in the same SQLite copy, a redirect.
BARE = """
import sqlite3, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit
from contacts_crm.contact import phones
local = threading.local()
def db():
    if not hasattr(local, "db"):
        local.db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    return local.db
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        q = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
        found = []
        for key in phones.lookup_keys(q, "RU") if phones.looks_like_phone(q) else []:
            found = db().execute("SELECT resource_name FROM phone_index WHERE key=?",
                                 (key,)).fetchall()
            if found:
                break
        if len(found) == 1:
            self.send_response(302)
            self.send_header("Location", "/c/" + quote(found[0][0].removeprefix("people/")))
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def client(blocks: list[dict[str, Any]], tmp: Path) -> dict[str, list[float]]:
    """Run ``blocks`` from a client process of its own; latencies (s) by label."""
    job = tmp / "client-job.json"
    job.write_text(json.dumps({"blocks": blocks}))
    done = subprocess.run([sys.executable, "-c", CLIENT, str(job)], capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"the client process failed: {done.stderr[-2000:]}")
    out: dict[str, list[float]] = {}
    for block in json.loads(done.stdout):
        out.setdefault(block["label"], []).extend(block["times"])
    return out


def interleaved_blocks(ours: dict[str, Any], bare: dict[str, Any], paths: list[str],
                       size: int = 100) -> list[dict[str, Any]]:  # fmt: skip
    """The same paths to our server and the bare one in blocks: A B, B A, A B, …"""
    blocks = []
    for n, i in enumerate(range(0, len(paths), size)):
        chunk = paths[i : i + size]
        pair = [{**ours, "paths": chunk}, {**bare, "paths": chunk}]
        blocks += pair if n % 2 == 0 else pair[::-1]
    return blocks


# ------------------------------------------------------------ saves, account slow or away
# One phone: its own process and session; signs in, says "ready", waits for "go" on
# stdin, then saves a call on each card given (GET the card, POST its form) and prints
# the time of each save's answer (the POST) as JSON.
PHONE = """
import http.client, json, re, sys, time
from urllib.parse import urlencode
port, paths = int(sys.argv[1]), json.loads(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
def send(method, path, body=None, headers={}):
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    return resp, resp.read().decode()
resp, page = send("GET", "/signin")
cookie = resp.getheader("Set-Cookie", "").split(";")[0]
csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
form = {"Content-Type": "application/x-www-form-urlencoded"}
resp, _ = send("POST", "/signin", urlencode({"name": "Olga", "pin": "2468", "csrf": csrf,
               "next": "/"}), {**form, "Cookie": cookie})
cookie = resp.getheader("Set-Cookie", "").split(";")[0]
for path in paths[:3]:  # a phone that has been in use: its cards were opened before
    send("GET", path, headers={"Cookie": cookie})
print("ready", flush=True)
sys.stdin.readline()
times, answers = [], []
for k, path in enumerate(paths):
    _, html = send("GET", path, headers={"Cookie": cookie})
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    op = re.search(r'action="[^"]*/call">\\s*<input[^>]*>\\s*<input type="hidden" '
                   r'name="op" value="([^"]+)"', html).group(1)
    body = urlencode({"csrf": csrf, "op": op, "direction": "in",
                      "comment": f"save {sys.argv[3]} {k}"})
    t = time.perf_counter()
    resp, _ = send("POST", f"{path}/call", body, {**form, "Cookie": cookie})
    times.append(time.perf_counter() - t)
    answers.append(resp.getheader("Location", "").rsplit("done=", 1)[-1])
print(json.dumps({"times": times, "answers": answers}), flush=True)
"""


def phones_save(port: int, paths: list[list[str]], label: str) -> tuple[list[float], Counter[str]]:
    """``len(paths)`` phone processes saving calls at once; answer times and answers."""
    procs = [subprocess.Popen([sys.executable, "-c", PHONE, str(port), json.dumps(p),
                               f"{label}-{n}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) for n, p in enumerate(paths)]  # fmt: skip
    for proc in procs:  # every phone signed in before the first save
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    times: list[float] = []
    answers: Counter[str] = Counter()
    for proc in procs:
        out, _ = proc.communicate(timeout=1200)
        if proc.returncode != 0:
            sys.exit(f"a phone process failed ({label})")
        got = json.loads(out.strip().splitlines()[-1])
        times.extend(got["times"])
        answers.update(got["answers"])
    return times, answers


def lines_in_account(db: str, marker: str) -> int:
    """Card lines holding ``marker`` in the account (its SQLite file, read beside it)."""
    from contacts_crm.emulator.store import Store

    store = Store(db)
    try:
        return sum(str((r.data.get("biographies") or [{}])[0].get("value", "")).count(marker)
                   for r in store.all_live_persons())  # fmt: skip
    finally:
        store.close()


def saves_bench(phones: int, saves: int, slow_ms: float, goals: Goals) -> dict[str, Any]:
    """A save's answer with the account slow (every write ``slow_ms``) and away, from
    ``phones`` phone processes at once; baseline: today's synchronous save (the answer
    waits for the write), same run, same account, same phones."""
    from contacts_crm import config as cfg
    from contacts_crm.account.connected import Account
    from contacts_crm.emulator import Emulator
    from contacts_crm.web.office import ANSWER_BUDGET, Office
    from contacts_crm.web.server import Server

    home = tempfile.mkdtemp(prefix="bench-saves-")
    os.environ["CRM_HOME"] = home
    db = str(Path(home) / "google-stand-in.sqlite")
    n = phones * saves
    emu = Emulator(db=db)
    make_account(n, "", emu)
    emu.close()

    def emulator(port: int = 0) -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen([sys.executable, "-m", "contacts_crm.emulator", "--db", db,
                                 "--port", str(port)], stdout=subprocess.PIPE,
                                text=True)  # fmt: skip
        assert proc.stdout is not None
        return proc, proc.stdout.readline().strip()

    emu_proc, url = emulator()
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    out: dict[str, Any] = {}
    try:
        profile = cfg.Profile(name="bench", kind="endpoint", endpoint=url, quotas={})
        cfg.save(cfg.Config(default_profile="bench", profiles={"bench": profile}))

        def run(label: str, budget: float, away: bool, latency_ms: float) -> None:
            account = Account.open("bench")
            office = Office(account, sync_interval=0, answer_budget=budget)
            office.start()
            if office.staff.user("Olga") is None:
                office.staff.add_user("Olga", "2468")
            cards = [f"/c/{c.resource_name.removeprefix('people/')}"
                     for c in sorted(account.cache.contacts(),
                                     key=lambda c: c.resource_name or "")][:n]  # fmt: skip
            per_phone = [cards[p * saves : (p + 1) * saves] for p in range(phones)]
            nonlocal emu_proc
            admin(url, "settings", {"latency_ms": latency_ms, "latency_ms_by_kind": {}})
            with Server(office, "127.0.0.1", 0, threads=phones + 2) as server:
                if away:
                    emu_proc.terminate()
                    emu_proc.wait(timeout=60)
                t0 = time.perf_counter()
                times, answers = phones_save(server.port, per_phone, label)
                if away:
                    emu_proc, _ = emulator(port)  # the account is back
                    admin(url, "settings", {"latency_ms": 0.0, "latency_ms_by_kind": {}})
                    office.sync_now()  # the background sync gets an answer: lanes try now
                office.lanes.wait_idle(3600)
                landed_s = time.perf_counter() - t0
            office.close()
            account.close()
            writes = lines_in_account(db, f"save {label}-")
            out[label] = {**stats(times), "answers": dict(answers), "all_landed_s":
                          round(landed_s, 2), "calls_in_account": writes}  # fmt: skip
            floor = quota_floor({"people.updateContact": n}, 60.0)
            print(f"{label:>18}: p50 {out[label]['p50_ms']:8.1f} ms   p99 "
                  f"{out[label]['p99_ms']:8.1f} ms   answers {dict(answers)}; all {n} in "
                  f"the account after {landed_s:.1f} s (Google's quota floor "
                  f"{floor:.0f} s)")  # fmt: skip

        # today's save: the answer waits for the write
        run("slow, synchronous", 3600.0, away=False, latency_ms=slow_ms)
        run("slow, queued", ANSWER_BUDGET, away=False, latency_ms=slow_ms)
        run("away, queued", ANSWER_BUDGET, away=True, latency_ms=0.0)
        run("normal, queued", ANSWER_BUDGET, away=False, latency_ms=0.0)
    finally:
        emu_proc.terminate()
        emu_proc.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)

    base = out["slow, synchronous"]
    against = (f"today's synchronous save, same run: p99 {base['p99_ms']:.0f} ms with every "
               f"write {slow_ms:.0f} ms")  # fmt: skip
    goals.at_most(f"a save's p99, {phones} phone processes, account slow ({slow_ms:.0f} ms)",
                  out["slow, queued"]["p99_ms"], 300, "ms", against=against)  # fmt: skip
    goals.at_most(f"a save's p99, {phones} phone processes, account away",
                  out["away, queued"]["p99_ms"], 300, "ms", against=against)  # fmt: skip
    for label in ("slow, queued", "away, queued", "normal, queued"):
        goals.check(f"calls in the account ({label}), each once", out[label]["calls_in_account"],
                    n, "calls")  # fmt: skip
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=25_000)
    ap.add_argument("--requests", type=int, default=2_000)
    ap.add_argument(
        "--calls",
        type=int,
        default=20,
        help="calls logged through the page, back to back: at most Google's 30 "
        "writes a minute, or the figure is the quota the pacer waits out",
    )
    ap.add_argument("--sync-interval", type=float, default=30.0,
                    help="the background sync's interval (crm serve's default)")  # fmt: skip
    ap.add_argument(
        "--events",
        type=int,
        default=100_000,
        help="journal events of the dashboard's account (_bench_dashboard.py)",
    )
    ap.add_argument(
        "--dashboard-repeat",
        type=int,
        default=10,
        help="dashboard requests after a change (and 5x as many kept)",
    )
    ap.add_argument(
        "--dashboard-only",
        action="store_true",
        help="only the dashboard page (_bench_dashboard.py)",
    )
    ap.add_argument("--phones", type=int, default=10, help="phone processes saving at once")
    ap.add_argument("--saves", type=int, default=20, help="calls each phone saves")
    ap.add_argument("--slow-ms", type=float, default=2000.0,
                    help="every API request's latency while the account is slow")  # fmt: skip
    ap.add_argument("--saves-only", action="store_true",
                    help="only the saves with the account slow and away")  # fmt: skip
    args = ap.parse_args()
    if args.dashboard_only:
        goals = Goals("bench_serve")
        figures = dashboard_bench.run(goals, args.contacts, args.events, args.dashboard_repeat)
        goals.finish({"contacts": args.contacts, "events": args.events, "dashboard": figures})
        return 0
    if args.saves_only:
        goals = Goals("bench_serve")
        found = saves_bench(args.phones, args.saves, args.slow_ms, goals)
        goals.finish({"saves": found})
        return 0
    home = tempfile.mkdtemp(prefix="bench-serve-")
    tmp = Path(home)
    os.environ["CRM_HOME"] = home
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"

    from contacts_crm import config as cfg
    from contacts_crm.account.connected import Account
    from contacts_crm.emulator import Emulator
    from contacts_crm.web.office import Office
    from contacts_crm.web.server import Server, settle_memory

    db = str(Path(home) / "google-stand-in.sqlite")
    emu = Emulator(db=db)
    t = time.perf_counter()
    make_account(args.contacts, "", emu)
    emu.close()
    # The stand-in for Google runs in its own process, as Google is not in the server's.
    emu_proc = subprocess.Popen([sys.executable, "-m", "contacts_crm.emulator", "--db", db],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert emu_proc.stdout is not None
    emu_url = emu_proc.stdout.readline().strip()
    bare_proc = None
    try:
        profile = cfg.Profile(name="bench", kind="endpoint", endpoint=emu_url)
        cfg.save(cfg.Config(default_profile="bench", profiles={"bench": profile}))
        account = Account.open("bench")
        office = Office(account, sync_interval=args.sync_interval)
        office.start()  # the full sync crm serve does at start
        print(f"setup: {account.cache.count():,} contacts created and synced over loopback "
              f"in {time.perf_counter() - t:.1f}s")  # fmt: skip
        office.staff.add_user("Olga", "2468")
        token = office.staff.add_token("pbx")
        admin(emu_url, "settings", {"latency_ms_by_kind": {"read": 120.0, "write": 250.0,
                                                            "batch_write": 900.0}})  # fmt: skip
        bare_proc = subprocess.Popen([sys.executable, "-c", BARE, account.cache.path],
                                     stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert bare_proc.stdout is not None
        bare_port = int(bare_proc.stdout.readline())
        rng_ids = [(i * 7919) % args.contacts for i in range(args.requests)]
        with Server(office, "127.0.0.1", 0, threads=4) as server:
            cookie = sign_in(server.port)
            settle_memory()  # as crm serve does once it is up
            ours = {"port": server.port, "headers": {"Cookie": cookie}, "expect": 302,
                    "label": "lookup"}  # fmt: skip
            bare = {"port": bare_port, "expect": 302, "label": "bare"}
            cid_paths = [f"/cid?{urlencode({'number': spelled(i), 'token': token})}"
                         for i in rng_ids]  # fmt: skip
            look_paths = [f"/?{urlencode({'q': spelled(i)})}" for i in rng_ids]
            card_of = {i: account.cache.find_by_phone(f"+7916{i:07d}")[0].resource_name
                       for i in rng_ids[:200]}  # fmt: skip
            card_paths = [f"/c/{quote(str(card_of[i]).removeprefix('people/'))}"
                          for i in rng_ids[:200]] * max(1, args.requests // 200)  # fmt: skip
            warm = [
                {**ours, "label": "warm", "paths": look_paths[-50:]},
                {**bare, "label": "warm", "paths": look_paths[-50:]},
                {"port": server.port, "expect": 200, "label": "warm", "paths": cid_paths[-50:]},
                {**ours, "label": "warm", "expect": 200, "paths": card_paths[-50:]},
            ]
            syncs_before = admin(emu_url, "counters").get("people.connections.list", 0)
            times = client([
                *warm, *interleaved_blocks(ours, bare, look_paths),
                {"port": server.port, "expect": 200, "label": "cid", "paths": cid_paths},
                {**ours, "label": "card", "expect": 200, "paths": card_paths},
            ], tmp)  # fmt: skip
            syncs = admin(emu_url, "counters").get("people.connections.list", 0) - syncs_before

            # log calls through the page (a client process per call form), cache fresh
            page_of = card_paths[: args.calls]
            office.sync_now()
            admin(emu_url, "reset-counters", {})
            posts = []
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            for k, path in enumerate(page_of):
                conn.request("GET", path, headers={"Cookie": cookie})
                html = conn.getresponse().read().decode()
                csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
                op = re.search(r'action="[^"]*/call">\s*<input[^>]*>\s*<input type="hidden" '
                               r'name="op" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]  # fmt: skip
                posts.append({"port": server.port, "method": "POST", "label": "call",
                              "expect": 302, "paths": [f"{path}/call"],
                              "body": urlencode({"csrf": csrf, "op": op, "direction": "in",
                                                 "comment": f"bench call {k}"}),
                              "headers": {"Cookie": cookie, "Content-Type":
                                          "application/x-www-form-urlencoded"}})  # fmt: skip
            times.update(client(posts, tmp))
            office.lanes.wait_idle(600)  # every call written (a save may answer before)

            # call events, timed server-side, interleaved with CID answers for the same numbers
            access = logging.getLogger("contacts_crm.web.access")
            access.propagate = False
            access.setLevel(logging.INFO)
            server_side = ServerSide()
            access.addHandler(server_side)
            start0 = 1_780_000_000  # Unix seconds; each event a second after the one before
            event_paths = ["/events/call?" + urlencode({
                "number": spelled(i), "direction": ("in", "out", "missed")[k % 3],
                "start": start0 + k, "duration": 30 + k % 300, "who": "Olga"})
                for k, i in enumerate(rng_ids)]  # fmt: skip
            event = {"port": server.port, "method": "POST", "label": "event", "expect": 201,
                     "headers": {"Authorization": f"Bearer {token}"}}  # fmt: skip
            cid = {"port": server.port, "label": "cid_pair", "expect": 200}
            blocks = []
            for n, at in enumerate(range(50, len(event_paths), 100)):
                pair = [{**event, "paths": event_paths[at : at + 100]},
                        {**cid, "paths": cid_paths[at : at + 100]}]  # fmt: skip
                blocks += pair if n % 2 == 0 else pair[::-1]
            warm_events = {**event, "label": "warm", "paths": event_paths[:50]}
            again = {**event, "label": "again", "expect": 200, "paths": event_paths[:50]}
            client([warm_events], tmp)  # (its lines are timed too: start counting after)
            server_side.ms = {rule: [] for rule in EVENT_RULES}
            times.update(client([*blocks, again], tmp))  # again: the same events, kept once
            access.removeHandler(server_side)
            events_kept = account.calls.events_count()
            used = Counter(admin(emu_url, "counters"))
            api = {k: v for k, v in used.items() if k.startswith(("people.", "contactGroups"))}
            writes = sum(v for k, v in api.items() if k != "people.connections.list")
        office.close()
        account.close()
    finally:
        emu_proc.terminate()
        emu_proc.wait(timeout=60)
        if bare_proc is not None:
            bare_proc.terminate()
            bare_proc.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)

    results = {name: stats(times[name]) for name in ("lookup", "bare", "cid", "card", "call",
                                                     "event")}  # fmt: skip
    n_again = len(times["again"])
    results["event_server_side"] = stats(server_side.ms["/events/call"][:-n_again])
    results["cid_server_side"] = stats(server_side.ms["/cid"])
    calls_per_call = writes / len(times["call"])
    for name, r in results.items():
        print(f"{name:>8}: p50 {r['p50_ms']:8.3f} ms   p99 {r['p99_ms']:8.3f} ms   "
              f"({r['n']} requests from a client process over loopback)")  # fmt: skip
    print(
        f"background syncs during the read measurements: {syncs} "
        f"(interval {args.sync_interval:g}s, reads 120 ms each at the emulator)"
    )
    print(f"log a call: {len(times['call'])} calls -> API {dict(api)}; "
          f"{calls_per_call:.2f} API calls per logged call")  # fmt: skip
    ratio = results["lookup"]["p50_ms"] / results["bare"]["p50_ms"]
    print(f"look-up p50, ours / the bare server script: {ratio:.2f}x")
    bare_text = (
        f"the same look-up from a bare stdlib HTTP server script, p50 "
        f"{results['bare']['p50_ms']:.2f} ms, p99 {results['bare']['p99_ms']:.2f} ms"
    )
    goals = Goals("bench_serve")
    goals.ratio_at_most("look-up p50 from a client process, ours / bare server", ratio=ratio,
                        most=5.0, against=bare_text)  # fmt: skip
    bare_p99 = f"the bare server's look-up p99 {results['bare']['p99_ms']:.1f} ms"
    goals.at_most("look-up p99 from a client process", results["lookup"]["p99_ms"], 50, "ms",
                  against=bare_p99)  # fmt: skip
    goals.at_most("card page p99 from a client process", results["card"]["p99_ms"], 50, "ms",
                  against=bare_p99)  # fmt: skip
    goals.at_most("caller ID p99 from a client process", results["cid"]["p99_ms"], 50, "ms",
                  against=bare_p99)  # fmt: skip
    goals.at_most("log a call p99 from a client process (its API write included)",
                  results["call"]["p99_ms"] / 1000, 2.0, "s",
                  against="the bare write it waits on: one updateContact at the assumed "
                  "250 ms")  # fmt: skip
    goals.equal(
        "API calls per logged call, fresh local copy",
        calls_per_call,
        1,
        "calls",
        against="the naive get + update: 2 calls (measured in bench_cards)",
    )
    ev, base = results["event_server_side"], results["cid_server_side"]
    print(f"call events: {ev['n']} new + {n_again} sent again -> {events_kept} kept; "
          f"server-side p50 {ev['p50_ms']:.2f} ms, p99 {ev['p99_ms']:.2f} ms; the same "
          f"numbers' CID answers (interleaved): p50 {base['p50_ms']:.2f} ms, p99 "
          f"{base['p99_ms']:.2f} ms; p99 ratio {ev['p99_ms'] / base['p99_ms']:.2f}x")  # fmt: skip
    goals.at_most("call event (POST /events/call) p99 server-side, 25,000 contacts"
                  if args.contacts == 25_000 else "call event p99 server-side",
                  ev["p99_ms"], 20, "ms", against=f"the same numbers' caller-ID answers, "
                  f"server-side, interleaved: p99 {base['p99_ms']:.2f} ms")  # fmt: skip
    goals.check(
        "call events kept (each new one once, none of those sent again)",
        events_kept,
        args.requests,
        "events",
    )
    dashboard = dashboard_bench.run(goals, args.contacts, args.events, args.dashboard_repeat)
    saves = saves_bench(args.phones, args.saves, args.slow_ms, goals)
    goals.finish({"contacts": args.contacts, **results, "syncs_during_reads": syncs,
                  "events": args.events, "dashboard": dashboard, "saves": saves,
                  "log_call_api_calls": dict(api), "api_calls_per_logged_call": calls_per_call,
                  "ratio_lookup_over_bare_p50": round(ratio, 2)})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
