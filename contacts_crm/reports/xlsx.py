"""The summary workbook: one sheet per view and a native bar chart of orders per group.

Every cell holds a value, never a formula built from data: numbers are
stored as numbers, and text that a spreadsheet would read as a formula
(starting with = + - @ tab or CR) is stored as a quote-prefixed string.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from contacts_crm.files.output import DEFAULT_MODE, write_output
from contacts_crm.files.safe_cells import append_text_row
from contacts_crm.i18n import _
from contacts_crm.reports.settings import ALL, ReportSettings
from contacts_crm.reports.tables import CHART_COLUMNS, Percent, View

CHART_SHEET = "summary"
PERCENT_FORMAT = "0%"


def xlsx_value(value: Any) -> Any:
    """A cell value: numbers as numbers, dates as ISO text, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return float(value)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write(ws: Any, view: View) -> None:
    bold = Font(bold=True)
    for n, values in enumerate((view.header, *view.rows)):
        # text typed as text, cleaned, formula-looking text quoted; no row is read back
        append_text_row(ws, [xlsx_value(v) for v in values], bold if n == 0 else None,
                        quote_formulas=True)  # fmt: skip
        for col, value in enumerate(values, start=1):
            if isinstance(value, Percent):
                ws.cell(row=n + 1, column=col).number_format = PERCENT_FORMAT
    ws.freeze_panes = "A2"
    for i, name in enumerate(view.header, 1):
        width = max([len(str(name)), *(len(str(r[i - 1])) for r in view.rows if len(r) >= i)])
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 50)


def _chart(ws: Any, view: View) -> None:
    """Bar chart of open / completed / cancelled orders per group (total row left out)."""
    groups = [r for r in view.rows if r and r[0] != _(ALL)]
    if not groups:
        return
    chart = BarChart()
    chart.type = "col"
    chart.title = _("Orders per group")
    chart.y_axis.title = _("Orders")
    chart.x_axis.title = _("Group")
    last = 1 + len(groups)
    for index in CHART_COLUMNS:
        col = index + 1
        chart.add_data(Reference(ws, min_col=col, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    chart.width, chart.height = 18, 9
    ws.add_chart(chart, f"A{len(view.rows) + 4}")


def write_summary_xlsx(
    views: list[View], path: Path, settings: ReportSettings | None = None,
    mode: int = DEFAULT_MODE,
) -> Path:  # fmt: skip
    """Write the views to ``path`` (one sheet each, the chart on the summary sheet),
    with permissions ``mode`` (0600 by default)."""
    conf = settings or ReportSettings()
    wb = Workbook()
    wb.remove(wb.active)
    for view in views:
        ws = wb.create_sheet(conf.view(view.key)[:31])
        _write(ws, view)
        if view.key == CHART_SHEET:
            _chart(ws, view)
    buf = io.BytesIO()
    wb.save(buf)
    return write_output(path, buf.getvalue(), mode)
