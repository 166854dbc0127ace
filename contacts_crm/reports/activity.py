"""What each employee did in a period, and which orders closed in it — from the journal.

Cards are compacted, so period figures come from the journal, which keeps the
full history. Counted events: ``call``, ``order_open``, ``order_step``,
``order_close`` (an ``order_step`` to a final stage closes the order too).
Events the tool recorded as ``changed: false`` (a repeated command whose line
was already on the card) are not counted.

Definitions (per employee, i.e. the event's ``who``):
- calls: call events, split by direction (in/out/missed) and outcome ("none"
  when the call had no outcome);
- order steps: every stage an order was moved to, opening ("new") and closing
  (delivered/cancelled) included, split by stage;
- orders opened / completed (the done stage) / cancelled, and the amounts of
  the completed and cancelled orders (the order's amount when it closed).

With a group, only the events of the clients in that group today count (as
``summary`` attributes closed orders: a client no longer in the local copy
counts under "(no group)"). ``calls_by_day`` (asked with ``by_day``) splits
each employee's calls by the day of the call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contacts_crm.account.journal import EventRow, Journal, JournalEvent
from contacts_crm.card.wording import DIRECTIONS, OUTCOMES, Labels
from contacts_crm.office.cards import card_settings
from contacts_crm.reports.clients import contact_groups, find_group
from contacts_crm.reports.settings import ALL, NO_GROUP, period, period_bounds

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account

ORDER_KINDS = ("order_open", "order_step", "order_close")
KINDS = ("call", *ORDER_KINDS, "compaction")
# The only keys of an event's data the figures read (see ``_Tally.add``).
DATA_KEYS = ("changed", "direction", "line")
Event = JournalEvent | EventRow


def money(value: Decimal) -> int | float:
    """An amount for JSON/cells: an int when whole, else a float with 2 decimals."""
    return int(value) if value == value.to_integral_value() else float(round(value, 2))


@dataclass(frozen=True)
class ClosedOrder:
    """An order that reached a final stage in the period."""

    contact: str
    contact_name: str
    number: int
    stage: str
    cancelled: bool
    amount: Decimal | None
    on: date
    who: str | None


@dataclass
class EmployeeActivity:
    """One employee's work in the period (``who`` is ALL for the office total)."""

    who: str
    calls: int = 0
    calls_by_direction: Counter[str] = field(default_factory=Counter)
    calls_by_outcome: Counter[str] = field(default_factory=Counter)
    order_steps: int = 0
    steps_by_stage: Counter[str] = field(default_factory=Counter)
    orders_opened: int = 0
    orders_completed: int = 0
    orders_cancelled: int = 0
    amount_completed: Decimal = Decimal(0)
    amount_cancelled: Decimal = Decimal(0)
    calls_by_day: Counter[str] = field(default_factory=Counter)  # YYYY-MM-DD (with by_day)

    def to_dict(self, stages: Iterable[str] = ()) -> dict[str, Any]:
        stage_keys = list(stages) or sorted(self.steps_by_stage)
        return {
            "who": self.who,
            "calls": self.calls,
            "callsByDirection": {d: self.calls_by_direction[d] for d in DIRECTIONS},
            "callsByOutcome": {o: self.calls_by_outcome[o] for o in (*OUTCOMES, "none")},
            "orderSteps": self.order_steps,
            "stepsByStage": {s: self.steps_by_stage[s] for s in stage_keys},
            "ordersOpened": self.orders_opened,
            "ordersCompleted": self.orders_completed,
            "ordersCancelled": self.orders_cancelled,
            "amountCompleted": money(self.amount_completed),
            "amountCancelled": money(self.amount_cancelled),
        }


@dataclass
class Activity:
    """The journal's account of a period: per employee, the total, closed orders."""

    since: date
    until: date
    who: str | None
    stages: tuple[str, ...]
    employees: list[EmployeeActivity]
    total: EmployeeActivity
    closed: list[ClosedOrder]
    events: list[dict[str, Any]] | None = None
    group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "who": self.who,
            **({"group": self.group} if self.group is not None else {}),
            "employees": [e.to_dict(self.stages) for e in self.employees],
            "total": self.total.to_dict(self.stages),
        }
        if self.events is not None:
            out["events"] = self.events
        return out


