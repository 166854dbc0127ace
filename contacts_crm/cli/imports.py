"""Commands that move contacts in and out: import, export, restore."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from contacts_crm.cli.help_text import CrmContext
from contacts_crm.cli.output import FILE as _FILE
from contacts_crm.cli.output import (
    Ctx,
    Listing,
    check_output_path,
    emit,
    open_output,
    output_options,
    pass_ctx,
    progress,
    short_time,
    show,
    started,
)
from contacts_crm.i18n import _

EXTENSIONS = {".xlsx": "xlsx", ".csv": "csv", ".vcf": "vcard", ".json": "json"}


class _ImportGroup(click.Group):
    """``crm import FILE`` runs an import; ``crm import undo|list`` are subcommands.

    Anything but a subcommand name first (``crm import --dry-run FILE``,
    ``crm import FILE --dry-run``, ``crm import --sheet list FILE``) is an
    import: the arguments go to the import itself, options in any place.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [f"{self.options_metavar} FILE...", "|", "list", "|", "undo IMPORT_ID"]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The import's own options (those of FILE), then the subcommands."""
        params = self.commands["run"].get_params(ctx)
        records = [p.get_help_record(ctx) for p in params if isinstance(p, click.Option)]
        with formatter.section(_("Options")):
            formatter.write_dl([r for r in records if r])
        self.format_commands(ctx, formatter)


