"""``crm doctor --phones``: the output of the account-wide phone check and fix."""

from __future__ import annotations

import click

from contacts_crm.cli.output import Ctx, emit, progress
from contacts_crm.usecases import phone_fix as uc

SHOWN = 50  # lines of each list shown to a person (--json has them all)


def phone_doctor(ctx: Ctx, *, fix: bool, region: str | None, undo: str | None) -> None:
    """Run the check, the fix (``fix``) or the undo of a fix (``undo``) and print it."""
    account = ctx.account
    if undo:
        with progress(ctx, "putting numbers back") as update:
            done = uc.undo_fix(
                account, undo, progress=lambda n, total: update(completed=n, total=total)
            )
        emit(
            ctx,
            done.to_dict(),
            f"Put back the typed numbers of {done.restored} contact(s) "
            f"(journal operation {done.op_id})",
        )
        return
    with progress(ctx, "fixing phone numbers") as update:
        report = uc.doctor_phones(
            account,
            fix=fix,
            region=region,
            progress=lambda n, total: update(completed=n, total=total),
        )
    emit(ctx, report.to_dict(), lambda: _human(report, fix))


def _human(report: uc.PhoneReport, fix: bool) -> None:
    n = len(report.to_fix)
    if fix and report.op_id:
        click.echo(
            f"Rewrote the numbers of {report.fixed} contact(s) to E.164 "
            f"(region {report.region}); undo: crm doctor --phones --undo {report.op_id}"
        )
    elif n:
        click.echo(
            f"{n} of {report.checked} contact(s) have numbers not in E.164 "
            f"(region {report.region}); 'crm doctor --phones --fix' rewrites them:"
        )
        for item in report.to_fix[:SHOWN]:
            changes = ", ".join(f"{a} -> {b}" for a, b in item["changes"])
            click.echo(f"  {item['name']} ({item['resourceName']}): {changes}")
        if n > SHOWN:
            click.echo(f"  … and {n - SHOWN} more (--json lists them all)")
    else:
        click.echo(f"All numbers of {report.checked} contact(s) are in E.164.")
    if report.unreadable:
        click.echo(f"{len(report.unreadable)} number(s) cannot be read; fix them with crm edit:")
        for item in report.unreadable[:SHOWN]:
            click.echo(
                f"  {item['name']} ({item['resourceName']}): {item['phone']!r}: {item['problem']}"
            )
    if report.clashes:
        click.echo(
            f"{len(report.clashes)} pair(s) of contacts share the last 7 digits of a "
            "number: a call from one shows the other's name on Android:"
        )
        for c in report.clashes[:SHOWN]:
            (_, n1, p1), (_, n2, p2) = c.first, c.second
            same = " (the same number: crm duplicates / crm merge)" if c.same_number else ""
            click.echo(f"  …{c.tail}: {n1} {p1} / {n2} {p2}{same}")
