"""Alerts to the admins, found in the journal (each once, kept in the sent-record).

The journal already holds every fact an admin must hear about:
- ``contact_deleted`` — a mass deletion: ``MASS_DELETION`` or more contacts
  deleted by one operation (``crm delete``, an import's undo) or, deleted by
  hand outside the tool, within one hour;
- ``sync_stopped`` — the sync guard stopped a sync that would have removed too
  much of the local copy (``Account._guard_removal`` journals it);
- ``removed_by_hand`` — a hand edit (the Google Contacts page, a phone) removed
  call or order lines from a card: one alert per card per sync that saw it;
- ``import`` / ``import-undo`` — an import and its undo.

An alert's id is made from the journal events' ids, so scanning again (every
server tick, every ``crm digest``) finds it again and keeps it once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from contacts_crm.card.grammar import classify
from contacts_crm.card.model import Kind
from contacts_crm.i18n import _, ngettext
from contacts_crm.notify.record import Alert, SentRecord
from contacts_crm.office.cards import card_settings

if TYPE_CHECKING:
    from contacts_crm.account.connected import Account
    from contacts_crm.card.events import JournalEvent

MASS_DELETION = 10
ALERT_KINDS = ("contact_deleted", "sync_stopped", "removed_by_hand", "import", "import-undo")
FIRST_LOOK = timedelta(days=7)  # a new record looks this far back
LOOK_AGAIN = timedelta(days=2)  # events pulled late from another PC carry their own time
_ORDER_KINDS = (Kind.ORDER, Kind.STEP, Kind.SUMMARY)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def scan(account: Account, record: SentRecord, *, now: datetime) -> list[Alert]:
    """Read the journal since the last scan; keep the alerts found; the new ones."""
    last = record.meta("alerts_scanned")
    since = datetime.fromisoformat(last) - LOOK_AGAIN if last else now - FIRST_LOOK
    events = list(account.journal.events(since=_iso(since), kinds=ALERT_KINDS))
    found = alerts_in(events, account)
    new = record.add_alerts(found, now)
    record.set_meta("alerts_scanned", _iso(now))
    return new


def alerts_in(events: list[JournalEvent], account: Account) -> list[Alert]:
    """The alerts these journal events raise (pure but for the card labels)."""
    labels = card_settings(account.profile).labels
    deleted: dict[str, list[JournalEvent]] = defaultdict(list)
    removed: dict[str, list[JournalEvent]] = defaultdict(list)
    out = []
    for e in events:
        if e.kind == "contact_deleted":
            by_hand = e.op_id.startswith("deleted-")  # one id per contact: group by the hour
            deleted[f"hour:{e.at[:13]}" if by_hand else e.op_id].append(e)
        elif e.kind == "removed_by_hand":
            removed[e.op_id].append(e)
        elif e.kind == "sync_stopped":
            out.append(
                Alert(
                    f"sync_stopped:{e.op_id}",
                    "sync_stopped",
                    e.at,
                    e.who,
                    {"removed": e.data.get("removed"), "before": e.data.get("before")},
                )
            )
        elif e.kind in ("import", "import-undo"):
            kind = "import" if e.kind == "import" else "import_undo"
            d = e.data
            data = {"file": str(d.get("file", "")).replace("\\", "/").rsplit("/", 1)[-1],
                    "created": d.get("created", 0), "updated": d.get("updated", 0),
                    "removed": d.get("removed", 0), "restored": d.get("restored", 0)}  # fmt: skip
            out.append(Alert(f"{kind}:{e.op_id}", kind, e.at, e.who, data))
    for key, group in deleted.items():
        if len(group) >= MASS_DELETION:
            first = min(group, key=lambda e: e.at)
            out.append(Alert(f"mass_deletion:{key}", "mass_deletion", first.at, first.who,
                             {"count": len(group)}))  # fmt: skip
    for op_id, group in removed.items():
        calls = orders = 0
        for e in group:
            line_kind, _fact = classify(str(e.data.get("old", e.text)), labels)
            calls += line_kind == Kind.CALL
            orders += line_kind in _ORDER_KINDS
        if calls or orders:
            first = group[0]
            out.append(Alert(f"removed_lines:{op_id}", "removed_lines", first.at, first.who,
                             {"contact": first.contact_name, "resourceName": first.contact,
                              "calls": calls, "orders": orders}))  # fmt: skip
    out.sort(key=lambda a: (a.at, a.id))
    return out


def words(alert: Alert) -> str:
    """One line saying what happened, in the office's language."""
    d: dict[str, Any] = alert.data
    if alert.kind == "mass_deletion":
        return ngettext("{n} contact was deleted at once", "{n} contacts were deleted at once",
                        d["count"]).format(n=d["count"])  # fmt: skip
    if alert.kind == "sync_stopped":
        return _("the sync guard stopped a sync that would remove {removed} of {before} "
                 "contacts").format(
                     removed=d.get("removed"), before=d.get("before"))  # fmt: skip
    if alert.kind == "removed_lines":
        return _("a hand edit removed {calls} call line(s) and {orders} order line(s) from "
                 "the card of {name}").format(calls=d["calls"], orders=d["orders"],
                                              name=d["contact"])  # fmt: skip
    if alert.kind == "import":
        return _("import of {file}: {created} created, {updated} updated").format(**d)
    return _("import of {file} undone: {removed} removed, {restored} restored").format(**d)