def _event_dict(e: Event) -> dict[str, Any]:
    return {
        "id": e.id, "at": e.at, "who": e.who, "kind": e.kind, "contact": e.contact,
        "contactName": e.contact_name, "order": e.order_no, "stage": e.stage,
        "amount": e.amount, "outcome": e.outcome, "text": e.text,
    }  # fmt: skip


def _closed_amount(e: Event, compacted: dict[tuple[str, int], str]) -> Decimal | None:
    """The amount of an order at its close: the event's (card_ops journals the order's
    final amount with a closing step), else the order's head as compaction journalled it."""
    if e.amount:
        return Decimal(e.amount)
    old = compacted.get((e.op_id, e.order_no or 0))
    return Decimal(old) if old else None


Keep = Callable[[str | None], bool]  # a contact's resource name -> counted?


def _tally_in_sqlite(journal: Journal, tally: _Tally, lo: str, hi: str, wanted: str | None,
                     counted: bool = True, keep: Keep | None = None,
                     by_day: bool = False) -> None:  # fmt: skip
    """The same figures as feeding every event to ``tally.add``, with SQLite counting:
    the events themselves leave the journal only for closed orders and compactions.
    ``counted=False``: the closed orders only (no per-employee counts). ``keep``: only
    the events of the contacts it keeps. ``by_day``: calls counted per day too."""
    if counted:
        columns = ["who", "kind", "stage", "outcome"]
        if keep is not None:
            columns.append("contact")
        if by_day:
            columns.append("day")
        for row in journal.counts(
            lo, hi, ("call", *ORDER_KINDS), columns=columns,
            data_keys=("direction",), unless_false=("changed",),
        ):  # fmt: skip
            who, kind, stage, outcome = row[:4]
            extra = dict(zip(columns[4:], row[4:-2], strict=True))
            direction, n = row[-2], row[-1]
            if wanted is not None and (who or "").casefold() != wanted:
                continue
            if keep is not None and not keep(extra.get("contact")):
                continue
            tally.count(who, kind, stage, outcome, direction, n, extra.get("day"))
    rows = [
        *journal.rows(lo, hi, ("compaction",), data_keys=DATA_KEYS),
        # a close needs only "changed" from its data: one key extracted, not three
        *journal.rows(lo, hi, ORDER_KINDS, data_keys=("changed",), stages=sorted(tally.finals)),
    ]
    for e in sorted(rows, key=lambda r: (r.at, r.id)):
        if wanted is not None and (e.who or "").casefold() != wanted:
            continue
        if keep is not None and not keep(e.contact):
            continue
        if e.kind == "compaction":
            tally.add(e)
        elif e.data.get("changed") is not False and e.order_no is not None:
            tally.closes.append(e)


