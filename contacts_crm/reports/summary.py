"""The manager's summary: per group and per employee, for a period.

Current state comes from the cache's cards (each parsed once, see
``reports_clients``); what happened in the period comes from the journal
(see ``activity``), because cards are compacted and the journal is not.

Per group (a client in several groups counts in each; clients in no group of
the account's own under "(no group)"; the ``total`` row counts each client once):
- clients: members of the group;
- leads: clients being worked who have not ordered: in a lead group
  (``templates/reports/reports.toml``: Leads, Call back) or with a call whose
  outcome shows interest (interested, call back), and no order on the card;
- converted: such prospects that have an order (open, closed or folded);
  conversion = converted / (leads + converted), None when both are 0;
- open orders by stage (and their count and amount), from the cards;
- orders completed (the done stage) and cancelled in the period, with their
  amounts, from the journal; attributed to the client's groups of today;
- last contact: within 7 days, within 30, older, never (days before ``today``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contacts_crm.office.cards import card_settings
from contacts_crm.reports.activity import ClosedOrder, EmployeeActivity, activity, money
from contacts_crm.reports.clients import ClientView, client_views, find_group
from contacts_crm.reports.settings import (
    ALL,
    NO_GROUP,
    ReportSettings,
    load_report_settings,
    period,
)

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account

BUCKETS = ("days7", "days30", "older", "never")


@dataclass
class GroupFigures:
    """The figures of one group (or of all clients: ``group == ALL``)."""

    group: str
    clients: int = 0
    leads: int = 0
    converted: int = 0
    open_by_stage: Counter[str] = field(default_factory=Counter)
    open_amount: Decimal = Decimal(0)
    completed: int = 0
    completed_amount: Decimal = Decimal(0)
    cancelled: int = 0
    cancelled_amount: Decimal = Decimal(0)
    last_contact: Counter[str] = field(default_factory=Counter)

    @property
    def open_orders(self) -> int:
        return sum(self.open_by_stage.values())

    @property
    def conversion(self) -> float | None:
        base = self.leads + self.converted
        return round(self.converted / base, 3) if base else None

    def add_client(
        self, c: ClientView, lead: bool, converted: bool, bucket: str, n: int = 1
    ) -> None:
        """Count ``n`` clients that say what ``c`` says; ``bucket`` is their last-contact
        bucket (see ``_bucket``)."""
        self.clients += n
        self.leads += lead * n
        self.converted += converted * n
        for o in c.open_orders:
            self.open_by_stage[o.stage] += n
            if o.amount:
                self.open_amount += o.amount * n
        self.last_contact[bucket] += n

    def add_closed(self, order: ClosedOrder) -> None:
        if order.cancelled:
            self.cancelled += 1
            self.cancelled_amount += order.amount or 0
        else:
            self.completed += 1
            self.completed_amount += order.amount or 0

    def to_dict(self, open_stages: tuple[str, ...]) -> dict[str, Any]:
        return {
            "group": self.group,
            "clients": self.clients,
            "leads": self.leads,
            "converted": self.converted,
            "conversion": self.conversion,
            "openOrders": self.open_orders,
            "openByStage": {s: self.open_by_stage[s] for s in open_stages},
            "openAmount": money(self.open_amount),
            "completed": self.completed,
            "completedAmount": money(self.completed_amount),
            "cancelled": self.cancelled,
            "cancelledAmount": money(self.cancelled_amount),
            "lastContact": {b: self.last_contact[b] for b in BUCKETS},
        }


@dataclass
class Summary:
    """The whole summary; ``to_dict`` is the stable ``--json`` form."""

    since: date
    until: date
    today: date
    group: str | None
    open_stages: tuple[str, ...]
    groups: list[GroupFigures]
    total: GroupFigures
    employees: list[EmployeeActivity]

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "today": self.today.isoformat(),
            "group": self.group,
            "groups": [g.to_dict(self.open_stages) for g in self.groups],
            "total": self.total.to_dict(self.open_stages),
            "employees": [_employee(e) for e in self.employees],
        }


def _employee(e: EmployeeActivity) -> dict[str, Any]:
    return {
        "who": e.who,
        "calls": e.calls,
        "orderSteps": e.order_steps,
        "ordersCompleted": e.orders_completed,
        "ordersCancelled": e.orders_cancelled,
        "amountCompleted": money(e.amount_completed),
    }


def _bucket(last: date | None, today: date) -> str:
    if last is None:
        return "never"
    days = (today - last).days
    return "days7" if days <= 7 else "days30" if days <= 30 else "older"


def is_prospect(c: ClientView, settings: ReportSettings) -> bool:
    """In a lead group, or a call with an interest outcome (see module doc)."""
    return c.in_any(settings.lead_groups) or any(
        call.outcome in settings.interest_outcomes for call in c.outcome_calls
    )


def summary(
    account: Account,
    *,
    since: date | None = None,
    until: date | None = None,
    group: str | None = None,
    today: date,
    settings: ReportSettings | None = None,
    employees: bool = True,
    views: Iterable[ClientView] | None = None,
) -> Summary:
    """Figures per group and per employee for the period (default: this month).

    ``employees=False`` leaves the employees out (an empty list), sparing the
    journal's per-employee counts, for a caller that does not show them.
    ``views``: the clients already read (``client_views``), for a caller that
    makes several reports of one state."""
    start, end = period(since, until, today)
    conf = settings or load_report_settings()
    only = find_group(account, group) if group else None
    labels = card_settings(account.profile).labels  # the office's templates included, as on cards
    finals = set(labels.final_stages)
    open_stages = tuple(s.key for s in labels.stages if s.key not in finals)
    per_group: dict[str, GroupFigures] = {}
    total = GroupFigures(only or ALL)
    groups_of: dict[str, tuple[str, ...]] = {}

    def figures(g: str) -> GroupFigures:
        found = per_group.get(g)
        if found is None:
            found = per_group[g] = GroupFigures(g)
        return found

    # Clients in the same groups whose cards say the same (one shared CardFacts: no card
    # yet, the same open order...) add the same to every figure: counted once, n times.
    alike: dict[tuple[tuple[str, ...], int], list[Any]] = {}
    for c in client_views(account) if views is None else views:
        groups_of[c.resource_name] = c.groups
        if only is not None and only not in c.groups:
            continue
        key = (c.groups, id(c.facts))  # the kept view keeps its facts alive: ids stay unique
        same = alike.get(key)
        if same is None:
            alike[key] = [c, 1]
        else:
            same[1] += 1
    for c, n in alike.values():
        prospect = is_prospect(c, conf)
        lead, converted = prospect and not c.ever_ordered, prospect and c.ever_ordered
        bucket = _bucket(c.last_contact, today)
        total.add_client(c, lead, converted, bucket, n)
        for g in c.groups:
            if only is None or g == only:
                figures(g).add_client(c, lead, converted, bucket, n)
    act = activity(account, since=start, until=end, today=today, counted=employees)
    for order in act.closed:
        names = groups_of.get(order.contact, (NO_GROUP,))
        if only is not None and only not in names:
            continue
        total.add_closed(order)
        for g in names:
            if only is None or g == only:
                figures(g).add_closed(order)
    ordered = sorted(per_group.values(), key=lambda f: (f.group == NO_GROUP, f.group.casefold()))
    return Summary(start, end, today, only, open_stages, ordered, total, act.employees)
