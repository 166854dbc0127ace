"""Operations on cards: order lifecycle, calls, compaction, budget, idempotency."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from card_helpers import parse
from hypothesis import given, settings
from hypothesis import strategies as st
from test_samples import EXAMPLE, card_texts

from contacts_crm.card.compaction import size
from contacts_crm.card.dialer import dialer_view
from contacts_crm.card.grammar import render, unrecognised_lines
from contacts_crm.card.model import Card, Kind
from contacts_crm.card.operations import (
    CardSettings,
    CloseOrder,
    LogCall,
    OpenOrder,
    Operation,
    StepOrder,
    apply,
)
from contacts_crm.errors import CrmError, NotFoundError, UsageError
from contacts_crm.office.templates import load_labels

S = CardSettings(labels=load_labels())
T0 = datetime(2026, 11, 1, 9, 30)


def at(day: int) -> datetime:
    return T0 + timedelta(days=day)


def run(card: Card, *ops: Operation, s: CardSettings = S) -> tuple[Card, list]:
    events = []
    for op in ops:
        result = apply(card, op, settings=s)
        card = result.card
        events += result.events
    return card, events


# ---- order lifecycle (invariants 4 and 5) ------------------------------------------
def test_order_through_every_stage_ends_as_one_line() -> None:
    free = "Prefers calls after 14:00."
    card, events = run(
        parse(free),
        OpenOrder("o1", at(0), "Ivan", "40 boxes of tiles", Decimal(12000)),
        StepOrder("o2", at(1), "Olga", 1, "confirmed", "by phone"),
        StepOrder("o3", at(2), "Olga", 1, "paid", amount=Decimal(12500)),
        StepOrder("o4", at(3), "Ivan", 1, "shipped", "DHL 42"),
        StepOrder("o5", at(4), "Ivan", 1, "delivered"),
    )
    text = render(card)
    assert text.endswith("\n--\n" + free)
    order_lines = [ln.text for ln in card.lines if ln.kind is Kind.ORDER]
    assert order_lines == ["Order 1 · delivered 2026-11-05 · 12 500 (Ivan)"]
    assert [ln.kind for ln in card.lines] == [Kind.STATUS, Kind.ORDER]
    assert not any(ln.kind is Kind.STEP for ln in card.lines)
    removed = [e.text for e in events if e.kind == "compaction"]
    for step in (
        "40 boxes of tiles (Ivan)",
        "confirmed: by phone (Olga)",
        "paid 12 500 (Olga)",
        "shipped: DHL 42 (Ivan)",
    ):
        assert sum(step in t for t in removed) == 1, step
    close = next(e for e in events if e.op_id == "o5")
    assert (close.kind, close.seq, close.stage, close.order_no) == ("order_step", 0, "delivered", 1)
    assert close.text == order_lines[0]
    assert all(e.who for e in events)


def test_close_cancelled_and_amount() -> None:
    card, _ = run(
        parse(""),
        OpenOrder("a", at(0), "Ivan", "glue"),
        CloseOrder("b", at(1), "Olga", 1, cancelled=True, amount=Decimal("99.5")),
    )
    order = card.order(1)
    assert order is not None and not order.is_open
    assert (order.stage, order.amount, order.who_closed) == ("cancelled", Decimal("99.5"), "Olga")


def test_orders_are_numbered_per_client_after_folded_orders() -> None:
    card = parse("Orders 1–15 · 15 closed · 120 400\nOrder 16 · delivered 2026-11-01 (Ivan)")
    card, _ = run(card, OpenOrder("a", at(0), "Ivan", "tiles"))
    assert [o.number for o in card.orders()] == [17, 16]
    assert [ln.kind for ln in card.lines][:3] == [Kind.STATUS, Kind.ORDER, Kind.STEP]


def test_errors_name_the_problem_and_the_fix() -> None:
    card = parse(EXAMPLE)
    with pytest.raises(UsageError) as bad_stage:
        apply(card, StepOrder("x", at(0), "Olga", 17, "teleported"), settings=S)
    assert "confirmed" in (bad_stage.value.hint or "")
    with pytest.raises(NotFoundError) as missing:
        apply(card, StepOrder("x", at(0), "Olga", 99, "paid"), settings=S)
    assert "17" in (missing.value.hint or "")
    with pytest.raises(UsageError):
        apply(card, StepOrder("x", at(0), "Olga", 16, "paid"), settings=S)  # already closed
    with pytest.raises(UsageError):
        apply(card, LogCall("x", at(0), "", "in"), settings=S)  # attribution is required
    with pytest.raises(UsageError):
        apply(card, LogCall("x", at(0), "Olga", "sideways"), settings=S)
    folded = parse("Orders 1–15 · 15 closed")
    with pytest.raises(NotFoundError, match="folded"):
        apply(folded, CloseOrder("x", at(0), "Olga", 3), settings=S)


def test_stage_names_of_any_language_are_accepted() -> None:
    card, _ = run(parse(EXAMPLE), StepOrder("a", at(30), "Olga", 17, "отправлен"))
    order = card.order(17)
    assert order is not None and order.stage == "shipped"


# ---- calls and the status line (invariant 3: dialer first) ----------------------------
def test_call_goes_on_top_of_calls_and_status_is_updated() -> None:
    call = LogCall(
        "c",
        datetime(2026, 11, 25, 15),
        "Ivan",
        "out",
        "will pay Monday",
        "callback",
        date(2026, 11, 30),
    )
    card, events = run(parse(EXAMPLE), call)
    lines = render(card).split("\n")
    assert lines[0] == "Wholesale · last contact 2026-11-25 (Ivan)"
    assert lines[1].startswith("Order 17")
    first_call = lines[lines.index("Calls") + 1]
    assert first_call == "  2026-11-25 out (Ivan) · call back 2026-11-30: will pay Monday"
    assert events[0].kind == "call" and events[0].outcome == "callback"
    assert events[0].at == "2026-11-25T15:00:00+00:00"
    assert card.free == parse(EXAMPLE).free


def test_only_calls_shown_stay_and_the_rest_are_journaled() -> None:
    card = parse("")
    ops = [LogCall(f"c{i}", at(i), "Olga", "in", f"call {i}") for i in range(6)]
    card, events = run(card, *ops)
    assert [c.comment for c in card.calls()] == ["call 5", "call 4", "call 3"]
    gone = [e.text for e in events if e.kind == "compaction"]
    assert gone == [f"  2026-11-0{i + 1} in (Olga): call {i}" for i in range(3)]


def test_dialer_view_fits_budget_and_puts_open_order_first() -> None:
    text = "Someone typed this on top\n" + EXAMPLE
    small = CardSettings(labels=load_labels(), max_lines=4, max_chars=200)
    view = dialer_view(parse(text), small).split("\n")
    assert len(view) <= 4 and sum(map(len, view)) + len(view) - 1 <= 200
    assert view[0].startswith("Wholesale · last contact") and view[1].startswith("Order 17")


# ---- invariant 7: idempotent ------------------------------------------------------------
@pytest.mark.parametrize(
    "op",
    [
        LogCall("r", at(30), "Olga", "in", "asks"),
        OpenOrder("r", at(30), "Olga", "tiles", Decimal(5)),
        StepOrder("r", at(30), "Olga", 17, "shipped", "DHL"),
        CloseOrder("r", at(30), "Olga", 17),
    ],
)
def test_retry_after_landed_write_adds_nothing(op: Operation) -> None:
    once = apply(parse(EXAMPLE), op, settings=S)
    landed = parse(render(once.card))
    twice = apply(landed, op, settings=S)
    assert once.changed and not twice.changed
    assert render(twice.card) == render(landed)
    assert twice.events[0].op_id == once.events[0].op_id and len(twice.events) == 1


def test_apply_is_deterministic() -> None:
    op = LogCall("d", at(30), "Olga", "out", "x" * 300)
    first, second = (apply(parse(EXAMPLE), op, settings=S) for _ in range(2))
    assert render(first.card) == render(second.card) and first.events == second.events
    assert len(first.card.calls()[0].comment) <= S.max_comment


# ---- hand-edited cards keep working -------------------------------------------------------
def test_hand_finalised_order_is_compacted_by_next_op() -> None:
    text = EXAMPLE.replace(
        "  2026-11-19 paid 12 500 (Olga)\n",
        "  2026-11-19 paid 12 500 (Olga)\n  2026-11-21 delivered (Anna)\n",
    )
    card, events = run(parse(text), LogCall("c", at(25), "Olga", "in"))
    order = card.order(17)
    assert order is not None and (order.stage, order.who_closed) == ("delivered", "Anna")
    assert "Order 17 · delivered 2026-11-21 · 12 500 (Anna)" in render(card)
    assert "  2026-11-21 delivered (Anna)" in [e.text for e in events]


def test_language_switch_keeps_old_lines_untouched() -> None:
    ru = CardSettings(labels=load_labels("ru"))
    card, _ = run(
        parse(""),
        OpenOrder("a", at(0), "Иван", "плитка", Decimal(100)),
        LogCall("b", at(1), "Ольга", "in", "спрашивает"),
        s=ru,
    )
    before = render(card)
    card, _ = run(parse(before), LogCall("c", at(2), "Olga", "out", "asks"))
    after = render(card)
    assert "  2026-11-02 входящий (Ольга): спрашивает" in after
    assert "Заказ 1 · новый · 100" in after and "Calls" not in after
    assert "  2026-11-03 out (Olga): asks" in after
    assert unrecognised_lines(parse(after, load_labels("tr"))) == []


# ---- properties ----------------------------------------------------------------------------
def ops_strategy() -> st.SearchStrategy[Operation]:
    who = st.sampled_from(["Olga", "Ivan", "Иван"])
    when = st.integers(0, 60).map(at)
    comment = st.text(max_size=40)
    return st.one_of(
        st.builds(
            LogCall,
            st.just("p"),
            when,
            who,
            st.sampled_from(["in", "out", "missed"]),
            comment,
            st.sampled_from([None, "interested", "callback", "ordered"]),
            st.none() | st.dates(),
        ),
        st.builds(
            OpenOrder, st.just("p"), when, who, comment, st.none() | st.decimals(0, 10**6, places=2)
        ),
        st.builds(
            StepOrder,
            st.just("p"),
            when,
            who,
            st.integers(1, 18),
            st.sampled_from(["confirmed", "paid", "shipped", "delivered", "оплачен"]),
            comment,
            st.none() | st.decimals(0, 10**6, places=2),
        ),
        st.builds(CloseOrder, st.just("p"), when, who, st.integers(1, 18), st.booleans()),
    )


@settings(max_examples=250, deadline=None)
@given(card_texts(), ops_strategy(), st.data())
def test_lines_not_targeted_survive_in_card_or_journal(
    text: str, op: Operation, data: st.DataObject
) -> None:
    card = parse(text)
    numbers = [o.number for o in card.orders()]
    if isinstance(op, StepOrder | CloseOrder) and numbers:
        op = replace(op, order_no=data.draw(st.sampled_from(numbers)))
    try:
        result = apply(card, op, settings=S)
    except CrmError:
        return
    targeted = set()
    status = next((i for i, ln in enumerate(card.lines) if ln.kind is Kind.STATUS), None)
    if status is not None:
        targeted.add(status)
    if isinstance(op, StepOrder | CloseOrder):
        targeted |= {h for h, _ in card.order_blocks() if card.lines[h].fact.number == op.order_no}  # type: ignore[union-attr]
    left = Counter(ln.text for ln in result.card.lines)
    journaled = Counter(e.text for e in result.events if e.kind == "compaction")
    for i, line in enumerate(card.lines):
        if i in targeted:
            continue
        if left[line.text] > 0:
            left[line.text] -= 1
        else:
            assert journaled[line.text.rstrip("\r")] > 0, line.text
            journaled[line.text.rstrip("\r")] -= 1
    assert result.card.free == card.free
    out = render(result.card)
    assert render(parse(out)) == out
    if card.free:
        assert out.endswith(card.free)


@settings(max_examples=60, deadline=None)
@given(st.lists(ops_strategy(), max_size=25))
def test_budget_respected_after_any_sequence(ops: list[Operation]) -> None:
    card = parse("Our own notes.\nMore notes.")
    for n, op in enumerate(ops):
        if isinstance(op, OpenOrder) and len(card.open_orders()) >= 3:
            continue
        try:
            card = apply(card, op, settings=S).card
        except CrmError:
            continue
        lines, chars = size(card.lines)
        assert lines <= S.max_lines and chars <= S.max_chars, (n, render(card))
        assert card.free == "Our own notes.\nMore notes."
