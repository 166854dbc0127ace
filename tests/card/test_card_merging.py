"""Merging two cards: every order and call kept, numbers unique, both free texts kept."""

from __future__ import annotations

from card_helpers import parse

from contacts_crm.card.grammar import render, unrecognised_lines
from contacts_crm.card.merging import merge_cards
from contacts_crm.card.model import Kind

A = """Wholesale · last contact 2026-11-20 (Olga)
Order 2 · paid · 12 500
  2026-11-18 new: 40 boxes of tiles (Ivan)
  2026-11-19 paid 12 500 (Olga)
Order 1 · delivered 2026-11-01 · 8 400 (Ivan)
Calls
  2026-11-20 in (Olga): asks when delivery comes
  2026-11-12 out (Ivan): no answer
--
Prefers calls after 14:00."""

B = """Retail · last contact 2026-11-25 (Anna)
Order 3 · new
  2026-11-24 new: grout (Anna)
a line typed by hand
Orders 1–2 · 2 closed · 5 000
Calls
  2026-11-25 out (Anna): will pay Friday
  2026-11-15 in (Anna): price?
--
Wife orders too."""


def lines_of(text: str, kind: Kind) -> list[str]:
    return [ln.text for ln in parse(text).lines if ln.kind is kind]


def test_orders_renumbered_after_the_first_cards_highest():
    merged = merge_cards(parse(A), parse(B))
    text = render(merged.card)
    card = parse(text)
    assert merged.renumbered == {3: 5}
    assert [o.number for o in card.orders()] == [5, 2, 1]  # newest first
    assert card.summary().first == 3 and card.summary().last == 4
    assert card.next_order_number() == 6
    assert "Order 5 · new" in text.splitlines()


def test_every_step_and_call_line_kept_calls_interleaved_by_date():
    text = render(merge_cards(parse(A), parse(B)).card)
    for kind in (Kind.STEP, Kind.CALL):
        assert sorted(lines_of(text, kind)) == sorted(lines_of(A, kind) + lines_of(B, kind))
    card = parse(text)
    assert [c.on.day for c in card.calls()] == [25, 20, 15, 12]
    assert lines_of(text, Kind.CALL) == [
        "  2026-11-25 out (Anna): will pay Friday",
        "  2026-11-20 in (Olga): asks when delivery comes",
        "  2026-11-15 in (Anna): price?",
        "  2026-11-12 out (Ivan): no answer",
    ]
    assert len(lines_of(text, Kind.CALLS)) == 1


def test_hand_typed_line_stays_with_its_order_and_both_free_texts_kept():
    text = render(merge_cards(parse(A), parse(B)).card)
    lines = text.splitlines()
    assert lines[lines.index("  2026-11-24 new: grout (Anna)") + 1] == "a line typed by hand"
    assert text.endswith("--\nPrefers calls after 14:00.\nWife orders too.")
    assert unrecognised_lines(parse(text)) == [(4, "a line typed by hand")]


def test_status_takes_the_later_contact_and_summaries_add_up():
    other = "Orders 1–3 · 3 closed · 1 000\nOrder 4 · delivered 2026-10-01 · 10 (Anna)"
    first = "Status · last contact 2026-11-01 (Olga)\nOrders 1–2 · 2 closed · 500"
    card = parse(render(merge_cards(parse(first), parse(other)).card))
    assert card.status().on.day == 1 and card.status().who == "Olga"
    s = card.summary()
    assert (s.first, s.last, s.count, s.total) == (1, 5, 5, 1500)
    assert [o.number for o in card.orders()] == [6]
    newer = parse(render(merge_cards(parse(first), parse(B)).card)).status()
    assert (newer.on.day, newer.who) == (25, "Anna")


def test_free_text_only_cards_and_empty_cards():
    assert render(merge_cards(parse("just text"), parse("other text")).card) == (
        "just text\nother text"
    )
    assert render(merge_cards(parse(""), parse(A)).card) == A
    assert render(merge_cards(parse(A), parse("")).card) == A
    assert render(merge_cards(parse(A), parse("Prefers calls after 14:00.")).card) == A


def test_crlf_card_keeps_its_line_endings():
    first = A.replace("\n", "\r\n")
    text = render(merge_cards(parse(first), parse(B)).card)
    tool = text.split("--")[0]
    assert all(ln.endswith("\r") for ln in tool.split("\n")[:-1])