class _ImportContext(CrmContext):
    """Messages of the import itself name ``crm import``, not the internal ``run``."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent is not None else super().command_path


class _ImportCommand(click.Command):
    context_class = _ImportContext


@click.group("import", cls=_ImportGroup)
def import_() -> None:
    """Import contacts from a spreadsheet, CSV, Google/Outlook CSV or vCard.

    Nothing is written with --dry-run; every row gets an action (create,
    update, merge, skip, reject) with its reason and row number. Re-running
    or resuming an import never creates a duplicate.

    \b
    Examples:
      crm import clients.xlsx --dry-run --report plan.xlsx
      crm import clients.xlsx --on-duplicate merge
      crm import --show-mapping clients.xlsx
      crm import old.csv --region TR --mapping map.toml
      crm import "https://docs.google.com/spreadsheets/d/KEY/edit" --sheet Clients
      crm import list
      crm import undo imp-07ecd47175
    """


@import_.command("run", hidden=True, cls=_ImportCommand)
@click.argument("files", metavar="FILE...", type=click.STRING, nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Plan and report; write nothing.")
@click.option("--report", type=_FILE, help="Write the per-row plan to this .xlsx file.")
@click.option(
    "--on-duplicate",
    type=click.Choice(["skip", "update", "merge"]),
    default="skip",
    show_default=True,
    help="What to do with a row that matches a contact already in the account "
    "(rows of the file that share a phone or e-mail are always merged).",
)
@click.option(
    "--region", metavar="XX", help="Phone region for national numbers (default: the profile's)."
)
@click.option("--sheet", metavar="NAME|N", help="Which sheet of a workbook to read.")
@click.option("--mapping", type=_FILE, help="A TOML column mapping file (see README).")
@click.option("--show-mapping", is_flag=True, help="Only show how columns are understood.")
@output_options(output=False)
@pass_ctx
def run(
    ctx: Ctx,
    files: tuple[str, ...],
    dry_run: bool,
    report: Path | None,
    on_duplicate: str,
    region: str | None,
    sheet: str | None,
    mapping: Path | None,
    show_mapping: bool,
) -> None:
    """Import FILE (a file, or a Google Sheet URL), or several files as one import.

    Several files (the phones' exports) are one import: the same client in two
    files (same phone or e-mail, or the same name) becomes one contact with every
    name kept, and each row says the file it came from.

    Interrupted (Ctrl-C, a lost connection)? Run the same command again: it
    resumes where it stopped and creates nothing twice.

    \b
    Examples:
      crm import clients.xlsx --dry-run --report plan.xlsx
      crm import clients.xlsx --on-duplicate merge --region RU
      crm import olga.vcf ivan.vcf --dry-run
    """
    from contacts_crm.contact.phones import check_region
    from contacts_crm.imports import run as importer

    if any(not f.strip() for f in files):
        raise click.BadParameter(_("the file name is empty"), param_hint="'FILE'")
    if len(files) > 1 and show_mapping:
        raise click.BadParameter(_("--show-mapping reads one file at a time"),
                                 param_hint="'FILE'")  # fmt: skip
    file = files[0]
    if region is not None:
        region = check_region(region, "--region")
    if report is not None:
        report = check_output_path(report, "--report")  # before the import, not after it
    source: Path | str = file if importer.is_sheet_url(file) else Path(file)
    if show_mapping:
        account = ctx.account if importer.is_sheet_url(file) else None
        found = importer.show_mapping(
            source, sheet=sheet, mapping_file=mapping, account=account
        ).as_dict()
        _show_mapping(ctx, found)
        return
    options = importer.ImportOptions(
        region=region,
        on_duplicate=on_duplicate,
        sheet=sheet,
        mapping_file=mapping,
    )
    with progress(ctx, _("importing")) as update:
        outcome = importer.import_file(
            ctx.account,
            source if len(files) == 1 else [Path(f) for f in files],
            options,
            dry_run=dry_run,
            report=report,
            progress=lambda rows: update(advance=rows),
            total=lambda n: update(total=n),
            on_start=started(ctx, "import"),
        )
    summary = outcome.summary()
    rows = [
        {
            "row": r.row,
            "action": r.action.value,
            "reason": r.reason,
            "name": r.contact.display_name if r.contact else "",
            "review": bool(r.review),
            "warnings": list(r.warnings),
            **({"source": r.origin} if r.origin else {}),
        }
        for r in outcome.plan.rows
    ]
    emit(ctx, {**summary, "rows": rows}, lambda: _print_outcome(summary, outcome, report))


def _show_mapping(ctx: Ctx, found: dict) -> None:
    flavors = {"generic": _("generic table"), "google-csv": _("Google Contacts CSV"),
               "google-csv-legacy": _("Google Contacts CSV (old)"),
               "outlook-csv": _("Outlook CSV")}  # fmt: skip
    flavor = flavors.get(found["flavor"], found["flavor"])
    if found["sheet"] is None:  # a CSV or vCard file: no sheets
        heading = _("{file} · header on row {row} · {flavor}").format(
            file=found["file"], row=found["header_row"], flavor=flavor)  # fmt: skip
    else:
        heading = _("{file} · sheet {sheet!r} · header on row {row} · {flavor}").format(
            file=found["file"], sheet=found["sheet"], row=found["header_row"],
            flavor=flavor)  # fmt: skip
    rows = [(c["column"], c["header"], c["field"], _why_words(c["why"]) if ctx.human else c["why"])
            for c in found["columns"]]  # fmt: skip
    listing = Listing([_("Column"), _("Header"), _("Goes to"), _("Why")], rows,
                      keys=["column", "header", "goesTo", "why"])  # fmt: skip
    show(ctx, listing, found, before=[heading])


_WHY = (  # the importer's reasons (English, as --json keeps them) -> the reader's language
    (re.compile(r"^known column name (?P<name>'.*')$"), "known column name {name}"),
    (re.compile(r"^a (?P<flavor>[\w-]+) column$"), "a {flavor} column"),
    (re.compile(r"^read by meaning: (?P<words>.*)$"), "read by meaning: {words}"),
)


def _why_words(why: str) -> str:
    """Why a column goes where it goes, in the office's language."""
    for pattern, template in _WHY:
        m = pattern.match(why)
        if m:
            return _(template).format(**m.groupdict())
    return _(why)


def _why_marked() -> None:  # pragma: no cover - never called: marks the reasons for extraction
    for _word in (_("known column name {name}"), _("a {flavor} column"),
                  _("read by meaning: {words}"), _("no header"), _("your mapping file"),
                  _("your mapping file's ignore list"),
                  _("listed under ignore in import/columns.toml"), _("the field's own name"),
                  _("a numbered Google CSV column"),
                  _("no field word in the header: kept in the notes as 'Header: value'"),
                  ):  # fmt: skip
        pass


def _print_outcome(summary: dict, outcome: Any, report: Path | None) -> None:
    from contacts_crm.imports.report import action_word, problem_summary

    counts = ", ".join(
        f"{action_word(k)} {summary.get(k, 0)}"
        for k in ("create", "update", "merge", "skip", "reject")
    )
    said = (_("{file}: {n} rows. Would: {counts}.") if summary["dry_run"]
            else _("{file}: {n} rows. Did: {counts}."))  # fmt: skip
    click.echo(said.format(file=summary["file"], n=summary["rows"], counts=counts))
    problems = problem_summary(outcome.plan, translated=True)
    for p in problems:
        title = p["title"]
        if p["kind"] == "new-group" and not summary["dry_run"]:
            title = _("groups created")
        click.echo(f"{title[:1].upper()}{title[1:]}: {p['count']}")
        for line in p["first"]:
            click.echo(f"  {line}")
        if p["count"] > len(p["first"]):
            click.echo("  " + _("… and {n} more").format(n=p["count"] - len(p["first"])))
    if report:
        click.echo(_("Report: {path}").format(path=report))
    elif problems:
        click.echo(_("Every row with its action and problems: run again with --report FILE.xlsx"))
    if summary.get("duplicates"):
        click.echo(
            _(
                "Warning: {n} row(s) of this import exist twice in the account; 'crm doctor' "
                "lists them and 'crm doctor --repair' deletes the extra copies."
            ).format(n=summary["duplicates"])
        )
    if summary["dry_run"]:
        click.echo(_("Nothing was written (dry run)."))
    elif not summary.get("created") and not summary.get("updated"):  # nothing to undo
        click.echo(_("Nothing was written: the account already holds every row."))
    else:
        click.echo(
            _("Import id: {id} (undo with: crm import undo {id})").format(id=summary["import_id"])
        )


@import_.command("undo")
@click.argument("import_id")
@click.option(
    "--force",
    is_flag=True,
    help="Also delete created contacts that were worked on since the import.",
)
@pass_ctx
def undo(ctx: Ctx, import_id: str, force: bool) -> None:
    """Take an import back without losing anything written since.

    Contacts it created are deleted (each one kept in the journal first);
    one worked on since (card changed, calls logged) is kept and listed
    unless --force. Contacts it updated get back only the fields it changed,
    where they still hold the import's value: calls, orders, free text and
    phones added since stay. Groups it created go once they are empty.
    Undoing an import that was undone already changes nothing (exit 0).

    \b
    Examples:
      crm import undo imp-07ecd47175
      crm import undo imp-07ecd47175 --force
    """
    import re

    from contacts_crm.errors import NotFoundError
    from contacts_crm.imports import run as importer

    if not re.fullmatch(r"imp-[0-9a-f]{1,64}(-[0-9]{1,6})?", import_id):
        raise NotFoundError(
            _("no import {id!r}").format(id=import_id[:80]),
            hint=_("'crm import list' shows the import ids"),
        )
    report = importer.undo(
        ctx.account, import_id, force=force, on_start=started(ctx, "import_undo")
    )
    emit(ctx, report.to_dict(), lambda: _print_undo(report))


def _print_undo(report: Any) -> None:
    if report.already_undone:
        click.echo(_("Import {id} was already undone: nothing to do.").format(id=report.import_id))
        return
    said = _("Undid {id}: removed {removed} contact(s), changed back {restored}").format(
        id=report.import_id, removed=len(report.removed), restored=len(report.restored)
    )
    if report.unchanged:
        said += _(", {n} had nothing of the import left").format(n=len(report.unchanged))
    click.echo(said + ".")
    for item in report.kept:
        click.echo(_("  kept {name} ({rn}): {why}").format(
            name=item["name"], rn=item["resourceName"], why=item["why"]))  # fmt: skip
    if report.kept:
        click.echo(
            _(
                "Kept {n} contact(s) worked on since the import; 'crm import undo {id} --force' "
                "deletes them too (the journal keeps a copy)."
            ).format(n=len(report.kept), id=report.import_id)
        )
    if report.gone:
        click.echo(_("  {n} contact(s) were no longer in the account.").format(n=len(report.gone)))
    if report.groups_removed:
        click.echo(_("  removed the group(s) it created: {names}").format(
            names=", ".join(report.groups_removed)))  # fmt: skip
    if report.groups_kept:
        click.echo(_("  kept the group(s) it created, still in use: {names}").format(
            names=", ".join(report.groups_kept)))  # fmt: skip


@import_.command("list")
@output_options()
@pass_ctx
def list_(ctx: Ctx) -> None:
    """List this profile's imports, newest last.

    \b
    Examples:
      crm import list
      crm import list --format tsv
    """
    from contacts_crm.imports import run as importer

    states = importer.list_imports(ctx.account)
    data = [
        {
            "import_id": s.id,
            "source": s.source,
            "status": s.status,
            "started": s.started,
            "created": len(s.created),
            "updated": len(s.updated),
        }
        for s in states
    ]
    states_words = {"running": _("running"), "done": _("done"), "undone": _("undone"),
                    "partly-undone": _("partly undone")}  # fmt: skip
    rows = [
        (st.id, Path(st.source).name if ctx.human else st.source,
         states_words.get(st.status, st.status) if ctx.human else st.status,
         short_time(st.started) if ctx.human else st.started, len(st.created), len(st.updated))
        for st in states
    ]  # fmt: skip
    show(
        ctx,
        Listing(
            [_("Id"), _("File"), _("Status"), _("Started"), _("Created"), _("Updated")],
            rows,
            empty=_("No import yet."),
            keys=["id", "file", "status", "started", "created", "updated"],
            nowrap=(0, 3),
        ),
        data,
    )


@click.command()
@click.argument("file", type=_FILE, required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv", "google-csv", "vcard", "json"]),
    help="Output format (default: from the file's extension, else xlsx).",
)
@click.option("--group", metavar="GROUP", help="Only the contacts of this group.")
@click.option(
    "--to-sheet",
    metavar="URL_OR_NAME",
    help='Refresh the "Contacts" tab of a Google Sheet instead of writing a file.',
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@pass_ctx
def export(
    ctx: Ctx, file: Path | None, fmt: str | None, group: str | None, to_sheet: str | None,
    force: bool,
) -> None:  # fmt: skip
    """Export contacts to Excel, CSV, Google CSV, vCard or a JSON backup.

    Cells are never written as live formulas; phones stay text.

    \b
    Examples:
      crm export contacts.xlsx
      crm export vip.csv --group VIP
      crm export google.csv --format google-csv
      crm export backup.json
      crm export - --format csv | grep Petrov
      crm export --to-sheet "https://docs.google.com/spreadsheets/d/KEY" --group VIP
    """
    from contacts_crm.errors import UsageError
    from contacts_crm.usecases import export as exporter

    if to_sheet:
        result = exporter.export_to_sheet(ctx.account, to_sheet, group=group)
        emit(
            ctx,
            {"sheet": result.url, "tab": result.tab, "contacts": result.rows},
            _("Wrote {n} contact(s) to the {tab!r} tab of {url}").format(
                n=result.rows, tab=result.tab, url=result.url
            ),
        )
        return
    if file is None:
        raise UsageError(_("give a FILE to write ('-' for stdout), or --to-sheet URL_OR_NAME"))
    if str(file) == "-":
        if fmt in (None, "xlsx"):
            raise UsageError(
                _("xlsx cannot be written to stdout"),
                hint=_("give --format csv, google-csv, vcard or json with '-'"),
            )
        n = _export_to_stdout(ctx, fmt, group)
        click.echo(_("Exported {n} contact(s) to stdout ({fmt})").format(n=n, fmt=fmt), err=True)
        return
    suffix = file.suffix.lower()
    if fmt is None and suffix and suffix not in EXTENSIONS:
        raise UsageError(
            _("cannot tell the format from {suffix!r}").format(suffix=suffix),
            hint=_("name the file .xlsx, .csv, .vcf or .json, or give --format"),
        )
    fmt = fmt or EXTENSIONS.get(suffix, "xlsx")
    file = check_output_path(file, "export file")
    if file.exists() and not force:  # a workbook someone keeps (or the list just imported)
        from contacts_crm.errors import OutputFileError

        raise OutputFileError(
            _("{file} already exists: nothing was written").format(file=file),
            hint=_("choose another name, or add --force to replace it"),
        )
    n = exporter.export_account(ctx.account, file, fmt, group=group)
    emit(
        ctx,
        {"file": str(file), "format": fmt, "contacts": n},
        _("Exported {n} contact(s) to {file} ({fmt})").format(n=n, file=file, fmt=fmt),
    )


@click.command()
@click.argument("file", type=_FILE)
@click.option("--force", is_flag=True, help="Restore even into an account that has contacts.")
@pass_ctx
def restore(ctx: Ctx, file: Path, force: bool) -> None:
    """Restore a JSON backup (from 'crm export FILE.json') into an empty account.

    Groups are recreated and contacts keep every field; running it again
    creates no duplicate.

    \b
    Examples:
      crm export backup.json
      crm --profile new-office restore backup.json
    """
    from contacts_crm.usecases import export as exporter

    n = exporter.restore(ctx.account, file, force=force, on_start=started(ctx, "restore"))
    emit(ctx, {"file": str(file), "restored": n},
         _("Restored {n} contact(s) from {file}").format(n=n, file=file))  # fmt: skip


def _export_to_stdout(ctx: Ctx, fmt: str, group: str | None) -> int:
    """Write a text export to a private temporary file, then copy it to stdout (a
    block at a time: never the whole export in memory)."""
    import shutil
    import tempfile

    from contacts_crm.usecases import export as exporter

    with tempfile.TemporaryDirectory(prefix="crm-export-") as tmp:
        path = Path(tmp) / f"export.{fmt}"
        n = exporter.export_account(ctx.account, path, fmt, group=group)
        with open(path, encoding="utf-8-sig", newline="") as text, open_output("-") as out:
            shutil.copyfileobj(text, out, 1 << 16)
    return n


COMMANDS = [import_, export, restore]
