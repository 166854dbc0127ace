"""Card facts survive the on-disk facts cache unchanged, and changed cards are re-parsed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from card_helpers import parse

from contacts_crm.card.grammar import render
from contacts_crm.card.operations import LogCall, OpenOrder, StepOrder, apply
from contacts_crm.card.settings import CardSettings
from contacts_crm.card.wording import Stage
from contacts_crm.office.templates import load_labels
from contacts_crm.reports.facts import FactsCache, facts_of


def _card() -> str:
    card, s = parse("Prefers mornings."), CardSettings(labels=load_labels())
    at = datetime(2026, 11, 2, 12, tzinfo=UTC)
    for op in (
        OpenOrder("a", at, "Ivan", "tiles", Decimal("12500.50")),
        StepOrder("b", at, "Olga", 1, "paid"),
        LogCall("c", at, "Anna", "in", "later", "callback", date(2026, 11, 9)),
    ):
        card = apply(card, op, settings=s).card
    return render(card)


def test_facts_round_trip_and_reparse_only_changed_cards(tmp_path: Path) -> None:
    labels, text = load_labels("en"), _card()
    direct = facts_of(text, labels)
    assert direct.open_orders[0].stage == "paid"
    assert direct.open_orders[0].amount == Decimal("12500.50")
    assert direct.outcome_calls[0].callback_on == date(2026, 11, 9)
    first = FactsCache(tmp_path / "f.sqlite", labels)
    assert first.facts(text) == direct and first.parsed == 1
    first.save()
    first.close()
    again = FactsCache(tmp_path / "f.sqlite", labels)
    assert again.facts(text) == direct and again.parsed == 0  # from disk, not parsed
    assert again.facts(text + "\nmore") == facts_of(text + "\nmore", labels)
    assert again.parsed == 1
    again.close()


def test_changed_labels_reparse_remembered_cards(tmp_path: Path) -> None:
    """Facts depend on the labels too: another template (e.g. a new stage) re-parses."""
    labels, text = load_labels("en"), _card()
    first = FactsCache(tmp_path / "f.sqlite", labels)
    first.facts(text)
    first.save()
    first.close()
    stages = (*labels.stages, Stage("installed", final=True, names={"en": ("installed",)}))
    other = FactsCache(tmp_path / "f.sqlite", replace(labels, stages=stages, cache={}))
    other.facts(text)
    assert other.parsed == 1
    other.close()
