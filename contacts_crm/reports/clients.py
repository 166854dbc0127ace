"""The current state of every client, read from the cache with each card parsed once.

``client_views(account)`` gives one ``ClientView`` per cached contact: its user
groups by name, first phone, and the card facts the reports need (last
contact, open orders, whether it ever ordered, its calls with an outcome).
Summary and call-backs both work from this list, so a report parses each card
at most once whatever the number of groups and figures (and not at all when
the card did not change since the last report: see ``reports_facts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from contacts_crm.card.model import Call
from contacts_crm.i18n import _
from contacts_crm.office.cards import card_settings
from contacts_crm.reports.facts import CardFacts, FactsCache, OpenOrder
from contacts_crm.reports.settings import NO_GROUP

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account

USER_GROUP = "USER_CONTACT_GROUP"
FACTS_FILE = "reports_cache.sqlite"


@dataclass(frozen=True)
class ClientView:
    """What the reports know about one client now."""

    resource_name: str
    name: str
    phone: str  # the first number (E.164 as stored), "" when none
    groups: tuple[str, ...]  # user group names; (NO_GROUP,) when in none
    facts: CardFacts

    @property
    def last_contact(self) -> date | None:
        return self.facts.last_contact

    @property
    def last_contact_by(self) -> str | None:
        return self.facts.last_contact_by

    @property
    def open_orders(self) -> tuple[OpenOrder, ...]:
        return self.facts.open_orders

    @property
    def ever_ordered(self) -> bool:
        return self.facts.ever_ordered

    @property
    def latest_order_on(self) -> date | None:
        return self.facts.latest_order_on

    @property
    def outcome_calls(self) -> tuple[Call, ...]:
        return self.facts.outcome_calls

    def in_any(self, casefolded: frozenset[str] | set[str]) -> bool:
        """In one of these groups (names given casefolded)."""
        return any(g.casefold() in casefolded for g in self.groups)


def user_group_names(groups: Iterable[dict[str, Any]]) -> dict[str, str]:
    """resourceName -> name of the account's own groups (system groups left out)."""
    out = {}
    for g in groups:
        if g.get("groupType", USER_GROUP) == USER_GROUP:
            out[g["resourceName"]] = g.get("formattedName") or g.get("name") or g["resourceName"]
    return out


def user_groups(member_of: Iterable[str], group_names: dict[str, str]) -> tuple[str, ...]:
    """The names of a client's user groups (``user_group_names``), (NO_GROUP,) when none."""
    names = tuple(dict.fromkeys(group_names[g] for g in member_of if g in group_names))
    return names or (NO_GROUP,)


def client_views(account: Account) -> Iterator[ClientView]:
    """Every cached client as a ClientView (syncs first if the cache was never filled).

    Card facts come from the facts cache (see ``reports_facts``): only cards
    whose text changed since the last report are parsed.
    """
    account.ensure_synced()
    labels = card_settings(account.profile).labels  # the office's templates included, as on cards
    names = user_group_names(account.groups.all())
    facts = FactsCache(account.data_dir / FACTS_FILE, labels)
    named: dict[tuple[str, ...], tuple[str, ...]] = {}  # memberships -> user group names
    try:
        # card_rows: only the fields a view needs, no Person JSON decoded
        for rn, shown, phone, member_of, notes in account.contacts.card_rows():
            groups = named.get(member_of)
            if groups is None:
                groups = named[member_of] = user_groups(member_of, names)
            yield ClientView(rn, shown, phone, groups, facts.facts(notes))
        facts.save()
    finally:
        facts.close()


def find_group(account: Account, group: str) -> str:
    """The exact name of a user group given any letter case; NotFoundError otherwise."""
    from contacts_crm.errors import NotFoundError

    names = sorted(set(user_group_names(account.groups.all()).values()))
    for name in [*names, NO_GROUP]:
        if name.casefold() == group.strip().casefold():
            return name
    if group.strip().casefold() == _(NO_GROUP).casefold():  # "(без группы)"
        return NO_GROUP
    raise NotFoundError(
        _("no group {name!r}").format(name=group),
        hint=_("groups: {names} (or {none})").format(
            names=", ".join(names) or _("none yet"), none=_(NO_GROUP)),
    )  # fmt: skip
