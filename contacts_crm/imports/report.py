"""Write an import plan (or its outcome) as a per-row xlsx report."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from contacts_crm.files.output import DEFAULT_MODE, write_output
from contacts_crm.files.safe_cells import append_text_row
from contacts_crm.imports.plan import ImportPlan

REPORT_COLUMNS = (
    "Row", "Action", "Reason", "Name", "Company", "Phones", "E-mails", "Matched contact",
    "Review", "Warnings",
)  # fmt: skip


def report_rows(plan: ImportPlan) -> list[list[str | int]]:
    """The report as rows of values (also used for ``--json`` output)."""
    out: list[list[str | int]] = []
    for r in plan.rows:
        c = r.contact
        out.append(
            [
                r.row,
                r.action,
                r.reason,
                c.display_name if c else (r.match.display_name if r.match else ""),
                c.organization if c else "",
                "\n".join(p.value for p in c.phones) if c else "",
                "\n".join(e.value for e in c.emails) if c else "",
                (r.match.resource_name or "") if r.match else "",
                "yes" if r.review else "",
                "\n".join(r.warnings),
            ]
        )
    return out


def write_report(plan: ImportPlan, path: Path | str, mode: int = DEFAULT_MODE) -> Path:
    """Write the per-row report to ``path`` (xlsx, 0600): one line per spreadsheet row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Import report"
    ws.append(list(REPORT_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in report_rows(plan):
        append_text_row(ws, values)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    summary = wb.create_sheet("Summary")
    summary.append(["Import", plan.import_id])
    for action, n in plan.counts().items():
        summary.append([action, n])
    buf = io.BytesIO()
    wb.save(buf)
    return write_output(path, buf.getvalue(), mode)
