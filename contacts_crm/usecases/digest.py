"""The morning digest: what each person gets, and sending it once.

``build`` gathers, per person: their call-backs due and overdue (the clients they
last contacted, as the Today page's "mine"), the missed calls nobody returned,
their calls left to log (``usecases.calls``: the same lists as the page), and,
for managers and admins, yesterday's figures (``reports.summary`` and
``reports.activity`` for that one day: the same as ``crm summary`` /
``crm activity``); admins also get the alerts of the last day
(``usecases.alerts``). ``message`` words it in the office's language.

``send`` delivers digests and alerts by e-mail and/or Telegram, each message to
each person on each channel once: claimed in the sent-record before it is sent
(``notify/record.py`` says why a claim left by a killed sender is never sent
again), a sure failure retried later with backoff, an unknown one reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from contacts_crm.errors import ConfigError
from contacts_crm.i18n import _, ngettext
from contacts_crm.notify.channels import DeliveryError, Message, Smtp, send_email, send_telegram
from contacts_crm.notify.people import Recipients, Secrets
from contacts_crm.notify.record import Alert, SentRecord
from contacts_crm.reports.activity import Activity
from contacts_crm.reports.activity import activity as activity_report
from contacts_crm.reports.callbacks import Callback
from contacts_crm.reports.callbacks import callbacks as callbacks_report
from contacts_crm.reports.summary import Summary
from contacts_crm.reports.summary import summary as summary_report
from contacts_crm.usecases import alerts as alerts_uc
from contacts_crm.usecases.calls import Missed, ToLog, inbox, missed_calls

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account

ROLES = ("staff", "manager", "admin")  # as the page's (web/staff.py): each has the one before
CHANNELS = ("email", "telegram")


def at_least(role: str, minimum: str) -> bool:
    rank = {r: i for i, r in enumerate(ROLES)}
    return rank.get(role, 0) >= rank[minimum]


@dataclass
class Digest:
    """What one person gets on one day."""

    person: str
    role: str
    day: date
    callbacks: list[Callback] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)
    to_log: list[ToLog] = field(default_factory=list)
    summary: Summary | None = None  # yesterday's, for managers
    activity: Activity | None = None
    alerts: list[Alert] = field(default_factory=list)  # for admins

    def to_dict(self) -> dict[str, Any]:
        missed = [{"number": m.number, "name": m.contact.display_name if m.contact else None,
                   "count": m.count, "lastAt": m.last_at.isoformat()}
                  for m in self.missed]  # fmt: skip
        to_log = [{"id": t.id, "number": t.entry.number, "direction": t.entry.direction,
                   "name": t.contact.display_name if t.contact else None,
                   "at": t.at.isoformat()} for t in self.to_log]  # fmt: skip
        out: dict[str, Any] = {
            "person": self.person,
            "role": self.role,
            "date": self.day.isoformat(),
            "callbacks": [c.to_dict() for c in self.callbacks],
            "missedCalls": missed,
            "toLog": to_log,
        }
        if self.summary is not None and self.activity is not None:
            out["yesterday"] = {"summary": self.summary.to_dict(),
                                "activity": self.activity.to_dict()}  # fmt: skip
        if at_least(self.role, "admin"):
            out["alerts"] = [dict(a.to_dict(), text=alerts_uc.words(a)) for a in self.alerts]
        return out


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def build(
    account: Account,
    people: Sequence[tuple[str, str]],
    *,
    day: date,
    now: datetime,
    record: SentRecord | None = None,
) -> list[Digest]:
    """Each person's digest for ``day`` (``people``: (name, role) pairs)."""
    missed = missed_calls(account, now=now)
    items = callbacks_report(account, today=day, missed=missed)
    mine: dict[str, list[Callback]] = {}
    for cb in items:
        if cb.last_contact_by:
            mine.setdefault(cb.last_contact_by.casefold(), []).append(cb)
    yesterday = day - timedelta(days=1)
    figures = None
    if any(at_least(role, "manager") for _name, role in people):
        figures = (
            summary_report(account, since=yesterday, until=yesterday, today=day),
            activity_report(account, since=yesterday, until=yesterday, today=day),
        )
    alerts: list[Alert] = []
    if record is not None and any(at_least(role, "admin") for _name, role in people):
        alerts_uc.scan(account, record, now=now)
        start = datetime.combine(yesterday, time(), tzinfo=now.tzinfo)
        alerts = [a for a in record.alerts(since=_utc(start))
                  if a.at < _utc(datetime.combine(day + timedelta(days=1), time(),
                                                  tzinfo=now.tzinfo))]  # fmt: skip
    out = []
    for name, role in people:
        d = Digest(name, role, day, mine.get(name.casefold(), []), list(missed),
                   inbox(account, name, now=now))  # fmt: skip
        if figures is not None and at_least(role, "manager"):
            d.summary, d.activity = figures
        if at_least(role, "admin"):
            d.alerts = alerts
        out.append(d)
    return out


