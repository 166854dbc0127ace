"""The current state of every client, read from the cache with each card parsed once.

``client_views(account)`` gives one ``ClientView`` per cached contact: its user
groups by name, first phone, and the card facts the reports need (last
contact, open orders, whether it ever ordered, its calls with an outcome).
Summary and call-backs both work from this list, so a report parses each card
exactly once whatever the number of groups and figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from contacts_crm.card import parse
from contacts_crm.card_model import Call
from contacts_crm.contact import Contact
from contacts_crm.labels import Labels, load_labels
from contacts_crm.reports_settings import NO_GROUP

USER_GROUP = "USER_CONTACT_GROUP"


@dataclass(frozen=True)
class OpenOrder:
    number: int
    stage: str
    amount: Decimal | None
    opened_on: date | None


@dataclass(frozen=True)
class ClientView:
    """What the reports know about one client now."""

    resource_name: str
    name: str
    phone: str  # the first number (E.164 as stored), "" when none
    groups: tuple[str, ...]  # user group names; (NO_GROUP,) when in none
    last_contact: date | None
    last_contact_by: str | None
    open_orders: tuple[OpenOrder, ...]
    ever_ordered: bool  # any order on the card, open, closed or folded
    latest_order_on: date | None  # newest date an order was opened (when the card shows it)
    outcome_calls: tuple[Call, ...]  # calls with an outcome, newest first

    def in_any(self, names: Iterable[str]) -> bool:
        wanted = {n.casefold() for n in names}
        return any(g.casefold() in wanted for g in self.groups)


def user_group_names(groups: Iterable[dict[str, Any]]) -> dict[str, str]:
    """resourceName -> name of the account's own groups (system groups left out)."""
    out = {}
    for g in groups:
        if g.get("groupType", USER_GROUP) == USER_GROUP:
            out[g["resourceName"]] = g.get("formattedName") or g.get("name") or g["resourceName"]
    return out


def view_of(contact: Contact, group_names: dict[str, str], labels: Labels) -> ClientView:
    """One client's view (parses its card once)."""
    names = tuple(dict.fromkeys(group_names[g] for g in contact.groups if g in group_names))
    last: tuple[date, str | None] | None = None
    open_orders: tuple[OpenOrder, ...] = ()
    ever = False
    latest: date | None = None
    calls: tuple[Call, ...] = ()
    if contact.notes.strip():
        card = parse(contact.notes, labels)
        last = card.last_contact()
        orders = card.orders()
        open_orders = tuple(
            OpenOrder(o.number, o.stage, o.amount, o.opened_on) for o in orders if o.is_open
        )
        ever = bool(orders) or card.summary() is not None
        opened = [o.opened_on or o.closed_on for o in orders]
        latest = max((d for d in opened if d is not None), default=None)
        calls = tuple(c for c in card.calls() if c.outcome)
    return ClientView(
        resource_name=contact.resource_name or "",
        name=contact.display_name,
        phone=contact.phones[0].value if contact.phones else "",
        groups=names or (NO_GROUP,),
        last_contact=last[0] if last else None,
        last_contact_by=last[1] if last else None,
        open_orders=open_orders,
        ever_ordered=ever,
        latest_order_on=latest,
        outcome_calls=calls,
    )


def client_views(account: Any, *, language: str | None = None) -> Iterator[ClientView]:
    """Every cached client as a ClientView (syncs first if the cache was never filled)."""
    account.ensure_synced()
    labels = load_labels(language or account.profile.language)
    names = user_group_names(account.cache.groups())
    for contact in account.cache.contacts():
        yield view_of(contact, names, labels)


def find_group(account: Any, group: str) -> str:
    """The exact name of a user group given any letter case; NotFoundError otherwise."""
    from contacts_crm.errors import NotFoundError

    names = sorted(set(user_group_names(account.cache.groups()).values()))
    for name in [*names, NO_GROUP]:
        if name.casefold() == group.strip().casefold():
            return name
    raise NotFoundError(
        f"no group {group!r}", hint=f"groups: {', '.join(names) or 'none yet'} (or {NO_GROUP})"
    )
