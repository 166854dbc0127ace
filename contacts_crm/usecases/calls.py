"""Calls that happened and wait to be logged; missed calls that wait for a call back.

- ``record_call_event``: a phone ("call ended" automation) or a PBX reports a
  call: kept once (``account/calls.py``); an answered or made call becomes a
  call to log in its person's inbox (nobody's: everyone's), a missed call a line
  in the missed list, a call out clears that number's missed calls.
- ``tapped``: a number tapped on the page is a call to log too.
- ``inbox``: a person's calls to log, newest first; a call somebody logged on
  the card meanwhile (from anywhere) leaves it (``card/logged.py``).
- ``logged`` / ``dismiss``: the page logged the call from its entry, or the
  person waved it away.
- ``missed_calls``: one line per caller, cleared by a call back or a logged call.

The phone number is never logged (privacy): errors name the field, not its value.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from contacts_crm.account.calls import CALLS_FILE, CallEvent, CallStore, InboxEntry, MissedCall
from contacts_crm.account.connected import Account
from contacts_crm.card import grammar as card_grammar
from contacts_crm.card.logged import call_lines, new_line
from contacts_crm.card.model import Card
from contacts_crm.contact import phones
from contacts_crm.contact.model import Contact
from contacts_crm.errors import UsageError
from contacts_crm.i18n import _
from contacts_crm.office.cards import card_settings

INBOX_DAYS = 7  # older calls to log leave the inbox on their own
MAX_DURATION = 24 * 3600
DIRECTION_WORDS = {
    "in": "in", "incoming": "in", "inbound": "in", "answered": "in",
    "out": "out", "outgoing": "out", "outbound": "out",
    "missed": "missed", "noanswer": "missed", "no-answer": "missed", "no answer": "missed",
    "unanswered": "missed", "notanswered": "out",  # 3CX: a call out nobody answered
}  # fmt: skip
YEASTAR_CALL_END = 30012  # Yeastar P-Series "Call End Details" event


@dataclass(frozen=True)
class ToLog:
    """A call in someone's inbox, with the client it was with (if known)."""

    entry: InboxEntry
    contact: Contact | None
    at: datetime  # local time

    @property
    def id(self) -> int:
        return self.entry.id


@dataclass(frozen=True)
class Missed:
    """One caller's missed calls."""

    number: str
    contact: Contact | None
    count: int
    last_at: datetime  # local time

    @property
    def resource_name(self) -> str | None:
        return self.contact.resource_name if self.contact else None


def store(account: Account) -> CallStore:
    """The account's call store (``calls.sqlite``)."""
    return account.calls


# ------------------------------------------------------------------ reading input
def parse_direction(text: str) -> str:
    key = DIRECTION_WORDS.get(" ".join(str(text).split()).casefold())
    if key is None:
        raise UsageError(_("direction must be in, out or missed"),
                         hint=_("send direction=in, out or missed"))  # fmt: skip
    return key


def parse_start(text: str | None, now: datetime) -> datetime:
    """ISO 8601 (a time without a zone is this PC's), or Unix seconds; none: now."""
    raw = (text or "").strip()
    if not raw:
        return now
    try:
        if raw.replace(".", "", 1).isdigit():
            moment = datetime.fromtimestamp(float(raw), UTC)
        else:
            moment = datetime.fromisoformat(raw)
    except (ValueError, OverflowError, OSError) as exc:
        raise UsageError(_("start is not an ISO 8601 time"),
                         hint=_("e.g. start=2026-12-07T14:05:00+03:00")) from exc  # fmt: skip
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC)


