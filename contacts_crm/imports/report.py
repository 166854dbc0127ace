"""Write an import plan (or its outcome) as a per-row xlsx report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contacts_crm import i18n
from contacts_crm.files.output import DEFAULT_MODE
from contacts_crm.files.xlsx_text import TextSheet, write_text_xlsx
from contacts_crm.i18n import _
from contacts_crm.imports import collector
from contacts_crm.imports.normalize import NOTICE_KINDS
from contacts_crm.imports.plan import ImportPlan, PlanRow

REPORT_COLUMNS = (
    "Row", "Action", "Reason", "Name", "Company", "Phones", "E-mails", "Matched contact",
    "Review", "Warnings",
)  # fmt: skip


def report_columns(plan: ImportPlan | None = None) -> list[str]:
    """The report's header in the current language (a "Source" column when the plan's rows
    come from several files)."""
    several = plan is not None and any(r.origin for r in plan.rows)
    return [_(c) for c in REPORT_COLUMNS] + ([_("Source")] if several else [])


def _action_words() -> dict[str, str]:
    return {"create": _("create"), "update": _("update"), "merge": _("merge"),
            "skip": _("skip"), "reject": _("reject")}  # fmt: skip


def action_word(action: str) -> str:
    """An import action (create, update, merge, skip, reject) as a word of the current language."""
    return _action_words().get(action, action)


def report_rows(plan: ImportPlan, *, translated: bool = False) -> list[list[str | int]]:
    """The report as rows of values (also used for ``--json`` output, in English).

    ``translated``: the action and the review mark in the current language (the xlsx).
    """
    local = translated and i18n.language() != "en"  # English texts are made already
    words = _action_words() if translated else {}
    yes = _("yes") if translated else "yes"
    several = any(r.origin for r in plan.rows)
    out: list[list[str | int]] = []
    for r in plan.rows:
        c = r.contact
        action = r.action.value
        out.append(
            [
                r.row,
                words.get(action, action),
                r.local_reason() if local else r.reason,
                c.display_name if c else (r.match.display_name if r.match else ""),
                c.organization if c else "",
                "\n".join(p.value for p in c.phones) if c else "",
                "\n".join(e.value for e in c.emails) if c else "",
                (r.match.resource_name or "") if r.match else "",
                yes if r.review else "",
                "\n".join([n.local() for n in r.notices] if local else r.warnings),
                *([r.origin] if several else []),
            ]
        )
    return out


def write_report(plan: ImportPlan, path: Path | str, mode: int = DEFAULT_MODE) -> Path:
    """Write the per-row report to ``path`` (xlsx, 0600): one line per spreadsheet row.

    Written with XlsxWriter (linear; text is never a formula; the cells held
    until the file closes, as the plan's rows are held anyway), so ``--report``
    adds under a tenth to the import's CPU time, not minutes.
    """
    counts = [[action_word(a), n] for a, n in plan.counts().items()]
    with collector.paused():  # one row of cells per plan row: nothing for the collector
        return write_text_xlsx(
            path,
            [
                TextSheet(_("Import report"), report_columns(plan),
                          report_rows(plan, translated=True)),
                TextSheet(_("Summary"), [_("Import"), plan.import_id], counts, freeze=None,
                          filters=False),
            ],
            mode=mode,
            stream=False,  # the plan's rows are in memory already: a fifth less CPU
        )  # fmt: skip


PROBLEM_TITLES = {
    "reject": "rows rejected",
    "review": "rows to check",
    **NOTICE_KINDS,
    "possible-duplicate": "possible duplicates (imported as separate contacts)",
    "merged": "rows merged with another row of the file (every name, phone and e-mail kept)",
    "new-group": "groups that will be created",
}


def problem_summary(
    plan: ImportPlan, first: int = 3, *, translated: bool = False
) -> list[dict[str, Any]]:
    """Counts per kind of problem with the first ``first`` lines of each, in a fixed order.

    What the terminal shows after a run or a dry run; ``--report`` has every row.
    English (the ``--json`` form) unless ``translated`` (the current language).
    """

    def row(n: int) -> str:
        return _("row {n}").format(n=n) if translated else f"row {n}"

    def rows_of(first_row: int, n: int) -> str:
        if translated:
            return _("rows {first}, … ({n} rows)").format(first=first_row, n=n)
        return f"rows {first_row}, … ({n} rows)"

    def reason(r: PlanRow) -> str:
        return r.local_reason() if translated else r.reason

    def warnings(r: PlanRow) -> list[str]:
        return [n.local() for n in r.notices] if translated else r.warnings

    lines: dict[str, list[str]] = {k: [] for k in PROBLEM_TITLES}
    for r in plan.rows:
        if r.action == "reject":
            lines["reject"].append(f"{row(r.row)}: {reason(r)}")
        elif r.review:
            lines["review"].append(f"{row(r.row)}: " + ("; ".join(warnings(r)) or reason(r)))
        for n in r.notices:
            lines.setdefault(n.kind, []).append(n.local() if translated else n.text)
    for name in plan.new_groups:
        rows = plan.new_group_rows.get(name, [])
        where = row(rows[0]) if len(rows) == 1 else rows_of(rows[0], len(rows)) if rows else ""
        lines["new-group"].append(f"{name!r}: {where}" if rows else repr(name))
    return [
        {"kind": k, "title": _problem_title(k, translated), "count": len(v), "first": v[:first]}
        for k, v in lines.items()
        if v
    ]


def _problem_title(kind: str, translated: bool) -> str:
    title = PROBLEM_TITLES.get(kind, kind)
    return _(title) if translated else title


def _marked() -> None:  # pragma: no cover - never called: marks the titles for extraction
    """PROBLEM_TITLES (and normalize.NOTICE_KINDS), so the extractor puts them in the catalogs."""
    for _title in (
        _("rows rejected"), _("rows to check"), _("phones moved to the notes"),
        _("e-mails refused (moved to the notes)"), _("values cleaned"),
        _("values cut to the People API's limits"), _("Excel error cells (value left out)"),
        _("names whose word order is a guess"), _("vCard values kept in the notes"),
        _("vCard photos, sounds and keys skipped"),
        _("damaged vCard lines and cards"),
        _("possible duplicates (imported as separate contacts)"),
        _("rows merged with another row of the file (every name, phone and e-mail kept)"),
        _("groups that will be created"), _("Row"), _("Action"), _("Reason"), _("Name"),
        _("Company"), _("Phones"), _("E-mails"), _("Matched contact"), _("Review"),
        _("Warnings"), _("Source"),
    ):  # fmt: skip
        pass
