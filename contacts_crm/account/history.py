"""Edits made outside the tool become journal events, on every sync.

When a sync (or a write's response) brings a contact whose content is not
what the tool's last write left (its ``crm.stamp``, see contact/stamp.py),
the new version is compared with the one in the cache, before the cache is
replaced:

- card lines added by hand that parse as calls, order steps, new or closed
  orders become events of the same kinds (``call``, ``order_step``,
  ``order_open``, ``order_close``), ``data.by_hand`` true, ``who`` the name in
  the line's parentheses or ``unknown``; reports count them like the tool's;
- lines removed or rewritten by hand: ``removed_by_hand`` / ``changed_by_hand``
  with the full old text (and the new one);
- name, phones, e-mails, company, groups: ``contact_changed`` (old and new);
- a contact deleted outside the tool: ``contact_deleted`` with its last full
  Person from the cache, so ``crm undelete`` can bring it back.

Every event id is made from the contact and the line (or field values), not
from the PC or the version it was seen in: two PCs that see the same hand
edit, or pull each other's journal, hold it once. The first full sync of an
account knows nothing before and journals nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from contacts_crm.account.journal import now as journal_now
from contacts_crm.card.diff import CardDiff, NewLine, diff_lines
from contacts_crm.card.events import APPLIED, JournalEvent
from contacts_crm.card.grammar import classify
from contacts_crm.card.model import Call, Kind, OrderHead, Step
from contacts_crm.card.wording import Labels
from contacts_crm.contact.model import Contact
from contacts_crm.contact.stamp import (
    FieldChange,
    hand_changes,
    line_hash,
    read_stamp,
    value_hash,
)

if TYPE_CHECKING:
    from contacts_crm.account.cache import Cache
    from contacts_crm.account.journal import Journal
    from contacts_crm.config import Profile

UNKNOWN = "unknown"
DELETED = "contact_deleted"
HAND_KINDS = ("removed_by_hand", "changed_by_hand", "contact_changed", DELETED)


@dataclass
class HistoryReport:
    """What one sync's comparison found: contacts compared, events journalled."""

    compared: int = 0
    events: int = 0
    seconds: float = 0.0


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def deleted_op_id(resource_name: str) -> str:
    """The one id of a contact's deletion: the same from every PC and every writer."""
    return "deleted-" + _digest("deleted", resource_name)


def deleted_event(
    person: dict[str, Any], *, who: str | None, at: str, by_hand: bool
) -> JournalEvent:
    """The ``contact_deleted`` event that keeps a contact's last full Person.

    ``crm delete`` and ``crm import undo`` should journal this same event (same
    id) before deleting, so a second PC that sees the deletion adds nothing.
    """
    rn = str(person.get("resourceName", ""))
    name = Contact.from_person(person).display_name
    return JournalEvent(
        op_id=deleted_op_id(rn), seq=0, at=at, who=who, kind=DELETED, contact=rn,
        contact_name=name, text=name, data={"person": person, "by_hand": by_hand},
        state=APPLIED,
    )  # fmt: skip


def _day(on: date) -> str:
    return f"{on.isoformat()}T00:00:00+00:00"


def _identity(kind: Kind, fact: Any) -> tuple[Any, ...] | None:
    """What makes a line a different piece of work (a comment edit is not)."""
    if isinstance(fact, Call):
        return ("call", fact.on, fact.direction, fact.outcome, fact.callback_on)
    if isinstance(fact, Step):
        return ("step", fact.on, fact.stage, fact.amount)
    if isinstance(fact, OrderHead):
        return ("order", fact.number, fact.stage, fact.closed_on)
    return None


