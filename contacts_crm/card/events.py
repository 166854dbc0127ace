"""Journal events: the facts a card operation produces, before anything stores them.

Pure data: the SQLite journal (account/journal.py) stores and reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PENDING = "pending"  # journalled, its card write not yet seen to land
APPLIED = "applied"  # its card write landed
SUPERSEDED = "superseded"  # never landed; a later run of the same fact replaced it


@dataclass(frozen=True)
class JournalEvent:
    """One journal entry. ``at`` is ISO 8601 UTC; ``amount`` a decimal string."""

    op_id: str
    seq: int
    at: str
    who: str | None
    kind: str
    contact: str = ""
    contact_name: str = ""
    order_no: int | None = None
    stage: str | None = None
    amount: str | None = None
    outcome: str | None = None
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    state: str = PENDING
    id: int | None = None