def parse_duration(text: str | int | float | None) -> int:
    """Seconds, or h:mm:ss / mm:ss (3CX's durations)."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        return 0
    try:
        if ":" in raw:
            seconds = 0
            for part in raw.split(":"):
                seconds = seconds * 60 + int(part)
        else:
            seconds = round(float(raw))
    except ValueError as exc:
        raise UsageError(_("duration must be a number of seconds")) from exc
    if not 0 <= seconds <= MAX_DURATION:
        raise UsageError(_("duration must be a number of seconds"))
    return seconds


def from_yeastar(body: dict[str, object]) -> dict[str, object] | None:
    """Our fields from a Yeastar P-Series webhook, when ``body`` is one ("Call End
    Details", event 30012; its ``msg`` is a JSON string). ``{}``: an internal call
    (nothing to log); None: not a Yeastar event."""
    if body.get("type") != YEASTAR_CALL_END or "msg" not in body:
        return None
    msg = body["msg"]
    if isinstance(msg, str):
        try:
            msg = json.loads(msg)
        except ValueError:
            msg = None
    if not isinstance(msg, dict):
        raise UsageError(_("a Yeastar call event without its call details (msg)"))
    kind = str(msg.get("type", "")).casefold()
    answered = str(msg.get("status", "")).upper() == "ANSWERED"
    if kind == "inbound":
        number, direction = msg.get("call_from"), "in" if answered else "missed"
    elif kind == "outbound":
        number, direction = msg.get("call_to"), "out"
    else:
        return {}
    return {"number": number, "direction": direction, "start": msg.get("time_start"),
            "duration": msg.get("talk_duration") or 0, "id": msg.get("call_id") or ""}  # fmt: skip


def phone_number(account: Account, text: str) -> str:
    found = phones.normalize(text, account.profile.region)
    if found.e164 is None:
        raise UsageError(
            _("number is not a phone number"),
            hint=_("send the caller's number in any spelling, e.g. +79161234567"),
        )
    return found.e164


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


# ------------------------------------------------------------------- the card
def _client(account: Account, number: str) -> Contact | None:
    hits = account.contacts.by_phone(number, account.profile.region)
    return hits[0] if hits else None


def _card(account: Account, contact: Contact) -> Card:
    return card_grammar.parse(contact.notes, card_settings(account.profile).labels)


def _day(start: str | datetime) -> date:
    moment = datetime.fromisoformat(start) if isinstance(start, str) else start
    return moment.astimezone().date()


def _lines(
    account: Account, contact: Contact | None, day: date, direction: str | None
) -> list[str]:
    if contact is None:
        return []
    return call_lines(_card(account, contact), since=day, direction=direction)


# ------------------------------------------------------------------ writing
def record_call_event(
    account: Account,
    *,
    number: str,
    direction: str,
    start: datetime,
    duration: int,
    who: str,
    source: str,
    call_id: str = "",
    now: datetime | None = None,
) -> bool:
    """Keep one call event (False: the same event came before and changed nothing)."""
    e164 = phone_number(account, number)
    key = _key(source, call_id) if call_id else _key(e164, direction, _iso(start))
    event = CallEvent(key, e164, direction, _iso(start), duration, who, source)
    contact = _client(account, number)  # as sent: its spelling was just normalised (cached)
    looked = None if direction == "missed" else direction
    seen = _lines(account, contact, _day(start), looked)
    rn = contact.resource_name if contact else None
    return store(account).record(event, rn, seen, _iso(now or datetime.now(UTC)))


def tapped(account: Account, number: str, *, who: str, now: datetime | None = None) -> int:
    """A number tapped on the page by ``who``: its call to log (the entry's id)."""
    e164 = phone_number(account, number)
    moment = now or datetime.now(UTC)
    event = CallEvent(_key("tap", e164, who, _iso(moment)), e164, "out", _iso(moment), 0, who,
                      "tap")  # fmt: skip
    contact = _client(account, e164)
    seen = _lines(account, contact, _day(moment), "out")
    return store(account).tapped(event, contact.resource_name if contact else None, seen,
                                 _iso(moment))  # fmt: skip


def logged(account: Account, entry_id: int, *, by: str, now: datetime | None = None) -> None:
    """The call of ``entry_id`` was just logged on its card: it leaves every inbox."""
    calls = store(account)
    entry = calls.entry(entry_id)
    if entry is None:
        return
    line = None
    if entry.contact:
        contact = account.contacts.get(entry.contact)
        now_lines = _lines(account, contact, _day(entry.start), entry.direction)
        line = new_line(now_lines, entry.seen, calls.taken_lines(entry.contact))
    calls.close_entry(entry_id, "logged", by=by, line=line, now=_iso(now or datetime.now(UTC)))


def dismiss(account: Account, entry_id: int, *, by: str, now: datetime | None = None) -> bool:
    return store(account).close_entry(entry_id, "dismissed", by=by, line=None,
                                      now=_iso(now or datetime.now(UTC)))  # fmt: skip


def attach(account: Account, entry_id: int, contact: Contact) -> None:
    """A new client was made from this call's number: the call is theirs."""
    if contact.resource_name:
        store(account).set_contact(entry_id, contact.resource_name)


# ------------------------------------------------------------------ reading
def inbox(account: Account, who: str | None, *, now: datetime | None = None) -> list[ToLog]:
    """``who``'s calls to log (theirs and nobody's; ``None``: everyone's), newest first.

    A call logged on the card since it arrived, by anyone from anywhere, leaves
    (and is marked logged with the card line that logged it)."""
    moment = now or datetime.now(UTC)
    calls = store(account)
    out = []
    taken: dict[str, list[str]] = {}
    entries = calls.open_entries(since=_iso(moment - timedelta(days=INBOX_DAYS)), who=who)
    for entry in sorted(entries, key=lambda e: (e.start, e.id)):  # the oldest call first
        contact = account.contacts.get(entry.contact) if entry.contact else None
        if contact is None:  # not a client when it came: perhaps one now
            contact = _client(account, entry.number)
            if contact is not None and contact.resource_name:
                calls.set_contact(entry.id, contact.resource_name)
                entry = calls.entry(entry.id) or entry
        if contact is not None and contact.resource_name:
            rn = contact.resource_name
            if rn not in taken:
                taken[rn] = calls.taken_lines(rn)
            now_lines = _lines(account, contact, _day(entry.start), entry.direction)
            line = new_line(now_lines, entry.seen, taken[rn])
            if line is not None:
                calls.close_entry(entry.id, "logged", by="", line=line, now=_iso(moment))
                taken[rn].append(line)
                continue
        out.append(ToLog(entry, contact, datetime.fromisoformat(entry.start).astimezone()))
    out.sort(key=lambda t: (t.entry.start, t.id), reverse=True)
    return out


def entry(account: Account, entry_id: int) -> ToLog | None:
    found = store(account).entry(entry_id)
    if found is None:
        return None
    contact = account.contacts.get(found.contact) if found.contact else None
    contact = contact or _client(account, found.number)
    return ToLog(found, contact, datetime.fromisoformat(found.start).astimezone())


def missed_calls(account: Account, *, now: datetime | None = None) -> list[Missed]:
    """Callers whose calls were missed and not returned, the latest first.

    Cleared on their own: by a call out to the number (an event or a tap) and by
    a call logged on the client's card since the first missed call. A profile
    that never served the page has none (and gets no calls file)."""
    if account._calls is None and not (account.data_dir / CALLS_FILE).exists():
        return []
    moment = now or datetime.now(UTC)
    calls = store(account)
    out = []
    row: MissedCall
    for row in calls.missed():
        contact = account.contacts.get(row.contact) if row.contact else None
        contact = contact or _client(account, row.number)
        if contact is not None:
            lines = _lines(account, contact, _day(row.first_at), None)
            if new_line(lines, row.seen, ()) is not None:
                calls.clear_missed(row.number, _iso(moment))
                continue
        out.append(Missed(row.number, contact, row.count,
                          datetime.fromisoformat(row.last_at).astimezone()))  # fmt: skip
    return out
