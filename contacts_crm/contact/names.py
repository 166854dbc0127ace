"""Names as people type them in three alphabets: one folded form to compare and search.

Pure: no I/O. "Петров", "Petrov" and "PETROV" fold to the same key, and so do
"Yılmaz", "YILMAZ" and "Yilmaz" (Turkish dotted and dotless i), "Sergey",
"Sergei" and "Sergej" (three ways to write one Russian name in Latin letters).
``fold`` is what the cache's name search stores and what a query is folded
with; ``name_key`` is what ``crm duplicates`` groups names by (word order
does not matter there).
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Letters one script writes where another has a different one; applied after
# the text is in plain Latin letters (Turkish ı/İ are handled first: Python's
# casefold keeps the dotless ı and turns İ into i + a combining dot).
_TURKISH = str.maketrans({"ı": "i", "İ": "i", "I": "i"})
_SCHEMES = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("kh", "h"),
    ("x", "ks"),
    ("w", "v"),
    ("ph", "f"),
    ("j", "i"),
    ("y", "i"),
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"(.)\1+")
_WORD_SPLIT = re.compile(r"[\s,;.·()\-_/'\"]+")


@functools.lru_cache(maxsize=1 << 16)
def fold_word(word: str) -> str:
    """One word folded: Latin letters, no case, common transliteration variants merged.

    Cached: pure, and a full sync folds every contact's name (names repeat).
    """
    text = unicodedata.normalize("NFC", word).translate(_TURKISH)
    if not text.isascii():  # anyascii keeps ASCII as it is; loading it costs ~2 ms
        from anyascii import anyascii

        text = anyascii(text)
    text = text.lower()
    text = _NOT_WORD.sub("", text)
    for spelled, common in _SCHEMES:
        text = text.replace(spelled, common)
    return _DOUBLED.sub(r"\1", text)


def words(text: str) -> list[str]:
    """The folded words of ``text`` (empty ones dropped), in their order."""
    out = []
    for raw in _split(text):
        folded = fold_word(raw)
        if folded:
            out.append(folded)
    return out


def fold(text: str) -> str:
    """``text`` folded word by word, joined by single spaces (what name search compares)."""
    return " ".join(words(text))


def name_key(text: str) -> str:
    """A name's key for duplicate detection: folded words, sorted (word order ignored)."""
    return " ".join(sorted(words(text)))


def _split(text: str) -> list[str]:
    # anyascii may turn one letter into several words' worth of text; split on the original
    return _WORD_SPLIT.split(str(text))
