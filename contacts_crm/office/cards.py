"""The card settings of a profile: budget, language and the office's wording."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from contacts_crm import config as cfg
from contacts_crm.card.group_rules import Rules
from contacts_crm.card.settings import CardSettings
from contacts_crm.i18n import group_name
from contacts_crm.office.templates import load_labels, load_rules

if TYPE_CHECKING:
    from contacts_crm.config import Profile


def card_settings(profile: Profile) -> CardSettings:
    """The profile's card budget and language (office templates override shipped ones)."""
    return CardSettings(
        labels=load_labels(profile.language, cfg.office_templates_dir()),
        max_lines=profile.card_max_lines,
        max_chars=profile.card_max_chars,
    )


def group_rules() -> Rules:
    """The office's group rules (its template folder first), the shipped group names in
    the current language (``i18n.group_name``: "Call back" is "Перезвонить" in ru)."""
    rules = load_rules(cfg.office_templates_dir())

    def named(names: frozenset[str] | None) -> frozenset[str] | None:
        return None if names is None else frozenset(group_name(n) for n in names)

    return Rules(tuple(
        replace(r, add=named(r.add) or frozenset(), remove=named(r.remove) or frozenset(),
                in_any=named(r.in_any), not_in_any=named(r.not_in_any))
        for r in rules.rules
    ))  # fmt: skip