# ------------------------------------------------------------------ wording
def _money(value: Any) -> str:
    return f"{value:,.0f}".replace(",", " ")


def text(d: Digest) -> str:
    """The digest as plain text (the e-mail's body, the Telegram message, the terminal)."""
    lines = [_("Digest for {person}, {date}").format(person=d.person, date=d.day), ""]
    lines.append(_("Call-backs ({n})").format(n=len(d.callbacks)))
    for cb in d.callbacks:
        when = _("overdue {n} day(s)").format(n=cb.overdue) if cb.overdue else _("due today")
        lines.append(f"  {cb.name} {cb.phone} — {cb.reasons[0].detail} ({when})")
    if not d.callbacks:
        lines.append("  " + _("none"))
    lines.append(_("Missed calls not called back ({n})").format(n=len(d.missed)))
    for m in d.missed:
        who = m.contact.display_name if m.contact else m.number
        lines.append("  " + ngettext("{who} {number}: missed {n} time, last {at}",
                                     "{who} {number}: missed {n} times, last {at}", m.count)
                     .format(who=who, number=m.number, n=m.count,
                             at=f"{m.last_at:%Y-%m-%d %H:%M}"))  # fmt: skip
    if not d.missed:
        lines.append("  " + _("none"))
    lines.append(_("Calls to log ({n})").format(n=len(d.to_log)))
    for t in d.to_log:
        who = t.contact.display_name if t.contact else t.entry.number
        lines.append(f"  {t.at:%Y-%m-%d %H:%M} {who} {t.entry.number} ({t.entry.direction})")
    if not d.to_log:
        lines.append("  " + _("none"))
    if d.summary is not None and d.activity is not None:
        total = d.summary.total
        lines += ["", _("Yesterday, {date}").format(date=d.summary.since)]
        lines.append("  " + _("calls {calls}; orders opened {opened}, completed {completed} "
                              "({amount}), cancelled {cancelled}; leads {leads}, converted "
                              "{converted}").format(
            calls=d.activity.total.calls, opened=d.activity.total.orders_opened,
            completed=total.completed, amount=_money(total.completed_amount),
            cancelled=total.cancelled, leads=total.leads, converted=total.converted))  # fmt: skip
        for e in d.activity.employees:
            lines.append("  " + _("{who}: {calls} calls, {opened} orders opened, {completed} "
                                  "completed").format(who=e.who, calls=e.calls,
                                                      opened=e.orders_opened,
                                                      completed=e.orders_completed))  # fmt: skip
    if at_least(d.role, "admin"):
        lines += ["", _("Alerts ({n})").format(n=len(d.alerts))]
        for a in d.alerts:
            lines.append(f"  {_local(a.at)} {alerts_uc.words(a)}")
        if not d.alerts:
            lines.append("  " + _("none"))
    return "\n".join(lines) + "\n"


def _local(at: str) -> str:
    return f"{datetime.fromisoformat(at).astimezone():%Y-%m-%d %H:%M}"


def _tag(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode("utf-8"), digest_size=6).hexdigest()


def message(d: Digest, profile: str) -> Message:
    subject = _("CRM digest for {person}, {date}").format(person=d.person, date=d.day)
    mid = f"<digest.{d.day}.{_tag(profile, d.person.casefold())}@contacts-crm>"
    return Message(subject, text(d), mid)


def alert_message(a: Alert, person: str, profile: str) -> Message:
    said = alerts_uc.words(a)
    mid = f"<alert.{_tag(a.id)}.{_tag(profile, person.casefold())}@contacts-crm>"
    return Message(_("CRM alert: {what}").format(what=said[:80]), f"{_local(a.at)} {said}\n", mid)


# ------------------------------------------------------------------ sending
@dataclass(frozen=True)
class Sent:
    """What became of one message to one person on one channel."""

    key: str
    person: str
    channel: str
    state: str  # sent | already | failed | gave_up | unknown | no_address | not_set_up
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "person": self.person, "channel": self.channel,
                "state": self.state, "error": self.error}  # fmt: skip


