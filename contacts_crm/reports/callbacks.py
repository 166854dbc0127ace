"""Who to call and why, most overdue first — from the cards in the cache.

A client's newest call with an outcome decides what it asks for:
- ``callback_due``: the outcome is "call back" with a date, and the date has
  come (overdue = days since that date; 0 on the day itself);
- ``interested``: the outcome is "interested" (or "call back" with no date),
  no order was opened on or after that call, and ``days`` have passed since
  it (overdue = days since the call minus ``days``);
  "not interested" and "ordered" close the matter.
Independently, ``stay_in_touch``: the client's last contact is older than its
groups' interval (``templates/reports/stay_in_touch.toml``, the shortest of
its groups, else the default; overdue = days since the last contact minus the
interval). ``never_contacted``: a lead (in a lead group, no order) that no
call or order step ever reached (overdue 0: nobody knows since when).
``missed_call``: calls from the client's number were missed and nobody called
back or logged a call since (``missed``, from ``usecases.calls.missed_calls``;
overdue = days since the last one); a caller who is no client gets a line of
its own, named by the number.

One entry per client, with every reason that applies; its urgency is the
largest overdue. Sorted by overdue (descending), then name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from contacts_crm.i18n import _
from contacts_crm.reports.clients import ClientView, client_views, find_group
from contacts_crm.reports.settings import ReportSettings, load_report_settings

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account


class MissedLine(Protocol):
    """One caller's missed calls (``usecases.calls.Missed``)."""

    @property
    def number(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def last_at(self) -> datetime: ...
    @property
    def resource_name(self) -> str | None: ...


@dataclass(frozen=True)
class Reason:
    key: str  # callback_due | interested | stay_in_touch | never_contacted | missed_call
    overdue: int  # days
    since: date  # the date the reason counts from
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.key, "overdueDays": self.overdue, "since": self.since.isoformat(),
                "detail": self.detail}  # fmt: skip


@dataclass(frozen=True)
class Callback:
    """One client to call."""

    resource_name: str
    name: str
    phone: str
    groups: tuple[str, ...]
    last_contact: date | None
    last_contact_by: str | None
    reasons: tuple[Reason, ...]  # most overdue first

    @property
    def overdue(self) -> int:
        return self.reasons[0].overdue

    @property
    def reason(self) -> str:
        return self.reasons[0].key

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "resourceName": self.resource_name,
            "phone": self.phone,
            "groups": list(self.groups),
            "lastContact": self.last_contact.isoformat() if self.last_contact else None,
            "lastContactBy": self.last_contact_by,
            "reason": self.reason,
            "overdueDays": self.overdue,
            "detail": self.reasons[0].detail,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _call_reason(c: ClientView, days: int, today: date) -> Reason | None:
    if not c.outcome_calls:
        return None
    call = c.outcome_calls[0]
    if call.outcome == "callback" and call.callback_on is not None:
        if call.callback_on > today:
            return None
        comment = f": {call.comment}" if call.comment else ""
        return Reason("callback_due", (today - call.callback_on).days, call.callback_on,
                      _("asked to call back on {date}").format(date=call.callback_on)
                      + comment)  # fmt: skip
    if call.outcome in ("interested", "callback"):
        if c.latest_order_on is not None and c.latest_order_on >= call.on:
            return None
        waited = (today - call.on).days
        if waited < days:
            return None
        comment = f": {call.comment}" if call.comment else ""
        return Reason("interested", waited - days, call.on + timedelta(days=days),
                      _("interested on {date}, no order since").format(date=call.on)
                      + comment)  # fmt: skip
    return None


def _stay_reason(c: ClientView, interval: int, today: date) -> Reason | None:
    """``interval``: the client's stay-in-touch days (``ReportSettings.interval``)."""
    if interval <= 0 or c.last_contact is None:
        return None
    gap = (today - c.last_contact).days
    if gap <= interval:
        return None
    return Reason("stay_in_touch", gap - interval, c.last_contact + timedelta(days=interval),
                  _("not contacted for {days} days (every {interval} days)").format(
                      days=gap, interval=interval))  # fmt: skip


def _never_reason(c: ClientView, settings: ReportSettings, today: date) -> Reason | None:
    if c.last_contact is not None or c.ever_ordered or c.open_orders:
        return None
    if not c.in_any(settings.lead_groups):
        return None
    return Reason("never_contacted", 0, today, _("never contacted"))


def _missed_reason(m: MissedLine, today: date) -> Reason:
    on = m.last_at.date()
    return Reason("missed_call", max(0, (today - on).days), on,
                  _("missed {n} time(s), last {at}").format(
                      n=m.count, at=f"{m.last_at:%Y-%m-%d %H:%M}"))  # fmt: skip


def callbacks(
    account: Account,
    *,
    days: int | None = None,
    group: str | None = None,
    today: date,
    settings: ReportSettings | None = None,
    missed: Sequence[MissedLine] = (),
    views: Iterable[ClientView] | None = None,
) -> list[Callback]:
    """Clients to call back, most overdue first (see the module doc for the rules).

    ``views``: the clients already read (``client_views``), for a caller that
    makes several reports of one state."""
    conf = settings or load_report_settings()
    wait = conf.interested_days if days is None else days
    if wait < 0:
        from contacts_crm.errors import FieldError

        raise FieldError("days", "negative", _("the number of days must be 0 or more, got "
                         "{got}").format(got=wait), got=wait)  # fmt: skip
    only = find_group(account, group) if group else None
    out = []
    intervals: dict[tuple[str, ...], int] = {}  # clients share a few group sets
    missed_of = {m.resource_name: m for m in missed if m.resource_name}
    for c in client_views(account) if views is None else views:
        if only is not None and only not in c.groups:
            continue
        interval = intervals.get(c.groups)
        if interval is None:
            interval = intervals[c.groups] = conf.interval(list(c.groups))
        found = [r for r in (_call_reason(c, wait, today), _stay_reason(c, interval, today),
                             _never_reason(c, conf, today)) if r]  # fmt: skip
        if c.resource_name in missed_of:
            found.append(_missed_reason(missed_of[c.resource_name], today))
        if found:
            found.sort(key=lambda r: -r.overdue)
            out.append(Callback(c.resource_name, c.name, c.phone, c.groups, c.last_contact,
                                c.last_contact_by, tuple(found)))  # fmt: skip
    if only is None:  # callers who are no client yet: one line each, named by the number
        for m in missed:
            if not m.resource_name:
                out.append(Callback("", m.number, m.number, (), None, None,
                                    (_missed_reason(m, today),)))  # fmt: skip
    out.sort(key=lambda cb: (-cb.overdue, cb.name.casefold(), cb.resource_name))
    return out
