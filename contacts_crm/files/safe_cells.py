"""Keep cells from running as formulas when a spreadsheet opens an export."""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (or a DDE command)."""
    return bool(text) and text.startswith(FORMULA_STARTS)


# What an xlsx file cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE), compiled once here
# so that neither Sheets commands pay for importing openpyxl nor each cell for the import.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def safe_cell(text: str) -> str:
    """Text without the control characters an xlsx file cannot hold."""
    return _ILLEGAL.sub("", text) if _ILLEGAL.search(text) else text


def append_text_row(
    ws: Any, values: list[Any], font: Any = None, *, quote_formulas: bool = False
) -> None:
    """Append a row whose str cells are typed as text, never as formulas.

    openpyxl would write a str starting with "=" as a formula (and "#N/A" as
    an error); forcing the string type stores it as a string, which Excel
    shows and never evaluates. Phones stay text too ("+7916…" is not turned
    into a number). Only those cells are built here, before the append, so
    writing N rows costs N appends (also on a write-only sheet); ``font``
    styles every cell of the row; ``quote_formulas`` also marks text that
    looks like a formula with Excel's quote prefix (shown as typed).
    """
    from openpyxl.cell.cell import ERROR_CODES, Cell

    row: list[Any] = []
    for v in values:
        if isinstance(v, str):
            v = safe_cell(v)
            if not v and font is None:
                row.append(None)  # an empty cell: nothing to write
                continue
            quoted = quote_formulas and looks_like_formula(v)
            if font is None and not quoted and not v.startswith("=") and v not in ERROR_CODES:
                row.append(v)  # openpyxl types a plain str as a string already
                continue
        elif font is None:
            row.append(v)
            continue
        cell = Cell(ws, row=1, column=1, value=v)
        if isinstance(v, str):
            cell.data_type = "s"
            if quote_formulas and looks_like_formula(v):
                cell.quotePrefix = True
        if font is not None:
            cell.font = font
        row.append(cell)
    ws.append(row)


def csv_cell(text: str) -> str:
    """A CSV cell that a spreadsheet will not evaluate: an apostrophe before formula starts.

    The importer strips that apostrophe again (``strip_formula_guard``), so an
    exported E.164 phone ("+7916…") comes back as it was. Text that already
    starts with an apostrophe before a formula start gets a second one, so the
    round trip stays exact.
    """
    return "'" + text if _guarded(text) else text


def strip_formula_guard(text: str) -> str:
    """Undo ``csv_cell``: drop the apostrophe our CSV export puts before formula starts."""
    return text[1:] if text[:1] == "'" and _guarded(text[1:]) else text


def _guarded(text: str) -> bool:
    """True when ``csv_cell`` puts an apostrophe before ``text``."""
    return looks_like_formula(text) or (text[:1] == "'" and looks_like_formula(text[1:]))
