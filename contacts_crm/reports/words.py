"""Report and journal words for keys: reasons, event kinds (light: the journal of
``crm journal`` uses them without loading the reports)."""

from __future__ import annotations

import re

from contacts_crm.i18n import _


def reason_words(key: str) -> str:
    """What a call-back reason key means, in words."""
    words = {
        "callback_due": _("call-back date"),
        "interested": _("interested, no order"),
        "stay_in_touch": _("stay in touch"),
        "never_contacted": _("never contacted"),
        "missed_call": _("missed call"),
    }
    return words.get(key, key.replace("_", " "))


def kind_words(kind: str) -> str:
    """A journal event kind in words."""
    words = {
        "call": _("call"),
        "order_open": _("order opened"),
        "order_step": _("order step"),
        "order_close": _("order closed"),
        "group": _("groups"),
        "compaction": _("moved off the card"),
    }
    return words.get(kind, kind.replace("_", " "))


_LEADING_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s+")


def without_day(text: str) -> str:
    """A card line without its leading date (the event's time column says it)."""
    return _LEADING_DAY.sub("", (text or "").strip(), count=1)
