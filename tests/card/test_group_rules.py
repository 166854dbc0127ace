"""Group rules move clients between groups as their orders and calls change."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from card_helpers import parse

from contacts_crm.card.group_rules import group_changes, parse_rules
from contacts_crm.card.model import Card
from contacts_crm.card.operations import CloseOrder, LogCall, OpenOrder, Operation, apply
from contacts_crm.card.settings import CardSettings
from contacts_crm.errors import ConfigError
from contacts_crm.office.templates import load_labels, load_rules

S = CardSettings(labels=load_labels())
RULES = load_rules()
AT = datetime(2026, 11, 20, 10)


def change(card: Card, op: Operation, groups: set[str]) -> tuple[Card, set[str], set[str]]:
    after = apply(card, op, settings=S).card
    add, remove = group_changes(card, after, op, groups, RULES)
    return after, add, remove


def test_first_delivery_makes_a_customer_second_a_returning_one() -> None:
    card, add, remove = change(parse(""), OpenOrder("a", AT, "Ivan", "tiles"), {"New"})
    assert (add, remove) == (set(), set())
    card, add, remove = change(card, CloseOrder("b", AT, "Ivan", 1), {"New", "Wholesale"})
    assert (add, remove) == ({"Customer"}, {"New"})
    card, _, _ = change(card, OpenOrder("c", AT, "Ivan", "glue"), {"Customer"})
    card, add, remove = change(card, CloseOrder("d", AT, "Ivan", 2), {"Customer"})
    assert (add, remove) == ({"Returning"}, {"Customer"})


def test_cancelled_order_changes_nothing() -> None:
    card, _, _ = change(parse(""), OpenOrder("a", AT, "Ivan", "tiles"), {"New"})
    _, add, remove = change(card, CloseOrder("b", AT, "Ivan", 1, cancelled=True), {"New"})
    assert (add, remove) == (set(), set())


def test_interested_call_without_order_means_call_back_and_an_order_clears_it() -> None:
    card, add, remove = change(parse(""), LogCall("a", AT, "Olga", "in", "", "interested"), set())
    assert (add, remove) == ({"Call back"}, set())
    _, add, remove = change(card, OpenOrder("b", AT, "Olga", "tiles"), {"Call back"})
    assert (add, remove) == (set(), {"Call back"})


def test_interested_call_with_open_order_does_not_add_call_back() -> None:
    card = parse("Order 3 · paid")
    _, add, _ = change(card, LogCall("a", AT, "Olga", "in", "", "interested"), set())
    assert add == set()


def test_office_override_renames_groups(tmp_path: Path) -> None:
    (tmp_path / "group_rules.toml").write_text(
        '[[rule]]\non = "order_delivered"\nadd = ["Клиент"]\nremove = ["Новый"]\n', "utf-8"
    )
    rules = load_rules(tmp_path)
    card = parse("Order 1 · shipped")
    after = apply(card, CloseOrder("a", AT, "Ivan", 1), settings=S).card
    op = CloseOrder("a", AT, "Ivan", 1)
    assert group_changes(card, after, op, {"Новый"}, rules) == ({"Клиент"}, {"Новый"})


def test_bad_rules_report_every_problem() -> None:
    with pytest.raises(ConfigError) as err:
        parse_rules({"rule": [{"on": "sunrise"}, {"on": "call", "colour": "red"}]})
    assert len(err.value.problems) == 2
