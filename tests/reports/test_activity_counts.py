"""Activity counted by SQLite gives exactly the figures of reading every event."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from contacts_crm.account.connected import Account
from contacts_crm.card.events import JournalEvent
from contacts_crm.reports.activity import activity

WHO = ["Ivan", "Olga", "ОЛЬГА", None, "Ayşe"]
KINDS = ["call", "call", "order_open", "order_step", "order_close", "compaction"]


def _events(rng: random.Random, n: int) -> list[JournalEvent]:
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    out = []
    for i in range(n):
        kind = rng.choice(KINDS)
        stage = {"order_open": "new", "order_step": rng.choice(["paid", "shipped", "delivered"]),
                 "order_close": rng.choice(["delivered", "cancelled"])}.get(kind)  # fmt: skip
        data: dict[str, object] = {}
        if kind == "call":
            data["direction"] = rng.choice(["in", "out", "missed", None])
        if rng.random() < 0.15:
            data["changed"] = rng.choice([False, True])
        if kind == "compaction":
            data["line"] = rng.choice(["order", "call"])
        out.append(JournalEvent(
            op_id=f"op{i % 40}", seq=i, at=(start + timedelta(hours=i)).isoformat(),
            who=rng.choice(WHO), kind=kind, contact=f"people/c{rng.randrange(12)}",
            order_no=rng.randrange(1, 5) if kind != "call" else None, stage=stage,
            amount=str(rng.randrange(100, 900)) if rng.random() < 0.6 else None,
            outcome=rng.choice([None, "interested", "callback"]) if kind == "call" else None,
            data=data, state="applied",
        ))  # fmt: skip
    return out


def test_counted_figures_equal_the_event_by_event_ones(tmp_path):
    account = Account.from_service(None, tmp_path)
    account.journal.record(_events(random.Random(3), 900))
    for who in (None, "olga", "ivan", "nobody"):
        fast = activity(account, since=date(2026, 10, 1), until=date(2026, 12, 1),
                        who=who, today=date(2026, 12, 1))  # fmt: skip
        slow = activity(account, since=date(2026, 10, 1), until=date(2026, 12, 1),
                        who=who, today=date(2026, 12, 1), with_events=True)  # fmt: skip
        assert fast.employees == slow.employees and fast.total == slow.total, who
        assert fast.closed == slow.closed, who
        if who != "nobody":
            assert fast.total.calls and fast.closed  # the data exercises every branch
    account.close()


def test_closed_orders_alone_are_the_same_closed_orders(tmp_path):
    """counted=False (the summary without its employees) skips the per-employee
    counts, not one closed order: same orders, same amounts, no employees."""
    account = Account.from_service(None, tmp_path)
    account.journal.record(_events(random.Random(5), 900))
    period = {"since": date(2026, 10, 1), "until": date(2026, 12, 1), "today": date(2026, 12, 1)}
    full, closed = activity(account, **period), activity(account, **period, counted=False)
    assert closed.closed == full.closed and len(full.closed) > 20
    assert closed.employees == [] and closed.total.calls == 0 and full.employees
    one = activity(account, **period, who="olga", counted=False)  # one employee: counted
    assert one.employees == activity(account, **period, who="olga").employees != []
    account.close()
