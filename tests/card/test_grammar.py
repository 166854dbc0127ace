"""The card grammar: lossless round trip, forgiving parsing, languages, amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from card_helpers import parse
from hypothesis import given, settings
from hypothesis import strategies as st
from test_samples import EXAMPLE, card_texts

from contacts_crm.card.grammar import format_amount, parse_amount, render, unrecognised_lines
from contacts_crm.card.model import Kind
from contacts_crm.office.templates import load_labels


# ---- invariant 1: lossless ----------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_round_trips(text: str) -> None:
    assert render(parse(text)) == text


@settings(max_examples=300, deadline=None)
@given(card_texts(), st.sampled_from(["\n", "\r\n"]))
def test_card_like_text_round_trips(text: str, newline: str) -> None:
    text = text.replace("\n", newline)
    assert render(parse(text)) == text
    assert render(parse(text, load_labels("tr"))) == text


def test_example_card_is_understood() -> None:
    card = parse(EXAMPLE)
    assert render(card) == EXAMPLE
    assert unrecognised_lines(card) == []
    status = card.status()
    assert status is not None and status.before == "Wholesale · "
    assert card.last_contact() == (date(2026, 11, 20), "Olga")
    first, second = card.orders()
    assert (first.number, first.stage, first.is_open, first.amount) == (17, "paid", True, 12500)
    assert first.what == "40 boxes of tiles"
    assert [(s.stage, s.who) for s in first.steps] == [("new", "Ivan"), ("paid", "Olga")]
    assert (second.number, second.stage, second.is_open) == (16, "delivered", False)
    assert (second.closed_on, second.who_closed, second.amount) == (date(2026, 11, 1), "Ivan", 8400)
    calls = card.calls()
    assert [(c.on, c.direction, c.who, c.comment) for c in calls] == [
        (date(2026, 11, 20), "in", "Olga", "asks when delivery comes"),
        (date(2026, 11, 12), "out", "Ivan", "no answer"),
    ]
    assert card.free == "Prefers calls after 14:00. His wife Anna orders too."
    assert card.next_order_number() == 18


def test_free_text_only_card_is_all_free_text() -> None:
    text = "Old office file: good client\nCall after 14:00\n-- \nsignature"
    card = parse(text)
    assert card.lines == [] and card.free == text
    assert unrecognised_lines(card) == []


def test_unknown_lines_are_listed_with_their_line_numbers() -> None:
    text = EXAMPLE.replace("Calls\n", "Calls\nsomething odd\n")
    card = parse(text)
    assert unrecognised_lines(card) == [(7, "something odd")]
    assert render(card) == text


# ---- invariant 2: forgiving ---------------------------------------------------
def test_step_added_by_hand_moves_the_order_on() -> None:
    text = EXAMPLE.replace(
        "  2026-11-19 paid 12 500 (Olga)\n",
        "  2026-11-19 paid 12 500 (Olga)\n2026-11-21   shipped:  by DHL (Olga)\n",
    )
    order = parse(text).order(17)
    assert order is not None and order.stage == "shipped"
    assert order.steps[-1].comment == "by DHL" and order.steps[-1].who == "Olga"


def test_typo_fixed_in_a_comment_is_read_back() -> None:
    card = parse(EXAMPLE.replace("asks when delivery comes", "asks when the delivery comes"))
    assert card.calls()[0].comment == "asks when the delivery comes"


def test_deleted_line_and_text_above_first_line() -> None:
    deleted = EXAMPLE.replace("  2026-11-18 new: 40 boxes of tiles (Ivan)\n", "")
    text = "VIP! call before noon\n" + deleted
    card = parse(text)
    assert unrecognised_lines(card) == [(1, "VIP! call before noon")]
    order = card.order(17)
    assert order is not None and [s.stage for s in order.steps] == ["paid"]


def test_hand_written_variants_are_understood() -> None:
    text = "\n".join(
        [
            "last contact: 20.11.2026",
            "Order #4   paid · 1,250.50",
            "  2026-11-19 paid",
            "Calls:",
            "2026-11-20 in: asked for a discount (Olga)",
        ]
    )
    card = parse(text)
    assert unrecognised_lines(card) == []
    assert card.status() is not None and card.status().on == date(2026, 11, 20)  # type: ignore[union-attr]
    order = card.order(4)
    assert order is not None and order.amount == Decimal("1250.50")
    assert card.calls()[0].who == "Olga"


def test_step_outside_an_order_is_kept_as_unknown() -> None:
    card = parse("Calls\n  2026-11-19 paid (Olga)")
    assert [kind for kind in (ln.kind for ln in card.lines)] == [Kind.CALLS, Kind.UNKNOWN]


# ---- invariant 6: languages -----------------------------------------------------
RU = """\
последний контакт 2026-11-20 (Ольга)
Заказ 3 · оплачен · 12 500,50
  2026-11-18 новый: плитка (Иван)
