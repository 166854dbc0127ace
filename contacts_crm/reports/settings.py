"""Report settings from templates: lead groups, stay-in-touch intervals, view names.

``templates/reports/reports.toml`` and ``templates/reports/stay_in_touch.toml``
(an office may override either, see ``labels.read_template``). Also the
default period every report shares (this month up to today).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from contacts_crm.errors import ConfigError, FieldError
from contacts_crm.office.templates import read_template

NO_GROUP = "(no group)"
ALL = "(all)"


@dataclass(frozen=True)
class ReportSettings:
    """What the reports need from the templates (names compared case-insensitively)."""

    lead_groups: frozenset[str] = frozenset({"leads", "call back"})
    interest_outcomes: frozenset[str] = frozenset({"interested", "callback"})
    interested_days: int = 14
    default_interval: int = 90
    intervals: dict[str, int] = field(default_factory=dict)  # casefolded group -> days
    views: dict[str, str] = field(default_factory=dict)

    def interval(self, groups: list[str]) -> int:
        """Stay-in-touch days for a client in ``groups`` (the shortest; 0 = never listed)."""
        known = [self.intervals[g.casefold()] for g in groups if g.casefold() in self.intervals]
        if not known:
            return self.default_interval
        active = [d for d in known if d > 0]
        return min(active) if active else 0

    def view(self, key: str) -> str:
        """The tab/sheet name of a view (summary, open_orders, employees, callbacks…)."""
        from contacts_crm.i18n import _  # the shipped names are in the catalogs

        return _(self.views.get(key, key.replace("_", " ").capitalize()))


def _int(data: dict[str, Any], key: str, default: int, where: str) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{where}: {key} must be a whole number of days >= 0, got {value!r}")
    return value


def _words(data: dict[str, Any], key: str, default: frozenset[str], where: str) -> frozenset[str]:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of names")
    return frozenset(v.strip().casefold() for v in value if v.strip())


def group_name(name: str) -> str:
    from contacts_crm.i18n import group_name as translated

    return translated(name)


def load_report_settings(override_dir: Path | None = None) -> ReportSettings:
    """Read both report templates; the office's templates dir (config dir) wins."""
    if override_dir is None:
        from contacts_crm.config import office_templates_dir

        override_dir = office_templates_dir()
    base = ReportSettings()
    rep = read_template("reports/reports.toml", override_dir)
    stay = read_template("reports/stay_in_touch.toml", override_dir)
    where = "reports/stay_in_touch.toml"
    groups = stay.get("groups", {})
    if not isinstance(groups, dict):
        raise ConfigError(f"{where}: [groups] must be a table of group = days")
    intervals = {str(k).strip().casefold(): _int(groups, k, 0, where) for k in groups}
    # the shipped group names also in the current language (i18n.group_name), so the
    # groups the tool created in Russian or Turkish count as well
    for k in groups:
        intervals.setdefault(group_name(str(k)).strip().casefold(), _int(groups, k, 0, where))
    leads = _words(rep, "lead_groups", base.lead_groups, "reports/reports.toml")
    leads |= frozenset(group_name(str(g)).casefold() for g in rep.get("lead_groups", []) or [])
    views = rep.get("views", {})
    return ReportSettings(
        lead_groups=leads,
        interest_outcomes=_words(
            rep, "interest_outcomes", base.interest_outcomes, "reports/reports.toml"
        ),
        interested_days=_int(rep, "interested_days", base.interested_days, "reports/reports.toml"),
        default_interval=_int(stay, "default", base.default_interval, where),
        intervals=intervals,
        views={str(k): str(v) for k, v in views.items()} if isinstance(views, dict) else {},
    )


# ---- dates ---------------------------------------------------------------------


def period(since: date | None, until: date | None, today: date) -> tuple[date, date]:
    """The report period, both days included; default: this month up to today."""
    start = since or (until or today).replace(day=1)
    end = until or today
    if start > end:
        from contacts_crm.i18n import _

        raise FieldError(
            "period", "reversed",
            _("the period starts ({start}) after it ends ({end})").format(start=start, end=end),
            hint=_("swap the first and the last day"), start=start, end=end,
        )  # fmt: skip
    return start, end


def period_bounds(start: date, end: date) -> tuple[str, str]:
    """Journal query bounds (ISO strings): ``since`` inclusive, ``until`` exclusive."""
    return start.isoformat(), (end + timedelta(days=1)).isoformat()
