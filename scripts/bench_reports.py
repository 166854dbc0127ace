#!/usr/bin/env python3
"""Benchmark the manager's summary and the Sheet refresh.

What it measures: the REPORT, not the People API.
The first summary parses every card and remembers its facts (reports_facts);
the timed ones are the next reports, with no card changed (warm). The cache is filled directly
(``Cache.upsert`` of 25,000 generated persons with realistic cards, in 8
groups) and the journal with 100,000 events (``Journal.record``), so the
figures are the time ``reports.summary`` takes with a warm cache.

Baseline, measured in the same run: the naive way a first version would do
it — for every group and every figure (leads, open orders, last contact),
re-read and re-parse the members' cards, and ask the journal for each
client's history to find its closed orders.

Sheets: the API calls ``--to-sheet`` makes to refresh a tab of 100 rows and of
10,000 rows, against the Sheets emulator on loopback (goal: the same number).

Call-backs: ``crm callbacks`` with 13,000 due clients (the real report on the
filled account, a year later so that they are due) — the time to render them as
the terminal table at 80 columns (goal: under 1 s) and as plain lines for a pipe.
Baseline in the same run: the rich table the command printed before.

    .venv/bin/python scripts/bench_reports.py [--contacts 25000] [--events 100000]

The last line is one JSON object with the named figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from contacts_crm.account.cache import Cache
from contacts_crm.account.connected import Account
from contacts_crm.card.events import JournalEvent
from contacts_crm.card.grammar import parse, render
from contacts_crm.card.operations import CloseOrder, LogCall, OpenOrder, StepOrder, apply
from contacts_crm.card.settings import CardSettings
from contacts_crm.card.wording import Labels
from contacts_crm.config import Profile
from contacts_crm.contact.model import Contact
from contacts_crm.office.templates import load_labels
from contacts_crm.reports.callbacks import callbacks
from contacts_crm.reports.clients import ClientView, user_group_names, user_groups
from contacts_crm.reports.facts import facts_of
from contacts_crm.reports.settings import load_report_settings
from contacts_crm.reports.summary import is_prospect, summary
from contacts_crm.reports.tables import View, callbacks_view
from contacts_crm.reports.to_sheet import refresh_tab
from contacts_crm.sheets.client import connect_sheets
from contacts_crm.sheets_emulator import SheetsEmulatorServer

TODAY = date(2026, 11, 20)
GROUPS = ["Wholesale", "Retail", "New", "Leads", "Call back", "Customer", "Returning", "VIP"]
WHO = ["Ivan", "Olga", "Anna", "Petr", "Maria"]
STAGES = ["confirmed", "paid", "shipped"]


def card_variants(rng: random.Random, n: int = 60) -> list[str]:
    """Realistic card texts made by the real card operations (open orders, closed, calls)."""
    settings = CardSettings(labels=load_labels())
    out = []
    for i in range(n):
        card = parse("Prefers calls after 14:00." if i % 3 == 0 else "", settings.labels)
        day = datetime(2026, 8, 1, 12, tzinfo=UTC) + timedelta(days=rng.randrange(100))
        ops = []
        for k in range(rng.randrange(0, 3)):
            ops.append(OpenOrder(f"o{k}", day, rng.choice(WHO), "tiles", Decimal(rng.randrange(
                500, 30000, 100))))  # fmt: skip
            day += timedelta(days=rng.randrange(1, 6))
            stage = rng.choice([*STAGES, "delivered", "cancelled"])
            if stage == "delivered":
                ops.append(CloseOrder(f"c{k}", day, rng.choice(WHO), k + 1))
            elif stage == "cancelled":
                ops.append(CloseOrder(f"c{k}", day, rng.choice(WHO), k + 1, cancelled=True))
            else:
                ops.append(StepOrder(f"s{k}", day, rng.choice(WHO), k + 1, stage))
        for k in range(rng.randrange(0, 3)):
            day += timedelta(days=rng.randrange(1, 10))
            outcome = rng.choice([None, "interested", "callback", "not_interested"])
            ops.append(
                LogCall(
                    f"l{k}",
                    day,
                    rng.choice(WHO),
                    rng.choice(["in", "out"]),
                    "asks about delivery",
                    outcome,
                    (day + timedelta(days=5)).date() if outcome == "callback" else None,
                )
            )
        for op in ops:
            card = apply(card, op, settings=settings).card
        out.append(render(card))
    return out


def fill(data: Path, contacts: int, events: int, rng: random.Random) -> Account:
    cache = Cache(data / "cache.sqlite")
    groups = [{"resourceName": f"contactGroups/g{i}", "name": g, "formattedName": g,
               "groupType": "USER_CONTACT_GROUP"} for i, g in enumerate(GROUPS)]  # fmt: skip
    cache.set_groups(groups)
    cards = card_variants(rng)
    persons = []
    for i in range(contacts):
        members = rng.sample(groups, rng.choice([0, 1, 1, 1, 2]))
        persons.append({
            "resourceName": f"people/c{i}", "etag": f"e{i}",
            "names": [{"givenName": f"Client{i}", "familyName": "Bench"}],
            "phoneNumbers": [{"value": f"+7916{i:07d}", "type": "mobile"}],
            "biographies": [{"value": cards[i % len(cards)] + f"\n--\nClient {i}: a note.",
                             "contentType": "TEXT_PLAIN"}],  # every card text distinct
            "memberships": [{"contactGroupMembership": {"contactGroupResourceName": g[
                "resourceName"]}} for g in members],
        })  # fmt: skip
    cache.upsert(persons)
    cache.set_meta("synced_at", datetime.now(UTC).isoformat())
    account = Account(None, cache, Profile(name="bench"), data)  # type: ignore[arg-type]
    batch = []
    start = datetime(2026, 8, 23, 9, tzinfo=UTC)
    for n in range(events):
        at = start + timedelta(minutes=n * 90 * 24 * 60 // events)
        who, rn = rng.choice(WHO), f"people/c{rng.randrange(contacts)}"
        kind = rng.choice(["call", "call", "order_open", "order_step", "order_close"])
        stage = {"order_open": "new", "order_step": rng.choice(STAGES),
                 "order_close": rng.choice(["delivered", "cancelled"])}.get(kind)  # fmt: skip
        text = (f"Order {n % 7 + 1} · {stage} {at.date()} · 8 400 ({who})"
                if kind == "order_close" else f"{at.date()} out ({who})")  # fmt: skip
        batch.append(JournalEvent(
            op_id=f"op{n}", seq=0, at=at.isoformat(timespec="seconds"), who=who, kind=kind,
            contact=rn, contact_name=f"Client {rn}", order_no=n % 7 + 1 if stage else None,
            stage=stage, outcome=rng.choice([None, "interested"]) if kind == "call" else None,
            text=text, data={"direction": "out", "changed": True}, state="applied",
        ))  # fmt: skip
        if len(batch) == 5000:
            account.journal.record(batch)
            batch = []
    account.journal.record(batch)
    return account


def view_of(contact: Contact, names: dict[str, str], labels: Labels) -> ClientView:
    """One contact's view, its card parsed now (no facts cache)."""
    phone = contact.phones[0].value if contact.phones else ""
    groups = user_groups(contact.groups, names)
    facts = facts_of(contact.notes, labels)
    return ClientView(contact.resource_name or "", contact.display_name, phone, groups, facts)


