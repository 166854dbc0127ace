"""Commands on deleted contacts: ``crm journal --deleted`` and ``crm undelete``."""

from __future__ import annotations

import click

from contacts_crm.cli.output import (
    Ctx,
    Listing,
    emit,
    output_options,
    pass_ctx,
    phone_cell,
    short_time,
    show,
    started,
)
from contacts_crm.i18n import _
from contacts_crm.usecases import history as uc


@click.command("deleted")
@click.argument("query", nargs=-1)
@output_options()
@pass_ctx
def journal_deleted(ctx: Ctx, query: tuple[str, ...]) -> None:
    """List deleted contacts the journal kept (also: crm journal --deleted).

    Deleted on a phone or in the Contacts web page (seen by a sync), by
    'crm delete' or by 'crm import undo'. Bring one back with 'crm undelete'.

    \b
    Examples:
      crm journal --deleted
      crm journal --deleted Petrov
    """
    found = uc.deleted_contacts(ctx.account, " ".join(query) or None)
    human = ctx.human
    rows = [
        (short_time(d.at) if human else d.at, d.who or "", d.name,
         ", ".join(phone_cell(ctx, p.value) for p in d.contact.phones),
         d.resource_name)
        for d in found
    ]  # fmt: skip
    listing = Listing([_("Deleted"), _("Who"), _("Name"), _("Phones"), _("Was")], rows,
                      title=_("Deleted contacts"), empty=_("No deleted contacts in the journal."),
                      nowrap=(0, 4))  # fmt: skip
    show(ctx, listing, [d.to_dict() for d in found])


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--by", metavar="NAME", help="Who brings it back (default: the profile's user).")
@click.option("--allow-duplicate", is_flag=True,
              help="Restore even if a live contact now has one of its phones.")  # fmt: skip
@pass_ctx
def undelete(ctx: Ctx, query: tuple[str, ...], by: str | None, allow_duplicate: bool) -> None:
    """Bring back a deleted contact (card, phones, e-mails, company, groups).

    QUERY is a name, a phone in any spelling, an e-mail or the old resource
    name, as 'crm journal --deleted' lists them. The contact comes back with
    a new resource name; groups deleted meanwhile are left out and named.

    \b
    Examples:
      crm undelete Petrov
      crm undelete "8 903 000-00-02"
    """
    text = " ".join(query)
    done = uc.undelete_again(ctx.account, text) or uc.undelete(
        ctx.account, text, by=by, allow_duplicate=allow_duplicate,
        on_start=started(ctx, "undelete"),
    )  # fmt: skip
    said = _("Restored {name} as {rn}").format(
        name=done.contact.display_name, rn=done.contact.resource_name
    )
    if done.missing_groups:
        said += _(" (groups no longer there: {names})").format(names=", ".join(done.missing_groups))
    emit(ctx, done.to_dict(), said)


@click.command()
@click.argument("op_id", metavar="OP")
@click.option(
    "--force",
    is_flag=True,
    help="Also take back contacts people worked on since (they are kept otherwise).",
)
@pass_ctx
def undo(ctx: Ctx, op_id: str, force: bool) -> None:
    """Undo an operation by the id it printed when it started.

    Works for every command that writes more than once (merge, delete,
    undelete, group add/remove), also when it was interrupted: it is finished
    first, then taken back. Later work stays: a contact someone changed since
    keeps those changes, and a contact people worked on is not deleted
    (--force deletes it all the same). Undoing twice changes nothing and
    says so (exit 0).

    \b
    Examples:
      crm undo 3f2a9c0d1e2b4a5c
    """
    done = uc.undo_operation(ctx.account, op_id, force=force)
    if done.already:
        said = _("{op} was already undone (operation {undo}); nothing to do")
    else:
        said = _("Undid {op} (operation {undo})")
    text = said.format(op=op_id, undo=done.undo_id)
    for rn in done.kept:
        kept = _("  kept {rn}: worked on since (crm undo --force takes it back too)")
        text += "\n" + kept.format(rn=rn)
    emit(ctx, done.to_dict(), text)


COMMANDS = [undelete, undo]
