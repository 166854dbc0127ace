"""The uniform shape every reader produces: a Table of cell strings with row numbers.

Pure: no I/O. Readers (``workbook``, ``csvfile``, ``vcard``) turn a file into a
``Table``. No cell is refused here: control characters, over-long cells and
wide sheets are the importer's to clean (it reports each change with its cell).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """One spreadsheet row: its 1-based number in the file and its cells as text."""

    number: int
    cells: list[str]
    errors: dict[int, str] = field(default_factory=dict)  # column index -> "#N/A", "#REF!"...

    def get(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""

    @property
    def blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


@dataclass
class Table:
    """A sheet read from a file: ``source`` names the file, ``kind`` how it was read."""

    source: str
    rows: list[Row]
    sheet: str | None = None
    kind: str = "csv"  # xlsx, xls, ods, csv, vcard
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)
    cards: list[Any] = field(default_factory=list)  # vCard: the parsed cards (files/vcard.py)

    @property
    def width(self) -> int:
        return max((len(r.cells) for r in self.rows), default=0)


@functools.lru_cache(maxsize=1024)
def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_text(value: object) -> str:
    """A cell value from a workbook as text; whole floats lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
