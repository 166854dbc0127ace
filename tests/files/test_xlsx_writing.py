"""xlsx writing is linear and safe: cells are built before the append, never read back."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.styles import Font

from contacts_crm.files.safe_cells import append_text_row
from contacts_crm.files.workbook import read_workbook


def test_append_text_row_on_a_write_only_sheet_keeps_text_as_text(tmp_path):
    # a write-only sheet cannot be read back (ws[n] raises): the append never looks at it
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("S")
    append_text_row(ws, ["Name", "Phone", "Formula", "Error", "Empty", "N"], font=Font(bold=True))
    append_text_row(ws, ["Ivan\x07", "+79161234567", "=1+1", "#N/A", "", 7])
    path = tmp_path / "w.xlsx"
    wb.save(path)
    back = openpyxl.load_workbook(path)["S"]
    assert [c.value for c in back[2]] == ["Ivan", "+79161234567", "=1+1", "#N/A", None, 7]
    assert [c.data_type for c in back[2]][:4] == ["s", "s", "s", "s"]
    assert back["A1"].font.b and not back["A2"].font.b
    [table] = read_workbook(path.read_bytes(), "w.xlsx", "xlsx")
    assert table.rows[1].cells[:4] == ["Ivan", "+79161234567", "=1+1", "#N/A"]
    assert table.rows[1].errors == {}  # a text "#N/A" is not an Excel error cell


def test_error_cells_and_a_far_stray_cell(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Name", "Phone"])
    ws.append(["Ivan", "#VALUE!"])  # openpyxl writes this as an error cell (t="e")
    ws["XFD1048576"] = " "  # the whole sheet's rectangle: 17 billion cells if dense
    path = tmp_path / "far.xlsx"
    wb.save(path)
    [table] = read_workbook(path.read_bytes(), "far.xlsx", "xlsx")
    assert [(r.number, r.cells[:2], r.errors) for r in table.rows[:2]] == [
        (1, ["Name", "Phone"], {}),
        (2, ["Ivan", ""], {1: "#VALUE!"}),
    ]
    assert table.rows[-1].number == 1048576 and len(table.rows) == 3


@pytest.mark.parametrize("stream", [True, False])
def test_write_text_xlsx_never_writes_a_formula(tmp_path, stream):
    """Streamed (exports) or held until closed (an import's report): the same file."""
    from contacts_crm.files.xlsx_text import TextSheet, write_text_xlsx

    path = write_text_xlsx(
        tmp_path / "t.xlsx",
        [TextSheet("R", ["A", "B"], [["=HYPERLINK(\"x\")", "#N/A"], ["+79161234567\x07", 3],
                                     ["", None]])],
        stream=stream,
    )  # fmt: skip
    ws = openpyxl.load_workbook(path)["R"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["A", "B"], ['=HYPERLINK("x")', "#N/A"], ["+79161234567", 3],
    ]  # fmt: skip
    assert [c.data_type for c in ws[2]] == ["s", "s"] and ws["A1"].font.b
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:B4"
