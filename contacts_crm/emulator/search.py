"""searchContacts' lazy cache: a snapshot that only an empty query refreshes.

Matching is a prefix-phrase match (people-api.md §3.5): the query must be a
prefix of the field's text starting at a word boundary ("foo name" matches
"f", "foo n", "nam" but not "oo n"). Phones also match by the prefix of their
digits. Case-insensitive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .store import PersonRecord

SEARCH_FIELDS = ("names", "nicknames", "emailAddresses", "phoneNumbers", "organizations")
_TEXT_KEYS = {
    "names": (
        "displayName",
        "givenName",
        "familyName",
        "middleName",
        "unstructuredName",
        "displayNameLastFirst",
    ),
    "nicknames": ("value",),
    "emailAddresses": ("value",),
    "phoneNumbers": ("value", "canonicalForm"),
    "organizations": ("name", "title", "department"),
}


def searchable_texts(rec: PersonRecord) -> list[str]:
    """The phrases a contact can be found by (casefolded)."""
    texts: list[str] = []
    for name in SEARCH_FIELDS:
        for item in rec.data.get(name) or []:
            for key in _TEXT_KEYS[name]:
                value = item.get(key)
                if isinstance(value, str) and value:
                    texts.append(value.casefold())
                    if name == "phoneNumbers":
                        digits = re.sub(r"\D", "", value)
                        if digits:
                            texts.append(digits)
    return texts


def phrase_matches(query: str, text: str) -> bool:
    """True when ``query`` is a prefix of ``text`` at a word start."""
    start = 0
    while True:
        if text.startswith(query, start):
            return True
        nxt = text.find(" ", start)
        if nxt < 0:
            return False
        start = nxt + 1


class SearchIndex:
    """The current snapshot plus one pending snapshot that becomes active after warm-up."""

    def __init__(self) -> None:
        self._active: list[tuple[str, list[str]]] = []
        self._pending: tuple[float, list[tuple[str, list[str]]]] | None = None

    def refresh(self, persons: Iterable[PersonRecord], ready_at: float) -> None:
        """Take a snapshot now; it answers queries from ``ready_at`` on."""
        self._pending = (ready_at, [(p.rn, searchable_texts(p)) for p in persons])

    def query(self, text: str, now: float, limit: int) -> list[str]:
        """Resource names matching ``text`` in the snapshot visible at ``now``."""
        if self._pending and self._pending[0] <= now:
            self._active = self._pending[1]
            self._pending = None
        q = " ".join(text.casefold().split())
        if not q:
            return []
        out = []
        for rn, texts in self._active:
            if any(phrase_matches(q, t) for t in texts):
                out.append(rn)
                if len(out) >= limit:
                    break
        return out
