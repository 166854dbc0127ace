"""The card settings of a profile: budget, language and the office's wording."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contacts_crm import config as cfg
from contacts_crm.card.group_rules import Rules
from contacts_crm.card.settings import CardSettings
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
    """The office's group rules (its template folder first)."""
    return load_rules(cfg.office_templates_dir())
