"""Card settings: the tool part's budget and the wording new lines are written in."""

from __future__ import annotations

from dataclasses import dataclass

from contacts_crm.card.wording import Labels


@dataclass(frozen=True, kw_only=True)
class CardSettings:
    """The tool part's budget and the labels (language) new lines are written in.

    Pure data: the caller loads the labels (``office.cards.card_settings``).
    """

    labels: Labels
    max_lines: int = 12
    max_chars: int = 1000
    calls_shown: int = 3
    max_comment: int = 80

    @property
    def language(self) -> str:
        return self.labels.language
