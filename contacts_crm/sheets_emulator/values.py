"""The ``spreadsheets.values`` methods of the emulator, over the in-memory model."""

from __future__ import annotations

from typing import Any

from .a1 import GridRange, RangeError, format_range, index_to_col, parse_range, quote_title
from .api_error import ApiError, bad_range
from .model import Sheet, Spreadsheet

_INPUT_OPTIONS = ("RAW", "USER_ENTERED")
_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")


def locate(book: Spreadsheet, text: str) -> tuple[Sheet, GridRange]:
    """The sheet and range ``text`` names in ``book``; 400 if it cannot be parsed."""
    try:
        rng = parse_range(text, [s.title for s in book.sheets])
    except RangeError as err:
        raise bad_range(text) from err
    try:
        return book.sheet(rng.sheet_title), rng
    except ApiError as err:
        raise bad_range(text) from err


def _input_option(q: dict[str, Any]) -> str:
    option = q.get("valueInputOption")
    if option not in _INPUT_OPTIONS:
        raise ApiError(400, f"Invalid valueInputOption: '{option}'. Expected RAW or USER_ENTERED.")
    return option


def _rows(body: dict[str, Any], major: str | None = None) -> list[list[Any]]:
    values = body.get("values", [])
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise ApiError(400, "Invalid value: 'values' must be a list of lists.")
    if (major or body.get("majorDimension") or "ROWS") == "COLUMNS":
        width = max((len(c) for c in values), default=0)
        values = [[c[i] if i < len(c) else None for c in values] for i in range(width)]
    return values


def _value_range(sheet: Sheet, rng: GridRange, q: dict[str, Any]) -> dict[str, Any]:
    render = q.get("valueRenderOption") or "FORMATTED_VALUE"
    if render not in _RENDER_OPTIONS:
        raise ApiError(400, f"Invalid valueRenderOption: '{render}'.")
    r0, c0, r1, c1 = sheet.bounds(rng)
    rows = sheet.read(rng, render)
    major = q.get("majorDimension") or "ROWS"
    out: dict[str, Any] = {
        "range": format_range(sheet.title, r0, c0, r1, c1),
        "majorDimension": major,
    }
    if major == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        rows = [[r[i] if i < len(r) else "" for r in rows] for i in range(width)]
        for col in rows:
            while col and col[-1] == "":
                col.pop()
    if rows:
        out["values"] = rows
    return out


def _write(book: Spreadsheet, text: str, rows: list[list[Any]], option: str) -> dict[str, Any]:
    sheet, rng = locate(book, text)
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    span_rows = None if rng.end_row is None else rng.end_row - rng.start_row
    span_cols = None if rng.end_col is None else rng.end_col - rng.start_col
    anchor = span_rows == 1 and span_cols == 1  # a single cell only anchors the block
    if not anchor and span_rows is not None and height > span_rows:
        raise ApiError(
            400,
            f"Requested writing within range [{text}], but tried writing to row "
            f"[{rng.start_row + height}]",
        )
    if not anchor and span_cols is not None and width > span_cols:
        raise ApiError(
            400,
            f"Requested writing within range [{text}], but tried writing to column "
            f"[{rng.start_col + width}]",
        )
    target = GridRange(
        sheet.title,
        rng.start_row,
        rng.start_col,
        rng.start_row + max(height, 1),
        rng.start_col + max(width, 1),
    )
    sheet.bounds(target)  # 400 beyond the grid, as the API does
    sheet.write(rng.start_row, rng.start_col, rows, option)
    assert target.end_row is not None and target.end_col is not None  # bounded just above
    return {
        "spreadsheetId": book.spreadsheet_id,
        "updatedRange": format_range(
            sheet.title, rng.start_row, rng.start_col, target.end_row, target.end_col
        ),
        # null cells are left as they are and not counted (Google's recorded answers:
        # [[null, "x"], ["y", null]] into A1:B2 -> 2 rows, 2 columns, 2 cells)
        "updatedRows": sum(1 for r in rows if any(v is not None for v in r)),
        "updatedColumns": len({j for r in rows for j, v in enumerate(r) if v is not None}),
        "updatedCells": sum(1 for r in rows for v in r if v is not None),
    }


def values_get(book: Spreadsheet, text: str, q: dict[str, Any]) -> dict[str, Any]:
    """``GET values/{range}``."""
    sheet, rng = locate(book, text)
    return _value_range(sheet, rng, q)


