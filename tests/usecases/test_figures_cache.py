"""The dashboard's kept figures: a look never waits for a count once something is kept."""

from __future__ import annotations

import threading

from contacts_crm.usecases.dashboard import FiguresCache


def test_figures_older_than_max_age_are_served_while_counted_again():
    """Before, a look after five quiet minutes waited for a whole count (12 s at load)."""
    now = [1000.0]
    cache = FiguresCache(max_age=300.0, clock=lambda: now[0])
    counts = iter(range(1, 10))
    gate = threading.Event()

    def compute() -> int:
        value = next(counts)
        if value > 1:
            assert gate.wait(60)  # the recount is held: the look must not wait for it
        return value

    assert cache.get("k", lambda: "s", compute).value == 1
    now[0] += 301  # five quiet minutes: nothing changed, but the figures are old
    old = cache.get("k", lambda: "s", compute)
    assert (old.value, old.fresh) == (1, False)  # answered while the recount is held
    gate.set()
    assert cache.wait_idle()
    again = cache.get("k", lambda: "s", compute)
    assert (again.value, again.fresh) == (2, True)
    cache.close()


def test_warm_counts_ahead_and_only_once():
    cache = FiguresCache()
    calls = []
    cache.warm("k", lambda: "s", lambda: calls.append(1) or len(calls))
    assert cache.wait_idle()
    assert cache.get("k", lambda: "s", lambda: 99).value == 1  # kept: no count while looking
    cache.warm("k", lambda: "s", lambda: calls.append(1) or len(calls))  # kept: nothing to do
    assert cache.wait_idle() and len(calls) == 1
    cache.close()
