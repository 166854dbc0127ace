"""The dashboard page's values: the use case's figures as charts and tables in the
office's language (numbers, percentages and days by Babel's locale data)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from contacts_crm.card.wording import Labels
from contacts_crm.reports.settings import NO_GROUP
from contacts_crm.usecases.dashboard import NOBODY, Dashboard
from contacts_crm.web.charts import Bar, bars, day_strips


class Numbers:
    """Numbers, amounts, shares and days in one language."""

    def __init__(self, language: str) -> None:
        self.locale = language if language in ("en", "ru", "tr") else "en"

    def n(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def money(self, value: Decimal) -> str:
        return format_decimal(value, format="#,##0.##", locale=self.locale)

    def share(self, value: float | None) -> str:
        return (
            "—" if value is None else format_percent(value, format="#,##0.#%", locale=self.locale)
        )

    def day(self, value: date) -> str:
        return format_date(value, "d MMM", locale=self.locale)


def presets(today: date, group: str | None) -> list[tuple[str, str]]:
    """(word key, URL) of the usual periods."""
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    periods = {
        "this_month": (first, today),
        "last_7_days": (today - timedelta(days=6), today),
        "last_30_days": (today - timedelta(days=29), today),
        "last_month": (last_month_end.replace(day=1), last_month_end),
    }
    out = []
    for key, (since, until) in periods.items():
        query = {"since": since.isoformat(), "until": until.isoformat()}
        if group:
            query["group"] = group
        out.append((key, "/dashboard?" + urlencode(query)))
    return out


def page_values(d: Dashboard, w: dict[str, str], labels: Labels, language: str) -> dict[str, Any]:
    """What templates/dashboard.html shows."""
    num = Numbers(language)

    def who(name: str) -> str:
        return name or w["dash_nobody"]

    def group_name(name: str) -> str:
        return w["no_group"] if name == NO_GROUP else name

    people = d.people
    callers = [p for p in people if p.calls]
    calls_chart = (
        day_strips(
            [who(p.who) for p in callers],
            [p.calls_by_day for p in callers],
            [num.n(p.calls) for p in callers],
            num.day(d.since),
            num.day(d.until),
            w["dash_calls"],
        )
        if callers
        else None
    )

    funnel_rows = []
    for step in d.funnel:
        if step.key.startswith("stage:"):
            label = labels.stage_name(step.key.removeprefix("stage:"))
        else:
            label = w[f"dash_{step.key}"]
        shown = num.n(step.count)
        if step.amount:
            shown += " · " + num.money(step.amount)
        funnel_rows.append((label, step.count, shown))
    funnel_chart = bars(
        [
            Bar(label, n, shown, "ok" if i == len(funnel_rows) - 1 else "main")
            for i, (label, n, shown) in enumerate(funnel_rows)
        ],
        w["dash_funnel"],
    )

    by_group = [(group_name(g), amount, n) for g, amount, n in d.revenue_by_group]
    revenue_groups = [(g, num.money(amount), num.n(n)) for g, amount, n in by_group]
    revenue_group_chart = (
        bars(
            [Bar(g, float(amount), num.money(amount)) for g, amount, _ in by_group],
            w["dash_revenue_group"],
        )
        if by_group
        else None
    )
    earners = [p for p in people if p.revenue or p.completed]
    revenue_people_chart = (
        bars(
            [Bar(who(p.who), float(p.revenue), num.money(p.revenue)) for p in earners],
            w["dash_revenue_person"],
        )
        if earners
        else None
    )

    behind = [p for p in people if p.overdue_callbacks or p.missed_calls]
    behind_rows = []
    for p in behind:
        behind_rows.append(
            Bar(
                f"{who(p.who)} · {w['dash_overdue']}",
                p.overdue_callbacks,
                num.n(p.overdue_callbacks),
                "warn",
            )
        )
        behind_rows.append(
            Bar(f"{who(p.who)} · {w['dash_missed']}", p.missed_calls, num.n(p.missed_calls), "note")
        )
    behind_chart = bars(behind_rows, w["dash_behind"]) if behind else None

    stale_groups = sorted(d.stale_by_group.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    stale_chart = (
        bars([Bar(group_name(g), n, num.n(n), "note") for g, n in stale_groups], w["dash_stale"])
        if stale_groups
        else None
    )
    stale_list = [
        {
            "cid": c.resource_name.removeprefix("people/"),
            "name": c.name,
            "detail": next(r.detail for r in c.reasons if r.key == "stay_in_touch"),
        }
        for c in d.stale
    ]

    return {
        "d": d,
        "since": d.since.isoformat(),
        "until": d.until.isoformat(),
        "period_words": w["dash_period"].format(since=num.day(d.since), until=num.day(d.until)),
        "group": d.group or "",
        "groups": [(g, group_name(g)) for g in d.groups],
        "presets": [(w[f"dash_{k}"], url) for k, url in presets(d.today, d.group)],
        "calls_chart": calls_chart,
        "calls_total": num.n(d.activity.total.calls),
        "calls_days": [num.day(x) for x in d.days],
        "callers": [
            (who(p.who), num.n(p.calls), [num.n(n) for n in p.calls_by_day]) for p in callers
        ],
        "funnel_chart": funnel_chart,
        "funnel": [(label, shown) for label, _, shown in funnel_rows],
        "conversion": num.share(d.conversion),
        "delivered_share": num.share(d.delivered_share),
        "revenue_total": num.money(d.summary.total.completed_amount),
        "revenue_group_chart": revenue_group_chart,
        "revenue_groups": revenue_groups,
        "revenue_people_chart": revenue_people_chart,
        "revenue_people": [(who(p.who), num.money(p.revenue), num.n(p.completed)) for p in earners],
        "behind_chart": behind_chart,
        "behind": [(who(p.who), num.n(p.overdue_callbacks), num.n(p.missed_calls)) for p in behind],
        "stale_chart": stale_chart,
        "stale_groups": [(group_name(g), num.n(n)) for g, n in stale_groups],
        "stale_list": stale_list,
        "stale_count": num.n(d.stale_count),
        "nobody": NOBODY,
    }
