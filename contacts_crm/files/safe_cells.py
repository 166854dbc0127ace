"""Keep cells from running as formulas when a spreadsheet opens an export."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (or a DDE command)."""
    return bool(text) and text.startswith(FORMULA_STARTS)


def safe_cell(text: str) -> str:
    """Text without the control characters an xlsx file cannot hold."""
    # imported here: the formula rules above serve Sheets and CSV without openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def append_text_row(ws: Any, values: list[Any], font: Any = None) -> None:
    """Append a row whose str cells are typed as text, never as formulas.

    openpyxl would write a str starting with "=" as a formula; forcing the
    string type stores it as an inline string, which Excel shows and never
    evaluates. Phones stay text too ("+7916…" is not turned into a number).
    The cells are built before they are appended, so writing N rows costs N
    appends (also on a write-only sheet); ``font`` styles every cell of the row.
    """
    from openpyxl.cell.cell import Cell

    row: list[Any] = []
    for v in values:
        if isinstance(v, str) or font is not None:
            cell = Cell(ws, row=1, column=1, value=safe_cell(v) if isinstance(v, str) else v)
            if isinstance(v, str):
                cell.data_type = "s"
            if font is not None:
                cell.font = font
            row.append(cell)
        else:
            row.append(v)
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
