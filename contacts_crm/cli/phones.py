"""``crm doctor --phones``: the output of the account-wide phone check and fix."""

from __future__ import annotations

import click

from contacts_crm.cli.output import Ctx, emit, progress, started
from contacts_crm.contact.phones import format_national
from contacts_crm.i18n import _
from contacts_crm.usecases import phone_fix as uc

SHOWN = 50  # lines of each list shown to a person (--json has them all)


def phone_doctor(ctx: Ctx, *, fix: bool, region: str | None, undo: str | None) -> None:
    """Run the check, the fix (``fix``) or the undo of a fix (``undo``) and print it."""
    account = ctx.account
    if undo:
        with progress(ctx, _("putting numbers back")) as update:
            done = uc.undo_fix(
                account, undo, progress=lambda n, total: update(completed=n, total=total)
            )
        if done.already:
            emit(
                ctx,
                done.to_dict(),
                _("{op} was already undone (operation {undo}); nothing to do").format(
                    op=undo, undo=done.op_id
                ),
            )
            return
        emit(
            ctx,
            done.to_dict(),
            _("Put back the typed numbers of {n} contact(s) (journal operation {op})").format(
                n=done.restored, op=done.op_id
            ),
        )
        return
    again = uc.fix_again(account, region) if fix else None
    if again is not None:
        emit(ctx, again.to_dict(), lambda: _human(again, fix))
        return
    with progress(ctx, _("fixing phone numbers") if fix else _("checking phone numbers")) as update:
        report = uc.doctor_phones(
            account,
            fix=fix,
            region=region,
            progress=lambda n, total: update(completed=n, total=total),
            on_start=started(ctx, "phone_fix") if fix else None,
        )
    emit(ctx, report.to_dict(), lambda: _human(report, fix))


def _human(report: uc.PhoneReport, fix: bool) -> None:
    n = len(report.to_fix)
    if fix and report.op_id:
        click.echo(
            _(
                "Rewrote the numbers of {n} contact(s) to E.164 (region {region}); "
                "undo: crm doctor --phones --undo {op}"
            ).format(n=report.fixed, region=report.region, op=report.op_id)
        )
    elif n:
        click.echo(
            _(
                "{n} of {checked} contact(s) have numbers not in E.164 (region {region}); "
                "'crm doctor --phones --fix' rewrites them:"
            ).format(n=n, checked=report.checked, region=report.region)
        )
        for item in report.to_fix[:SHOWN]:
            changes = ", ".join(f"{a} -> {b}" for a, b in item["changes"])
            click.echo(f"  {item['name']} ({item['resourceName']}): {changes}")
        if n > SHOWN:
            click.echo(_("  … and {n} more (--json lists them all)").format(n=n - SHOWN))
    else:
        click.echo(_("All numbers of {n} contact(s) are in E.164.").format(n=report.checked))
    if report.unreadable:
        click.echo(_("{n} number(s) cannot be read; fix them with crm edit:").format(
            n=len(report.unreadable)))  # fmt: skip
        for item in report.unreadable[:SHOWN]:
            click.echo(
                f"  {item['name']} ({item['resourceName']}): {item['phone']!r}: {item['problem']}"
            )
    if report.clashes:
        click.echo(
            _(
                "{n} pair(s) of contacts share the last 7 digits of a number: a call from one "
                "shows the other's name on Android:"
            ).format(n=len(report.clashes))
        )
        for c in report.clashes[:SHOWN]:
            (_rn1, n1, p1), (_rn2, n2, p2) = c.first, c.second
            same = _(" (the same number: crm duplicates / crm merge)") if c.same_number else ""
            click.echo(
                f"  …{c.tail}: {n1} {format_national(p1)} / {n2} {format_national(p2)}{same}"
            )
