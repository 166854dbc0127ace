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
        "contact_edited": _("contact edited"),
        "contact_deleted": _("contact deleted"),
        "contact_merged": _("contacts merged"),
        "contact_restored": _("contact restored"),
        "contact_undeleted": _("contact brought back"),
        "contact_changed": _("changed by hand"),
        "changed_by_hand": _("changed by hand"),
        "removed_by_hand": _("removed by hand"),
    }
    return words.get(kind, kind.replace("_", " "))


def field_words(fields: object) -> str:
    """A contact's changed fields (People API names: phoneNumbers…) in words."""
    words = {
        "names": _("name"), "phoneNumbers": _("phones"), "emailAddresses": _("e-mails"),
        "organizations": _("company"), "addresses": _("addresses"), "memberships": _("groups"),
        "biographies": _("card"), "userDefined": _("own fields"), "nicknames": _("nickname"),
        "urls": _("websites"), "birthdays": _("birthday"), "clientData": _("tool's marks"),
    }  # fmt: skip
    names = fields if isinstance(fields, list | tuple) else [fields]
    return ", ".join(words.get(str(f), str(f)) for f in names)


def type_word(kind: str) -> str:
    """A phone's, e-mail's or address's type (mobile, work, home…) in words."""
    words = {
        "mobile": _("mobile"), "work": _("work"), "home": _("home"), "main": _("main"),
        "other": _("other"), "workFax": _("work fax"), "homeFax": _("home fax"),
        "pager": _("pager"), "otherFax": _("fax"), "workMobile": _("work mobile"),
        "googleVoice": "Google Voice", "workPager": _("work pager"),
    }  # fmt: skip
    return words.get(kind, kind)


def event_words(kind: str, text: str, data: dict[str, object] | None) -> str:
    """A journal entry's text in the office's language: the tool's own English
    sentences ("added to group X", "edited phoneNumbers") are worded again from the
    entry's data; a card line (what the card said) is shown as it was written."""
    data = data or {}
    group = data.get("group")
    if kind in ("group", "contact_edited") and isinstance(group, str):
        label = text.rsplit(" group ", 1)[-1] if " group " in text else group
        if text.startswith("added to") or data.get("add") is True:
            return _("added to group {name}").format(name=label)
        if text.startswith("removed from") or data.get("add") is False:
            return _("removed from group {name}").format(name=label)
    if kind == "contact_edited" and text.startswith("edited ") and data.get("fields"):
        return _("edited: {fields}").format(fields=field_words(data["fields"]))
    if kind == "contact_deleted" and text.startswith("deleted "):
        return _("deleted {name}").format(name=text.removeprefix("deleted "))
    if kind == "contact_merged" and text.startswith("merged into "):
        return _("merged into {name}").format(name=text.removeprefix("merged into "))
    if kind == "contact_merged" and text.startswith("merged ") and text.endswith(" into it"):
        return _("{name} merged into it").format(
            name=text.removeprefix("merged ").removesuffix(" into it")
        )
    return text


_LEADING_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s+")


def without_day(text: str) -> str:
    """A card line without its leading date (the event's time column says it)."""
    return _LEADING_DAY.sub("", (text or "").strip(), count=1)
