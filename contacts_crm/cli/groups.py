"""``crm group``: labels, the quick mark of a client."""

from __future__ import annotations

import click

from contacts_crm.cli.output import Ctx, Listing, confirm, emit, output_options, pass_ctx, show
from contacts_crm.usecases import contacts as crm


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
    rows = [(g["name"], g["members"], g["resourceName"]) for g in data]
    show(ctx, Listing(["Group", "Members", "Id"], rows, empty="No group yet."), data)


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
    emit(ctx, g, f"Created group {g.get('name')} ({g['resourceName']})")


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
    emit(ctx, g, f"Renamed to {g.get('name')}")


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
    members = f"{size} contact(s)" if size is not None else "its contacts"
    what = (f"Delete group {name!r} and the {members} in it?" if with_contacts
            else f"Delete group {name!r}? Its {members} stay, without this label.")  # fmt: skip
    confirm(what, yes=yes, refused=f"group {name!r} was not deleted")
    rn = crm.delete_group(ctx.account, name, delete_contacts=with_contacts)
    emit(ctx, {"deleted": rn}, f"Deleted group {name}")


def _members(ctx: Ctx, name: str, queries: tuple[str, ...], add: bool) -> None:
    report = crm.change_members(ctx.account, name, queries, add=add)
    verb = "Added to" if add else "Removed from"

    def human() -> None:
        click.echo(f"{verb} {name}: {len(report['changed'])} contact(s)")
        for rn in report.get("unchanged", []):
            click.echo(f"  {rn}: already {'in' if add else 'not in'} {name}, nothing to do")
        for rn in report["lastGroup"]:
            click.echo(f"  kept {rn}: a contact must stay in at least one group")
        for rn in report["notFound"]:
            click.echo(f"  not found: {rn}")

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
