"""The uniform shape every reader produces: a Table of cell strings with row numbers.

Pure: no I/O. Readers (``workbook``, ``csvfile``, ``vcard``) turn a file into a
``Table``; ``check_table`` enforces the limits that tell a client list from a
damaged or wrong file, and reports every problem with its row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from contacts_crm.errors import InputError, Problem

# Excel's own limit per cell: nothing longer comes from a real office sheet.
MAX_CELL_CHARS = 32_767
# A client list has a few dozen columns; Google's widest export about 90.
MAX_COLUMNS = 200
# Control characters that never belong in a client list (tab, LF, CR, VT, FF are text).
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_PROBLEMS = 20


@dataclass
class Row:
    """One spreadsheet row: its 1-based number in the file and its cells as text."""

    number: int
    cells: list[str]

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

    @property
    def width(self) -> int:
        return max((len(r.cells) for r in self.rows), default=0)


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


def check_table(table: Table) -> None:
    """Raise InputError listing every over-long cell, bad control character or too many columns."""
    problems: list[Problem] = []
    used = _used_width(table)
    if used > MAX_COLUMNS:
        problems.append(
            Problem(
                f"the sheet has {used} columns; a client list has at most {MAX_COLUMNS}",
                file=table.source,
            )
        )
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            if len(problems) >= _MAX_PROBLEMS:
                break
            if len(cell) > MAX_CELL_CHARS:
                problems.append(
                    Problem(
                        f"cell has {len(cell):,} characters (the limit is {MAX_CELL_CHARS:,})",
                        file=table.source,
                        row=row.number,
                        column=column_letter(i),
                    )
                )
            elif m := _BAD_CONTROL.search(cell):
                problems.append(
                    Problem(
                        f"control character U+{ord(m.group()):04X} in the cell",
                        file=table.source,
                        row=row.number,
                        column=column_letter(i),
                    )
                )
    if problems:
        raise InputError(
            f"{table.source}: the file cannot be imported as it is",
            problems,
            hint="fix the cells named above (or save the right file) and run the import again",
        )


def _used_width(table: Table) -> int:
    used = 0
    for row in table.rows:
        for i in range(len(row.cells) - 1, -1, -1):
            if row.cells[i].strip():
                used = max(used, i + 1)
                break
    return used
