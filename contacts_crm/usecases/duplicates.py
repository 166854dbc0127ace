"""Likely duplicates already in the account, and merging them.

The groups come from the local copy (``contact.duplicates``); merging a group
merges each other member into its first one with ``usecases.merge.merge``
(one journal operation per pair, each undoable with ``crm merge --undo``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from contacts_crm.account.connected import Account
from contacts_crm.contact.duplicates import REASONS, DuplicateGroup, group_shared
from contacts_crm.contact.model import Contact
from contacts_crm.errors import FieldError
from contacts_crm.i18n import _
from contacts_crm.usecases.merge import Merged, merge


@dataclass
class Found:
    """A duplicate group with its contacts (as the local copy has them)."""

    group: DuplicateGroup
    contacts: list[Contact]

    def to_dict(self) -> dict[str, Any]:
        return {
            "exact": self.group.exact,
            "reasons": [{"reason": r, "value": v} for r, v in self.group.reasons],
            "contacts": [
                {
                    "resourceName": c.resource_name,
                    "name": c.display_name,
                    "phones": [p.value for p in c.phones],
                    "emails": [e.value for e in c.emails],
                }
                for c in self.contacts
            ],
        }


def parse_by(text: str | None) -> list[str]:
    """--by phone,email,name (default: all three)."""
    if not text:
        return list(REASONS)
    wanted = [w.strip().lower() for w in text.split(",") if w.strip()]
    bad = [w for w in wanted if w not in REASONS]
    if bad or not wanted:
        shown = ", ".join(bad) or _("(none)")
        raise FieldError(
            "reasons", "unknown", _("{text!r}: unknown reason {bad}").format(text=text, bad=shown),
            hint=_("use any of phone,email,name separated by commas"), text=text, bad=shown,
        )  # fmt: skip
    return wanted


def duplicates(account: Account, by: Sequence[str] = REASONS) -> list[Found]:
    """Groups of likely duplicates (exact ones first), from the local copy's indexes
    (numbers, e-mails) and names: only the contacts in a group are read whole."""
    unknown = [b for b in by if b not in REASONS]
    if unknown:
        raise ValueError(f"unknown duplicate reason(s): {', '.join(unknown)}")
    account.ensure_synced()
    groups = group_shared(account.contacts.shared_keys(by))
    out = []
    for g in groups:
        contacts = [c for rn in g.members if (c := account.contacts.get(rn)) is not None]
        out.append(Found(g, contacts))
    return out


def merge_group(account: Account, found: Found) -> list[Merged]:
    """Merge every other member of a group into its first (members gone meanwhile skipped)."""
    live = [c for c in found.contacts if account.contacts.get(c.resource_name or "") is not None]
    if len(live) < 2:
        return []
    first = live[0].resource_name or ""
    return [merge(account, first, c.resource_name or "") for c in live[1:]]
