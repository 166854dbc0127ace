#!/usr/bin/env python3
"""Benchmark the manager's summary over the whole journal, in-process, and the Sheet refresh.

In-process, not whole-process: every figure here is a function call inside
this Python process (``reports.summary``, the renderers), so start-up,
imports and output are NOT in them. What people wait for — ``crm summary``,
``crm activity``, ``crm callbacks`` as whole processes, first run and warm —
is measured by ``scripts/bench_report_commands.py`` (same account, made by
``fill`` below).

The account: 25,000 clients (``Cache.upsert`` of generated persons whose cards
are made by the real card operations, drawn from ``--variants`` histories (3,000)
and each made distinct by its own free text, in 8 groups) and 100,000 journal events
over three months (calls; orders opened with an amount, moved, and closed —
delivered or cancelled — with their amount, as ``crm order`` journals them).

Timed, over the whole journal (``since`` the first day of the cards):
- first summary: no card facts remembered (each card parsed once, its facts stored);
- warm summary: the facts remembered, no card changed (median of ``--repeat``).

Baseline, same run, same figures: a competent naive summary — the best plain
query of the same SQLite copy (name, first phone, groups and card picked out by
SQLite, no Person decoded), each card parsed ONCE (no facts remembered), the
figures added up per group in Python, and the period's journal events read
once and tallied in Python. Ours and the naive one run interleaved (first,
naive, naive, first, …; then warm the same way) and each ratio is the median
of the pairs' ratios. The naive figures must equal the real summary's (else
the run stops: the baseline would not be comparable).

Sheets: the API calls ``--to-sheet`` makes to refresh a tab of 100 rows and of
10,000 rows, against the Sheets emulator on loopback (goal: the same number).

Call-backs: 13,000 due clients (the real report, a year later so that they are
due) rendered as the terminal table at 80 columns and as plain lines for a
pipe. Baseline in the same run: the rich table the command printed before.

Goals (2 cores, in-process): the warm summary of the whole journal at least 2x
faster than the naive one, and the first (which parses every card as the naive
one does, and stores the facts for the warm runs) at most 1.25x the naive one's
time (interleaved ratios: they catch a regression whatever the machine's
load); both within the people's limits (warm <= 1 s, first <= 2 s: above them,
the whole process cannot meet its goal); the call-backs table <= 1 s; a Sheet
refresh costs no more calls for 10,000 rows than for 100.
Exits 1 when a goal fails; the last line is one JSON object.

    .venv/bin/python scripts/bench_reports.py [--contacts 25000] [--events 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from _bench import Goals, interleaved

from contacts_crm.account.cache import Cache
from contacts_crm.account.connected import Account
from contacts_crm.card.events import JournalEvent
from contacts_crm.card.grammar import format_amount, parse, render
from contacts_crm.card.operations import CloseOrder, LogCall, OpenOrder, StepOrder, apply
from contacts_crm.card.settings import CardSettings
from contacts_crm.config import Profile
from contacts_crm.office.cards import card_settings
from contacts_crm.office.templates import load_labels
from contacts_crm.reports.activity import KINDS, _Tally
from contacts_crm.reports.callbacks import callbacks
from contacts_crm.reports.clients import FACTS_FILE, ClientView, user_group_names, user_groups
from contacts_crm.reports.facts import facts_of
from contacts_crm.reports.settings import ALL, NO_GROUP, load_report_settings, period_bounds
from contacts_crm.reports.summary import Summary, is_prospect, summary
from contacts_crm.reports.tables import View, callbacks_view
from contacts_crm.reports.to_sheet import refresh_tab
from contacts_crm.sheets.client import connect_sheets
from contacts_crm.sheets_emulator import SheetsEmulatorServer

TODAY = date(2026, 11, 20)
SINCE = date(2026, 8, 1)  # the first day of the cards: the whole journal
#: Card histories the clients' cards are drawn from (each card distinct by its free text);
#: more (``--variants``) means fewer recurring lines and alike clients: a harder account.
CARD_VARIANTS = 3000
AMOUNT_KINDS = ("order_open", "order_close")
GROUPS = ["Wholesale", "Retail", "New", "Leads", "Call back", "Customer", "Returning", "VIP"]
WHO = ["Ivan", "Olga", "Anna", "Petr", "Maria"]
STAGES = ["confirmed", "paid", "shipped"]


def card_variants(rng: random.Random, n: int = CARD_VARIANTS) -> list[str]:
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


def fill(data: Path, contacts: int, events: int, rng: random.Random,
         variants: int = CARD_VARIANTS) -> Account:  # fmt: skip
    cache = Cache(data / "cache.sqlite")
    groups = [{"resourceName": f"contactGroups/g{i}", "name": g, "formattedName": g,
               "groupType": "USER_CONTACT_GROUP"} for i, g in enumerate(GROUPS)]  # fmt: skip
    cache.set_groups(groups)
    cards = card_variants(rng, variants)
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
    batch: list[JournalEvent] = []
    start = datetime(2026, 8, 23, 9, tzinfo=UTC)
    for n in range(events):
        at = start + timedelta(minutes=n * 90 * 24 * 60 // events)
        who, rn = rng.choice(WHO), f"people/c{rng.randrange(contacts)}"
        kind = rng.choice(["call", "call", "order_open", "order_step", "order_close"])
        stage = {"order_open": "new", "order_step": rng.choice(STAGES),
                 "order_close": rng.choice(["delivered", "cancelled"])}.get(kind)  # fmt: skip
        # an order's amount rides on its opening and on its close, as card_ops journals it
        amount = Decimal(rng.randrange(500, 90_000, 100)) if kind in AMOUNT_KINDS else None
        text = (f"Order {n % 7 + 1} · {stage} {at.date()} · {format_amount(amount)} ({who})"
                if kind == "order_close" and amount else f"{at.date()} out ({who})")  # fmt: skip
        batch.append(JournalEvent(
            op_id=f"op{n}", seq=0, at=at.isoformat(timespec="seconds"), who=who, kind=kind,
            contact=rn, contact_name=f"Client {rn}", order_no=n % 7 + 1 if stage else None,
            stage=stage, amount=None if amount is None else str(amount),
            outcome=rng.choice([None, "interested"]) if kind == "call" else None,
            text=text, data={"direction": "out", "changed": True}, state="applied",
        ))  # fmt: skip
        if len(batch) == 5000:
            account.journal.record(batch)
            batch = []
    account.journal.record(batch)
    return account


def reopen(data: Path) -> Account:
    """The account ``fill`` wrote, opened afresh."""
    return Account(None, Cache(data / "cache.sqlite"), Profile(name="bench"), data)  # type: ignore[arg-type]


def naive_summary(account: Account, since: date, until: date) -> dict[str, tuple[Any, ...]]:
    """The baseline: what a competent first version does, with no facts remembered: the
    best plain query of the same SQLite copy (each client's name, first phone, groups
    and card picked out by SQLite, no Person decoded), each card parsed once, the
    figures added per group; the period's journal events read once and tallied.

    Per group: (clients, leads, open orders, orders completed, amount completed)."""
    labels = card_settings(account.profile).labels
    settings = load_report_settings()
    names = user_group_names(account.cache.groups())
    groups_of: dict[str, tuple[str, ...]] = {}
    per: dict[str, list[Any]] = {}
    # the best plain query of the same SQLite copy: only the fields a report needs,
    # picked out of the stored JSON by SQLite (no Person decoded)
    for rn, shown, phone, member_of, notes in account.cache.card_rows():
        groups = user_groups(member_of, names)
        view = ClientView(rn, shown, phone, groups, facts_of(notes, labels))
        groups_of[rn] = groups
        lead = is_prospect(view, settings) and not view.ever_ordered
        for g in (*groups, ALL):
            fig = per.setdefault(g, [0, 0, 0, 0, Decimal(0)])
            fig[0] += 1
            fig[1] += lead
            fig[2] += len(view.open_orders)
    lo, hi = period_bounds(since, until)
    tally = _Tally(labels)  # the per-event tally ``crm activity --events`` uses
    for event in account.journal.events(since=lo, until=hi, kinds=KINDS):
        tally.add(event)
    for order in tally.finish():
        if order.cancelled:
            continue
        for g in (*groups_of.get(order.contact, (NO_GROUP,)), ALL):
            fig = per.setdefault(g, [0, 0, 0, 0, Decimal(0)])
            fig[3] += 1
            fig[4] += order.amount or 0
    return {g: tuple(fig) for g, fig in per.items()}


def figures_of(report: Summary) -> dict[str, tuple[Any, ...]]:
    """The real summary's figures in ``naive_summary``'s shape, to compare them."""
    return {g.group: (g.clients, g.leads, g.open_orders, g.completed, g.completed_amount)
            for g in [*report.groups, report.total]}  # fmt: skip


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
    parser.add_argument("--pairs", type=int, default=2,
                        help="first summaries timed, interleaved with the naive one")  # fmt: skip
    parser.add_argument("--variants", type=int, default=CARD_VARIANTS,
                        help="card histories the cards are drawn from")  # fmt: skip
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        account = fill(Path(tmp), args.contacts, args.events, rng, args.variants)
        print(f"filled {account.cache.count():,} contacts, {account.journal.count():,} journal "
              f"events in {time.perf_counter() - t0:.1f} s", file=sys.stderr)  # fmt: skip
        account.close()  # reports open a settled account, as a new crm process does
        account = reopen(Path(tmp))
        facts = Path(tmp) / FACTS_FILE
        firsts: list[float] = []

        labels = card_settings(account.profile).labels

        def cold() -> None:
            """As a new process: no line of a card read before (the grammar's line memo)."""
            labels.cache.pop("lines", None)

        def first_summary() -> float:  # no card facts remembered: every card parsed
            nonlocal first
            facts.unlink(missing_ok=True)
            cold()
            t0 = time.perf_counter()
            first = summary(account, since=SINCE, today=TODAY)
            firsts.append(time.perf_counter() - t0)
            return firsts[-1]

        first = whole = None
        pairing_first = True
        window = (SINCE, TODAY)

        def naive_run() -> float:
            nonlocal naive
            if pairing_first:  # paired with a first summary: as cold as it
                cold()
            t0 = time.perf_counter()
            naive = naive_summary(account, *window)
            return time.perf_counter() - t0

        naive: dict[str, tuple[Any, ...]] = {}
        # interleaved: first, naive, naive, first, ... (load hits both alike)
        first_pairs = interleaved(first_summary, naive_run, args.pairs, warmup=0)
        assert first is not None
        window = (first.since, first.until)
        first_s = first_pairs.median("ours")
        pairing_first = False

        def warm_summary() -> float:
            nonlocal whole
            t0 = time.perf_counter()
            whole = summary(account, since=SINCE, today=TODAY)
            return time.perf_counter() - t0

        warm_pairs = interleaved(warm_summary, naive_run, args.repeat, warmup=0)
        assert whole is not None
        runs = warm_pairs.ours
        warm_s = warm_pairs.median("ours")
        naive_runs = first_pairs.base + warm_pairs.base
        naive_s = statistics.median(naive_runs)
        first_ratio = 1 / first_pairs.ratio()
        warm_ratio = 1 / warm_pairs.ratio()
        same = naive == figures_of(whole) == figures_of(first)
        cb = callbacks_render(account)
        account.close()
    total = whole.total
    print(f"whole journal {whole.since} – {whole.until}: {total.clients:,} clients, "
          f"{total.completed:,} orders completed ({total.completed_amount:,}), "
          f"{total.cancelled:,} cancelled ({total.cancelled_amount:,})")  # fmt: skip
    print("in-process (no start-up, no output; whole processes: bench_report_commands)")
    print(f"first summary (parses all {args.contacts:,} cards once, stores their facts): "
          f"{first_s:.3f} s")  # fmt: skip
    print(f"warm summary (facts remembered): {warm_s:.3f} s (median of {len(runs)}; "
          f"best {min(runs):.3f} s)")  # fmt: skip
    print(f"baseline, naive summary (the same SQLite copy, fields picked by SQLite, each card "
          f"parsed once, events tallied in Python): {naive_s:.3f} s (median of "
          f"{len(naive_runs)}) -> warm is {warm_ratio:.2f}x faster, first {first_ratio:.2f}x "
          f"(medians of interleaved pairs); same figures: {same}")  # fmt: skip
    small, large = sheet_calls(100), sheet_calls(10_000)
    print(f"Sheet refresh API calls: 100 rows -> {small}, 10,000 rows -> {large}")
    print(f"callbacks, {cb['rows']:,} due clients: terminal table at 80 columns "
          f"{cb['table_s']:.3f} s (widest line {cb['widest_line']}), plain {cb['plain_s']:.3f} s; "
          f"baseline rich table {cb['rich_s']:.3f} s "
          f"({cb['rich_s'] / cb['table_s']:.1f}x)")  # fmt: skip
    goals = Goals("bench_reports")
    base = f"naive summary over the same SQLite copy, {naive_s:.3f} s"
    goals.at_most("summary, whole journal, warm, in-process (median)", warm_s, 1.0, "s",
                  against=base)  # fmt: skip
    goals.at_least("warm summary, naive / ours (interleaved)", warm_ratio, 2, "x",
                   against=base)  # fmt: skip
    goals.at_most("summary, whole journal, first (no facts yet), in-process", first_s, 2.0, "s",
                  against=base)  # fmt: skip
    goals.ratio_at_most("first summary, ours / naive (interleaved): the facts stored "
                        "for the warm runs cost at most a quarter", ratio=1 / first_ratio,
                        most=1.25, against=base)  # fmt: skip
    if not same:
        sys.exit("the naive and the real summary disagree: the baseline is not comparable")
    enough = min(CALLBACK_ROWS, args.contacts // 2)  # the table timed must be that long
    goals.check(f"due call-backs rendered (at least {enough:,})", min(cb["rows"], enough),
                enough, "rows")  # fmt: skip
    goals.at_most(f"callbacks terminal table at 80 columns, {cb['rows']:,} rows", cb["table_s"],
                  CALLBACKS_GOAL_S, "s", against=f"the rich table printed before, "
                  f"{cb['rich_s']:.2f} s")  # fmt: skip
    goals.at_most("Sheet refresh API calls, 10,000 rows", large, small, "calls",
                  against=f"{small} calls for 100 rows")  # fmt: skip
    goals.finish({
        "contacts": args.contacts, "events": args.events, "card_variants": args.variants,
        "in_process": True,
        "since": whole.since.isoformat(), "until": whole.until.isoformat(),
        "orders_completed": total.completed, "amount_completed": str(total.completed_amount),
        "summary_first_s": round(first_s, 3), "summary_warm_s": round(warm_s, 3),
        "summary_warm_best_s": round(min(runs), 3), "summary_warm_runs": len(runs),
        "baseline_naive_s": round(naive_s, 3), "speedup_warm": round(naive_s / warm_s, 1),
        "same_figures": same, "sheet_calls_100_rows": small, "sheet_calls_10000_rows": large,
        "callbacks_rows": cb["rows"], "callbacks_table_s": round(cb["table_s"], 3),
        "callbacks_plain_s": round(cb["plain_s"], 3),
        "callbacks_rich_baseline_s": round(cb["rich_s"], 3),
    })  # fmt: skip


if __name__ == "__main__":
    main()
