"""Reports as plain tables (title, header, rows) for the terminal, CSV, Sheets and xlsx.

Cells are Python values: text, ints, Decimals, dates, ``Percent``. Writers
decide how to store them (numbers stay numbers, percentages percentage-formatted
numbers; text is neutralised against formulas). Headers and words are in the
office's language (``i18n``; outcome, direction and stage words from the card
labels), never keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from contacts_crm.card.grammar import format_amount
from contacts_crm.card.wording import DIRECTIONS, OUTCOMES, Labels
from contacts_crm.i18n import _, decimal_symbol
from contacts_crm.reports.activity import Activity, EmployeeActivity
from contacts_crm.reports.callbacks import Callback
from contacts_crm.reports.settings import ALL, NO_GROUP
from contacts_crm.reports.summary import GroupFigures, Summary
from contacts_crm.reports.words import kind_words, reason_words, without_day

__all__ = ["Percent", "View", "kind_words", "reason_words", "without_day"]


class Percent(float):
    """A share (0.4) that reads as a percentage ("40%") and is stored as a number."""

    def __str__(self) -> str:
        return f"{self:.0%}"


def _money(value: Any) -> str:
    """An amount as on the card, its groups joined by no-break spaces (a terminal table
    never wraps inside it)."""
    text = format_amount(value, decimal_symbol()) if isinstance(value, Decimal) else str(value)
    return text.replace(" ", "\u00a0")


@dataclass(frozen=True)
class View:
    """One table of a report: the key names its tab/sheet (see ReportSettings.view)."""

    key: str
    header: list[str]
    rows: list[list[Any]]


def group_name(name: str) -> str:
    """A group's name; the report's own rows ((all), (no group)) in the current language."""
    return _(name) if name in (ALL, NO_GROUP) else name


def _group_row(g: GroupFigures) -> list[Any]:
    conv = g.conversion
    return [
        group_name(g.group), g.clients, g.leads, g.converted,
        "" if conv is None else Percent(conv),
        g.open_orders, g.open_amount, g.completed, g.completed_amount, g.cancelled,
        g.cancelled_amount, g.last_contact["days7"], g.last_contact["days30"],
        g.last_contact["older"], g.last_contact["never"],
    ]  # fmt: skip


def summary_header() -> list[str]:
    """The summary's columns in the current language (the chart finds its series by
    position: see ``CHART_COLUMNS``)."""
    return [
        _("Group"), _("Clients"), _("Leads"), _("Converted"), _("Conversion"),
        _("Open orders"), _("Open amount"), _("Completed"), _("Completed amount"),
        _("Cancelled"), _("Cancelled amount"), _("Contacted ≤7d"), _("≤30d"), _("Older"),
        _("Never"),
    ]  # fmt: skip


CHART_COLUMNS = (5, 7, 9)  # open orders, completed, cancelled in summary_header()


def summary_view(s: Summary) -> View:
    rows = [_group_row(g) for g in s.groups]
    if s.group is None:
        rows.append(_group_row(s.total))
    return View("summary", summary_header(), rows)


def compact_summary_view(s: Summary) -> View:
    """The summary for an 80-column terminal: the same figures, fewer columns."""

    def row(g: GroupFigures) -> list[Any]:
        conv = "" if g.conversion is None else f" ({Percent(g.conversion)})"
        lc = g.last_contact
        return [
            group_name(g.group),
            g.clients,
            f"{g.leads} / {g.converted}{conv}",
            f"{g.open_orders} · {_money(g.open_amount)}",
            f"{g.completed} · {_money(g.completed_amount)}",
            f"{g.cancelled} · {_money(g.cancelled_amount)}",
            f"{lc['days7']}/{lc['days30']}/{lc['older']}/{lc['never']}",
        ]

    rows = [row(g) for g in s.groups]
    if s.group is None:
        rows.append(row(s.total))
    header = [
        _("Group"),
        _("Clients"),
        _("Leads / ordered"),
        _("Open · amount"),
        _("Done · amount"),
        _("Cancelled · amount"),
        _("Contacted 7d/30d/older/never"),
    ]
    return View("summary", header, rows)


def _stage(labels: Labels | None, key: str) -> str:
    return labels.stage_name(key) if labels is not None else key


def open_orders_view(s: Summary, labels: Labels | None = None) -> View:
    figures = [*s.groups, s.total] if s.group is None else s.groups
    rows = [[group_name(g.group), *(g.open_by_stage[st] for st in s.open_stages), g.open_orders]
            for g in figures]  # fmt: skip
    header = [_("Group"), *(_stage(labels, st) for st in s.open_stages), _("Total")]
    return View("open_orders", header, rows)


def employee_header() -> list[str]:
    return [_("Employee"), _("Calls"), _("Order steps"), _("Completed"), _("Cancelled"),
            _("Completed amount")]  # fmt: skip


def employees_view(employees: list[EmployeeActivity]) -> View:
    rows = [[group_name(e.who), e.calls, e.order_steps, e.orders_completed, e.orders_cancelled,
             e.amount_completed] for e in employees]  # fmt: skip
    return View("employees", employee_header(), rows)


def callback_header() -> list[str]:
    return [_("Name"), _("Phone"), _("Groups"), _("Reason"), _("Overdue days"),
            _("Last contact"), _("By"), _("Details")]  # fmt: skip


def callbacks_view(items: list[Callback]) -> View:
    rows = [[c.name, c.phone, ", ".join(c.groups), reason_words(c.reason), c.overdue,
             c.last_contact or "", c.last_contact_by or "",
             "; ".join(r.detail for r in c.reasons)] for c in items]  # fmt: skip
    return View("callbacks", callback_header(), rows)


def activity_view(a: Activity, labels: Labels | None = None) -> View:
    def direction(key: str) -> str:
        return labels.direction(key) if labels is not None else key

    def outcome(key: str) -> str:
        return labels.outcome(key) if labels is not None else key.replace("_", " ")

    calls, outcome_word, step = _("Calls"), _("Outcome"), _("Step")
    header = [_("Employee"), calls, *(f"{calls}: {direction(d)}" for d in DIRECTIONS),
              *(f"{outcome_word}: {outcome(o)}" for o in OUTCOMES), _("Order steps"),
              *(f"{step}: {_stage(labels, s)}" for s in a.stages), _("Opened"),
              _("Completed"), _("Cancelled"), _("Completed amount"),
              _("Cancelled amount")]  # fmt: skip
    rows = []
    for e in [*a.employees, a.total]:
        rows.append([
            group_name(e.who), e.calls, *(e.calls_by_direction[d] for d in DIRECTIONS),
            *(e.calls_by_outcome[o] for o in OUTCOMES), e.order_steps,
            *(e.steps_by_stage[s] for s in a.stages), e.orders_opened, e.orders_completed,
            e.orders_cancelled, e.amount_completed, e.amount_cancelled,
        ])  # fmt: skip
    return View("activity", header, rows)


def events_view(a: Activity, labels: Labels | None = None) -> View:
    header = [_("At"), _("Who"), _("What"), _("Client"), _("Order"), _("Stage"), _("Amount"),
              _("Outcome"), _("Text")]  # fmt: skip
    rows = [[e["at"], e["who"], kind_words(e["kind"]), e["contactName"], e["order"],
             _stage(labels, e["stage"]) if e["stage"] else "",
             Decimal(e["amount"]) if e["amount"] else None,
             (labels.outcome(e["outcome"]) if labels else e["outcome"]) if e["outcome"] else "",
             without_day(e["text"])] for e in a.events or []]  # fmt: skip
    return View("events", header, rows)


def summary_views(
    s: Summary, items: list[Callback] | None = None, labels: Labels | None = None
) -> list[View]:
    """Every view of the summary workbook, in sheet order."""
    views = [summary_view(s), open_orders_view(s, labels), employees_view(s.employees)]
    if items is not None:
        views.append(callbacks_view(items))
    return views
