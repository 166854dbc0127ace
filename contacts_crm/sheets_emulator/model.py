"""In-memory spreadsheets, sheets and cells of the Sheets emulator."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .a1 import GridRange
from .api_error import ApiError

MAX_CELLS = 10_000_000
FORMULA_PLACEHOLDER = "#FORMULA!"
"""What a formula cell renders as outside FORMULA mode: the emulator does not evaluate."""

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Formula:
    """A live formula (only ever created by USER_ENTERED input starting with ``=``)."""

    text: str


CellValue = str | int | float | bool | Formula


@dataclass
class Sheet:
    """One tab: properties plus a sparse ``{(row, col): value}`` grid (0-based)."""

    sheet_id: int
    title: str
    index: int
    row_count: int = 1000
    col_count: int = 26
    frozen_rows: int = 0
    frozen_cols: int = 0
    hidden: bool = False
    cells: dict[tuple[int, int], CellValue] = field(default_factory=dict)
    # userEnteredFormat.numberFormat per cell (only what repeatCell set), e.g. PERCENT "0%"
    number_formats: dict[tuple[int, int], dict[str, str]] = field(default_factory=dict)

    def properties(self) -> dict[str, Any]:
        """The ``SheetProperties`` JSON."""
        grid: dict[str, Any] = {"rowCount": self.row_count, "columnCount": self.col_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        props: dict[str, Any] = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        return props

    def resize(self, rows: int, cols: int) -> None:
        """Set the grid size; cells outside it are dropped."""
        if rows < 1 or cols < 1:
            raise ApiError(400, "Invalid grid size: a sheet needs at least one row and column.")
        self.row_count, self.col_count = rows, cols
        self.cells = {k: v for k, v in self.cells.items() if k[0] < rows and k[1] < cols}
        self.number_formats = {
            k: v for k, v in self.number_formats.items() if k[0] < rows and k[1] < cols
        }

    def used_rows(self, start_col: int = 0, end_col: int | None = None) -> int:
        """One past the last row holding a value in the given columns (0 if none)."""
        hi = end_col if end_col is not None else self.col_count
        return max((r + 1 for (r, c) in self.cells if start_col <= c < hi), default=0)

    def bounds(self, rng: GridRange) -> tuple[int, int, int, int]:
        """Clip an open range to the grid; 400 if it starts or ends outside the grid."""
        end_row = rng.end_row if rng.end_row is not None else self.row_count
        end_col = rng.end_col if rng.end_col is not None else self.col_count
        if end_row > self.row_count or end_col > self.col_count:
            raise ApiError(
                400,
                f"Range ({self.title}) exceeds grid limits. Max rows: {self.row_count}, "
                f"max columns: {self.col_count}",
            )
        return rng.start_row, rng.start_col, end_row, end_col

    def read(self, rng: GridRange, render: str) -> list[list[Any]]:
        """Rows of rendered values, trailing empties trimmed as the API does."""
        r0, c0, r1, c1 = self.bounds(rng)
        rows: list[list[Any]] = []
        for r in range(r0, min(r1, self.used_rows(c0, c1))):
            row = [render_value(self.cells.get((r, c)), render, self.number_formats.get((r, c)))
                   for c in range(c0, c1)]  # fmt: skip
            while row and row[-1] == "":
                row.pop()
            rows.append(row)
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def clear(self, rng: GridRange) -> None:
        """Remove every value inside the range."""
        r0, c0, r1, c1 = self.bounds(rng)
        self.cells = {
            k: v for k, v in self.cells.items() if not (r0 <= k[0] < r1 and c0 <= k[1] < c1)
        }

    def write(self, row: int, col: int, values: list[list[Any]], input_option: str) -> None:
        """Write a block of values whose top-left corner is (row, col)."""
        for i, line in enumerate(values):
            for j, raw in enumerate(line):
                if raw is None:
                    continue  # null leaves the cell as it is
                value = parse_input(raw, input_option)
                if value == "":
                    self.cells.pop((row + i, col + j), None)
                else:
                    self.cells[(row + i, col + j)] = value


@dataclass
class Spreadsheet:
    """A spreadsheet file: its Drive metadata and its sheets."""

    spreadsheet_id: str
    title: str
    created: str
    modified: str
    sheets: list[Sheet] = field(default_factory=list)
    locale: str = "en_US"
    time_zone: str = "Etc/GMT"

    def sheet(self, title: str | None) -> Sheet:
        """The sheet with this title (the first one for ``None``); 400 if unknown."""
        if title is None:
            return self.sheets[0]
        for s in self.sheets:
            if s.title == title:
                return s
        raise ApiError(400, f"Unable to parse range: {title}")

    def sheet_by_id(self, sheet_id: int) -> Sheet:
        """The sheet with this id; 400 if unknown."""
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        raise ApiError(400, f"No grid with id: {sheet_id}")

    def reindex(self) -> None:
        """Keep each sheet's ``index`` equal to its position."""
        self.sheets.sort(key=lambda s: s.index)
        for i, s in enumerate(self.sheets):
            s.index = i

    def check_cell_limit(self) -> None:
        """400 when the workbook would exceed Google's 10 million cell limit."""
        if sum(s.row_count * s.col_count for s in self.sheets) > MAX_CELLS:
            raise ApiError(
                400,
                "This action would increase the number of cells in the workbook above "
                f"the limit of {MAX_CELLS} cells.",
            )

    def metadata(self) -> dict[str, Any]:
        """The ``spreadsheets.get`` JSON (without grid data)."""
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {
                "title": self.title,
                "locale": self.locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": self.time_zone,
            },
            "sheets": [{"properties": s.properties()} for s in self.sheets],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }


def parse_input(raw: Any, input_option: str) -> CellValue:
    """Store a value as RAW (literal) or USER_ENTERED (``=`` formulas, numbers, booleans)."""
    if not isinstance(raw, str):
        return raw
    if input_option != "USER_ENTERED":
        return raw
    if raw.startswith("="):
        return Formula(raw)
    if raw.startswith("'"):
        return raw[1:]
    if _NUMBER.match(raw.strip()):
        num = float(raw)
        return int(num) if num.is_integer() and "." not in raw and "e" not in raw.lower() else num
    if raw.upper() in ("TRUE", "FALSE"):
        return raw.upper() == "TRUE"
    return raw


def render_value(
    value: CellValue | None, render: str, number_format: dict[str, str] | None = None
) -> Any:
    """Render a stored value for FORMATTED_VALUE, UNFORMATTED_VALUE or FORMULA.

    Of number formats only PERCENT is understood (``0%``, ``0.0%``…), as Sheets shows it.
    """
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text if render == "FORMULA" else FORMULA_PLACEHOLDER
    if isinstance(value, bool):
        return value if render == "UNFORMATTED_VALUE" else ("TRUE" if value else "FALSE")
    if isinstance(value, (int, float)):
        if render == "UNFORMATTED_VALUE":
            return value
        if number_format and number_format.get("type") == "PERCENT":
            pattern = number_format.get("pattern", "0%")
            decimals = len(pattern.split(".")[1].rstrip("%")) if "." in pattern else 0
            return f"{float(value) * 100:.{decimals}f}%"
        return str(int(value)) if float(value).is_integer() else repr(value)
    return value