class Channels:
    """The profile's SMTP and Telegram settings, the secrets and the addresses."""

    def __init__(self, account: Account, *, timeout: float = 30.0) -> None:
        p = account.profile
        self.profile = p
        self.recipients = Recipients(account.data_dir)
        secrets = Secrets(account.data_dir)
        self._password = secrets.get("smtp_password")
        self._token = secrets.get("telegram_token")
        self.timeout = timeout

    def address(self, person: str, channel: str) -> str:
        r = self.recipients.get(person)
        return r.email if channel == "email" else r.telegram

    def ready(self, channel: str) -> bool:
        if channel == "email":
            p = self.profile
            return bool(p.smtp_host and (p.smtp_from or p.smtp_user))
        return bool(self._token)

    def deliver(self, channel: str, to: str, msg: Message) -> None:
        p = self.profile
        if channel == "email":
            smtp = Smtp(p.smtp_host or "", p.smtp_port, p.smtp_security, p.smtp_user or "",
                        self._password, p.smtp_from or p.smtp_user or "")  # fmt: skip
            send_email(smtp, to, msg, timeout=self.timeout)
        else:
            body = f"{msg.subject}\n\n{msg.text}" if msg.subject else msg.text
            send_telegram(p.telegram_api, self._token, to, body, timeout=self.timeout)


def _send_one(channels: Channels, record: SentRecord, key: str, person: str, channel: str,
              msg: Message, now: datetime) -> Sent:  # fmt: skip
    to = channels.address(person, channel)
    if not to:
        return Sent(key, person, channel, "no_address")
    if not channels.ready(channel):
        return Sent(key, person, channel, "not_set_up")
    if not record.claim(key, person, channel, msg.message_id, now):
        row = record.get(key, person, channel)
        return Sent(key, person, channel, "already", row.state if row else None)
    try:
        channels.deliver(channel, to, msg)
    except DeliveryError as exc:
        state = record.failed(key, person, channel, exc.reason, now,
                              maybe_delivered=exc.maybe_delivered,
                              retry_after=exc.retry_after)  # fmt: skip
        return Sent(key, person, channel, state, exc.reason)
    record.done(key, person, channel, now)
    return Sent(key, person, channel, "sent")


def send(
    account: Account,
    digests: Sequence[Digest],
    record: SentRecord,
    *,
    now: datetime,
    channels: Channels | None = None,
    alerts: bool = True,
) -> list[Sent]:
    """Each digest to its person on every channel they have; then (``alerts``) the new
    alerts to the admins among them. Nothing already sent (or maybe sent) goes out again."""
    chans = channels or Channels(account)
    record.stale_claims(now)
    out = []
    for d in digests:
        msg = message(d, account.profile.name)
        for channel in CHANNELS:
            out.append(_send_one(chans, record, f"digest:{d.day}", d.person, channel, msg, now))
    admins = [d.person for d in digests if at_least(d.role, "admin")]
    if admins and alerts:
        out += send_alerts(account, admins, record, now=now, channels=chans)
    return [s for s in out if s.state != "no_address"]


def send_alerts(
    account: Account,
    admins: Sequence[str],
    record: SentRecord,
    *,
    now: datetime,
    channels: Channels | None = None,
) -> list[Sent]:
    """The alerts of the last two days each admin was not sent yet (each once)."""
    chans = channels or Channels(account)
    alerts_uc.scan(account, record, now=now)
    out = []
    for a in reversed(record.alerts(since=_utc(now - timedelta(days=2)))):
        for person in admins:
            msg = alert_message(a, person, account.profile.name)
            for channel in CHANNELS:
                s = _send_one(chans, record, f"alert:{a.id}", person, channel, msg, now)
                if s.state not in ("no_address", "already"):
                    out.append(s)
    return out


def status(record: SentRecord, *, now: datetime, days: int = 7) -> list[dict[str, Any]]:
    """The sends of the last ``days`` days, newest first (claims left by a killed
    sender shown as unknown)."""
    record.stale_claims(now)
    return [s.to_dict() for s in record.sends(since=now - timedelta(days=days))]


def check_channels(account: Account) -> None:
    """ConfigError when neither channel is set up (``crm digest --send``)."""
    chans = Channels(account)
    if not (chans.ready("email") or chans.ready("telegram")):
        raise ConfigError(
            _("neither e-mail nor Telegram is set up for the digest"),
            hint=_(
                "crm config set smtp_host HOST (and smtp_user, crm digest secret "
                "smtp_password), or crm digest secret telegram_token"
            ),
        )
