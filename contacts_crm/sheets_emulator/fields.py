"""The ``fields`` system parameter: a partial response, as every Google API answers.

``fields=spreadsheetId,sheets(properties(sheetId,title))`` keeps only those
parts of the JSON answer; ``a/b`` is ``a(b)``; ``*`` keeps everything at its
level. Lists are masked element by element. Without ``fields`` the whole answer
goes back. (Google's "Partial response" rules for the JSON APIs.)
"""

from __future__ import annotations

from typing import Any

Mask = dict[str, "Mask"]  # an empty mask keeps the whole value


def parse(text: str) -> Mask:
    """``"a,b/c,d(e,f)"`` -> ``{"a": {}, "b": {"c": {}}, "d": {"e": {}, "f": {}}}``."""
    mask: Mask = {}
    pos = _items(text.replace(" ", ""), 0, mask)
    if pos != len(text.replace(" ", "")):
        raise ValueError(text)
    return mask


def _items(text: str, pos: int, into: Mask) -> int:
    while pos < len(text):
        start = pos
        while pos < len(text) and text[pos] not in ",()":
            pos += 1
        path = text[start:pos].split("/")
        if not all(path):
            raise ValueError(text)
        node = into
        for name in path:
            node = node.setdefault(name, {})
        if pos < len(text) and text[pos] == "(":
            pos = _items(text, pos + 1, node)
            if pos >= len(text) or text[pos] != ")":
                raise ValueError(text)
            pos += 1
        if pos < len(text) and text[pos] == ")":
            return pos
        if pos < len(text) and text[pos] == ",":
            pos += 1
    return pos


def apply(value: Any, mask: Mask) -> Any:
    """``value`` cut down to ``mask``."""
    if not mask or ("*" in mask and len(mask) == 1):
        return value
    if isinstance(value, list):
        return [apply(v, mask) for v in value]
    if not isinstance(value, dict):
        return value
    if "*" in mask:
        return {k: apply(v, mask.get(k, {})) for k, v in value.items()}
    return {k: apply(value[k], sub) for k, sub in mask.items() if k in value}
