"""Write an import plan (or its outcome) as a per-row xlsx report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contacts_crm.files.output import DEFAULT_MODE
from contacts_crm.files.xlsx_text import TextSheet, write_text_xlsx
from contacts_crm.imports import collector
from contacts_crm.imports.normalize import NOTICE_KINDS
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
                r.action.value,
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
    """Write the per-row report to ``path`` (xlsx, 0600): one line per spreadsheet row.

    Streamed with XlsxWriter (linear; text is never a formula), so ``--report``
    adds about a tenth to the import's CPU time, not minutes.
    """
    counts = [[a, n] for a, n in plan.counts().items()]
    with collector.paused():  # one row of cells per plan row: nothing for the collector
        return write_text_xlsx(
            path,
            [
                TextSheet("Import report", REPORT_COLUMNS, report_rows(plan)),
                TextSheet("Summary", ["Import", plan.import_id], counts, freeze=None,
                          filters=False),
            ],
            mode=mode,
        )  # fmt: skip


PROBLEM_TITLES = {
    "reject": "rows rejected",
    "review": "rows to check",
    **NOTICE_KINDS,
    "possible-duplicate": "possible duplicates (imported as separate contacts)",
    "new-group": "groups that will be created",
}


def problem_summary(plan: ImportPlan, first: int = 3) -> list[dict[str, Any]]:
    """Counts per kind of problem with the first ``first`` lines of each, in a fixed order.

    What the terminal shows after a run or a dry run; ``--report`` has every row.
    """
    lines: dict[str, list[str]] = {k: [] for k in PROBLEM_TITLES}
    for r in plan.rows:
        if r.action == "reject":
            lines["reject"].append(f"row {r.row}: {r.reason}")
        elif r.review:
            lines["review"].append(f"row {r.row}: " + ("; ".join(r.warnings) or r.reason))
        for n in r.notices:
            lines.setdefault(n.kind, []).append(n.text)
    for name in plan.new_groups:
        rows = plan.new_group_rows.get(name, [])
        where = f"row {rows[0]}" if len(rows) == 1 else f"rows {rows[0]}, … ({len(rows)} rows)"
        lines["new-group"].append(f"{name!r}: {where}" if rows else repr(name))
    return [
        {"kind": k, "title": PROBLEM_TITLES.get(k, k), "count": len(v), "first": v[:first]}
        for k, v in lines.items()
        if v
    ]
