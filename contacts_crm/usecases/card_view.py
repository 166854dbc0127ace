"""Reading a client's card: what the call screen shows (never writes).

Kept apart from ``usecases.cards`` (the writes): ``crm card`` runs while the
phone rings, and reading a card needs none of the card grammar, decisions and
operations that writing one does. The dialer view loads the grammar and the
office's card templates when it is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contacts_crm.usecases.contacts import resolve

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account
    from contacts_crm.card.events import JournalEvent
    from contacts_crm.contact.model import Contact


def show_card(account: Account, query: str, *, dialer: bool = False) -> tuple[Contact, str]:
    """The client's card as the phone shows it (never writes)."""
    contact = resolve(account, query)
    if not dialer:
        return contact, contact.notes
    from contacts_crm.card import grammar
    from contacts_crm.card.dialer import dialer_view
    from contacts_crm.office.cards import card_settings

    settings = card_settings(account.profile)
    return contact, dialer_view(grammar.parse(contact.notes, settings.labels), settings)


def history(account: Account, query: str) -> tuple[Contact, list[JournalEvent]]:
    """Everything the journal holds about one client, oldest first.

    An operation that changed nothing (the same call logged again: "already on the
    card") keeps its journal entry, so that its op id is answered exactly once, but
    is not listed: the client's history shows what happened once."""
    contact = resolve(account, query)
    events = account.journal.history(contact.resource_name or "")
    return contact, [e for e in events if e.data.get("changed") is not False]
