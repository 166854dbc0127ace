"""Card helpers for tests: parse with the shipped labels unless told otherwise."""

from __future__ import annotations

from contacts_crm.card import grammar
from contacts_crm.card.model import Card
from contacts_crm.card.wording import Labels
from contacts_crm.office.templates import load_labels


def parse(text: str, labels: Labels | None = None) -> Card:
    """``grammar.parse`` with the shipped labels (every language parses) by default."""
    return grammar.parse(text, labels or load_labels())