class _Builder:
    """Turns one contact's differences into journal events."""

    def __init__(self, labels: Labels, rn: str, name: str, now: str) -> None:
        self.labels, self.rn, self.name, self.now = labels, rn, name, now
        self.events: list[JournalEvent] = []

    def add(self, tag: str, key: str, kind: str, at: str, who: str | None, text: str,
            data: dict[str, Any], **extra: Any) -> None:  # fmt: skip
        self.events.append(JournalEvent(
            op_id="hand-" + _digest(tag, self.rn, key), seq=0, at=at, who=who or UNKNOWN,
            kind=kind, contact=self.rn, contact_name=self.name, text=text.strip(),
            data={**data, "by_hand": True}, state=APPLIED, **extra,
        ))  # fmt: skip

    def work(self, line: NewLine, key: str, heads_with_steps: set[int]) -> None:
        """The call/step/order event a hand-written line stands for, if any."""
        fact, labels = line.fact, self.labels
        if isinstance(fact, Call):
            data: dict[str, Any] = {"direction": fact.direction, "comment": fact.comment}
            if fact.callback_on:
                data["callback_on"] = fact.callback_on.isoformat()
            self.add("work", key, "call", _day(fact.on), fact.who, line.text, data,
                     outcome=fact.outcome)  # fmt: skip
        elif isinstance(fact, Step):
            opened = line.order_no in heads_with_steps and fact.stage == labels.first_stage
            final = fact.stage in labels.final_stages
            kind = "order_open" if opened else "order_close" if final else "order_step"
            self.add("work", key, kind, _day(fact.on), fact.who, line.text,
                     {"comment": fact.comment}, order_no=line.order_no, stage=fact.stage,
                     amount=None if fact.amount is None else str(fact.amount))  # fmt: skip
        elif isinstance(fact, OrderHead):
            closed = fact.closed_on is not None or fact.stage in labels.final_stages
            if not closed and fact.number in heads_with_steps:
                return  # its first step below is the order's opening
            kind = "order_close" if closed else "order_open" if fact.stage == labels.first_stage \
                else "order_step"  # fmt: skip
            at = _day(fact.closed_on) if fact.closed_on else self.now
            self.add(
                "work",
                key,
                kind,
                at,
                fact.who,
                line.text,
                {},
                order_no=fact.number,
                stage=fact.stage,
                amount=None if fact.amount is None else str(fact.amount),
            )

    def card(self, diff: CardDiff) -> None:
        added_heads = {ln.fact.number for ln in diff.added if isinstance(ln.fact, OrderHead)}
        with_steps = {
            ln.order_no for ln in diff.added
            if isinstance(ln.fact, Step) and ln.order_no is not None
            and ln.order_no in added_heads and ln.fact.stage == self.labels.first_stage
        }  # fmt: skip
        for line in diff.added:
            self.work(line, f"{line.text}\0{line.occurrence}", with_steps)
        for text, occurrence in diff.removed:
            self.add("removed", f"{text}\0{occurrence}", "removed_by_hand", self.now, None,
                     text, {"old": text})  # fmt: skip
        for old, line in diff.changed:
            key = f"{old}\0{line.text}\0{line.occurrence}"
            self.add("changed", key, "changed_by_hand", self.now, None, old,
                     {"old": old, "new": line.text})  # fmt: skip
            before = _identity(*classify(old, self.labels))
            after = _identity(line.kind, line.fact)
            if after is not None and after != before:
                self.work(line, key, set())

    def field(self, change: FieldChange, shown: dict[str, str]) -> None:
        def show(value: Any) -> str:
            if isinstance(value, list):
                return ", ".join(shown.get(v) or str(v) for v in value) or "—"
            return str(value) or "—"

        key = f"{change.field}\0{value_hash(change.old)}\0{value_hash(change.new)}"
        self.add("field", key, "contact_changed", self.now, None,
                 f"{change.field}: {show(change.old)} → {show(change.new)}",
                 {"field": change.field, "old": change.old, "new": change.new})  # fmt: skip


def compare(
    old: dict[str, Any],
    new: dict[str, Any],
    labels: Labels,
    *,
    now: str,
    group_names: dict[str, str] | None = None,
) -> list[JournalEvent]:
    """The events for one contact going from ``old`` to ``new`` (both Person JSON)."""
    fields, notes = hand_changes(old, new)
    if not fields and not notes:
        return []
    rn = str(new.get("resourceName", ""))
    builder = _Builder(labels, rn, Contact.from_person(new).display_name, now)
    if notes:
        stamp = read_stamp(new)
        if stamp is None or stamp == read_stamp(old):
            # no tool write since the cached version: every line change is by hand
            diff = diff_lines(Contact.from_person(old).notes, Contact.from_person(new).notes,
                              labels)  # fmt: skip
        else:
            known, unseen = stamp.lines, stamp.unseen
            diff = diff_lines(
                Contact.from_person(old).notes, Contact.from_person(new).notes, labels,
                keep_added=lambda t: (h := line_hash(t)) not in known or h in unseen,
                keep_removed=lambda t: line_hash(t) in known,
            )  # fmt: skip
        builder.card(diff)
    for change in fields:
        builder.field(change, group_names or {})
    return builder.events


def record_outside_edits(
    cache: Cache,
    journal: Callable[[], Journal],
    profile: Profile,
    persons: Iterable[dict[str, Any]],
    deleted: Iterable[str] = (),
) -> HistoryReport:
    """Journal what ``persons`` (fresh from the API) and ``deleted`` changed by hand.

    Call it before the cache takes the new versions. Contacts the cache does
    not know, or holds with the same etag, cost one lookup and no diffing.
    ``journal`` opens the journal, called only when there are events to keep.
    """
    report = HistoryReport()
    persons, deleted = list(persons), list(deleted)
    if not persons and not deleted:
        return report
    started = time.perf_counter()
    etags = cache.etags([str(p.get("resourceName")) for p in persons] + deleted)
    now = journal_now()
    labels: Labels | None = None
    names: dict[str, str] | None = None
    events: list[JournalEvent] = []
    for person in persons:
        rn = person.get("resourceName")
        if rn not in etags or etags[rn] == person.get("etag"):
            continue  # new here (nothing known before), or the version the cache holds
        old = cache.person(rn)
        if old is None:
            continue
        report.compared += 1
        if labels is None:
            labels = _labels(profile)
            names = cache.group_names()
        events += compare(old, person, labels, now=now, group_names=names)
    for rn in deleted:
        old = cache.person(rn) if rn in etags else None
        if old is not None:
            events.append(deleted_event(old, who=UNKNOWN, at=now, by_hand=True))
    if events:
        kept = journal()  # opened only when there is something to keep
        before = kept.count()
        kept.record(events, applied=True)
        report.events = kept.count() - before
    report.seconds = time.perf_counter() - started
    return report


def _labels(profile: Profile) -> Labels:
    from contacts_crm.office.cards import card_settings

    return card_settings(profile).labels
