"""Commands that merge duplicates: merge (and its undo), duplicates."""

from __future__ import annotations

import click

from contacts_crm.cli.output import (
    Ctx,
    Listing,
    ask,
    emit,
    output_options,
    pass_ctx,
    phone_cell,
    show,
    started,
)
from contacts_crm.contact.phones import format_national
from contacts_crm.errors import UsageError
from contacts_crm.i18n import _
from contacts_crm.usecases import duplicates as dup
from contacts_crm.usecases import merge as uc


@click.command()
@click.argument("queries", nargs=-1, metavar="A B")
@click.option("--into", metavar="QUERY", help="Which of the two survives (default: A).")
@click.option("--undo", "undo", metavar="OP", help="Undo the merge with this operation id.")
@pass_ctx
def merge(ctx: Ctx, queries: tuple[str, ...], into: str | None, undo: str | None) -> None:
    """Merge contact B into contact A: one contact, one card, B deleted.

    Names' parts, phones, emails, groups and addresses are joined (A's win
    where they differ; B's are kept as a note on the card). The cards become
    one: B's orders renumbered after A's, calls interleaved by date, both free
    texts kept. The whole merge is one journal operation: --undo reverses it.

    \b
    Examples:
      crm merge "+7 916 123-45-67" people/c456
      crm merge "8 916 123-45-67" "8 495 123-45-67" --into "8 495 123-45-67"
      crm merge --undo 3f2a9c0d1e2b4a5c
    """
    if undo:
        if queries:
            raise UsageError(_("--undo takes only the operation id"), hint="crm merge --undo OP")
        done = uc.undo_merge(ctx.account, undo)
        if done.already:
            emit(
                ctx,
                done.to_dict(),
                _("Merge {op} was already undone (operation {undo}); nothing to do").format(
                    op=undo, undo=done.op_id
                ),
            )
            return
        emit(
            ctx,
            done.to_dict(),
            _("Undid merge {op}: {name} ({rn}) restored, {other} recreated as {new_rn}").format(
                op=undo,
                name=done.restored.display_name,
                rn=done.restored.resource_name,
                other=done.recreated.display_name,
                new_rn=done.recreated.resource_name,
            ),
        )
        return
    if len(queries) != 2:
        raise UsageError(
            _("merge takes two contacts"),
            hint=_('crm merge A B  (e.g. crm merge Petrov "+7 916 123-45-67")'),
        )
    result = uc.merge(
        ctx.account, queries[0], queries[1], into=into, on_start=started(ctx, "merge")
    )
    _show_merge(ctx, result)


def _show_merge(ctx: Ctx, result: uc.Merged) -> None:
    def human() -> None:
        into = f"{result.contact.display_name} ({result.contact.resource_name})"
        click.echo(_("Merged {other} into {into}; undo: crm merge --undo {op}").format(
            other=result.other, into=into, op=result.op_id))  # fmt: skip
        for old, new in result.renumbered.items():
            if old != new:
                click.echo(_("  order {old} of the other card is now order {new}").format(
                    old=old, new=new))  # fmt: skip
        for note in result.notes:
            click.echo(_("  kept as a note: {note}").format(note=note))

    emit(ctx, result.to_dict(), human)


@click.command()
@click.option(
    "--by",
    "by",
    metavar="phone,email,name",
    help="What makes contacts duplicates (default: all three).",
)
@click.option(
    "--merge",
    "do_merge",
    is_flag=True,
    help="Walk the groups one by one: preview, then merge on confirmation.",
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="With --merge: merge the exact groups (same phone or email) without asking; "
    "groups found by name only are left alone.",
)
@output_options()
@pass_ctx
def duplicates(ctx: Ctx, by: str | None, do_merge: bool, yes: bool) -> None:
    """List groups of likely duplicate contacts, each with the reason.

    Same number (E.164), same email, or the same name up to case,
    transliteration (Петров = Petrov, Yılmaz = YILMAZ) and word order.

    \b
    Examples:
      crm duplicates
      crm duplicates --by phone,email
      crm duplicates --merge
      crm duplicates --merge --yes
    """
    if yes and not do_merge:
        raise UsageError(_("--yes only goes with --merge"), hint="crm duplicates --merge --yes")
    account = ctx.account
    found = dup.duplicates(account, dup.parse_by(by))
    if not do_merge:
        rows = [
            (n, _why(item), c.display_name, ", ".join(phone_cell(ctx, p.value) for p in c.phones),
             c.resource_name)
            for n, item in enumerate(found, 1)
            for c in item.contacts
        ]  # fmt: skip
        columns = [_("Group"), _("Reason"), _("Name"), _("Phones"), _("Id")]
        show(ctx, Listing(columns, rows, empty=_("No likely duplicates."), nowrap=(4,)),
             [f.to_dict() for f in found])  # fmt: skip
        return
    merged: list[dict[str, object]] = []
    skipped = 0
    for n, item in enumerate(found, 1):
        if yes and not item.group.exact:
            skipped += 1
            continue
        if not yes:
            _print_group(n, item, err=True)
            if not ask(_("Merge these into {name}?").format(name=item.contacts[0].display_name)):
                skipped += 1
                continue
        for result in dup.merge_group(account, item):
            merged.append(result.to_dict())
            if not ctx.json:
                click.echo(
                    _("Merged {other} into {name} (undo: crm merge --undo {op})").format(
                        other=result.other, name=result.contact.display_name, op=result.op_id
                    )
                )
    emit(
        ctx,
        {"merged": merged, "skipped": skipped},
        _("{merged} merge(s), {skipped} group(s) left alone").format(
            merged=len(merged), skipped=skipped
        ),
    )


def _why(item: dup.Found) -> str:
    """Why contacts are one client, in words: the number, the e-mail, or the name as the
    first contact writes it (never the folded key the search compares)."""
    parts = []
    for reason, value in item.group.reasons:
        if reason == "phone":
            parts.append(_("same phone {value}").format(value=format_national(value)))
        elif reason == "email":
            parts.append(_("same email {value}").format(value=value))
        else:
            parts.append(_("same name {value}").format(value=item.contacts[0].display_name))
    why = "; ".join(parts)
    return why + ("" if item.group.exact else _(" (by name: check before merging)"))


def _print_group(n: int, item: dup.Found, err: bool = False) -> None:
    click.echo(f"{n}. {_why(item)}", err=err)
    for c in item.contacts:
        phones = ", ".join(format_national(p.value) for p in c.phones)
        click.echo(
            f"   {c.display_name} ({c.resource_name})" + (f": {phones}" if phones else ""), err=err
        )


COMMANDS = [merge, duplicates]
