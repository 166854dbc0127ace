"""``crm group``: labels, the quick mark of a client."""

from __future__ import annotations

import click

from contacts_crm.cli.output import (
    Ctx,
    Listing,
    confirm,
    emit,
    output_options,
    pass_ctx,
    show,
    started,
)
from contacts_crm.i18n import _
from contacts_crm.usecases import contacts as crm
from contacts_crm.usecases.members import change_members


@click.group()
def group() -> None:
    """List and manage groups (Google labels).

    \b
    Examples:
      crm group list
      crm group create Wholesale
      crm group add Wholesale "+7 916 123-45-67" Petrov
      crm group remove Wholesale Petrov
      crm group rename Wholesale "Wholesale clients"
      crm group delete "Wholesale clients" --yes
    """


@group.command("list")
@output_options()
@pass_ctx
def list_(ctx: Ctx) -> None:
    """List groups with their member counts.

    \b
    Examples:
      crm group list
      crm group list --format csv -o groups.csv
    """
    data = crm.groups(ctx.account)
    system = {"contactGroups/myContacts": _("My Contacts"), "contactGroups/starred": _("Starred")}
    rows = [(system.get(g["resourceName"], g["name"]) if ctx.human else g["name"], g["members"],
             g["resourceName"]) for g in data]  # fmt: skip
    show(ctx, Listing([_("Group"), _("Members"), _("Id")], rows, empty=_("No group yet.")), data)


@group.command()
@click.argument("name")
@pass_ctx
def create(ctx: Ctx, name: str) -> None:
    """Create a group.

    \b
    Example:
      crm group create Wholesale
    """
    g = crm.create_group(ctx.account, name)
    emit(ctx, g, _("Created group {name} ({rn})").format(name=g.get("name"), rn=g["resourceName"]))


@group.command()
@click.argument("old")
@click.argument("new")
@pass_ctx
def rename(ctx: Ctx, old: str, new: str) -> None:
    """Rename a group (its contacts stay in it).

    \b
    Example:
      crm group rename Wholesale "Wholesale clients"
    """
    g = crm.rename_group(ctx.account, old, new)
    emit(ctx, g, _("Renamed to {name}").format(name=g.get("name")))


@group.command()
@click.argument("name")
@click.option("--with-contacts", is_flag=True, help="Also delete the contacts in it.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def delete(ctx: Ctx, name: str, with_contacts: bool, yes: bool) -> None:
    """Delete a group (its contacts stay unless --with-contacts).

    Asks first, naming the group and its size; answering no exits 3.

    \b
    Examples:
      crm group delete "Old leads"
      crm group delete "Old leads" --with-contacts --yes
    """
    size = next((g["members"] for g in crm.groups(ctx.account)
                 if (g["name"] or "").casefold() == name.strip().casefold()), None)  # fmt: skip
    if size is None:  # not a label by that name: say so before asking anything
        crm.group_resource(ctx.account, name)
    what = (_("Delete group {name!r} and the {n} contact(s) in it?") if with_contacts else
            _("Delete group {name!r}? Its {n} contact(s) stay, without this label."))  # fmt: skip
    confirm(what.format(name=name, n=size if size is not None else "?"), yes=yes,
            refused=_("group {name!r} was not deleted").format(name=name))  # fmt: skip
    rn = crm.delete_group(ctx.account, name, delete_contacts=with_contacts)
    emit(ctx, {"deleted": rn}, _("Deleted group {name}").format(name=name))


def _members(ctx: Ctx, name: str, queries: tuple[str, ...], add: bool) -> None:
    report = change_members(ctx.account, name, queries, add=add,
                            on_start=started(ctx, "group_members"))  # fmt: skip
    said = _("Added to {name}: {n} contact(s)") if add else _("Removed from {name}: {n} contact(s)")
    already = (_("  {rn}: already in {name}, nothing to do") if add
               else _("  {rn}: already not in {name}, nothing to do"))  # fmt: skip

    def human() -> None:
        click.echo(said.format(name=name, n=len(report["changed"])))
        for rn in report.get("unchanged", []):
            click.echo(already.format(rn=rn, name=name))
        for rn in report["lastGroup"]:
            click.echo(_("  kept {rn}: a contact must stay in at least one group").format(rn=rn))
        for rn in report["notFound"]:
            click.echo(_("  not found: {rn}").format(rn=rn))

    emit(ctx, report, human)


@group.command("add")
@click.argument("name")
@click.argument("contacts", nargs=-1, required=True)
@pass_ctx
def add_members(ctx: Ctx, name: str, contacts: tuple[str, ...]) -> None:
    """Put contacts (each a phone, name or email) into a group.

    \b
    Example:
      crm group add Wholesale "+7 916 123-45-67" Petrov
    """
    _members(ctx, name, contacts, add=True)


@group.command("remove")
@click.argument("name")
@click.argument("contacts", nargs=-1, required=True)
@pass_ctx
def remove_members(ctx: Ctx, name: str, contacts: tuple[str, ...]) -> None:
    """Take contacts out of a group.

    \b
    Example:
      crm group remove Wholesale Petrov
    """
    _members(ctx, name, contacts, add=False)


COMMANDS = [group]
