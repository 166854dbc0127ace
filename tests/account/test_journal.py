"""The journal: idempotent appends, pending/applied, history, queries, several writers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from contacts_crm.account.journal import APPLIED, PENDING, Journal, JournalEvent
from contacts_crm.errors import ConfigError
from contacts_crm.office.templates import load_labels


def ev(op: str, seq: int = 0, at: str = "2026-11-20T10:00:00+00:00", **kw: object) -> JournalEvent:
    base = {"who": "Olga", "kind": "call", "contact": "people/c1", "text": f"{op}/{seq}"}
    return JournalEvent(op_id=op, seq=seq, at=at, **{**base, **kw})  # type: ignore[arg-type]


def test_record_is_idempotent_and_pending_until_applied(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        events = [ev("a", 0, data={"x": 1}), ev("a", 1, kind="compaction"), ev("b")]
        journal.record(events)
        journal.record(events)
        assert journal.count() == 3
        assert [(e.op_id, e.seq, e.state) for e in journal.pending()] == [
            ("a", 0, PENDING),
            ("a", 1, PENDING),
            ("b", 0, PENDING),
        ]
        journal.mark_applied("a")
        assert [e.op_id for e in journal.pending()] == ["b"]
        assert journal.is_applied("a") and not journal.is_applied("b")
        first = journal.history("people/c1")[0]
        assert (first.state, first.data, first.id) == (APPLIED, {"x": 1}, 1)


def test_history_is_oldest_first_and_queries_filter(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    journal.record(
        [
            ev("late", at="2026-11-22T10:00:00+00:00", who="Ivan", kind="order_open"),
            ev("early", at="2026-11-01T10:00:00+00:00"),
            ev("other", at="2026-11-05T10:00:00+00:00", contact="people/c2"),
        ]
    )
    assert [e.op_id for e in journal.history("people/c1")] == ["early", "late"]
    assert [e.op_id for e in journal.events(since="2026-11-02")] == ["other", "late"]
    assert [e.op_id for e in journal.events(until="2026-11-02")] == ["early"]
    assert [e.op_id for e in journal.events(kinds=["order_open"])] == ["late"]
    assert [e.op_id for e in journal.events(who="Olga", contact="people/c2")] == ["other"]
    assert list(journal.events(kinds=[])) == []
    journal.close()


def test_rows_is_events_lean_form(tmp_path: Path) -> None:
    """rows() keeps the same events in the same order, data cut to the keys asked for."""
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record(
            [
                ev("b", at="2026-11-05T10:00:00+00:00", data={"changed": True, "n": [1, 2]}),
                ev("a", at="2026-11-05T10:00:00+00:00", who="Ivan", data={"changed": False}),
                ev("c", at="2026-11-01T10:00:00+00:00", kind="order_open", data={"x": "y"}),
            ]
        )
        filters: list[dict[str, object]] = [
            {},
            {"since": "2026-11-02"},
            {"kinds": ["call"]},
            {"who": "Olga"},
            {"kinds": []},
        ]
        for f in filters:
            events = list(journal.events(**f))  # type: ignore[arg-type]
            rows = list(journal.rows(**f, data_keys=["changed", "n"]))  # type: ignore[arg-type]
            assert [r.id for r in rows] == [e.id for e in events]
            for row, event in zip(rows, events, strict=True):
                keep = {k: v for k, v in event.data.items() if k in ("changed", "n")}
                assert row._replace(data={}) == row._make(
                    getattr(event, name) if name != "data" else {} for name in row._fields
                )
                assert row.data == keep


def test_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    Journal(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ConfigError, match="schema version 99"):
        Journal(path)


WRITER = """
import sys
from contacts_crm.account.journal import Journal, JournalEvent
j = Journal(sys.argv[1])
for i in range(150):
    j.record([JournalEvent(op_id=f"{sys.argv[2]}-{i}", seq=s, at="2026-11-20T10:00:00+00:00",
                           who="w", kind="call", contact="people/c1") for s in range(2)])
    if i % 3 == 0:
        j.mark_applied(f"{sys.argv[2]}-{i}")
j.close()
"""


def test_several_processes_append_safely(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{n}"]) for n in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    with Journal(path) as journal:
        assert journal.count() == 3 * 150 * 2
        assert len(journal.pending()) == 3 * 100 * 2
        assert len({(e.op_id, e.seq) for e in journal.events()}) == 900


def test_card_history_survives_compaction_in_the_journal(tmp_path: Path) -> None:
    from datetime import datetime

    from card_helpers import parse

    from contacts_crm.card.operations import OpenOrder, StepOrder, apply
    from contacts_crm.card.settings import CardSettings

    card = parse("")
    ops = [OpenOrder("o1", datetime(2026, 11, 1), "Ivan", "tiles")] + [
        StepOrder(f"o{n}", datetime(2026, 11, n), "Olga", 1, stage)
        for n, stage in enumerate(["confirmed", "paid", "shipped", "delivered"], 2)
    ]
    with Journal(tmp_path / "j.sqlite") as journal:
        for op in ops:
            result = apply(
                card, op, settings=CardSettings(labels=load_labels()), contact="people/c9"
            )
            journal.record(result.events)
            card = result.card
            journal.mark_applied(op.op_id)
        texts = [e.text for e in journal.history("people/c9")]
    assert len([line for line in card.lines if line.text.startswith("Order 1")]) == 1
    for fragment in ("new: tiles (Ivan)", "confirmed (Olga)", "paid (Olga)", "shipped (Olga)"):
        assert any(fragment in t for t in texts), fragment