Заказ 2 · доставлен 2026-11-01 · 8 400 (Иван)
Заказы 1–1 · 1 закрыто · 100
Звонки
  2026-11-20 входящий (Ольга) · перезвонить 2026-11-25: спрашивает"""
TR = """\
son görüşme 2026-11-20 (Ayşe)
Sipariş 3 · ödendi · 12 500,50
  2026-11-18 yeni: fayans (Ali)
Sipariş 2 · teslim edildi 2026-11-01 · 8 400 (Ali)
Siparişler 1–1 · 1 kapandı · 100
Aramalar
  2026-11-20 gelen (Ayşe) · geri ara 2026-11-25: soruyor"""


@pytest.mark.parametrize("text", [RU, TR])
@pytest.mark.parametrize("language", ["en", "ru", "tr"])
def test_every_language_parses_in_every_setting(text: str, language: str) -> None:
    card = parse(text, load_labels(language))
    assert unrecognised_lines(card) == []
    assert render(card) == text
    assert [(o.number, o.stage, o.amount) for o in card.orders()] == [
        (3, "paid", Decimal("12500.50")),
        (2, "delivered", Decimal(8400)),
    ]
    call = card.calls()[0]
    assert (call.direction, call.outcome) == ("in", "callback")
    assert call.callback_on == date(2026, 11, 25)
    assert card.summary() is not None and card.next_order_number() == 4


# ---- amounts ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12 500", "12500"),
        ("12500", "12500"),
        ("12,500.50", "12500.50"),
        ("12 500,50", "12500.50"),
        ("12,50", "12.50"),
        ("1.250.000", "1250000"),
        ("abc", None),
    ],
)
def test_parse_amount(text: str, value: str | None) -> None:
    assert parse_amount(text) == (None if value is None else Decimal(value))


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2), st.sampled_from([".", ","]))
def test_amounts_round_trip(amount: Decimal, decimal: str) -> None:
    text = format_amount(amount, decimal)
    assert parse_amount(text) == amount
    whole = text.split(decimal)[0]
    assert all(len(group) == 3 for group in whole.split(" ")[1:])


# ---- recurring lines are read once per Labels -----------------------------------
def test_a_recurring_line_is_read_once_and_shared() -> None:
    from dataclasses import replace

    labels = replace(load_labels(), cache={})
    one = parse("Order 3 · paid · 12 500\n--\nAnna's card.", labels)
    two = parse("Order 3 · paid · 12 500\n--\nBoris's card.", labels)
    assert one.lines[0] is two.lines[0]  # one immutable Line, read once
    assert one.lines[0].kind is Kind.ORDER and one.lines[0].fact.amount == Decimal("12500")
    assert render(two) == "Order 3 · paid · 12 500\n--\nBoris's card."


def test_each_labels_reads_a_line_for_itself() -> None:
    """The memo belongs to the Labels: a template with another stage reads the same
    text differently, and neither reading leaks into the other."""
    from dataclasses import replace

    from contacts_crm.card.wording import Stage

    base = replace(load_labels(), cache={})
    stages = (*base.stages, Stage("installed", final=True, names={"en": ("installed",)}))
    more = replace(base, stages=stages, cache={})
    text = "Calls\nOrder 4 · installed 2026-11-02"
    assert parse(text, base).lines[1].kind is Kind.UNKNOWN
    assert parse(text, more).lines[1].fact.stage == "installed"
    assert parse(text, base).lines[1].kind is Kind.UNKNOWN


def test_the_line_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from contacts_crm.card import grammar

    monkeypatch.setattr(grammar, "LINES_REMEMBERED", 8)
    labels = replace(load_labels(), cache={})
    texts = [f"Order {n} · paid · {n} 000" for n in range(1, 30)]
    for text in texts:
        assert parse(text, labels).lines[0].fact.number == int(text.split()[1])
    info = labels.cache["lines"].cache_info()
    assert info.maxsize == 8 and info.currsize == 8
    assert parse(texts[0], labels).lines[0].fact.amount == Decimal("1000")  # read again


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="-- \t\r\n\x0b\x0c\x1c\x85\u2028\u00a0ab", max_size=40))
def test_the_separator_is_found_as_line_by_line(text: str) -> None:
    """parse finds the separator in the whole text at once: the same line as
    trying every line (split at "\\n" only) against "only blanks around --"."""
    import re

    from contacts_crm.card.grammar import _layout

    raw = text.split("\n")
    by_line = next((i for i, r in enumerate(raw) if re.match(r"^\s*--\s*$", r)), None)
    assert _layout(text) == (raw, any(r.endswith("\r") for r in raw), by_line)
