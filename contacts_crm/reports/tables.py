"""Reports as plain tables (title, header, rows) for the terminal, CSV, Sheets and xlsx.

Cells are Python values: text, ints, Decimals, dates. Writers decide how to
store them (numbers stay numbers; text is neutralised against formulas).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contacts_crm.card.wording import DIRECTIONS, OUTCOMES
from contacts_crm.reports.activity import Activity, EmployeeActivity
from contacts_crm.reports.callbacks import Callback
from contacts_crm.reports.summary import GroupFigures, Summary


@dataclass(frozen=True)
class View:
    """One table of a report: the key names its tab/sheet (see ReportSettings.view)."""

    key: str
    header: list[str]
    rows: list[list[Any]]


def _group_row(g: GroupFigures) -> list[Any]:
    conv = g.conversion
    return [
        g.group, g.clients, g.leads, g.converted,
        "" if conv is None else f"{conv:.0%}",
        g.open_orders, g.open_amount, g.completed, g.completed_amount, g.cancelled,
        g.cancelled_amount, g.last_contact["days7"], g.last_contact["days30"],
        g.last_contact["older"], g.last_contact["never"],
    ]  # fmt: skip


SUMMARY_HEADER = [
    "Group", "Clients", "Leads", "Converted", "Conversion", "Open orders", "Open amount",
    "Completed", "Completed amount", "Cancelled", "Cancelled amount",
    "Contacted ≤7d", "≤30d", "Older", "Never",
]  # fmt: skip


def summary_view(s: Summary) -> View:
    rows = [_group_row(g) for g in s.groups]
    if s.group is None:
        rows.append(_group_row(s.total))
    return View("summary", SUMMARY_HEADER, rows)


def compact_summary_view(s: Summary) -> View:
    """The summary for an 80-column terminal: the same figures, fewer columns."""

    def row(g: GroupFigures) -> list[Any]:
        conv = "" if g.conversion is None else f" ({g.conversion:.0%})"
        lc = g.last_contact
        return [g.group, g.clients, f"{g.leads} / {g.converted}{conv}",
                f"{g.open_orders} · {g.open_amount}", f"{g.completed} · {g.completed_amount}",
                f"{g.cancelled} · {g.cancelled_amount}",
                f"{lc['days7']}/{lc['days30']}/{lc['older']}/{lc['never']}"]

    rows = [row(g) for g in s.groups]
    if s.group is None:
        rows.append(row(s.total))
    header = ["Group", "Clients", "Leads / ordered", "Open · amount", "Done · amount",
              "Cancelled · amount", "Contacted 7d/30d/older/never"]
    return View("summary", header, rows)


def open_orders_view(s: Summary) -> View:
    figures = [*s.groups, s.total] if s.group is None else s.groups
    rows = [[g.group, *(g.open_by_stage[st] for st in s.open_stages), g.open_orders]
            for g in figures]  # fmt: skip
    return View("open_orders", ["Group", *s.open_stages, "Total"], rows)


EMPLOYEE_HEADER = ["Employee", "Calls", "Order steps", "Completed", "Cancelled",
                   "Completed amount"]  # fmt: skip


def employees_view(employees: list[EmployeeActivity]) -> View:
    rows = [[e.who, e.calls, e.order_steps, e.orders_completed, e.orders_cancelled,
             e.amount_completed] for e in employees]  # fmt: skip
    return View("employees", EMPLOYEE_HEADER, rows)


CALLBACK_HEADER = ["Name", "Phone", "Groups", "Reason", "Overdue days", "Last contact",
                   "By", "Why"]  # fmt: skip


def callbacks_view(items: list[Callback]) -> View:
    rows = [[c.name, c.phone, ", ".join(c.groups), c.reason, c.overdue,
             c.last_contact or "", c.last_contact_by or "",
             "; ".join(r.detail for r in c.reasons)] for c in items]  # fmt: skip
    return View("callbacks", CALLBACK_HEADER, rows)


def activity_view(a: Activity) -> View:
    header = ["Employee", "Calls", *(f"Calls {d}" for d in DIRECTIONS),
              *(f"Outcome {o}" for o in OUTCOMES), "Order steps",
              *(f"Step {s}" for s in a.stages), "Opened", "Completed", "Cancelled",
              "Completed amount", "Cancelled amount"]  # fmt: skip
    rows = []
    for e in [*a.employees, a.total]:
        rows.append([
            e.who, e.calls, *(e.calls_by_direction[d] for d in DIRECTIONS),
            *(e.calls_by_outcome[o] for o in OUTCOMES), e.order_steps,
            *(e.steps_by_stage[s] for s in a.stages), e.orders_opened, e.orders_completed,
            e.orders_cancelled, e.amount_completed, e.amount_cancelled,
        ])  # fmt: skip
    return View("activity", header, rows)


def events_view(a: Activity) -> View:
    header = ["At", "Who", "Kind", "Client", "Order", "Stage", "Amount", "Outcome", "Text"]
    rows = [[e["at"], e["who"], e["kind"], e["contactName"], e["order"], e["stage"],
             e["amount"], e["outcome"], e["text"]] for e in a.events or []]  # fmt: skip
    return View("events", header, rows)


def summary_views(s: Summary, items: list[Callback] | None = None) -> list[View]:
    """Every view of the summary workbook, in sheet order."""
    views = [summary_view(s), open_orders_view(s), employees_view(s.employees)]
    if items is not None:
        views.append(callbacks_view(items))
    return views
