"""Two contacts of one client made into one: fields and cards (pure).

``merged_person(first, other)``: the first survives; the fields are joined
(contact/merging.py), the cards become one (card/merging.py), and what could
not be joined is kept as notes in the free text.
"""

from __future__ import annotations

from typing import Any

from contacts_crm.card import free_text
from contacts_crm.card.grammar import parse, render
from contacts_crm.card.merging import merge_cards
from contacts_crm.card.wording import Labels
from contacts_crm.contact.merging import merge_contacts
from contacts_crm.contact.model import Contact


def merged_person(
    first: dict[str, Any], other: dict[str, Any], labels: Labels, region: str
) -> tuple[Contact, dict[int, int], list[str]]:
    """The merged contact of two Persons (the first survives), its renumbering, its notes."""
    a, b = Contact.from_person(first), Contact.from_person(other)
    contact, notes = merge_contacts(a, b, region)
    card = merge_cards(parse(a.notes, labels), parse(b.notes, labels))
    text = render(card.card)
    for note in notes:
        text = free_text.append_free(text, note, labels)
    contact.notes = text
    return contact, card.renumbered, notes
