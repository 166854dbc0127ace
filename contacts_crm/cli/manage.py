"""Commands that keep the account clean: list, show, edit, delete."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable
from typing import Any

import click

from contacts_crm.cli.output import (
    Ctx,
    Listing,
    confirm,
    contact_dict,
    emit,
    group_names,
    open_output,
    output_options,
    pass_ctx,
    phone_cell,
    started,
)
from contacts_crm.cli.output import show as show_listing
from contacts_crm.cli.wording import name_guess_note
from contacts_crm.contact.editing import Edit, with_error
from contacts_crm.contact.model import MY_CONTACTS, EmailEntry, Listed, PhoneEntry
from contacts_crm.contact.phones import format_national
from contacts_crm.errors import InputError, Problem
from contacts_crm.i18n import _
from contacts_crm.reports.words import field_words, type_word
from contacts_crm.usecases import contacts as contacts_uc
from contacts_crm.usecases import manage as uc

EDITOR_TRIES = 5  # a file saved with the same mistake this many times gives up


@click.command("list")
@click.option("--group", "-g", metavar="GROUP", help="Only the members of this group (label).")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N contacts.")
@click.option("--sync", is_flag=True, help="Bring the local copy up to date first.")
@output_options()
@pass_ctx
def list_(ctx: Ctx, group: str | None, limit: int | None, sync: bool) -> None:
    """List every contact, or the members of one group, in name order.

    Reads the local copy (the first run reads the whole account, 1,000 per call;
    a copy older than sync_minutes is refreshed); --sync brings it up to date first.

    \b
    Examples:
      crm list
      crm list --group Wholesale
      crm list --group Leads --format csv > leads.csv
      crm --json list --limit 20
    """
    account = ctx.account
    names = group_names(account)
    if ctx.wants_json:
        contacts = uc.list_contacts(account, group=group, limit=limit, sync=sync)
        mode = 0o600
        if ctx.output not in (None, "-"):  # the profile may share exports (export_mode)
            from contacts_crm.files.output import file_mode

            mode = file_mode(account.profile.export_mode)
        with open_output(ctx.output, mode=mode) as out:  # -o FILE, else stdout
            _json_lines((contact_dict(c, names) for c in contacts), out)
        return
    pages = uc.list_pages(account, group=group, limit=limit, sync=sync)
    header = [_("Name"), _("Phones"), _("Emails"), _("Company"), _("Groups"), _("Id")]

    def groups_of(row: Listed) -> str:
        return ", ".join(names.get(g, g) for g in row.groups if g != MY_CONTACTS)

    if ctx.fmt == "csv" and ctx.output in (None, "-"):  # a pipe: written as read
        from contacts_crm.files.safe_cells import csv_cell

        # written as read, a page per write (one page in memory; one write, not one per
        # row, even where stdout is unbuffered)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        for page in pages:
            writer.writerows(
                [csv_cell(str(v)) for v in (r.name, ", ".join(r.phones), ", ".join(r.emails),
                                            r.organization, groups_of(r), r.resource_name)]
                for r in page
            )  # fmt: skip
            sys.stdout.write(buf.getvalue())
            buf.seek(0)
            buf.truncate()
        sys.stdout.write(buf.getvalue())
        sys.stdout.flush()
        return
    rows = [
        (r.name, ", ".join(phone_cell(ctx, p) for p in r.phones), ", ".join(r.emails),
         r.organization, groups_of(r), r.resource_name)
        for page in pages for r in page
    ]  # fmt: skip
    empty = _("No contacts.") if not group else _("No contacts in {group!r}.").format(group=group)
    show_listing(ctx, Listing(header, rows, empty=empty, nowrap=(5,)))
    if ctx.fmt == "table" and rows and ctx.output in (None, "-"):
        click.echo(_("{n} contact(s)").format(n=len(rows)))


def _json_lines(items: Iterable[dict[str, Any]], out: Any) -> None:
    """A JSON array written item by item, laid out as ``json.dumps(indent=2)`` lays out
    the whole list (so the output is the same, only never all in memory)."""
    first = True
    chunk: list[str] = []
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        chunk.append(("[\n  " if first else ",\n  ") + text)
        first = False
        if len(chunk) == 1000:  # a write per thousand, not per contact
            out.write("".join(chunk))
            chunk = []
    out.write("".join(chunk) + ("[]\n" if first else "\n]\n"))
    out.flush()


@click.command()
@click.argument("query", nargs=-1, required=True)
@pass_ctx
def show(ctx: Ctx, query: tuple[str, ...]) -> None:
    """Show every field of one contact: names, phones, emails, company, addresses,
    groups, the card and the resource name.

    \b
    Examples:
      crm show "+7 916 123-45-67"
      crm show Petrov
      crm --json show people/c123
    """
    shown = uc.show_contact(ctx.read_account, " ".join(query))
    data = shown.to_dict()

    def human() -> None:
        click.secho(data["name"] or _("(no name)"), bold=True)
        rows = [
            (_("Id"), data["resourceName"]),
            (_("Given name"), data["givenName"]),
            (_("Middle name"), data["middleName"]),
            (_("Family name"), data["familyName"]),
            (_("Nickname"), ", ".join(data["nicknames"])),
            *[(_("Phone"), f"{format_national(p['value'])} [{type_word(p['type'])}]")
              for p in data["phones"]],
            *[(_("Email"), f"{e['value']} [{type_word(e['type'])}]") for e in data["emails"]],
            (_("Company"), data["organization"]),
            (_("Title"), data["title"]),
            (_("Department"), data["department"]),
            (_("Role"), data["jobDescription"]),
            *[(_("Website"), f"{u['value']} [{type_word(u['type'])}]") for u in data["urls"]],
            (_("Birthday"), data["birthday"]),
            *[(_("Address"), f"{_address(a)} [{type_word(a['type'])}]")
              for a in data["addresses"]],
            (_("Groups"), ", ".join(data["groups"])),
            *[(f"{u['key']}", u["value"]) for u in data["userDefined"]],
        ]  # fmt: skip
        for label, value in rows:
            if value:
                click.echo(f"{label:12} {value}")
        click.echo(_("Card:"))
        click.echo(data["card"] or _("(empty)"))

    emit(ctx, data, human)


def _address(a: dict[str, str]) -> str:
    return a["formatted"] or ", ".join(
        a[k]
        for k in ("poBox", "street", "extendedAddress", "city", "region", "postalCode", "country")
        if a[k]
    )


@click.command()
@click.argument("query")
@click.option("--name", metavar="NAME", help="New full name ('Ivan Petrov': given, family).")
@click.option("--add-phone", multiple=True, metavar="NUMBER", help="Add a phone (repeatable).")
@click.option(
    "--remove-phone",
    multiple=True,
    metavar="NUMBER",
    help="Remove a phone, written any way (repeatable).",
)
@click.option("--add-email", multiple=True, metavar="EMAIL", help="Add an email (repeatable).")
@click.option("--remove-email", multiple=True, metavar="EMAIL", help="Remove an email.")
@click.option("--org", metavar="COMPANY", help="Company ('' clears it).")
@click.option("--title", metavar="TITLE", help="Job title ('' clears it).")
@click.option("--address", metavar="TEXT", help="The address, one line ('' removes it).")
@click.option("--append-note", metavar="TEXT", help="Add a line to the card's free text.")
@pass_ctx
def edit(
    ctx: Ctx,
    query: str,
    name: str | None,
    add_phone: tuple[str, ...],
    remove_phone: tuple[str, ...],
    add_email: tuple[str, ...],
    remove_email: tuple[str, ...],
    org: str | None,
    title: str | None,
    address: str | None,
    append_note: str | None,
) -> None:
    """Change a contact's fields; with no option, open $EDITOR on the contact.

    The editor shows one 'Field: value' per line with comments saying each
    format; an unchanged file changes nothing, a mistake reopens the editor
    with the error on top. The card's orders and calls are not in it (use
    crm call / crm order); the free text below the '--' line is.

    \b
    Examples:
      crm edit Petrov --name "Ivan Petrov" --org "Tiles Ltd"
      crm edit "+7 916 123-45-67" --add-phone "8 495 123-45-67" --remove-phone 89161234567
      crm edit people/c123 --append-note "Gate code 1234"
      EDITOR=nano crm edit Petrov
    """
    account = ctx.account
    options = Edit()
    if name is not None:
        parts = contacts_uc.split_name(name)
        options = Edit(given_name=parts.given, middle_name=parts.middle, family_name=parts.family)
        guess = name_guess_note(name)
        if guess:
            click.echo(guess, err=True)
    options = Edit(
        given_name=options.given_name,
        middle_name=options.middle_name,
        family_name=options.family_name,
        organization=org,
        title=title,
        add_phones=tuple(PhoneEntry(p, "mobile") for p in add_phone),
        remove_phones=remove_phone,
        add_emails=tuple(EmailEntry(e, "work") for e in add_email),
        remove_emails=remove_email,
        address=address,
        append_note=append_note,
    )
    if options.empty:
        edited = _edit_in_editor(ctx, query)
        if edited is None:
            emit(ctx, {"changed": []}, _("No change: the file was saved as it was."))
            return
        options = edited
    result = uc.edit_contact(account, query, options)
    emit(
        ctx,
        result.to_dict(),
        _("Changed {fields} of {name} ({rn})").format(
            fields=field_words(result.changed),
            name=result.contact.display_name,
            rn=result.contact.resource_name,
        )
        if result.changed
        else _("Nothing to change."),
    )


def _edit_in_editor(ctx: Ctx, query: str) -> Edit | None:
    """Open $EDITOR until the file parses; None when it is saved as it was shown."""
    contact, text = uc.editor_text(ctx.account, query)
    shown = text
    for _try in range(EDITOR_TRIES):
        saved = click.edit(shown, extension=".txt", require_save=False)
        if saved is None or saved == shown:
            if shown == text:
                return None
            break
        try:
            return uc.edit_from_text(ctx.account, contact, saved)
        except InputError as exc:
            shown = with_error(saved, "; ".join([exc.message, *(str(p) for p in exc.problems)]))
    raise InputError(
        _("the edited contact {rn} still has a mistake: nothing was changed").format(
            rn=contact.resource_name
        ),
        [Problem(shown.split("\n", 1)[0].removeprefix("# ERROR: "))],
        hint=_("run crm edit again, or change single fields with options such as --add-phone"),
    )


@click.command()
@click.argument("queries", nargs=-1, required=True, metavar="QUERY...")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--force",
    is_flag=True,
    help=f"Allow deleting more than {uc.DELETE_THRESHOLD} contacts at once.",
)
@pass_ctx
def delete(ctx: Ctx, queries: tuple[str, ...], yes: bool, force: bool) -> None:
    """Delete contacts (each QUERY must name one). The journal keeps each whole
    contact first, so 'crm undelete' can bring it back.

    \b
    Examples:
      crm delete "+7 916 123-45-67"
      crm delete people/c123 people/c456 --yes
    """
    account = ctx.account
    again = uc.delete_again(account, queries)
    if again is not None:
        _said_deleted(ctx, again)
        return
    contacts = uc.to_delete(account, queries)
    if not yes:
        names = "\n".join(
            f"  {c.display_name} ({c.resource_name})"
            + (f", {format_national(c.phones[0].value)}" if c.phones else "")
            for c in contacts
        )
        click.echo(_("About to delete {n} contact(s):").format(n=len(contacts)), err=True)
        click.echo(names, err=True)
        confirm(_("Delete them?"), yes=False,
                refused=_("{n} contact(s) not deleted").format(n=len(contacts)))  # fmt: skip
    result = uc.delete_contacts(
        account, contacts, force=force, queries=queries, on_start=started(ctx, "delete")
    )
    _said_deleted(ctx, result)


def _said_deleted(ctx: Ctx, result: uc.Deleted) -> None:
    emit(
        ctx,
        result.to_dict(),
        _("Deleted {n} contact(s) (journal operation {op}; 'crm undelete' brings one back)").format(
            n=len(result.contacts), op=result.op_id
        ),
    )


COMMANDS = [list_, show, edit, delete]