def values_batch_get(book: Spreadsheet, ranges: list[str], q: dict[str, Any]) -> dict[str, Any]:
    """``GET values:batchGet?ranges=..``."""
    out = []
    for text in ranges:
        sheet, rng = locate(book, text)
        out.append(_value_range(sheet, rng, q))
    return {"spreadsheetId": book.spreadsheet_id, "valueRanges": out}


def values_update(book: Spreadsheet, text: str, q: dict[str, Any], body: dict) -> dict[str, Any]:
    """``PUT values/{range}?valueInputOption=..``."""
    return _write(book, text, _rows(body), _input_option(q))


def values_batch_update(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """``POST values:batchUpdate`` (checks every range before writing any)."""
    option = _input_option(body)
    data = body.get("data", [])
    for item in data:
        locate(book, item.get("range", ""))
    responses = [_write(book, item["range"], _rows(item), option) for item in data]
    return {
        "spreadsheetId": book.spreadsheet_id,
        "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
        "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
        "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
        "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in responses}),
        "responses": responses,
    }


def _table(sheet: Sheet, rng: GridRange) -> tuple[int, int, int, int] | None:
    """The first "table" in ``rng`` as Google's append finds it: the first row at or
    below the range's top with a value in its columns, the run of filled columns
    from that row's first value, and the rows below it down to the first empty
    one (a gap ends the table: what lies beyond is another table). None: no value
    at all. (r0, c0, r1, c1), ends exclusive."""
    one_cell = rng.end_row == rng.start_row + 1 and rng.end_col == rng.start_col + 1
    c_lo = rng.start_col
    c_hi = sheet.col_count if one_cell or rng.end_col is None else rng.end_col
    r_hi = None if one_cell else rng.end_row  # one cell: the table it starts, however big
    filled = sorted(k for k in sheet.cells if c_lo <= k[1] < c_hi and rng.start_row <= k[0]
                    and (r_hi is None or k[0] < r_hi))  # fmt: skip
    if not filled:
        return None
    top = filled[0][0]
    first_col = min(c for r, c in filled if r == top)
    end_col = first_col + 1
    while (top, end_col) in sheet.cells and end_col < c_hi:
        end_col += 1
    rows = {r for r, c in filled if first_col <= c < end_col}
    bottom = top + 1
    while bottom in rows and (r_hi is None or bottom < r_hi):
        bottom += 1
    return top, first_col, bottom, end_col


def values_append(book: Spreadsheet, text: str, q: dict[str, Any], body: dict) -> dict[str, Any]:
    """``POST values/{range}:append``: write on the row after the first table found in
    the range, from its first column, growing the grid; no ``tableRange`` in the
    answer when the range holds no value (as Google answers)."""
    option = _input_option(q)
    rows = _rows(body)
    sheet, rng = locate(book, text)
    width = max((len(r) for r in rows), default=0)
    table = _table(sheet, rng)
    at_row, at_col = (table[2], table[1]) if table else (rng.start_row, rng.start_col)
    need_rows = at_row + len(rows)
    need_cols = at_col + width
    if need_rows > sheet.row_count or need_cols > sheet.col_count:
        sheet.resize(max(need_rows, sheet.row_count), max(need_cols, sheet.col_count))
        book.check_cell_limit()
    start = f"{quote_title(sheet.title)}!{index_to_col(at_col)}{at_row + 1}"
    result = _write(book, start, rows, option)
    out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if table is not None:
        out["tableRange"] = format_range(sheet.title, *table[:2], *table[2:])
    out["updates"] = result
    return out


def values_clear(book: Spreadsheet, text: str) -> dict[str, Any]:
    """``POST values/{range}:clear``."""
    sheet, rng = locate(book, text)
    r0, c0, r1, c1 = sheet.bounds(rng)
    sheet.clear(rng)
    cleared = format_range(sheet.title, r0, c0, r1, c1)
    return {"spreadsheetId": book.spreadsheet_id, "clearedRange": cleared}


def values_batch_clear(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """``POST values:batchClear``."""
    located = [locate(book, text) for text in body.get("ranges", [])]
    cleared = []
    for sheet, rng in located:
        r0, c0, r1, c1 = sheet.bounds(rng)
        sheet.clear(rng)
        cleared.append(format_range(sheet.title, r0, c0, r1, c1))
    return {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}