def naive_summary(account: Account, since: date, until: date) -> dict[str, int]:
    """The baseline: per group and figure, re-read and re-parse; journal per client."""
    labels = load_labels("en")
    settings = load_report_settings()
    names = user_group_names(account.cache.groups())
    out: dict[str, int] = {}
    lo, hi = since.isoformat(), (until + timedelta(days=1)).isoformat()
    for rn, group in names.items():
        leads = open_orders = recent = completed = 0
        members = [c for c in map(Contact.from_person, account.cache.persons()) if rn in c.groups]
        for figure in ("leads", "open", "contact", "closed"):
            for contact in members:
                view = view_of(contact, names, labels)
                if figure == "leads":
                    leads += is_prospect(view, settings) and not view.ever_ordered
                elif figure == "open":
                    open_orders += len(view.open_orders)
                elif figure == "contact":
                    recent += view.last_contact is not None
                else:
                    for e in account.journal.history(contact.resource_name or ""):
                        completed += e.kind == "order_close" and lo <= e.at < hi
        out[group] = leads + open_orders + recent + completed
    return out


def sheet_calls(rows: int) -> int:
    with SheetsEmulatorServer() as server:
        book = server.create_spreadsheet("Bench", ["Notes", "Summary"])
        client = connect_sheets(endpoint=server.url)
        view = View("summary", ["Group", "Clients", "Amount"],
                    [[f"group {i}", i, Decimal(i) / 4] for i in range(rows)])  # fmt: skip
        refresh_tab(None, book.spreadsheet_id, "Summary", view, sheets_client=client)  # warm
        server.emulator.reset_counters()
        refresh_tab(None, book.spreadsheet_id, "Summary", view, sheets_client=client)
        return server.emulator.total_calls


CALLBACK_ROWS = 13_000
CALLBACKS_GOAL_S = 1.0


