"""``crm doctor --relabel``: old cards' tool lines in the profile's current language.

For each card with lines in another language (or spelling), the old lines go to
the journal first (kind ``relabel``, the old line as text, old and new in data),
then the card is written, etag-checked: on a conflict the fresh card is relabelled
again, so what anyone wrote meanwhile is kept. Free text is never touched.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from contacts_crm.account.connected import Account
from contacts_crm.account.journal import new_op_id, now
from contacts_crm.card import grammar as card_grammar
from contacts_crm.card.decide import OPS_KEPT, OPS_KEY
from contacts_crm.card.events import JournalEvent
from contacts_crm.card.relabel import relabel
from contacts_crm.card.wording import Labels
from contacts_crm.contact.model import Contact
from contacts_crm.office.cards import card_settings
from contacts_crm.usecases.cards import WRITE_FIELDS


def relabel_cards(account: Account) -> list[dict[str, Any]]:
    """Relabel every card that needs it; one entry per changed contact."""
    account.ensure_synced()
    labels = card_settings(account.profile).labels
    who = account.profile.user or "crm doctor"
    out = []
    for contact in account.contacts.all():
        rn = contact.resource_name or ""
        _, changes = relabel(card_grammar.parse(contact.notes, labels), labels)
        if not rn or not changes:
            continue
        op_id = new_op_id()
        done = _relabel_one(account, rn, op_id, labels, who)
        if done:
            out.append({"resourceName": rn, "name": contact.display_name,
                        "lines": [{"old": o, "new": n} for o, n in done]})  # fmt: skip
    return out


def _relabel_one(
    account: Account, rn: str, op_id: str, labels: Labels, who: str
) -> list[tuple[str, str]]:
    """Decide first, act after, as card writes do (usecases/cards._write): relabel the
    card (pure), journal the old lines (pending), write etag-checked, mark applied.
    On a stale etag only the relabelling runs again on the fresh card; the journal
    is rewritten only if the decision changed."""
    recorded: list[tuple[str, str]] | None = None
    done: list[tuple[str, str]] = []

    def operation(person: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
        nonlocal recorded, done
        fresh = Contact.from_person(person)
        card, done = relabel(card_grammar.parse(fresh.notes, labels), labels)
        if not done:
            return None
        if done != recorded:
            at = now()
            base = JournalEvent(op_id=op_id, seq=0, at=at, who=who, kind="relabel",
                                contact=rn, contact_name=fresh.display_name)  # fmt: skip
            account.journal.record_attempt(op_id, [
                replace(base, seq=i, text=old, data={"old": old, "new": new})
                for i, (old, new) in enumerate(done)
            ])  # fmt: skip
            recorded = done
        fresh.notes = card_grammar.render(card)
        ops = fresh.client_data.get(OPS_KEY, "").split()
        fresh.client_data[OPS_KEY] = " ".join([*ops, op_id][-OPS_KEPT:])
        return fresh.to_person(WRITE_FIELDS), WRITE_FIELDS

    account.contacts.write(rn, operation)
    if not done:
        if recorded is not None:  # the fresh card needed nothing after all: not our change
            account.journal.supersede([op_id])
        return []
    account.journal.mark_applied(op_id)
    return done
