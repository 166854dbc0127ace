"""A1 notation for the Sheets emulator: ``'Tab'!A1:B2``, ``Tab!A:A``, ``1:3``, ``'Tab'``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


class RangeError(ValueError):
    """The range string cannot be parsed (the API answers 400 INVALID_ARGUMENT)."""


@dataclass(frozen=True)
class GridRange:
    """A parsed range: 0-based inclusive start, exclusive end; ``None`` end means open."""

    sheet_title: str | None
    start_row: int = 0
    start_col: int = 0
    end_row: int | None = None
    end_col: int | None = None


def col_to_index(letters: str) -> int:
    """``A`` -> 0, ``Z`` -> 25, ``AA`` -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def index_to_col(index: int) -> str:
    """0 -> ``A``, 26 -> ``AA``."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOOKS_LIKE_A_CELL = re.compile(r"([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)")


def quote_title(title: str) -> str:
    """The sheet title as Google's answers write it in a range: bare when it is a
    plain name (``Sheet1!A1:D4``), quoted with ``'`` doubled when it has other
    characters or reads as a cell (``'My tab'!A1``, ``'D3'!A1:D4``), as
    recorded in gspread's cassettes of real Sheets traffic."""
    if _PLAIN_TITLE.fullmatch(title) and not _LOOKS_LIKE_A_CELL.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_range(title: str, start_row: int, start_col: int, end_row: int, end_col: int) -> str:
    """``Tab!A1:C10`` from 0-based inclusive start and exclusive end; one cell is
    ``Tab!A1``, as Google writes it."""
    a = f"{index_to_col(start_col)}{start_row + 1}"
    b = f"{index_to_col(max(end_col - 1, start_col))}{max(end_row, start_row + 1)}"
    return f"{quote_title(title)}!{a}" if a == b else f"{quote_title(title)}!{a}:{b}"


def _split_sheet(text: str) -> tuple[str | None, str]:
    if text.startswith("'"):
        i, title = 1, []
        while i < len(text):
            if text[i] == "'":
                if text[i + 1 : i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest and not rest.startswith("!"):
                    raise RangeError(text)
                return "".join(title), rest[1:]
            title.append(text[i])
            i += 1
        raise RangeError(text)
    if "!" in text:
        name, _, rest = text.rpartition("!")
        return name, rest
    return None, text


def _corner(part: str) -> tuple[int | None, int | None]:
    m = _CELL.match(part)
    if not m or (not m.group(1) and not m.group(2)):
        raise RangeError(part)
    col = col_to_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        raise RangeError(part)
    return row, col


def parse_range(text: str, known_titles: list[str]) -> GridRange:
    """Parse ``text``; a bare word that names a sheet is that whole sheet."""
    if not text:
        raise RangeError(text)
    if text in known_titles:
        return GridRange(text)
    title, cells = _split_sheet(text)
    if title is not None and not cells:
        return GridRange(title)
    if not cells:
        raise RangeError(text)
    first, _, second = cells.partition(":")
    r1, c1 = _corner(first)
    if not second:
        if r1 is None or c1 is None:
            raise RangeError(text)
        return GridRange(title, r1, c1, r1 + 1, c1 + 1)
    r2, c2 = _corner(second)
    start_row = r1 or 0
    start_col = c1 or 0
    end_row = None if r2 is None else r2 + 1
    end_col = None if c2 is None else c2 + 1
    if (end_row is not None and end_row <= start_row) or (
        end_col is not None and end_col <= start_col
    ):
        raise RangeError(text)
    return GridRange(title, start_row, start_col, end_row, end_col)