def callbacks_render(account: Account) -> dict[str, float | int]:
    """Render 13,000 due call-backs like ``crm callbacks`` does; the rich table as baseline."""
    import io

    from rich.console import Console
    from rich.table import Table

    from contacts_crm.cli.output import Listing, render_plain, render_table

    items = callbacks(account, today=TODAY + timedelta(days=365))[:CALLBACK_ROWS]
    header = ["Name", "Phone", "Reason", "Overdue", "Last contact", "Why"]
    rows = [[c.name, c.phone, c.reason, c.overdue, f"{c.last_contact} ({c.last_contact_by})",
             c.reasons[0].detail] for c in items]  # fmt: skip
    t0 = time.perf_counter()
    table_text = render_table(Listing(header, rows), width=80, style=False)
    table_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    view = callbacks_view(items)
    render_plain(Listing(view.header, view.rows))
    plain_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    old = Table(show_lines=False, header_style="bold")  # what cli/output.table did before
    for name in header:
        old.add_column(name, overflow="fold", min_width=min(len(name), 10))
    for r in rows:
        old.add_row(*(str(v) for v in r))
    Console(file=io.StringIO(), width=80, highlight=False, soft_wrap=True).print(old)
    rich_s = time.perf_counter() - t0
    longest = max(len(line) for line in table_text.splitlines())
    return {"rows": len(items), "table_s": table_s, "plain_s": plain_s, "rich_s": rich_s,
            "widest_line": longest}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="warm summaries timed (median)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        account = fill(Path(tmp), args.contacts, args.events, rng)
        print(f"filled {account.cache.count()} contacts, {account.journal.count()} journal "
              f"events in {time.perf_counter() - t0:.1f} s", file=sys.stderr)  # fmt: skip
        t0 = time.perf_counter()
        summary(account, today=TODAY)  # first report: parses every card once
        cold_s = time.perf_counter() - t0
        runs = []
        for _ in range(args.repeat):  # warm: no card changed since the first report
            t0 = time.perf_counter()
            month = summary(account, today=TODAY)
            runs.append(time.perf_counter() - t0)
        month_s, month_best = statistics.median(runs), min(runs)
        t0 = time.perf_counter()
        whole = summary(account, since=date(2026, 8, 1), today=TODAY)
        whole_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        naive_summary(account, month.since, month.until)
        naive_s = time.perf_counter() - t0
        cb = callbacks_render(account)
        account.close()
    print(f"first summary (parses all {args.contacts} cards): {cold_s:.3f} s")
    print(f"summary, this month ({month.total.completed} orders completed): {month_s:.3f} s "
          f"(median of {len(runs)} warm runs; best {month_best:.3f} s)")  # fmt: skip
    print(f"summary, whole journal ({whole.total.completed} completed): {whole_s:.3f} s")
    print(f"baseline (re-parse per group and figure, journal per client): {naive_s:.3f} s")
    print(f"speed-up: {naive_s / month_s:.1f}x")
    small, large = sheet_calls(100), sheet_calls(10_000)
    print(f"Sheet refresh API calls: 100 rows -> {small}, 10,000 rows -> {large}")
    enough = cb["rows"] >= min(CALLBACK_ROWS, args.contacts // 2)
    cb_ok = enough and cb["table_s"] < CALLBACKS_GOAL_S
    print(f"callbacks, {cb['rows']} due clients: terminal table at 80 columns "
          f"{cb['table_s']:.3f} s (widest line {cb['widest_line']}), plain {cb['plain_s']:.3f} s; "
          f"baseline rich table {cb['rich_s']:.3f} s ({cb['rich_s'] / cb['table_s']:.1f}x); "
          f"goal < {CALLBACKS_GOAL_S} s: {'PASS' if cb_ok else 'FAIL'}")  # fmt: skip
    print(f"{'PASS' if cb_ok else 'FAIL'}  crm callbacks, {cb['rows']:,} due clients, terminal "
          f"table rendered in {cb['table_s']:.2f} s (goal < {CALLBACKS_GOAL_S} s)")  # fmt: skip
    print(f"{'PASS' if small == large else 'FAIL'}  a Sheet tab refresh: {small} calls for 100 "
          f"rows, {large} for 10,000 (goal: the same)")  # fmt: skip
    print(json.dumps({
        "contacts": args.contacts, "events": args.events,
        "summary_first_s": round(cold_s, 3), "summary_month_s": round(month_s, 3),
        "summary_month_best_s": round(month_best, 3), "summary_month_runs": len(runs),
        "summary_whole_journal_s": round(whole_s, 3),
        "baseline_s": round(naive_s, 3), "speedup": round(naive_s / month_s, 1),
        "goal_s": 1.0, "sheet_calls_100_rows": small, "sheet_calls_10000_rows": large,
        "callbacks_rows": cb["rows"], "callbacks_table_s": round(cb["table_s"], 3),
        "callbacks_plain_s": round(cb["plain_s"], 3),
        "callbacks_rich_baseline_s": round(cb["rich_s"], 3),
        "callbacks_goal_s": CALLBACKS_GOAL_S, "callbacks_pass": cb_ok,
    }))  # fmt: skip
    if not (cb_ok and small == large):
        sys.exit(1)


if __name__ == "__main__":
    main()
