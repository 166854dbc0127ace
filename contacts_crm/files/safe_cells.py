"""Keep cells from running as formulas when a spreadsheet opens an export.

One rule for every CSV the tool writes (exports, Google CSV, reports): see
``csv_cell``. xlsx cells are typed as text instead (``append_text_row``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
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


def csv_cell(text: str, *, phone_column: bool = False) -> str:
    """A CSV cell that a spreadsheet will not evaluate: the one rule for every CSV we write.

    A leading apostrophe goes before text starting with = + - @ tab or CR —
    except a phone number in a phone column (``is_phone_text``), which stays
    as it is so Google Contacts imports it. Text that already starts with an
    apostrophe before one of those characters gets a second one, so the
    importer's ``strip_formula_guard`` gives back exactly what was exported.
    """
    if text[:1] not in _GUARD_HEADS:  # most cells: nothing to guard, phone or not
        return text
    if phone_column and is_phone_text(text):
        return text
    return "'" + text if _guarded(text) else text


def csv_row(values: Sequence[Any], phone_columns: Collection[int] = ()) -> list[Any]:
    """``csv_cell`` over one row; ``phone_columns`` are the indexes of phone columns."""
    return [
        csv_cell(v, phone_column=i in phone_columns) if isinstance(v, str) else v
        for i, v in enumerate(values)
    ]


def phone_columns(header: Sequence[str]) -> set[int]:
    """Indexes of the columns whose header names a phone ("Mobile phone", "Phone 1 - Value")."""
    return {i for i, name in enumerate(header) if _PHONE_HEADER.search(str(name))}


def is_phone_text(text: str) -> bool:
    """True for a phone number (one per line): an optional "+", then only digits,
    spaces and - . ( ) with at least 7 digits, optionally " ext. N".

    Such text can hold no function, reference or command, so a spreadsheet
    cannot run anything from it.
    """
    lines = text.split("\n")
    return all(_PHONE.match(line) and sum(c.isdigit() for c in line) >= 7 for line in lines)


def strip_formula_guard(text: str) -> str:
    """Undo ``csv_cell``: drop the apostrophe our CSV export puts before formula starts."""
    return text[1:] if text[:1] == "'" and _guarded(text[1:]) else text


def _guarded(text: str) -> bool:
    """True when ``csv_cell`` puts an apostrophe before ``text`` (outside phone columns)."""
    return looks_like_formula(text) or (text[:1] == "'" and looks_like_formula(text[1:]))


_GUARD_HEADS = frozenset([*FORMULA_STARTS, "'"])  # the first characters _guarded looks at
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]*(?: ext\. [0-9]{1,10})?$", re.ASCII)
_PHONE_HEADER = re.compile(r"phone|телефон|telefon", re.IGNORECASE)