class _Tally:
    """Accumulates events into per-employee figures and closed orders."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels
        self.finals = set(labels.final_stages)
        self.cancel = set(labels.cancel_stages)
        self.by_who: dict[str, EmployeeActivity] = {}
        self.total = EmployeeActivity(ALL)
        self.closes: list[Event] = []
        self.compacted: dict[tuple[str, int], str] = {}  # (op_id, order) -> old head amount
        self.by_day = False  # count calls per day too

    def add(self, e: Event) -> None:
        if e.kind == "compaction":
            if e.order_no is not None and e.amount and e.data.get("line") == "order":
                self.compacted[(e.op_id, e.order_no)] = e.amount
            return
        if e.data.get("changed") is False:
            return
        self.count(e.who, e.kind, e.stage, e.outcome, e.data.get("direction"), 1, e.at[:10])
        if e.kind in ORDER_KINDS and e.stage in self.finals and e.order_no is not None:
            self.closes.append(e)

    def count(self, who: str | None, kind: str, stage: str | None, outcome: str | None,
              direction: Any, n: int, day: str | None = None) -> None:  # fmt: skip
        """``n`` events of one kind (already known not to be unchanged no-ops);
        ``day``: the calls' day, when they are counted by day."""
        name = who or "(unknown)"
        emp = self.by_who.get(name) or self.by_who.setdefault(name, EmployeeActivity(name))
        for acc in (emp, self.total):
            if kind == "call":
                acc.calls += n
                if day is not None and self.by_day:
                    acc.calls_by_day[day] += n
                acc.calls_by_direction[str(direction or "out")] += n
                acc.calls_by_outcome[outcome or "none"] += n
            elif kind in ORDER_KINDS and stage:
                acc.order_steps += n
                acc.steps_by_stage[stage] += n
                if kind == "order_open":
                    acc.orders_opened += n

    def finish(self, counted: bool = True) -> list[ClosedOrder]:
        """Closed orders (one per contact and order), their amounts added to the figures
        (unless not ``counted``: then there are no figures to add them to)."""
        seen: dict[tuple[str, int], ClosedOrder] = {}
        for e in self.closes:
            amount = _closed_amount(e, self.compacted)
            seen[(e.contact, e.order_no or 0)] = ClosedOrder(
                e.contact, e.contact_name, e.order_no or 0, e.stage or "",
                e.stage in self.cancel, amount, date.fromisoformat(e.at[:10]), e.who,
            )  # fmt: skip
        for order in seen.values() if counted else ():
            emp = self.by_who[order.who or "(unknown)"]
            for acc in (emp, self.total):
                if order.cancelled:
                    acc.orders_cancelled += 1
                    acc.amount_cancelled += order.amount or 0
                else:
                    acc.orders_completed += 1
                    acc.amount_completed += order.amount or 0
        return list(seen.values())


def activity(
    account: Account,
    *,
    since: date | None = None,
    until: date | None = None,
    who: str | None = None,
    today: date,
    with_events: bool = False,
    counted: bool = True,
    group: str | None = None,
    by_day: bool = False,
    groups_of: Mapping[str, tuple[str, ...]] | None = None,
) -> Activity:
    """What each employee did in the period (default: this month up to ``today``).

    ``who`` keeps one employee (exact name, any letter case). ``with_events``
    adds the counted events themselves, oldest first. ``counted=False`` gives the
    closed orders alone (no employees, an empty total): what the summary needs
    when it does not show the employees. ``group`` keeps the events of that
    group's clients (see the module doc); ``by_day`` fills ``calls_by_day``.
    ``groups_of``: each client's groups (``contact_groups``) when already read.
    """
    start, end = period(since, until, today)
    labels = card_settings(account.profile).labels  # the office's templates included, as on cards
    lo, hi = period_bounds(start, end)
    tally = _Tally(labels)
    tally.by_day = by_day
    only = find_group(account, group) if group else None
    keep = _group_keeper(account, only, groups_of) if only is not None else None
    listed: list[dict[str, Any]] | None = [] if with_events else None
    wanted = who.strip().casefold() if who else None
    counted = counted or with_events or wanted is not None  # the figures are wanted then
    if with_events:
        # rows(): the lean query, data cut to DATA_KEYS by SQLite (no JSON decoding per event)
        for e in account.journal.rows(since=lo, until=hi, kinds=KINDS, data_keys=DATA_KEYS):
            if wanted is not None and (e.who or "").casefold() != wanted:
                continue
            if keep is not None and not keep(e.contact):
                continue
            tally.add(e)
            if listed is not None and e.kind != "compaction" and e.data.get("changed") is not False:
                listed.append(_event_dict(e))
    else:
        _tally_in_sqlite(account.journal, tally, lo, hi, wanted, counted, keep, by_day)
    closed = tally.finish(counted)
    stages = tuple(s.key for s in labels.stages)
    employees = sorted(tally.by_who.values(), key=lambda a: a.who.casefold())
    return Activity(start, end, who, stages, employees, tally.total, closed, listed, only)


def _group_keeper(account: Account, group: str,
                  groups_of: Mapping[str, tuple[str, ...]] | None) -> Keep:  # fmt: skip
    """Is a contact in ``group`` today? (one no longer in the local copy: "(no group)")"""
    groups = contact_groups(account) if groups_of is None else groups_of
    return lambda rn: group in groups.get(rn or "", (NO_GROUP,))
