"""Phone numbers as typed, rewritten to E.164; and numbers a phone would confuse. Pure.

Android matches a caller to a contact by the stored number, and by default
compares only the last 7 digits: E.164 (``+79161234567``) matches reliably,
"8-903-777-66-55" depends on luck, and two clients whose numbers end in the
same 7 digits show the wrong name on a call. ``plan_fix`` says what one
contact's numbers become (and which cannot be read); ``undo_changes`` puts
the typed values back where the E.164 ones still stand; ``tail_clashes``
lists the pairs of contacts that share their last 7 digits.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import combinations

from contacts_crm.contact import phones
from contacts_crm.contact.model import Contact, PhoneEntry

TAIL = 7  # digits Android compares by default
_DIGITS = re.compile(r"\D+")


@functools.lru_cache(maxsize=1 << 16)
def e164_value(value: str, region: str) -> tuple[str | None, str | None]:
    """(the number in E.164 with its extension, None) or (None, why it cannot be read).

    Cached: pure, and an account-wide check asks for every number twice.
    """
    base, _, ext = value.partition(";ext=")
    phone = phones.normalize(base, region)
    if phone.e164 is None:
        return None, phone.problem or "not a phone number"
    extension = ext or phone.extension
    return (f"{phone.e164};ext={extension}" if extension else phone.e164), None


@dataclass(frozen=True)
class PhoneFix:
    """What fixing one contact's numbers does."""

    changes: tuple[tuple[str, str], ...] = ()  # (as typed, as E.164)
    problems: tuple[tuple[str, str], ...] = ()  # (as typed, why it cannot be read)
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.before != self.after


def plan_fix(contact: Contact, region: str = "RU") -> tuple[PhoneFix, Contact]:
    """The fix of one contact's numbers, and the contact with them fixed.

    A number that becomes the same as one already listed is dropped (kept in
    ``before`` so an undo brings it back); numbers that cannot be read stay
    as they are and are listed in ``problems``.
    """
    changes: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    out: list[PhoneEntry] = []
    for p in contact.phones:
        fixed, why = e164_value(p.value, region)
        if fixed is None:
            problems.append((p.value, why or ""))
            value = p.value
        else:
            value = fixed
            if fixed != p.value:
                changes.append((p.value, fixed))
        if all(q.value != value for q in out):
            out.append(PhoneEntry(value, p.type))
    fix = PhoneFix(
        tuple(changes),
        tuple(problems),
        tuple(p.value for p in contact.phones),
        tuple(p.value for p in out),
    )
    return fix, replace(contact, phones=out)


def undo_changes(
    contact: Contact, changes: Iterable[tuple[str, str]], before: Iterable[PhoneEntry]
) -> Contact:
    """The contact with typed values back where the fix's E.164 values still stand.

    When the numbers are exactly as the fix left them, ``before`` comes back
    whole (dropped repeats too); otherwise each fixed number someone has not
    changed since is put back as it was typed, and later numbers stay.
    """
    olds = list(before)
    pairs = list(changes)
    fixed_values = []
    for p in olds:
        new = next((n for t, n in pairs if t == p.value), p.value)
        if new not in fixed_values:
            fixed_values.append(new)
    current = [p.value for p in contact.phones]
    if current == fixed_values:
        return replace(contact, phones=[PhoneEntry(p.value, p.type) for p in olds])
    out = []
    for p in contact.phones:
        typed = next((t for t, n in pairs if n == p.value), None)
        if typed is not None and typed not in current:
            out.append(PhoneEntry(typed, p.type))
        else:
            out.append(p)
    return replace(contact, phones=out)


@dataclass(frozen=True)
class Clash:
    """Two contacts whose numbers end in the same ``TAIL`` digits."""

    tail: str
    first: tuple[str, str, str]  # (resource name, display name, number)
    second: tuple[str, str, str]

    @property
    def same_number(self) -> bool:
        return _DIGITS.sub("", self.first[2]) == _DIGITS.sub("", self.second[2])


def tail_clashes(contacts: Iterable[Contact], region: str = "RU") -> list[Clash]:
    """Pairs of different contacts sharing the last 7 digits of a number, by tail."""
    by_tail: dict[str, list[tuple[str, str, str]]] = {}
    for c in contacts:
        seen: set[str] = set()
        for p in c.phones:
            fixed, _ = e164_value(p.value, region)
            digits = _DIGITS.sub("", (fixed or p.value).split(";ext=")[0])
            if len(digits) < TAIL or digits[-TAIL:] in seen:
                continue
            seen.add(digits[-TAIL:])
            by_tail.setdefault(digits[-TAIL:], []).append(
                (c.resource_name or "", c.display_name, fixed or p.value)
            )
    out = []
    for tail in sorted(by_tail):
        for a, b in combinations(by_tail[tail], 2):
            out.append(Clash(tail, a, b))
    return out
